"""The pages of a consent withdrawal: report staff record it on the report's page, the DPO is
alerted on the home page and decides on the withdrawals page."""

import pytest

from casework.models import AuditEvent, Person, ReportConsent, ReportEntry, ReportStatus
from tests.factories import ReportFactory

SAID = "The mother called the hotline and asked us to stop."


def _report(world, *consents):
    report = ReportFactory(organisation=world.north, account="Zarema's story")
    ReportEntry.objects.create(
        report=report, position=0, family_name="Testova", person=world.case_a, outcome="linked"
    )
    for purpose, partner in consents:
        ReportConsent.objects.create(report=report, purpose=purpose, partner=partner, given=True)
    return report


def test_the_report_page_offers_the_given_consents_and_records_a_withdrawal(world, login):
    report = _report(world, ("process", None), ("share_partner", world.partner_org))
    client = login(world.supervisor)
    page = client.get(f"/reports/{report.public_id}/").content.decode()
    partner_value = f"share_partner:{world.partner_org.public_id}"
    assert f'value="{partner_value}"' in page and 'value="process"' in page
    response = client.post(
        f"/reports/{report.public_id}/withdraw-consent/",
        {"purpose": partner_value, "reason": SAID},
    )
    assert response.status_code == 302
    assert world.case_a not in Person.objects.visible_to(world.partner)
    page = client.get(f"/reports/{report.public_id}/").content.decode()
    assert f'value="{partner_value}"' not in page


def test_a_partner_the_family_never_named_is_refused(world, login):
    report = _report(world, ("process", None))
    client = login(world.supervisor)
    response = client.post(
        f"/reports/{report.public_id}/withdraw-consent/",
        {"purpose": f"share_partner:{world.partner_org.public_id}", "reason": SAID},
        follow=True,
    )
    assert "Choose one of the consents the family gave." in response.content.decode()
    assert world.case_a in Person.objects.visible_to(world.partner)


def test_the_dpo_is_alerted_and_decides(world, login):
    report = _report(world, ("process", None))
    login(world.caseworker).post(
        f"/reports/{report.public_id}/withdraw-consent/", {"purpose": "process", "reason": SAID}
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SET_ASIDE
    client = login(world.dpo)
    home = client.get("/")
    assert home.context["withdrawals_waiting"] == 1
    assert 'id="withdrawals-waiting"' in home.content.decode()
    listing = client.get("/audit/withdrawals/")
    assert report.reference in listing.content.decode()
    refused = client.post(
        f"/audit/withdrawals/{report.public_id}/decide/", {"decision": "erase", "reason": ""}
    )
    assert refused.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SET_ASIDE
    client.post(
        f"/audit/withdrawals/{report.public_id}/decide/", {"decision": "erase", "reason": SAID}
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.ERASED and report.account == ""
    assert AuditEvent.objects.filter(object_id=report.public_id, actor=world.dpo).exists()
    assert client.get("/").context["withdrawals_waiting"] == 0


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "admin"])
def test_only_the_dpo_sees_the_withdrawals(world, login, persona):
    report = _report(world, ("process", None))
    client = login(getattr(world, persona))
    assert client.get("/audit/withdrawals/").status_code == 403
    assert (
        client.post(
            f"/audit/withdrawals/{report.public_id}/decide/",
            {"decision": "erase", "reason": SAID},
        ).status_code
        == 403
    )
    assert client.get("/").context["withdrawals_waiting"] is None
