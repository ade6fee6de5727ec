"""The home page's charts added in issue 12: persons by status over time (from the status changes
the audit trail records), persons by place and by region (their current place); every count
under 5 suppressed, and no total beside suppressed counts that gives one away by subtraction."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from casework import dashboard
from casework.charts import stacked_chart, total_shown
from casework.models import Placement
from casework.services.persons import person_change_status
from tests.factories import LocationFactory, PersonFactory


def _cells(html: str, table_id: str, row_attr: str) -> list[str]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = table.split(row_attr, 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', row)


def _home(login, user):
    response = login(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_total_beside_a_suppressed_count_counts_only_what_is_shown():
    assert total_shown([6, 0, 7]) == "13"
    # 6 + 3 = 9 would give the 3 away: the total says "at least 6".
    assert total_shown([6, 3, 0]) == "at least 6"
    assert total_shown([1200, 2]) == "more than 1000"
    assert total_shown([]) == "0"


def test_a_stacked_bar_draws_a_small_count_at_the_threshold_and_writes_no_total():
    chart = stacked_chart(
        [("2026-01", "January", {"located": 20, "verifying": 2}), ("2026-02", "February", {})],
        [("verifying", "verifying"), ("located", "located")],
    )
    january, february = chart.rows
    small, big = january.segments
    assert (small.key, small.text, small.suppressed) == ("verifying", "fewer than 5", True)
    assert small.width == round(250 * 5 / 25) and big.x == small.width
    assert [cell.text for cell in january.cells] == ["fewer than 5", "20"]
    assert february.segments == () and [c.text for c in february.cells] == ["0", "0"]


def _moved(world, n, to):
    """`n` persons of team A moved from reported to `to` through the service, which records the
    change in the audit trail."""
    for _ in range(n):
        person = PersonFactory(organisation=world.north, team=world.team_a, status="reported")
        person_change_status(
            actor=world.supervisor,
            person=person,
            to=to,
            reason="Seen in a camp list.",
            expected_version=person.version,
        )


def test_status_over_time_counts_the_changes_of_each_month_and_suppresses_small_ones(world, login):
    _moved(world, 6, "verifying")
    _moved(world, 2, "not_traceable")
    # Another organisation's changes never count.
    south = PersonFactory(organisation=world.south, status="reported")
    person_change_status(
        actor=world.south_supervisor,
        person=south,
        to="verifying",
        reason="Seen in a camp list.",
        expected_version=south.version,
    )
    table, series = dashboard.status_changes_by_month(world.supervisor)
    assert [key for key, _label in series] == ["verifying", "not_traceable"]
    assert len(table) == 12
    assert table[-1][2] == {"verifying": 6, "not_traceable": 2}
    assert all(counts == {"verifying": 0, "not_traceable": 0} for _k, _f, counts in table[:-1])
    # Seen three months on, this month's changes sit three rows from the end; a year on, gone.
    later = timezone.localdate() + dt.timedelta(days=95)
    table, _series = dashboard.status_changes_by_month(world.supervisor, today=later)
    assert table[-4][2] == {"verifying": 6, "not_traceable": 2}
    year_on = timezone.localdate() + dt.timedelta(days=400)
    assert dashboard.status_changes_by_month(world.supervisor, today=year_on)[1] == []
    html = _home(login, world.supervisor)
    month = timezone.localdate().isoformat()[:7]
    assert _cells(html, "status-by-month", f'data-month="{month}"') == ["6", "fewer than 5"]
    chart = html.split('id="status-time-chart"', 1)[1].split("</svg>", 1)[0]
    assert "seg-suppressed" in chart and ">2<" not in chart
    assert "style=" not in html


def test_status_over_time_counts_only_persons_the_viewer_may_see(world, login):
    _moved(world, 5, "verifying")
    hidden = PersonFactory(organisation=world.north, team=world.team_b, status="reported")
    person_change_status(
        actor=world.supervisor,
        person=hidden,
        to="verifying",
        reason="Seen in a camp list.",
        expected_version=1,
    )
    table, series = dashboard.status_changes_by_month(world.caseworker)
    assert table[-1][2] == {"verifying": 5}
    assert [key for key, _label in series] == ["verifying"]
    assert dashboard.status_changes_by_month(world.admin)[1] == []


def _placed(world, place, n, *, team=None):
    for _ in range(n):
        person = PersonFactory(organisation=world.north, team=team or world.team_a)
        Placement.objects.create(
            person=person,
            location=place,
            start_date=dt.date(2025, 1, 1),
            source="visit",
            reliability="confirmed",
        )


@pytest.fixture
def places(world):
    roj = LocationFactory(name="Invented Camp Roj", country="SY", governorate="Al-Hasakah")
    hol = LocationFactory(name="Invented Camp Hol", country="SY", governorate="Al-Hasakah")
    rusafa = LocationFactory(name="Invented Prison Rusafa", country="IQ", governorate="Baghdad")
    _placed(world, roj, 7)
    _placed(world, hol, 3)
    _placed(world, rusafa, 5)
    _placed(world, rusafa, 4, team=world.team_b)
    return roj, hol, rusafa


def test_persons_by_place_count_those_the_viewer_may_see_there_now(world, login, places):
    roj, hol, rusafa = places
    html = _home(login, world.caseworker)
    assert _cells(html, "persons-by-place", f'data-place="{roj.public_id}"') == ["7"]
    assert _cells(html, "persons-by-place", f'data-place="{hol.public_id}"') == ["fewer than 5"]
    # Team B's four at Rusafa are not the caseworker's to count.
    assert _cells(html, "persons-by-place", f'data-place="{rusafa.public_id}"') == ["5"]
    supervisor = _home(login, world.supervisor)
    assert _cells(supervisor, "persons-by-place", f'data-place="{rusafa.public_id}"') == ["9"]


def test_a_region_leaves_out_its_small_places_so_nothing_is_derived_by_subtraction(
    world, login, places
):
    html = _home(login, world.caseworker)
    # Al-Hasakah holds Roj (7) and Hol (3): the region says 7, not 10, so 10 - 7 never shows 3.
    assert _cells(html, "persons-by-region", 'data-region="SY/Al-Hasakah"') == ["7"]
    assert _cells(html, "persons-by-region", 'data-region="IQ/Baghdad"') == ["5"]
    assert "Al-Hasakah, SY" in html


def test_the_place_charts_are_only_for_those_who_see_whereabouts(world, login, places):
    for persona in ("intake", "dpo", "admin"):
        html = _home(login, getattr(world, persona))
        assert 'id="persons-by-place"' not in html and "Invented Camp Roj" not in html, persona


def test_the_status_total_beside_a_suppressed_count_is_a_lower_bound(world, login):
    for _ in range(6):
        PersonFactory(organisation=world.north, team=world.team_a, status="located")
    html = _home(login, world.caseworker)
    # The caseworker sees case_a (reported: fewer than 5) and the six located.
    total = html.split('id="persons-by-status-total">', 1)[1].split("<", 1)[0]
    assert total == "at least 6"
    assert re.search(r'id="persons-total">\s*at least 6', html)


def test_a_users_counts_are_kept_for_a_while_and_never_given_to_another(
    world, places, settings, django_assert_num_queries
):
    from django.core.cache import cache

    settings.HOME_CHARTS_SECONDS = 60
    cache.clear()
    try:
        first = dashboard.persons_by_place(world.supervisor)
        # Kept: the same answer without counting again (the role check reads nothing).
        with django_assert_num_queries(0):
            assert dashboard.persons_by_place(world.supervisor) == first
        # The caseworker's own count: team B's four at Rusafa are not theirs.
        theirs = {key: n for key, _name, n in dashboard.persons_by_place(world.caseworker)}
        ours = {key: n for key, _name, n in first}
        assert theirs[str(places[2].public_id)] == 5 and ours[str(places[2].public_id)] == 9
    finally:
        cache.clear()


def test_only_the_status_changes_of_persons_count(world):
    from casework import audit
    from casework.audit import AuditAction
    from casework.models import ManifestEntry
    from tests.factories import FlightFactory

    _moved(world, 5, "verifying")
    seat = ManifestEntry.objects.create(
        flight=FlightFactory(organisation=world.north), person=world.case_a
    )
    # A seat on a flight changes status too, and names its person: not a person's status.
    audit.record(
        world.supervisor, AuditAction.STATUS_CHANGE, seat, changes={"status": ["a", "verifying"]}
    )
    table, _series = dashboard.status_changes_by_month(world.supervisor)
    assert table[-1][2] == {"verifying": 5}
