"""Withdrawing a consent stops what it covered: sharing ends (the partner's feed tells tombstones),
no more messages to the family, and a report whose processing the family withdrew is set aside for
the data-protection officer's decision (resume on another basis, or erase what the family told)."""

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from casework.models import (
    AgreementFeedState,
    AuditEvent,
    FamilyReport,
    Person,
    ReportAttachment,
    ReportConsent,
    ReportEntry,
    ReportStatus,
)
from casework.permissions import Denied, Hidden
from casework.services.consent import report_consent_withdraw, report_withdrawal_decide
from casework.services.errors import ServiceError
from casework.services.reports import (
    report_set_family_status,
    report_set_status,
    report_triage_entry,
    send_reference_mail,
)
from tests.api.conftest import issue_token
from tests.api.feed import drain
from tests.factories import ReportFactory

SAID = "The mother called the hotline and asked us to stop."


def _report(world, *, consents=(), linked=None, pending=1):
    report = ReportFactory(
        organisation=world.north, reporter_email="family@example.org", account="Zarema's story"
    )
    position = 0
    if linked is not None:
        ReportEntry.objects.create(
            report=report,
            position=position,
            family_name="Testova",
            person=linked,
            outcome="linked",
        )
        position += 1
    for _ in range(pending):
        ReportEntry.objects.create(
            report=report, position=position, family_name="Testova", given_name="Amina"
        )
        position += 1
    for purpose, partner in consents:
        ReportConsent.objects.create(report=report, purpose=purpose, partner=partner, given=True)
    return report


# --- Sharing ------------------------------------------------------------------------------------


def test_withdrawing_sharing_ends_the_shares_and_the_partner_gets_tombstones(world):
    AgreementFeedState.objects.create(agreement=world.agreement, in_force=True)
    report = _report(world, consents=[("share_partner", world.partner_org)], linked=world.case_a)
    _token, key = issue_token(world.partner)
    partner = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    _items, cursor = drain(partner)
    assert world.case_a in Person.objects.visible_to(world.partner)

    report_consent_withdraw(
        actor=world.caseworker,
        report=report,
        purpose="share_partner",
        partner=world.partner_org,
        reason=SAID,
    )

    assert world.case_a not in Person.objects.visible_to(world.partner)
    assert partner.get(f"/api/v1/persons/{world.case_a.public_id}/").status_code == 404
    told, _cursor = drain(partner, cursor)
    assert [(item["id"], item.get("deleted")) for item in told] == [
        (str(world.case_a.public_id), True)
    ]
    assert not ReportConsent.objects.get(report=report, purpose="share_partner").given
    on_person = AuditEvent.objects.get(person_id=world.case_a.public_id, action="update")
    assert on_person.changes["unshared"]["partner"] == "partner-ngo"
    assert on_person.reason == SAID
    on_report = AuditEvent.objects.get(object_id=report.public_id, action="update")
    assert on_report.changes == {
        "consent_withdrawn": "share_partner",
        "partner": "partner-ngo",
        "shares_ended": 1,
    }
    # No personal value of the report on its trail.
    assert "Testova" not in str(on_report.changes) and "family@" not in str(on_report.changes)


def test_withdrawing_sharing_with_one_partner_leaves_other_cases_shared(world):
    report = _report(world, consents=[("share_partner", world.partner_org)], linked=world.case_b)
    report_consent_withdraw(
        actor=world.supervisor,
        report=report,
        purpose="share_partner",
        partner=world.partner_org,
        reason=SAID,
    )
    # case_a is shared through no report of this family: it stays shared.
    assert world.case_a in Person.objects.visible_to(world.partner)


# --- Contact ------------------------------------------------------------------------------------


def test_withdrawing_contact_takes_down_the_message_and_sends_no_more(world):
    report = _report(world, consents=[("contact", None)])
    report_set_family_status(actor=world.caseworker, report=report, contact_us=True, reason="Call")
    report_consent_withdraw(actor=world.caseworker, report=report, purpose="contact", reason=SAID)
    report.refresh_from_db()
    assert report.public_status_note == ""
    with pytest.raises(ServiceError) as refused:
        report_set_family_status(
            actor=world.caseworker, report=report, contact_us=True, reason="Call again"
        )
    assert "withdrew its consent to be contacted" in refused.value.message_dict["contact_us"][0]
    mail.outbox.clear()
    send_reference_mail(report)
    assert mail.outbox == []


# --- Processing -----------------------------------------------------------------------------------


def test_withdrawing_processing_sets_the_report_aside_until_the_dpo_decides(world):
    report = _report(world, consents=[("process", None)])
    entry = report.entries.get()
    report_consent_withdraw(actor=world.intake, report=report, purpose="process", reason=SAID)
    report.refresh_from_db()
    assert report.status == ReportStatus.SET_ASIDE
    with pytest.raises(ServiceError) as refused:
        report_triage_entry(actor=world.supervisor, entry=entry, not_a_person_reason="Duplicate")
    assert "data-protection officer" in refused.value.message_dict["__all__"][0]
    with pytest.raises(ServiceError):
        report_set_status(actor=world.supervisor, report=report, status="spam", reason="x")

    report_withdrawal_decide(
        actor=world.dpo, report=report, resume=True, reason="Vital interest: a child in a camp."
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW
    event = AuditEvent.objects.get(object_id=report.public_id, action="status_change")
    assert event.actor == world.dpo and event.changes["resumed"] is True


def test_the_dpo_erases_a_set_aside_report_keeping_what_counts_need(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    report = _report(world, consents=[("process", None)], pending=2)
    attachment = ReportAttachment(
        report=report, kind="photo", content_type="image/jpeg", size=3, sha256="0" * 64
    )
    attachment.file.save("photo.jpg", ContentFile(b"abc"), save=False)
    attachment.save()
    stored = attachment.file.name
    report_consent_withdraw(actor=world.caseworker, report=report, purpose="process", reason=SAID)
    counts = (FamilyReport.objects.count(), ReportEntry.objects.filter(report=report).count())

    with django_capture_on_commit_callbacks(execute=True):
        report_withdrawal_decide(actor=world.dpo, report=report, resume=False, reason=SAID)

    report.refresh_from_db()
    assert report.status == ReportStatus.ERASED
    assert (report.reporter_name, report.reporter_email, report.account) == ("", "", "")
    assert report.channel == "letter" and report.received_at is not None
    assert counts == (
        FamilyReport.objects.count(),
        ReportEntry.objects.filter(report=report).count(),
    )
    names = set(report.entries.values_list("family_name", "given_name", "full_name"))
    assert names == {("", "", "[erased]")}
    assert not ReportAttachment.objects.filter(report=report).exists()
    assert not default_storage.exists(stored)
    # The consents stay: the record of what the family allowed and withdrew.
    assert ReportConsent.objects.filter(report=report, purpose="process", given=False).exists()
    with pytest.raises(ServiceError):
        report_consent_withdraw(
            actor=world.supervisor, report=report, purpose="contact", reason=SAID
        )


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "admin"])
def test_only_the_dpo_decides_on_a_withdrawal(world, persona):
    report = _report(world, consents=[("process", None)])
    report_consent_withdraw(actor=world.supervisor, report=report, purpose="process", reason=SAID)
    with pytest.raises(Denied):
        report_withdrawal_decide(
            actor=getattr(world, persona), report=report, resume=True, reason=SAID
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.SET_ASIDE


def test_another_organisations_dpo_finds_no_such_report(world):
    from tests.factories import UserFactory

    south_dpo = UserFactory(organisation=world.south, role="dpo", username="south-dpo")
    report = _report(world, consents=[("process", None)])
    report_consent_withdraw(actor=world.supervisor, report=report, purpose="process", reason=SAID)
    with pytest.raises(Hidden):
        report_withdrawal_decide(actor=south_dpo, report=report, resume=False, reason=SAID)
    report.refresh_from_db()
    assert report.status == ReportStatus.SET_ASIDE and report.reporter_email


def test_a_partner_or_another_organisation_cannot_withdraw(world):
    report = _report(world, consents=[("process", None)])
    for actor in (world.partner, world.south_supervisor, world.dpo):
        with pytest.raises((Hidden, Denied)):
            report_consent_withdraw(actor=actor, report=report, purpose="process", reason=SAID)
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW


@pytest.mark.parametrize(
    ("purpose", "partner", "reason", "field"),
    [
        ("everything", None, SAID, "purpose"),
        ("share_partner", None, SAID, "partner"),
        ("contact", "partner_org", SAID, "partner"),
        ("contact", None, "   ", "reason"),
    ],
)
def test_a_bad_withdrawal_is_refused_by_field_and_writes_nothing(
    world, purpose, partner, reason, field
):
    report = _report(world, consents=[("contact", None)])
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        report_consent_withdraw(
            actor=world.caseworker,
            report=report,
            purpose=purpose,
            partner=getattr(world, partner) if partner else None,
            reason=reason,
        )
    assert field in refused.value.message_dict
    assert ReportConsent.objects.get(report=report).given
    assert AuditEvent.objects.count() == before


def test_a_consent_withdrawn_twice_is_refused_the_second_time(world):
    report = _report(world, consents=[("contact", None)])
    report_consent_withdraw(actor=world.caseworker, report=report, purpose="contact", reason=SAID)
    with pytest.raises(ServiceError) as refused:
        report_consent_withdraw(
            actor=world.caseworker, report=report, purpose="contact", reason=SAID
        )
    assert "already withdrawn" in refused.value.message_dict["purpose"][0]
