"""Account, second-factor, audit and break-glass pages: who gets them, exactly which events and
grants the audit pages list, and what each account action writes."""

import time

from django.utils import timezone

from casework import audit
from casework.models import AuditEvent, BreakGlassGrant
from casework.services.form_tokens import new_form_token
from tests.factories import TEST_PASSWORD
from tests.matrix import PAGES, STAFF, Surface, expect
from tests.matrix.records import audited, fresh, grant

DPO_ONLY = expect(403, dpo=200, **PAGES)
SIGNED_IN = expect(200, **PAGES)
NEW_PASSWORD = "a brand new passphrase for 2026"
# Staff whose client logged in for the line: each login is an event of north.
LOGINS = {f"login:{persona}" for persona in STAFF}


def _audit_world(w):
    """Known events: one on each person (south's by south's supervisor), one of north on no
    person."""
    if not hasattr(w, "event_case_a"):
        w.event_case_a = audit.record(w.caseworker, "update", w.case_a, reason="matrix")
        w.event_case_b = audit.record(w.other_team_caseworker, "update", w.case_b)
        w.event_protected = audit.record(w.supervisor, "update", w.protected_a)
        w.event_south = audit.record(w.south_supervisor, "update", w.south_case)
        w.event_north = audit.record(w.admin, "create", None, reason="a team was added")
    return w


def _event_labels(world, events) -> set[str]:
    known = {v.pk: n for n, v in vars(world).items() if isinstance(v, AuditEvent)}
    return {known.get(e.pk, f"{e.action}:{e.actor_label}") for e in events}


def _events_are(expected):
    def check(world, persona, response):
        assert _event_labels(world, response.context["page"]) == expected

    return check


NORTH_EVENTS = {"event_case_a", "event_case_b", "event_protected", "event_north", *LOGINS}


def _grants(w):
    """A supervisor's grant on team B's case; south's supervisor's on south's case."""
    if not hasattr(w, "grant_north"):
        w.grant_north = grant(w, w.supervisor, w.case_b)
        w.grant_south = grant(w, w.south_supervisor, w.south_case)
    return w


def _reviewed(w, persona):
    assert fresh(w.grant_north).reviewed_by_id == w.dpo.pk
    assert fresh(w.grant_north).revoked_at is not None
    assert audited(w.dpo, "update", object_id=w.grant_north.public_id)


def _grants_are(expected):
    def check(world, persona, response):
        known = {v.pk: n for n, v in vars(world).items() if isinstance(v, BreakGlassGrant)}
        assert {known.get(g.pk, str(g.pk)) for g in response.context["page"]} == expected
        assert "South" not in response.content.decode()

    return check


def _totp_token(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return str(totp.token()).zfill(device.digits)


def _reports_set_aside(w):
    from casework.models import FamilyReport
    from tests.matrix.surfaces_reports import _reports

    _reports(w)
    FamilyReport.objects.filter(pk__in=[w.north_report.pk, w.south_report.pk]).update(
        status="set_aside"
    )
    return w


def _lists_the_set_aside_report(w, persona, response):
    html = response.content.decode()
    assert w.north_report.reference in html and w.south_report.reference not in html


def _withdrawal_decided(w, persona):
    assert fresh(w.north_report).status in ("new", "triaged")
    assert audited(w.dpo, "status_change", object_id=w.north_report.public_id)


def _subject_access_zip(w, persona, response):
    import io
    import json
    import zipfile

    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("subject-access.json"))
    assert document["person"]["public_id"] == str(w.case_a.public_id)
    assert audited(w.dpo, "export")


def _enrolment_with_right_code(w, persona):
    from casework.services.accounts import totp_enrolment_start

    user = w.personas()[persona]
    if user is None or user.role == "partner":
        return {"token": "000000"}
    # Staff here already have a confirmed authenticator: replacing it takes the password and a
    # code of that authenticator too.
    return {
        "token": _totp_token(totp_enrolment_start(user=user)),
        **_reauthentication(w, persona),
    }


def _reauthentication(w, persona):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = w.personas()[persona]
    if user is None or user.role == "partner":
        return {"password": TEST_PASSWORD}
    current = TOTPDevice.objects.get(user=user, confirmed=True, name="test")
    return {"password": TEST_PASSWORD, "current_token": _totp_token(current)}


def _enrolled(w, persona):
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = w.personas()[persona]
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    assert StaticToken.objects.filter(device__user=user).count() >= 5


def _enrolment_started(w, persona):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = w.personas()[persona]
    # An enrolment waits for its code; the confirmed authenticator is still the one in use.
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1
    assert TOTPDevice.objects.filter(user=user, confirmed=True, name="test").exists()


def _codes_replaced(w, persona):
    from django_otp.plugins.otp_static.models import StaticToken

    user = w.personas()[persona]
    assert StaticToken.objects.filter(device__user=user).count() >= 5
    assert audited(user, "second_factor")


def _password_changed(w, persona):
    user = w.personas()[persona]
    after = fresh(user)
    assert after.check_password(NEW_PASSWORD)
    assert after.session_epoch == user.session_epoch + 1


def _sessions_ended(w, persona):
    user = w.personas()[persona]
    assert fresh(user).session_epoch == user.session_epoch + 1
    assert audited(user, "session_ended")


def _granted(person_name):
    def wrote(w, persona):
        user = w.personas()[persona]
        grant = BreakGlassGrant.objects.get(user=user, person=getattr(w, person_name))
        assert grant.expires_at > timezone.now()
        assert audited(user, "break_glass", person_id=getattr(w, person_name).public_id)

    return wrote


SURFACES = [
    # Anyone may see the login form; a logged-in user is sent on to the home page.
    Surface(
        name="login",
        path=lambda w: "/account/login/",
        expect=expect(302, anonymous=200, partner=200, partner_without_agreement=200),
    ),
    # A right password signs in (302 on); whoever is signed in already is sent on too.
    Surface(
        name="login",
        method="POST",
        path=lambda w: "/account/login/",
        data=lambda w: {"username": "intake", "password": TEST_PASSWORD},
        expect=expect(302),
    ),
    Surface(
        name="login",
        method="POST",
        label="wrong password",
        path=lambda w: "/account/login/",
        data=lambda w: {"username": "intake", "password": "not the password"},
        expect=expect(302, anonymous=200, partner=200, partner_without_agreement=200),
    ),
    Surface(
        name="login",
        method="PUT",
        path=lambda w: "/account/login/",
        expect=expect(302, anonymous=200, partner=200, partner_without_agreement=200),
    ),
    Surface(name="logout", path=lambda w: "/account/logout/", method="POST", expect=expect(302)),
    # Already verified: the verify page sends the user on, whatever is posted.
    Surface(
        name="second_factor",
        path=lambda w: "/account/2fa/",
        expect=expect(302, **PAGES),
    ),
    Surface(
        name="second_factor",
        method="POST",
        path=lambda w: "/account/2fa/",
        data=lambda w: {"token": "000000"},
        expect=expect(302, **PAGES),
    ),
    # The enrolment page starts an enrolment (an unconfirmed authenticator) for whoever opens it.
    Surface(
        name="second_factor_setup",
        path=lambda w: "/account/2fa/setup/",
        expect=SIGNED_IN,
        writes=set(STAFF),
        wrote=_enrolment_started,
    ),
    Surface(
        name="second_factor_setup",
        method="POST",
        label="wrong code",
        path=lambda w: "/account/2fa/setup/",
        data=lambda w: {"token": "000000"},
        expect=expect(400, **PAGES),
        writes=set(STAFF),
        wrote=_enrolment_started,
    ),
    Surface(
        name="second_factor_setup",
        method="POST",
        path=lambda w: "/account/2fa/setup/",
        data=_enrolment_with_right_code,
        expect=SIGNED_IN,
        writes=set(STAFF),
        wrote=_enrolled,
    ),
    Surface(name="recovery_codes", path=lambda w: "/account/recovery-codes/", expect=SIGNED_IN),
    Surface(
        name="recovery_codes",
        method="POST",
        path=lambda w: "/account/recovery-codes/",
        data=_reauthentication,
        expect=SIGNED_IN,
        writes=set(STAFF),
        wrote=_codes_replaced,
    ),
    Surface(name="password_change", path=lambda w: "/account/password/", expect=SIGNED_IN),
    Surface(
        name="password_change",
        method="POST",
        path=lambda w: "/account/password/",
        data=lambda w: {
            "old_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },  # fmt: skip
        expect=SIGNED_IN,
        writes=set(STAFF),
        wrote=_password_changed,
    ),
    Surface(
        name="password_change",
        method="POST",
        label="wrong old password",
        path=lambda w: "/account/password/",
        data=lambda w: {
            "old_password": "not it",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },  # fmt: skip
        expect=expect(400, **PAGES),
    ),
    # "Stay signed in" from the idle warning: the session's clock only, no record.
    Surface(
        name="keepalive",
        method="POST",
        path=lambda w: "/account/keepalive/",
        data=lambda w: {},
        expect=expect(204, **PAGES),
    ),
    Surface(name="end_other_sessions", path=lambda w: "/account/sessions/end/", expect=SIGNED_IN),
    Surface(
        name="end_other_sessions",
        method="POST",
        path=lambda w: "/account/sessions/end/",
        data=lambda w: {},
        expect=SIGNED_IN,
        writes=set(STAFF),
        wrote=_sessions_ended,
    ),
    # --- The audit trail: the DPO's, of their organisation only ---
    Surface(
        name="audit_events",
        path=lambda w: (_audit_world(w), "/audit/")[1],
        expect=DPO_ONLY,
        check=_events_are(NORTH_EVENTS),
    ),
    Surface(
        name="audit_events",
        method="POST",
        path=lambda w: (_audit_world(w), "/audit/")[1],
        data=lambda w: {},
        expect=DPO_ONLY,
        check=_events_are(NORTH_EVENTS),
    ),
    Surface(
        name="audit_events",
        label="?record=team B's case",
        path=lambda w: f"/audit/?record={_audit_world(w).case_b.public_id}",
        expect=DPO_ONLY,
        check=_events_are({"event_case_b"}),
    ),
    Surface(
        name="audit_events",
        label="?record=south's case",
        path=lambda w: f"/audit/?record={_audit_world(w).south_case.public_id}",
        expect=DPO_ONLY,
        check=_events_are(set()),
    ),
    Surface(
        name="audit_events",
        label="?who=caseworker",
        path=lambda w: (_audit_world(w), "/audit/?who=caseworker")[1],
        expect=DPO_ONLY,
        check=_events_are({"event_case_a", "login:caseworker"}),
    ),
    Surface(
        name="audit_events",
        label="?action=login",
        path=lambda w: (_audit_world(w), "/audit/?action=login")[1],
        expect=DPO_ONLY,
        check=_events_are(LOGINS),
    ),
    Surface(
        name="audit_events",
        label="?who=south's supervisor",
        path=lambda w: (_audit_world(w), "/audit/?who=south_supervisor")[1],
        expect=DPO_ONLY,
        check=_events_are(set()),
    ),
    Surface(
        name="audit_break_glass",
        path=lambda w: (_grants(w), "/audit/break-glass/")[1],
        expect=DPO_ONLY,
        check=_grants_are({"grant_north"}),
    ),
    Surface(
        name="audit_break_glass",
        method="POST",
        path=lambda w: (_grants(w), "/audit/break-glass/")[1],
        data=lambda w: {},
        expect=DPO_ONLY,
        check=_grants_are({"grant_north"}),
    ),
    Surface(name="audit_subject_access", path=lambda w: "/audit/subject-access/", expect=DPO_ONLY),
    Surface(
        name="audit_subject_access",
        method="POST",
        path=lambda w: "/audit/subject-access/",
        data=lambda w: {
            "person_id": str(w.case_a.public_id),
            "reason": "Request of 2 December by letter.",
        },
        expect=DPO_ONLY,
        check=_subject_access_zip,
    ),
    Surface(
        name="audit_subject_access",
        method="POST",
        label="other organisation",
        path=lambda w: "/audit/subject-access/",
        data=lambda w: {
            "person_id": str(w.south_case.public_id),
            "reason": "Request of 2 December by letter.",
        },
        expect=expect(403, dpo=404, **PAGES),
    ),
    Surface(
        name="audit_withdrawals",
        path=lambda w: (_reports_set_aside(w), "/audit/withdrawals/")[1],
        expect=DPO_ONLY,
        check=_lists_the_set_aside_report,
    ),
    Surface(
        name="audit_withdrawals",
        method="POST",
        path=lambda w: (_reports_set_aside(w), "/audit/withdrawals/")[1],
        data=lambda w: {},
        expect=DPO_ONLY,
        check=_lists_the_set_aside_report,
    ),
    Surface(
        name="audit_withdrawal_decide",
        method="POST",
        path=lambda w: f"/audit/withdrawals/{_reports_set_aside(w).north_report.public_id}/decide/",
        data=lambda w: {"decision": "resume", "reason": "Vital interest: a child in a camp."},
        expect=expect(403, dpo=302, **PAGES),
        writes={"dpo"},
        wrote=_withdrawal_decided,
    ),
    Surface(
        name="audit_withdrawal_decide",
        method="POST",
        label="other organisation",
        path=lambda w: f"/audit/withdrawals/{_reports_set_aside(w).south_report.public_id}/decide/",
        data=lambda w: {"decision": "resume", "reason": "Vital interest: a child in a camp."},
        expect=expect(403, dpo=404, **PAGES),
    ),
    Surface(
        name="audit_break_glass_review",
        method="POST",
        path=lambda w: f"/audit/break-glass/{_grants(w).grant_north.public_id}/review/",
        data=lambda w: {"note": "No emergency: ask the supervisor.", "revoke": "on"},
        expect=expect(403, dpo=302, **PAGES),
        writes={"dpo"},
        wrote=_reviewed,
    ),
    Surface(
        name="audit_break_glass_review",
        method="POST",
        label="another organisation's grant",
        path=lambda w: f"/audit/break-glass/{_grants(w).grant_south.public_id}/review/",
        data=lambda w: {"note": "fine"},
        expect=expect(403, dpo=404, **PAGES),
    ),
    # --- Break-glass ---
    # North does not let caseworkers break glass: for them the page is missing (404); roles that
    # never break glass are refused whatever the record (403).
    Surface(
        name="person_break_glass",
        path=lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        expect=expect(404, supervisor=200, intake=403, dpo=403, admin=403, **PAGES),
    ),
    # The form is the same for any id (another organisation's, a missing one): only the POST
    # looks the record up, and answers 404 for one outside the organisation.
    Surface(
        name="person_break_glass",
        label="other organisation",
        path=lambda w: f"/persons/{w.south_case.public_id}/break-glass/",
        expect=expect(404, supervisor=200, intake=403, dpo=403, admin=403, **PAGES),
    ),
    Surface(
        name="person_break_glass",
        method="POST",
        label="other organisation",
        path=lambda w: f"/persons/{w.south_case.public_id}/break-glass/",
        data=lambda w: {
            "reason": "The family called; the south office is closed today.",
            "form_token": new_form_token(),
        },
        expect=expect(404, intake=403, dpo=403, admin=403, **PAGES),
    ),
    Surface(
        name="person_break_glass",
        method="POST",
        path=lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        data=lambda w: {
            "reason": "The family called; the team B caseworker is away today.",
            "form_token": new_form_token(),
        },
        expect=expect(404, supervisor=302, intake=403, dpo=403, admin=403, **PAGES),
        writes={"supervisor"},
        wrote=_granted("case_b"),
    ),
    # Where the organisation lets caseworkers break glass, a caseworker opens another team's case.
    Surface(
        name="person_break_glass",
        method="POST",
        label="caseworkers allowed",
        setup=lambda w: (
            type(w.north).objects.filter(pk=w.north.pk).update(caseworkers_may_break_glass=True)
        ),
        path=lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        data=lambda w: {
            "reason": "The family called; the team B caseworker is away today.",
            "form_token": new_form_token(),
        },
        expect=expect(403, caseworker=302, other_team_caseworker=302, supervisor=302, **PAGES),
        writes={"caseworker", "other_team_caseworker", "supervisor"},
        wrote=_granted("case_b"),
    ),
]
