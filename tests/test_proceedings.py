"""Legal proceedings on the person page (issue 12): recorded and edited by those allowed at the
restricted level, through the audited service, with their history; to anyone else they do not
exist, and the trail holds no charge, court or sentence."""

import datetime as dt

import pytest

from casework.models import AuditEvent, LegalProceeding
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.form_tokens import new_form_token
from casework.services.proceedings import proceeding_record, proceeding_update

pytestmark = pytest.mark.django_db


def _record(world, actor=None, **values):
    arguments = {
        "country": "IQ",
        "charge": "membership of a terrorist organisation",
        "status": "trial",
        "court": "Central Criminal Court of Iraq",
        **values,
    }
    return proceeding_record(actor=actor or world.supervisor, person=world.case_a, **arguments)


def test_supervisor_records_a_proceeding_from_the_person_page(world, login):
    client = login(world.supervisor)
    page = client.get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert f"/persons/{world.case_a.public_id}/proceedings/new/" in page
    response = client.post(
        f"/persons/{world.case_a.public_id}/proceedings/new/",
        {
            "country": "iq",
            "charge": "illegal entry",
            "status": "investigation",
            "started_on": "2023-04-01",
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    proceeding = LegalProceeding.objects.get(person=world.case_a)
    assert proceeding.country == "IQ" and proceeding.started_on == dt.date(2023, 4, 1)
    event = AuditEvent.objects.get(object_id=proceeding.public_id, action="create")
    assert event.actor == world.supervisor
    assert "illegal entry" not in str(event.changes)


@pytest.mark.parametrize("persona", ["caseworker", "intake", "dpo"])
def test_who_may_not_see_restricted_data_may_not_record_one(world, persona):
    user = world.personas()[persona]
    with pytest.raises(Denied):
        _record(world, actor=user)
    assert not LegalProceeding.objects.exists()


def test_another_team_or_organisation_finds_no_person(world, login):
    with pytest.raises(Hidden):
        _record(world, actor=world.south_supervisor)
    path = f"/persons/{world.case_a.public_id}/proceedings/new/"
    assert login(world.south_supervisor).get(path).status_code == 404
    assert login(world.caseworker).get(path).status_code == 403


def test_editing_keeps_a_history_without_personal_values(world, login):
    proceeding = _record(world)
    client = login(world.supervisor)
    path = f"/persons/{world.case_a.public_id}/proceedings/{proceeding.public_id}/edit/"
    response = client.post(
        path,
        {
            "country": "IQ",
            "charge": proceeding.charge,
            "court": proceeding.court,
            "status": "sentenced",
            "sentence": "15 years",
        },
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.status == "sentenced" and proceeding.sentence == "15 years"
    event = AuditEvent.objects.get(object_id=proceeding.public_id, action="update")
    assert set(event.fields) == {"status", "sentence"}
    assert event.changes["status"] == ["trial", "sentenced"]
    assert "15 years" not in str(event.changes)
    page = client.get(path).content.decode()
    history = page.split('id="proceeding-history"')[1].split("</table>")[0]
    assert history.count("<tr>") == 3  # the header, the creation, the change


def test_a_proceeding_is_not_there_for_the_caseworker(world, login):
    proceeding = _record(world)
    path = f"/persons/{world.case_a.public_id}/proceedings/{proceeding.public_id}/edit/"
    # Its very existence is restricted: answered like a missing one.
    assert login(world.caseworker).get(path).status_code == 404
    with pytest.raises(Hidden):
        proceeding_update(actor=world.south_supervisor, proceeding=proceeding, status="appeal")
    body = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "Central Criminal Court" not in body


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"country": "Iraq"}, "country"),
        ({"charge": " "}, "charge"),
        ({"status": "lost"}, "status"),
        ({"status": "trial", "sentence": "5 years"}, "sentence"),
        ({"started_on": dt.date(2999, 1, 1)}, "started_on"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(world, values, field):
    with pytest.raises(ServiceError) as error:
        _record(world, **values)
    assert field in error.value.message_dict
    assert not LegalProceeding.objects.exists()


def test_an_unknown_field_is_refused(world):
    proceeding = _record(world)
    with pytest.raises(ServiceError):
        proceeding_update(actor=world.supervisor, proceeding=proceeding, person=world.case_b)
