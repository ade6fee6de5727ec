"""Break-glass: a written reason opens one record for a limited time, audited and visible to the
data-protection officer; persons one may not break glass on are answered like missing ones."""

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from casework.audit import AuditAction
from casework.models import AuditEvent, BreakGlassGrant, Person
from casework.permissions import Hidden, Level, person_level
from casework.services.access import break_glass_open
from casework.services.errors import ServiceError
from casework.services.form_tokens import new_form_token

REASON = "Mother called the hotline about this child; the caseworker on duty is away."


def _allow_caseworkers(world):
    world.north.caseworkers_may_break_glass = True
    world.north.save()
    world.caseworker.refresh_from_db()


def test_supervisors_already_see_their_organisation_restricted(world):
    for person in (world.case_a, world.case_b, world.protected_a):
        assert person_level(world.supervisor, person) == Level.RESTRICTED
    assert person_level(world.supervisor, world.south_case) == Level.NONE


def test_a_caseworker_breaks_glass_when_the_organisation_allows_it(world, settings):
    settings.BREAK_GLASS_MINUTES = 45
    _allow_caseworkers(world)
    assert person_level(world.caseworker, world.case_b) == Level.NONE
    grant = break_glass_open(actor=world.caseworker, person=world.case_b, reason=REASON)
    assert person_level(world.caseworker, world.case_b) == Level.RESTRICTED
    assert Person.objects.visible_to(world.caseworker).filter(pk=world.case_b.pk).exists()
    lasts = grant.expires_at - grant.created_at
    assert dt.timedelta(minutes=44, seconds=59) < lasts <= dt.timedelta(minutes=45, seconds=1)


def test_the_grant_ends_when_its_time_is_up(world):
    _allow_caseworkers(world)
    grant = break_glass_open(actor=world.caseworker, person=world.protected_a, reason=REASON)
    assert person_level(world.caseworker, world.protected_a) == Level.RESTRICTED
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert person_level(world.caseworker, world.protected_a) == Level.NONE
    assert not Person.objects.visible_to(world.caseworker).filter(pk=world.protected_a.pk).exists()


def test_it_is_audited_with_the_reason(world):
    grant = break_glass_open(actor=world.supervisor, person=world.case_b, reason=REASON)
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    assert event.actor == world.supervisor
    assert event.person_id == world.case_b.public_id
    assert event.reason == REASON
    assert event.changes["grant"] == str(grant.public_id)


def test_a_caseworker_may_not_when_the_organisation_does_not_allow_it(world):
    with pytest.raises(Hidden):
        break_glass_open(actor=world.caseworker, person=world.case_b, reason=REASON)
    assert not BreakGlassGrant.objects.exists()
    assert person_level(world.caseworker, world.case_b) == Level.NONE


def test_nobody_breaks_glass_across_organisations(world):
    _allow_caseworkers(world)
    with pytest.raises(Hidden):
        break_glass_open(actor=world.supervisor, person=world.south_case, reason=REASON)
    with pytest.raises(Hidden):
        break_glass_open(actor=world.caseworker, person=world.south_case, reason=REASON)
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("persona", ["intake", "dpo", "admin", "partner"])
def test_other_roles_never_break_glass(world, persona):
    with pytest.raises(Hidden):
        break_glass_open(actor=getattr(world, persona), person=world.case_b, reason=REASON)


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "   ",
        "because",
        "need it now",
        "x" * 2001,
        "x x x checking this",
        "1 2 3 4 5 6",
        # Repeated letters or words are no reason however long.
        "xxxxx yyyyy zzzzz checking",
        "aaa bbb ccc ddd eee fff ggg",
        "checking checking checking checking",
        "check this check this check this",
    ],
)
def test_it_needs_a_real_reason(world, reason):
    with pytest.raises(ServiceError) as caught:
        break_glass_open(actor=world.supervisor, person=world.case_b, reason=reason)
    assert "reason" in caught.value.message_dict
    assert not BreakGlassGrant.objects.exists()


def _page(person) -> str:
    return f"/persons/{person.public_id}/break-glass/"


def _form(reason: str) -> dict:
    return {"reason": reason, "form_token": new_form_token()}


def test_the_page_asks_for_the_reason_without_naming_the_person(world, login):
    _allow_caseworkers(world)
    response = login(world.caseworker).get(_page(world.protected_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="reason"' in html
    assert "Protected Aminat" not in html


def test_the_page_opens_the_record_with_a_reason(world, login):
    _allow_caseworkers(world)
    client = login(world.caseworker)
    response = client.post(_page(world.case_b), _form(REASON))
    assert response.status_code == 302
    assert response["Location"] == f"/persons/{world.case_b.public_id}/"
    assert person_level(world.caseworker, world.case_b) == Level.RESTRICTED


def test_the_page_refuses_a_blank_reason_with_a_clear_error(world, login):
    _allow_caseworkers(world)
    response = login(world.caseworker).post(_page(world.case_b), _form("urgent"))
    assert response.status_code == 400
    assert "at least 3 words" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()


def test_the_page_answers_404_like_a_missing_record_when_not_allowed(world, login):
    client = login(world.caseworker)  # north does not allow caseworkers to break glass
    refused = client.get(_page(world.case_b))
    missing = client.get(f"/persons/{uuid.uuid4()}/break-glass/")
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content


def test_the_form_is_the_same_for_any_id_and_only_a_reasoned_post_looks_the_record_up(world, login):
    client = login(world.supervisor)
    other_org = client.get(_page(world.south_case))
    missing_id = uuid.uuid4()
    missing = client.get(f"/persons/{missing_id}/break-glass/")
    assert other_org.status_code == missing.status_code == 200

    def page(response, public_id) -> str:
        html = response.content.decode().replace(str(public_id), "ID")
        return re.sub(r'name="(csrfmiddlewaretoken|form_token)" value="[^"]*"', "", html)

    assert page(other_org, world.south_case.public_id) == page(missing, missing_id)
    refused = client.post(_page(world.south_case), _form(REASON))
    absent = client.post(f"/persons/{missing_id}/break-glass/", _form(REASON))
    assert refused.status_code == absent.status_code == 404
    assert refused.content == absent.content
    assert not BreakGlassGrant.objects.exists()
    # The probe is on the trail of the organisation that holds the record.
    assert AuditEvent.objects.filter(
        action="denied", object_id=world.south_case.public_id, organisation=world.south
    ).exists()


def test_the_dpo_sees_every_grant_of_the_organisation(world, login):
    _allow_caseworkers(world)
    break_glass_open(actor=world.caseworker, person=world.case_b, reason=REASON)
    break_glass_open(
        actor=world.south_supervisor,
        person=world.south_case,
        reason="South needs this for a flight manifest check today.",
    )
    response = login(world.dpo).get("/audit/break-glass/")
    assert response.status_code == 200
    grants = list(response.context["page"])
    assert [g.person for g in grants] == [world.case_b]
    html = response.content.decode()
    assert "caseworker" in html and REASON in html and str(world.case_b.public_id) in html
    assert "flight manifest" not in html


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "intake", "admin"])
def test_only_the_dpo_sees_the_grants(world, login, persona):
    assert login(getattr(world, persona)).get("/audit/break-glass/").status_code == 403


# The refusal is written outside any transaction (it must outlive the request's work).
@pytest.mark.django_db(transaction=True)
def test_more_than_the_daily_limit_of_records_is_refused_on_the_trail(world, settings):
    from tests.factories import PersonFactory

    settings.BREAK_GLASS_PER_DAY = 2
    _allow_caseworkers(world)
    others = [PersonFactory(organisation=world.north, team=world.team_b) for _ in range(3)]
    break_glass_open(actor=world.caseworker, person=others[0], reason=REASON)
    break_glass_open(actor=world.caseworker, person=others[1], reason=REASON)
    # The same record again is no new record.
    break_glass_open(actor=world.caseworker, person=others[0], reason=REASON)
    with pytest.raises(ServiceError) as refused:
        break_glass_open(actor=world.caseworker, person=others[2], reason=REASON)
    assert "the most allowed" in refused.value.message_dict["reason"][0]
    assert person_level(world.caseworker, others[2]) == Level.NONE
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, actor=world.caseworker, person_id=others[2].public_id
    ).exists()


def test_the_officer_is_told_of_each_break_glass_as_it_happens(
    world, django_capture_on_commit_callbacks
):
    from django.core import mail

    world.dpo.email = "dpo@north.example.org"
    world.dpo.save()
    with django_capture_on_commit_callbacks(execute=True):
        grant = break_glass_open(actor=world.supervisor, person=world.case_b, reason=REASON)
    assert [m.to for m in mail.outbox] == [["dpo@north.example.org"]]
    body = mail.outbox[0].body
    assert str(grant.public_id) in body and "supervisor" in body
    assert "Bekova" not in body and "hotline" not in body  # no name, no reason by mail


def test_the_dpo_marks_a_grant_reviewed_and_revokes_it(world, login):
    _allow_caseworkers(world)
    grant = break_glass_open(actor=world.caseworker, person=world.protected_a, reason=REASON)
    client = login(world.dpo)
    page = client.get("/audit/break-glass/").content.decode()
    assert f"/audit/break-glass/{grant.public_id}/review/" in page
    url = f"/audit/break-glass/{grant.public_id}/review/"
    refused = client.post(url, {"revoke": "on"})  # revoking needs a reason
    assert refused.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is None and grant.reviewed_at is None
    response = client.post(url, {"revoke": "on", "note": "No emergency: ask the supervisor."})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.reviewed_by == world.dpo
    assert person_level(world.caseworker, world.protected_a) == Level.NONE
    # At once: the caseworker's next request no longer opens the record.
    person_page = f"/persons/{world.protected_a.public_id}/"
    assert login(world.caseworker).get(person_page).status_code == 404
    event = AuditEvent.objects.get(action="update", object_id=grant.public_id)
    assert event.actor == world.dpo and "revoked_at" in event.fields
    assert "reviewed by dpo" in client.get("/audit/break-glass/").content.decode()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "south_supervisor"])
def test_only_the_organisations_dpo_reviews_grants(world, login, persona):
    grant = break_glass_open(actor=world.supervisor, person=world.case_b, reason=REASON)
    response = login(getattr(world, persona)).post(
        f"/audit/break-glass/{grant.public_id}/review/", {"note": "fine"}
    )
    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.reviewed_at is None


@pytest.mark.parametrize("caseworkers_allowed", [False, True])
def test_who_may_break_glass_at_all(world, caseworkers_allowed):
    """A supervisor always; caseworkers only where their organisation allows it; nobody else."""
    from casework.permissions import may_break_glass_at_all

    if caseworkers_allowed:
        _allow_caseworkers(world)
        world.other_team_caseworker.refresh_from_db()
    allowed = {
        name
        for name, user in world.personas().items()
        if user is not None and may_break_glass_at_all(user)
    }
    caseworkers = {"caseworker", "other_team_caseworker"} if caseworkers_allowed else set()
    assert allowed == {"supervisor", *caseworkers}


def test_the_dpo_is_alerted_on_the_home_page_until_each_grant_is_reviewed(world, login):
    _allow_caseworkers(world)
    grants = [
        break_glass_open(actor=world.caseworker, person=person, reason=REASON)
        for person in (world.protected_a, world.case_b)
    ]
    client = login(world.dpo)
    home = client.get("/")
    assert home.context["break_glass_unreviewed"] == 2
    html = home.content.decode()
    assert 'id="break-glass-unreviewed"' in html and "/audit/break-glass/" in html
    client.post(f"/audit/break-glass/{grants[0].public_id}/review/", {"note": "Seen: a call."})
    assert client.get("/").context["break_glass_unreviewed"] == 1
    client.post(f"/audit/break-glass/{grants[1].public_id}/review/", {"note": "Seen."})
    assert 'id="break-glass-unreviewed"' not in client.get("/").content.decode()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "admin"])
def test_only_the_dpo_gets_the_break_glass_alert(world, login, persona):
    _allow_caseworkers(world)
    break_glass_open(actor=world.supervisor, person=world.case_b, reason=REASON)
    home = login(getattr(world, persona)).get("/")
    assert home.status_code == 200
    assert home.context["break_glass_unreviewed"] is None
    assert 'id="break-glass-unreviewed"' not in home.content.decode()


def test_the_alert_counts_only_the_own_organisations_grants(world, login):
    break_glass_open(
        actor=world.south_supervisor,
        person=world.south_case,
        reason="South needs this for a flight manifest check today.",
    )
    assert login(world.dpo).get("/").context["break_glass_unreviewed"] == 0
