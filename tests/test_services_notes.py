"""note_add: the case journal; security notes need the restricted level."""

import pytest

from casework.models import AuditEvent, CaseNote
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.notes import note_add


def test_a_caseworker_adds_a_note(world):
    note = note_add(actor=world.caseworker, person=world.case_a, text="  Called the aunt.  ")
    assert note.text == "Called the aunt."
    assert AuditEvent.objects.get(object_id=note.public_id).action == "create"


def test_only_the_restricted_level_writes_security_notes(world):
    with pytest.raises(Denied):
        note_add(actor=world.caseworker, person=world.case_a, text="x", is_security_note=True)
    note = note_add(actor=world.supervisor, person=world.case_a, text="x", is_security_note=True)
    assert note.is_security_note


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [("other_team_caseworker", Hidden), ("intake", Denied), ("dpo", Denied), ("admin", Hidden)],
)
def test_others_may_not_add_notes(world, persona, refusal):
    with pytest.raises(refusal):
        note_add(actor=getattr(world, persona), person=world.case_a, text="x")


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "a" * 100_000])
def test_bad_notes_are_refused(world, text):
    with pytest.raises(ServiceError) as refusal:
        note_add(actor=world.caseworker, person=world.case_a, text=text)
    assert "text" in refusal.value.message_dict
    assert not CaseNote.objects.exists()
