"""The working journal of a case. A security note is restricted: only those who see the
restricted level of the person may write or read it."""

from __future__ import annotations

from django.db import transaction

from casework import audit
from casework.audit import AuditAction
from casework.models import CaseNote
from casework.permissions import Action, require
from casework.services._common import recheck_scope
from casework.services.text_input import MAX_TEXT, clean_input


def note_add(*, actor, person, text: str, is_security_note: bool = False) -> CaseNote:
    require(actor, Action.ADD_NOTE, person)
    if is_security_note:
        require(actor, Action.RECORD_PROCEEDING, person)  # the restricted level of this person
    text = clean_input("text", text, max_length=MAX_TEXT, required=True, multiline=True)
    with transaction.atomic():
        note = CaseNote.objects.create(
            person=person, author=actor, text=text, is_security_note=is_security_note
        )
        recheck_scope(actor, person)
        audit.record(actor, AuditAction.CREATE, note, fields=["text", "is_security_note"])
    return note
