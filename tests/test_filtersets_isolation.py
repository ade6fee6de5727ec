"""A filterset built for one user never carries choices built for another (or for the schema)."""

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
