"""Audit rows hold ids and field names, never personal values (issue 11), so that anonymising a
person never has to touch the trail.

The permission matrix checks it for every line and persona: the events each service and URL wrote
hold none of the personal values stored at that moment (tests/matrix/personal_values.py). Here:
the rule itself, and the one way a value derived from a sensitive one used to reach the trail."""

import datetime as dt
import json

from casework import audit
from casework.audit import AuditAction
from casework.classification import FIELDS, Sens, sensitive_fields
from casework.models import AuditEvent
from casework.services.persons import person_update


def test_a_changed_birth_date_leaves_no_date_on_the_trail(world):
    person_update(
        actor=world.caseworker,
        person=world.case_a,
        expected_version=world.case_a.version,
        birth_precision="exact",
        birth_date=dt.date(2014, 4, 21),
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, person_id=world.case_a.public_id)
    # The fields are named, the range derived from the date among them ...
    assert {"birth_date", "birth_earliest", "birth_latest"} <= set(event.fields)
    # ... and no value says when the person was born.
    text = json.dumps(event.changes)
    assert "2014" not in text
    assert event.changes["birth_earliest"] == [audit.REDACTED, audit.REDACTED]


def test_codes_and_ids_keep_their_values_on_a_persons_record(world):
    event = audit.record(
        world.supervisor,
        AuditAction.UPDATE,
        world.case_a,
        changes={
            "sex": ["F", "M"],
            "status": ["reported", "located"],
            "team": [world.team_a.pk, world.team_b.pk],
            "display_name": ["Alieva Madina", "Alieva Madina Testovna"],
        },
    )
    assert event.changes["sex"] == ["F", "M"]
    assert event.changes["status"] == ["reported", "located"]
    assert event.changes["team"] == [world.team_a.pk, world.team_b.pk]
    assert event.changes["display_name"] == [audit.REDACTED, audit.REDACTED]


def test_diff_redacts_every_sensitive_and_restricted_field_of_a_person():
    private = [
        name for name, sens in FIELDS["Person"].items() if sens in (Sens.SENSITIVE, Sens.RESTRICTED)
    ]
    assert private and set(private) <= sensitive_fields("Person")
    before = {name: f"old {name}" for name in private}
    after = {name: f"new {name}" for name in private}
    changes = audit.diff(before, after, sensitive=sensitive_fields("Person"))
    assert changes == {name: [audit.REDACTED, audit.REDACTED] for name in private}
