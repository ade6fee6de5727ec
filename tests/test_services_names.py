"""person_add_name and the name search keys."""

import pytest

from casework.models import AuditEvent, NameKey, Person
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.names import person_add_name, search_keys
from casework.services.persons import NameInput, person_create


def test_an_added_name_is_keyed_at_once(world):
    name = person_add_name(
        actor=world.caseworker,
        person=world.case_a,
        family_name="Алиева",
        given_name="Мадина",
        kind="legal",
    )
    assert name.script == "cyrl"
    keys = set(NameKey.objects.filter(person=world.case_a).values_list("key", flat=True))
    assert keys & search_keys("Aliyeva")
    assert AuditEvent.objects.get(object_id=name.public_id).person_id == world.case_a.public_id


def test_markup_in_a_name_is_stored_as_data(world):
    name = person_add_name(
        actor=world.caseworker, person=world.case_a, full_text="<script>x</script>{{7*7}}"
    )
    name.refresh_from_db()
    assert name.full_text == "<script>x</script>{{7*7}}"


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [("other_team_caseworker", Hidden), ("intake", Denied), ("dpo", Denied), ("admin", Hidden)],
)
def test_others_may_not_add_names(world, persona, refusal):
    with pytest.raises(refusal):
        person_add_name(actor=getattr(world, persona), person=world.case_a, full_text="Umm Ali")


@pytest.mark.parametrize(
    "parts",
    [
        {},
        {"full_text": "a\x00"},
        {"family_name": "x" * 100_000},
        {"full_text": "A", "kind": "title"},
    ],
)
def test_bad_names_are_refused(world, parts):
    with pytest.raises(ServiceError):
        person_add_name(actor=world.caseworker, person=world.case_a, **parts)
    assert world.case_a.names.count() == 1


def test_search_keys_fold_scripts_and_spellings(world):
    assert search_keys("Тагирова") == search_keys("Tagirova") == search_keys("Taghirufa")
    person = person_create(actor=world.caseworker, names=[NameInput(family_name="Хасиева")])
    found = Person.objects.filter(name_keys__key__in=search_keys("Khasieva")).distinct()
    assert list(found) == [person]
