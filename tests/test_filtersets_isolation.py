"""A filterset built for one user never carries choices built for another (or for the schema)."""

import pytest

from casework.filtersets import PersonFilterSet
from casework.models import Person


def test_an_ordering_the_user_may_not_see_is_refused_even_after_a_full_one_was_built(world):
    # Building the class-level form field (as schema generation does) must not leak its choices.
    PersonFilterSet.base_filters["ordering"].field  # noqa: B018
    PersonFilterSet(data={"ordering": "region"}, user=world.supervisor).qs  # noqa: B018
    as_intake = PersonFilterSet(
        data={"ordering": "region"},
        queryset=Person.objects.visible_to(world.intake),
        user=world.intake,
    )
    assert "region" not in dict(as_intake.form.fields["ordering"].choices)
    assert list(as_intake.qs) == list(Person.objects.visible_to(world.intake))


def _born_in_2015(world):
    """Two persons born in 2015 (the one later in the alphabet in January), one in 2014."""
    import datetime as dt

    from tests.factories import PersonFactory

    def born(name, date):
        return PersonFactory(
            organisation=world.north,
            display_name=name,
            birth_precision="exact",
            birth_date=date,
            birth_earliest=date,
            birth_latest=date,
        )

    born("Bisultanova Jan", dt.date(2015, 1, 2))
    born("Abdulova Dec", dt.date(2015, 12, 30))
    born("Chaeva Older", dt.date(2014, 6, 1))


UNKNOWN_LAST = ["Alieva Madina", "Bekova Zaira"]  # no birth known: after the known years
BY_YEAR = ["Chaeva Older", "Abdulova Dec", "Bisultanova Jan", *UNKNOWN_LAST]
BY_YEAR_DESC = ["Abdulova Dec", "Bisultanova Jan", "Chaeva Older", *UNKNOWN_LAST]


@pytest.mark.parametrize("persona", ["intake", "dpo", "supervisor"])
@pytest.mark.parametrize(
    ("ordering", "expected"), [("birth_year", BY_YEAR), ("-birth_year", BY_YEAR_DESC)]
)
def test_the_birth_year_ordering_orders_by_the_year_then_name(world, persona, ordering, expected):
    _born_in_2015(world)
    user = world.personas()[persona]
    filterset = PersonFilterSet(
        data={"ordering": ordering}, queryset=Person.objects.visible_to(user), user=user
    )
    names = [p.display_name for p in filterset.qs]
    # The supervisor also sees the protected case (no birth known): last, by name.
    tail = ["Protected Aminat"] if persona == "supervisor" else []
    assert names == expected + tail


def test_an_export_ordered_by_birth_year_keeps_the_order_within_a_year_by_name(world):
    import csv
    import io

    from casework.exports import persons_export

    _born_in_2015(world)
    text, count = persons_export(
        actor=world.dpo,
        params={"ordering": "birth_year"},
        identifiable=True,
        reason="Checking the export order for the access review",
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == 5
    assert [row["name"] for row in rows] == BY_YEAR


def test_the_api_refuses_the_ordering_parameter(world):
    """Sorting by a withheld field would tell it: the API keeps its one order and says so."""
    from tests.conftest import verified_client

    _born_in_2015(world)
    client = verified_client(world.intake)
    assert len(client.get("/api/v1/persons/").json()["results"]) == 5
    refused = client.get("/api/v1/persons/", {"ordering": "birth_year"})
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "ordering" in refused.content.decode()
    assert "results" not in refused.json()
