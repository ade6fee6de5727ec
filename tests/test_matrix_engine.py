"""The matrix engine (tests/matrix/engine.py) sees every write a line makes, however small, and
says exactly what changed; a line that changes nothing passes."""

import pytest
from django.utils import timezone

from casework.models import CaseNote, Person
from tests.matrix import ALLOWED, PERSONAS, Call, expect
from tests.matrix.engine import Watch, changed_tables, fingerprint, run_call


def _line(run, *, writes=False, wrote=None):
    return Call(
        name="service:fake_line",
        run=run,
        expect=expect(ALLOWED),
        writes=writes,
        wrote=wrote or (lambda w, persona: None),
    )


def _failure(line, world) -> str:
    with pytest.raises(AssertionError) as failed:
        run_call(line, world)
    return str(failed.value)


def test_one_field_of_one_row_changed_is_reported_with_the_row(world):
    def run(w, user):
        Person.objects.filter(pk=w.case_b.pk).update(birthplace="Canary-Birthplace-Engine")

    message = _failure(_line(run), world)
    for persona in PERSONAS:
        assert (
            f"{persona}: expected no change, but {{'Person': "
            f"'added [], removed [], changed [{world.case_b.pk}]'}}"
        ) in message


def test_a_row_added_and_a_row_removed_are_named(world):
    note = CaseNote.objects.create(person=world.case_a, author=world.supervisor, text="Kept.")
    added = []  # per persona (PostgreSQL's sequences do not roll back)

    def run(w, user):
        CaseNote.objects.filter(pk=note.pk).delete()
        added.append(CaseNote.objects.create(person=w.case_b, author=w.supervisor, text="N").pk)

    message = _failure(_line(run), world)
    for persona, pk in zip(PERSONAS, added, strict=True):
        assert (
            f"{persona}: expected no change, but "
            f"{{'CaseNote': 'added [{pk}], removed [{note.pk}], changed []'}}"
        ) in message


def test_a_line_that_changes_nothing_passes(world):
    run_call(_line(lambda w, user: Person.objects.filter(pk=w.case_a.pk).exists()), world)


def test_a_line_that_must_write_and_changes_nothing_fails(world):
    message = _failure(_line(lambda w, user: None, writes=True), world)
    assert "caseworker: expected a write, the domain did not change" in message


def test_a_line_that_must_write_and_writes_passes(world):
    def run(w, user):
        Person.objects.filter(pk=w.case_a.pk).update(sex="M")

    def wrote(w, persona):
        assert Person.objects.get(pk=w.case_a.pk).sex == "M"

    run_call(_line(run, writes=True, wrote=wrote), world)


def test_each_persona_starts_from_the_world_as_it_was(world):
    # A persona's write, and the rows read back to describe it, leave nothing for the next one.
    seen = []

    def run(w, user):
        seen.append(Person.objects.get(pk=w.case_b.pk).sex)
        Person.objects.filter(pk=w.case_b.pk).update(sex="M")

    _failure(_line(run), world)
    assert seen == ["F"] * len(PERSONAS)
    assert Person.objects.get(pk=world.case_b.pk).sex == "F"


def test_the_fingerprint_moves_with_one_column_of_one_row_and_only_that_table(world):
    before = fingerprint()
    Person.objects.filter(pk=world.south_case.pk).update(sex="M")
    assert changed_tables(before, fingerprint()) == ["Person"]


def test_what_a_read_or_a_login_moves_is_not_a_change(world):
    before = fingerprint()
    type(world.caseworker).objects.filter(pk=world.caseworker.pk).update(last_login=timezone.now())
    assert changed_tables(before, fingerprint()) == []


def test_the_rows_are_described_as_they_were_before_and_after(world):
    watch = Watch()
    Person.objects.filter(pk=world.case_a.pk).update(region_of_origin="Canary-Region-Engine")
    changed = watch.changed()
    assert changed == ["Person"]
    assert watch.describe(changed) == {
        "Person": f"added [], removed [], changed [{world.case_a.pk}]"
    }
    # Describing went back to before the change.
    assert Person.objects.get(pk=world.case_a.pk).region_of_origin != "Canary-Region-Engine"
