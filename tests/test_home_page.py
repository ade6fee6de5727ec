"""The home page per role (issue 12): my cases and their next step, tasks due, the queues, the
flights coming, and charts whose small counts are suppressed."""

import datetime as dt
import re

from django.utils import timezone

from casework import dashboard
from casework.models import CaseTask, Handover, ManifestEntry, MatchSuggestion
from tests.factories import FlightFactory, PersonFactory


def _home(login, user):
    response = login(user).get("/")
    assert response.status_code == 200
    return response


def test_my_cases_are_the_open_cases_assigned_to_me_with_their_next_step(world, login):
    mine = PersonFactory(
        organisation=world.north, team=world.team_a, assigned_to=world.caseworker, status="located"
    )
    PersonFactory(
        organisation=world.north,
        team=world.team_a,
        assigned_to=world.caseworker,
        status="reunited",
        display_name="Endedova Layla",
    )
    response = _home(login, world.caseworker)
    cases = response.context["my_cases"]
    assert [case.person.pk for case in cases.rows] == [mine.pk]
    assert cases.rows[0].next_status == "identity_confirmed"
    assert not cases.more
    html = response.content.decode()
    assert f'data-person="{mine.public_id}"' in html
    assert "Endedova" not in html
    assert 'href="/persons/?assigned=me"' in html
    # The supervisor's own protected case is theirs, not the caseworker's.
    supervisor_cases = _home(login, world.supervisor).context["my_cases"]
    assert [case.person.pk for case in supervisor_cases.rows] == [world.protected_a.pk]


def test_a_long_caseload_reads_one_page_and_says_there_are_more(
    world, login, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(dashboard, "LIST_LIMIT", 3)
    for _ in range(5):
        PersonFactory(organisation=world.north, team=world.team_a, assigned_to=world.caseworker)
    client = login(world.caseworker)
    client.get("/")  # the session's first reads
    with django_assert_max_num_queries(20):
        response = client.get("/")
    cases = response.context["my_cases"]
    assert len(cases.rows) == 3 and cases.more
    assert 'id="my-cases-more"' in response.content.decode()


def test_tasks_due_are_mine_open_visible_and_due_within_a_week_earliest_first(world, login):
    today = timezone.localdate()
    world.case_a.assigned_to = world.caseworker
    world.case_a.save()
    soon = CaseTask.objects.create(
        person=world.case_a, title="Call the aunt", due_on=today + dt.timedelta(days=7)
    )
    CaseTask.objects.create(
        person=world.case_a, title="Next month", due_on=today + dt.timedelta(days=8)
    )
    CaseTask.objects.create(person=world.case_a, title="Some day", due_on=None)
    overdue = CaseTask.objects.create(
        person=world.case_a,
        title="Send the form",
        due_on=today - dt.timedelta(days=2),
        assigned_to=world.caseworker,
    )
    CaseTask.objects.create(
        person=world.case_a,
        title="Done already",
        due_on=today,
        assigned_to=world.caseworker,
        done_at=timezone.now(),
    )
    CaseTask.objects.create(
        person=world.case_a, title="The supervisor's", due_on=today, assigned_to=world.supervisor
    )
    # A task given to the caseworker on a person they may not see stays hidden.
    CaseTask.objects.create(
        person=world.protected_a, title="Hidden task", due_on=today, assigned_to=world.caseworker
    )
    response = _home(login, world.caseworker)
    assert [task.pk for task in response.context["tasks"].rows] == [overdue.pk, soon.pk]
    html = response.content.decode()
    for absent in ("Hidden task", "Done already", "Next month", "Some day", "The supervisor"):
        assert absent not in html, absent
    # Overdue says so in words, not by its colour alone; the one due in a week does not.
    overdue_row = re.search(rf'<li data-task="{overdue.public_id}" class="task-overdue">(.*?)</li>',
                            html, re.S)  # fmt: skip
    assert overdue_row and "Overdue:" in overdue_row.group(1)
    soon_row = re.search(rf'<li data-task="{soon.public_id}">(.*?)</li>', html, re.S)
    assert soon_row and "Overdue" not in soon_row.group(1)


def test_the_queues_and_flights_show_only_to_the_roles_who_work_them(world, login):
    low, high = sorted([world.case_a, world.case_b], key=lambda p: p.pk)
    MatchSuggestion.objects.create(
        organisation=world.north, probability=0.7, kind="person_person", person=low,
        other_person=high,
    )  # fmt: skip
    supervisor = _home(login, world.supervisor).context
    assert supervisor["suggestions_waiting"].count == 1
    # The caseworker may not see case_b: the pair is not theirs to judge.
    assert _home(login, world.caseworker).context["suggestions_waiting"].count == 0
    dpo = _home(login, world.dpo)
    for part in ("my_cases", "tasks", "reports_waiting", "suggestions_waiting", "flights",
                 "returns_chart"):  # fmt: skip
        assert dpo.context[part] is None, part
    html = dpo.content.decode()
    assert 'id="my-cases"' not in html and 'id="flights-coming"' not in html


def test_a_long_queue_is_counted_only_up_to_its_limit(world, login, monkeypatch):
    from tests.factories import ReportFactory

    monkeypatch.setattr(dashboard, "QUEUE_LIMIT", 2)
    for _ in range(4):
        ReportFactory(organisation=world.north, status="new")
    response = _home(login, world.supervisor)
    size = response.context["reports_waiting"]
    assert (size.count, size.more) == (2, True)
    assert re.search(r'id="reports-waiting">\s*more than 2', response.content.decode())


def test_flights_coming_show_their_seats_left(world, login):
    today = timezone.localdate()
    soon = FlightFactory(organisation=world.north, date=today + dt.timedelta(days=3), capacity=3)
    ManifestEntry.objects.create(
        flight=soon, person=world.case_a, status="approved", approved_by=world.supervisor
    )
    ManifestEntry.objects.create(flight=soon, person=world.case_b, status="proposed")
    FlightFactory(organisation=world.north, date=today - dt.timedelta(days=1))
    FlightFactory(organisation=world.north, date=today + dt.timedelta(days=5), status="cancelled")
    FlightFactory(organisation=world.south, date=today + dt.timedelta(days=2))
    response = _home(login, world.caseworker)
    flights = response.context["flights"]
    assert [flight.pk for flight in flights] == [soon.pk]
    assert flights[0].seats_left == 2
    assert "2 of 3" in response.content.decode()


def _table_cell(html: str, table_id: str, row_attr: str) -> str:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = table.split(row_attr, 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="text-end">([^<]*)</td>', row)[0]


def test_charts_suppress_counts_under_five_in_the_drawing_and_the_table(world, login):
    for _ in range(6):
        PersonFactory(organisation=world.north, team=world.team_a, status="located")
    PersonFactory(organisation=world.north, team=world.team_a, status="verifying")
    html = _home(login, world.supervisor).content.decode()
    assert _table_cell(html, "persons-by-status", 'data-status="located"') == "6"
    assert _table_cell(html, "persons-by-status", 'data-status="verifying"') == "fewer than 5"
    assert _table_cell(html, "persons-by-status", 'data-status="deceased"') == "0"
    chart = html.split('id="status-chart"', 1)[1].split("</svg>", 1)[0]
    verifying = chart.split('data-key="verifying"', 1)[1].split("</g>", 1)[0]
    assert "bar-suppressed" in verifying and ">fewer than 5<" in verifying
    assert ">1<" not in verifying
    # Nothing inline for the CSP to refuse.
    assert "style=" not in html and "<script>" not in html


def test_returns_per_month_count_handovers_and_suppress_small_months(world, login):
    flight = FlightFactory(organisation=world.north, date=timezone.localdate(), status="completed")
    entry = ManifestEntry.objects.create(
        flight=flight, person=world.case_a, status="boarded", approved_by=world.supervisor
    )
    Handover.objects.create(
        manifest_entry=entry, recipient_kind="relative", recipient_name="Testova Khadizhat",
        recipient_relationship="grandmother",
        handed_at=timezone.now(),
    )  # fmt: skip
    response = _home(login, world.supervisor)
    bars = response.context["returns_chart"].bars
    assert len(bars) == 12
    assert bars[-1].count == 1 and bars[-1].text == "fewer than 5"
    assert sum(bar.count for bar in bars) == 1
    month = timezone.localdate().isoformat()[:7]
    html = response.content.decode()
    assert _table_cell(html, "returns-by-month", f'data-month="{month}"') == "fewer than 5"


def test_the_persons_list_filters_to_my_cases(world, login):
    mine = PersonFactory(organisation=world.north, team=world.team_a, assigned_to=world.caseworker)
    response = login(world.caseworker).get("/persons/", {"assigned": "me"})
    assert response.status_code == 200
    html = response.content.decode()
    assert str(mine.public_id) in html
    assert str(world.case_a.public_id) not in html
    everyone = login(world.caseworker).get("/persons/").content.decode()
    assert str(world.case_a.public_id) in everyone


def _more_work(world, n):
    today = timezone.localdate()
    for i in range(n):
        person = PersonFactory(
            organisation=world.north, team=world.team_a, assigned_to=world.supervisor
        )
        CaseTask.objects.create(
            person=person, title=f"Visit {i}", assigned_to=world.supervisor, due_on=today
        )
        flight = FlightFactory(organisation=world.north, date=today + dt.timedelta(days=i + 1))
        ManifestEntry.objects.create(
            flight=flight, person=person, status="approved", approved_by=world.supervisor
        )


def test_the_home_page_reads_as_many_queries_however_much_work_there_is(
    world, login, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.supervisor)
    _more_work(world, 2)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    _more_work(world, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert response.context["my_cases"].more and response.context["tasks"].more
    assert len(response.context["flights"]) == dashboard.FLIGHTS_SHOWN
