"""Sharing a person with a partner goes through one service, and the partner's read gate holds to
the same rules: the agreement owner's own, non-protected persons under an agreement in force."""

import datetime as dt

import pytest

from casework.models import (
    AgreementFeedState,
    AuditEvent,
    ChangeOutbox,
    Person,
    SharedCase,
    SharingAgreement,
)
from casework.permissions import Hidden, person_level
from casework.services.errors import ServiceError
from casework.services.form_tokens import new_form_token
from casework.services.sharing import person_share
from tests.api.conftest import issue_token


def partner_api(world):
    from django.test import Client

    _token, value = issue_token(world.partner)
    return Client(HTTP_AUTHORIZATION=f"Bearer {value}")


# --- The leak: rows written around the service ---------------------------------------------------


def test_a_share_of_another_organisations_person_shares_nothing(world):
    # An agreement of north naming south's person (as the admin could write it).
    SharedCase.objects.create(agreement=world.agreement, person=world.south_case)
    assert world.south_case not in Person.objects.visible_to(world.partner)
    assert person_level(world.partner, world.south_case) == 0
    response = partner_api(world).get(f"/api/v1/persons/{world.south_case.public_id}/")
    assert response.status_code == 404


def test_a_share_of_a_protected_person_shares_nothing(world):
    SharedCase.objects.create(agreement=world.agreement, person=world.protected_a)
    assert world.protected_a not in Person.objects.visible_to(world.partner)
    response = partner_api(world).get(f"/api/v1/persons/{world.protected_a.public_id}/")
    assert response.status_code == 404
    listed = partner_api(world).get("/api/v1/persons/").json()["results"]
    assert str(world.protected_a.public_id) not in {row["id"] for row in listed}


def test_the_partner_still_reads_what_is_rightly_shared(world):
    assert world.case_a in Person.objects.visible_to(world.partner)
    response = partner_api(world).get(f"/api/v1/persons/{world.case_a.public_id}/")
    assert response.status_code == 200


# --- The service ----------------------------------------------------------------------------------


def test_a_supervisor_shares_and_stops_sharing_on_the_trail(world):
    # The partner's feed has told the agreement as in force: its shares now reach the partner.
    AgreementFeedState.objects.create(agreement=world.agreement, in_force=True)
    person_share(
        actor=world.supervisor, person=world.case_b, agreement=world.agreement, reason="Tracing"
    )
    assert world.case_b in Person.objects.visible_to(world.partner)
    event = AuditEvent.objects.filter(object_id=world.case_b.public_id, action="update").last()
    assert event.actor == world.supervisor and event.fields == ["shares"]
    assert event.changes["shared"]["partner"] == "partner-ngo"
    person_share(
        actor=world.supervisor,
        person=world.case_b,
        agreement=world.agreement,
        share=False,
        reason="The family withdrew consent",
    )
    assert world.case_b not in Person.objects.visible_to(world.partner)
    told = ChangeOutbox.objects.filter(
        partner=world.partner_org, person_public_id=world.case_b.public_id
    )
    assert list(told.order_by("pk").values_list("kind", flat=True)) == ["shared", "unshared"]


@pytest.mark.parametrize("persona", ["caseworker", "intake", "dpo"])
def test_only_supervisors_share(world, persona):
    from casework.permissions import Denied

    with pytest.raises((Denied, Hidden)):
        person_share(
            actor=getattr(world, persona),
            person=world.case_b,
            agreement=world.agreement,
            reason="x",
        )
    assert not SharedCase.objects.filter(person=world.case_b).exists()


def test_a_protected_person_is_never_shared(world):
    with pytest.raises(ServiceError) as refused:
        person_share(
            actor=world.supervisor, person=world.protected_a, agreement=world.agreement, reason="x"
        )
    assert "never shared" in str(refused.value.message_dict["agreement"])
    assert not SharedCase.objects.filter(person=world.protected_a).exists()


def test_another_organisations_person_is_hidden(world):
    with pytest.raises(Hidden):
        person_share(
            actor=world.supervisor, person=world.south_case, agreement=world.agreement, reason="x"
        )


def test_only_an_agreement_in_force_of_the_persons_organisation(world):
    revoked = SharingAgreement.objects.create(
        owner=world.north,
        partner=world.stranger_org,
        title="Ended",
        shared_fields=["display_name"],
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2025, 6, 1),
    )
    foreign = SharingAgreement.objects.create(
        owner=world.south,
        partner=world.partner_org,
        title="South shares",
        shared_fields=["display_name"],
        valid_from=dt.date(2025, 1, 1),
    )
    for agreement in (revoked, foreign):
        with pytest.raises(ServiceError) as refused:
            person_share(
                actor=world.supervisor, person=world.case_b, agreement=agreement, reason="x"
            )
        assert "agreement" in refused.value.message_dict
    assert not SharedCase.objects.filter(person=world.case_b).exists()


def test_a_reason_is_required_and_a_share_is_not_made_twice(world):
    with pytest.raises(ServiceError):
        person_share(
            actor=world.supervisor, person=world.case_b, agreement=world.agreement, reason=" "
        )
    with pytest.raises(ServiceError) as twice:
        person_share(
            actor=world.supervisor, person=world.case_a, agreement=world.agreement, reason="x"
        )
    assert "Already shared" in str(twice.value.message_dict["agreement"])


# --- The page -------------------------------------------------------------------------------------


def test_a_supervisor_shares_from_the_person_page(world, login):
    client = login(world.supervisor)
    page = client.get(f"/persons/{world.case_b.public_id}/")
    assert f"/persons/{world.case_b.public_id}/share/" in page.content.decode()
    form = client.get(f"/persons/{world.case_b.public_id}/share/")
    assert "Partner NGO" in form.content.decode() and "(not shared)" in form.content.decode()
    response = client.post(
        f"/persons/{world.case_b.public_id}/share/",
        {
            "agreement": str(world.agreement.public_id),
            "share": "1",
            "reason": "Tracing",
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    assert SharedCase.objects.filter(person=world.case_b, agreement=world.agreement).exists()


def test_the_share_page_is_not_offered_to_a_caseworker(world, login):
    client = login(world.caseworker)
    page = client.get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "/share/" not in page
    assert client.get(f"/persons/{world.case_a.public_id}/share/").status_code == 403
