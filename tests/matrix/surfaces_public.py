"""The families' door in the permission matrix: the public report form and the status page need no
account, so every persona (signed in or not, a partner's token or none) gets the same answer, and
whatever is posted writes only what a family may write: a report to the organisation that receives
public reports (never attributed to the signed-in user), or an addition to the family's own report.
"""

import datetime as dt
from unittest import mock

from django.utils import timezone

from casework.family_status import FamilyStatus
from casework.models import Channel, FamilyReport, ReportFollowUp
from casework.services import reports
from tests.matrix import Surface, expect
from tests.matrix.records import audited, fresh

FORM = "/report/"
STATUS = "/report/status/"
ADD = "/report/status/add/"
EVERYONE = frozenset(expect(None))


def _receiving(w):
    """North receives what families send through the public form."""
    if not w.north.receives_public_reports:
        w.north.receives_public_reports = True
        w.north.save(update_fields=["receives_public_reports"])
    return w


def _form_token() -> str:
    """A form token issued five minutes ago: a person had the time to fill the form."""
    past = timezone.now() - dt.timedelta(minutes=5)
    with mock.patch.object(reports.timezone, "now", return_value=past):
        return reports.public_form_token()


def _family_report(w):
    """A report the family sent through the form, with its secret (as on their receipt)."""
    if not hasattr(w, "family_report"):
        _receiving(w)
        w.family_report, w.family_secret, _created = reports.report_submit_public(
            form_token=_form_token(),
            organisation=w.north,
            reporter={"reporter_name": "Canary Family"},
            account="Canary family account",
            consents=[],
            entries=[{"family_name": "Familova", "given_name": "Zara"}],
        )
    return w.family_report


def _stale_status_token(w):
    """A status page opened with the old secret, then staff gave the family a new one."""
    report = _family_report(w)
    w.old_status_token = reports.family_status_token(report)
    reports.report_reissue_secret(
        actor=w.supervisor, report=report, reason="The grandmother called; we know her voice."
    )


def _asked_to_contact_us(w):
    reports.report_set_family_status(
        actor=w.supervisor,
        report=_family_report(w),
        contact_us=True,
        reason="Their caseworker must call them.",
    )


def _report_form(w, **fields):
    data = {
        "form_token": _form_token(),
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": "Publicova",
        "entries-0-given_name": "Amina",
        "reporter_name": "Matrix Family",
        "reporter_relationship": "grandmother",
        "account": "My daughter took her son to Syria in 2014.",
        "consent_process": "yes",
    }
    data.update(fields)
    return data


def _form_shown(w, persona, response):
    assert "no-store" in response["Cache-Control"]
    assert response.context["form"].initial["form_token"]
    # Nothing of any report, nor of who is signed in, on the families' page.
    body = response.content.decode()
    assert "Canary" not in body
    user = w.personas()[persona]
    assert user is None or user.username not in body


def _public_report_sent(w, persona):
    report = FamilyReport.objects.get(reporter_name="Matrix Family")
    # The family's report, whoever's browser sent it: north's, by the web form, entered by no one.
    assert report.organisation == w.north and report.channel == Channel.WEB_FORM
    assert report.entered_by is None and report.source_partner is None
    assert report.entries.get().family_name == "Publicova"
    assert report.secret_hash
    assert audited(None, "create", object_id=report.public_id)


def _receipt(w, persona, response):
    report = FamilyReport.objects.get(reporter_name="Matrix Family")
    assert response.context["reference"] == report.reference and not response.context["repeat"]
    # The secret on the receipt opens the status page of that report, and of no other.
    assert reports.report_for_family(report.reference, response.context["secret"]) == report


def _status_shown(status):
    def check(w, persona, response):
        assert response.context["reference"] == w.family_report.reference
        assert response.context["status"] == status
        # The status page carries the family on without writing the secret into it.
        assert w.family_secret not in response.content.decode()
        assert "Canary family account" not in response.content.decode()

    return check


def _lookup(w, secret=None):
    return {
        "reference": w.family_report.reference.lower(),  # as a family may type it
        "secret": w.family_secret if secret is None else secret,
    }


def _added(w, persona):
    follow_up = ReportFollowUp.objects.get(report=w.family_report)
    assert follow_up.text == "We found a photo of him." and follow_up.entries_added == 0
    # Beside the first account, never into it; nothing else of the report changed.
    report = fresh(w.family_report)
    assert report.account == "Canary family account" and report.status == "new"
    assert audited(None, "create", object_id=follow_up.public_id)


SURFACES = [
    Surface(
        name="public_report",
        path=lambda w: FORM,
        setup=_receiving,
        expect=expect(200),
        check=_form_shown,
    ),
    Surface(
        name="public_report",
        label="no organisation receives public reports",
        path=lambda w: FORM,
        expect=expect(503),
    ),
    Surface(
        name="public_report",
        method="POST",
        path=lambda w: FORM,
        setup=_receiving,
        data=lambda w: _report_form(w),
        expect=expect(200),
        writes=EVERYONE,
        wrote=_public_report_sent,
        check=_receipt,
    ),
    Surface(
        name="public_report",
        method="POST",
        label="no organisation receives public reports",
        path=lambda w: FORM,
        data=lambda w: _report_form(w),
        expect=expect(503),
    ),
    Surface(
        name="public_report",
        method="POST",
        label="a robot filled the hidden field",
        path=lambda w: FORM,
        setup=_receiving,
        data=lambda w: _report_form(w, website="http://spam.example"),
        expect=expect(400),
    ),
    Surface(
        name="public_report",
        method="POST",
        label="a forged form token",
        path=lambda w: FORM,
        setup=_receiving,
        data=lambda w: _report_form(w, form_token="not-a-token"),
        expect=expect(400),
    ),
    Surface(
        name="public_report",
        method="POST",
        label="add a person",
        path=lambda w: FORM,
        setup=_receiving,
        data=lambda w: _report_form(w, add_person="1"),
        expect=expect(200),
    ),
    Surface(name="public_report_status", path=lambda w: STATUS, expect=expect(200)),
    Surface(
        name="public_report_status",
        method="POST",
        path=lambda w: STATUS,
        setup=_family_report,
        data=lambda w: _lookup(w),
        expect=expect(200),
        check=_status_shown(FamilyStatus.RECEIVED),
    ),
    Surface(
        name="public_report_status",
        method="POST",
        label="staff asked the family to contact us",
        path=lambda w: STATUS,
        setup=lambda w: (_family_report(w), _asked_to_contact_us(w)),
        data=lambda w: _lookup(w),
        expect=expect(200),
        check=_status_shown(FamilyStatus.CONTACT_US),
    ),
    Surface(
        name="public_report_status",
        method="POST",
        label="wrong secret",
        path=lambda w: STATUS,
        setup=_family_report,
        data=lambda w: _lookup(w, secret="not-the-secret"),
        expect=expect(404),
    ),
    Surface(
        name="public_report_status",
        method="POST",
        label="the secret before staff reissued it",
        path=lambda w: STATUS,
        setup=_stale_status_token,
        data=lambda w: _lookup(w),
        expect=expect(404),
    ),
    Surface(
        name="public_report_status_add",
        method="POST",
        path=lambda w: ADD,
        setup=_family_report,
        data=lambda w: {
            "status_token": reports.family_status_token(w.family_report),
            "text": "We found a photo of him.",
        },
        expect=expect(200),
        writes=EVERYONE,
        wrote=_added,
        check=_status_shown(FamilyStatus.RECEIVED),
    ),
    Surface(
        name="public_report_status_add",
        method="POST",
        label="a forged status token",
        path=lambda w: ADD,
        setup=_family_report,
        data=lambda w: {"status_token": "not-a-token", "text": "Let me in."},
        expect=expect(400),
    ),
    Surface(
        name="public_report_status_add",
        method="POST",
        label="a status page opened before the secret was reissued",
        path=lambda w: ADD,
        setup=_stale_status_token,
        data=lambda w: {"status_token": w.old_status_token, "text": "Still here."},
        expect=expect(400),
    ),
    Surface(
        name="public_report_status_add",
        method="POST",
        label="nothing to add",
        path=lambda w: ADD,
        setup=_family_report,
        data=lambda w: {"status_token": reports.family_status_token(w.family_report)},
        expect=expect(400),
    ),
]
