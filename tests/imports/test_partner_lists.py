"""casework/services/partner_lists.py and casework/views/partner_lists.py, the staff's side: a new
candidate of a partner's list is recorded as a new person from the import page, once."""

import pytest

from casework.models import AuditEvent, ListImportRow, MatchSuggestion, Person
from casework.permissions import Hidden
from casework.services.errors import ServiceError
from casework.services.partner_lists import list_import_submit, partner_row_record
from casework.services.persons import NameInput, person_create


def _sent(world, *rows):
    return list_import_submit(actor=world.partner, source="Partner registry", rows=list(rows))


def test_staff_record_a_new_candidate_from_the_import_page(world, login):
    sent = _sent(world, {"family_name": "Newova", "given_name": "Safiya"})
    row = ListImportRow.objects.get(list_import=sent)
    client = login(world.supervisor)
    page = client.get(f"/imports/{sent.public_id}/").content.decode()
    assert "Record as a new person" in page
    response = client.post(f"/imports/{sent.public_id}/rows/{row.public_id}/record/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.outcome == "created" and row.person.organisation == world.north
    assert row.reason == "sent by a partner; recorded as a new person by staff"
    assert AuditEvent.objects.filter(
        action="update", actor=world.supervisor, object_id=str(sent.public_id)
    ).exists()
    # Once: the row is no longer a new candidate.
    again = client.post(f"/imports/{sent.public_id}/rows/{row.public_id}/record/")
    assert again.status_code == 302
    assert Person.objects.filter(display_name__contains="Newova").count() == 1


def test_a_row_with_candidates_waits_in_the_review_queue_instead(world):
    person_create(
        actor=world.supervisor, names=[NameInput(family_name="Testova", given_name="Zarema")]
    )
    sent = _sent(world, {"family_name": "Testova", "given_name": "Zarema"})
    row = ListImportRow.objects.get(list_import=sent)
    assert MatchSuggestion.objects.filter(list_row=row).exists()
    with pytest.raises(ServiceError):
        partner_row_record(actor=world.supervisor, row=row)
    row.refresh_from_db()
    assert row.outcome == "ambiguous" and row.person is None


def test_another_organisation_cannot_record_the_row(world):
    sent = _sent(world, {"family_name": "Newova"})
    row = ListImportRow.objects.get(list_import=sent)
    with pytest.raises(Hidden):
        partner_row_record(actor=world.south_supervisor, row=row)
    with pytest.raises(Hidden):  # the list is the organisation's, not the partner's to settle
        partner_row_record(actor=world.partner, row=row)
    row.refresh_from_db()
    assert row.outcome == "ambiguous"
