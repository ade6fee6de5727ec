"""The reports area in the permission matrix: north's report staff see north's reports only, and
of those only what they need to know: supervisors all; intake and caseworkers the triage queue, but
never a report with an entry linked to a person outside their person scope (another team's case for
a caseworker, a protected person for intake and caseworkers)."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from casework.models import Channel, FamilyReport, ReportEntry
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import audited, fresh

REPORT_STAFF = {"caseworker": 200, "other_team_caseworker": 200, "intake": 200, "supervisor": 200}
STAFF_WHO_REPORT = set(REPORT_STAFF)


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue())


def _linked_report(w, canary, person):
    """A north report of two persons; the supervisor linked the first to `person`, the second
    waits for triage."""
    from casework.services.reports import report_submit, report_triage_entry

    report, _ = report_submit(
        actor=w.intake,
        organisation=w.north,
        channel=Channel.LETTER,
        reporter={"reporter_name": f"Canary Reporter {canary}"},
        account=f"Canary account {canary}",
        consents=[],
        entries=[{"family_name": "Linkova"}, {"family_name": "Waitova"}],
        attachments=[_photo()],
    )
    report_triage_entry(actor=w.supervisor, entry=report.entries.get(position=1), person=person)
    return report


def _reports(w):
    """North has a report with a photo; south has one that no north user may ever see."""
    if not hasattr(w, "north_report"):
        from casework.services.reports import report_submit

        w.north_report, _ = report_submit(
            actor=w.intake,
            organisation=w.north,
            channel=Channel.LETTER,
            reporter={"reporter_name": "Canary Reporter North", "reporter_contact": "canary@n"},
            account="Canary account north",
            consents=[],
            entries=[{"family_name": "Entryova", "given_name": "Lailo"}],
            attachments=[_photo()],
        )
        w.south_report, _ = report_submit(
            actor=w.south_supervisor,
            organisation=w.south,
            channel=Channel.PHONE,
            reporter={"reporter_name": "Canary Reporter South"},
            account="",
            consents=[],
            entries=[{"full_name": "Southern Entry"}],
        )
        # Two reports of north already linked to a person: team B's case, the protected one.
        w.team_b_report = _linked_report(w, "TeamB", w.case_b)
        w.protected_report = _linked_report(w, "Protected", w.protected_a)
    return w.north_report, w.south_report


def _team_b(w):
    _reports(w)
    return w.team_b_report


def _protected(w):
    _reports(w)
    return w.protected_report


# Which of north's reports each report persona lists (and opens).
LISTED = {
    "caseworker": {"north"},
    "other_team_caseworker": {"north", "team_b"},
    "intake": {"north", "team_b"},
    "supervisor": {"north", "team_b", "protected"},
}
# Who opens the report linked to team B's case, and the one linked to the protected person.
TEAM_B = {"caseworker": 404, "other_team_caseworker": 200, "intake": 200, "supervisor": 200}
PROTECTED = {"caseworker": 404, "other_team_caseworker": 404, "intake": 404, "supervisor": 200}


def _pending_entry(report):
    return report.entries.get(outcome="pending")


def _list_path(w):
    _reports(w)
    return "/reports/"


def _report_labels(w, reports) -> set[str]:
    _reports(w)
    known = {
        w.north_report.pk: "north",
        w.south_report.pk: "south",
        w.team_b_report.pk: "team_b",
        w.protected_report.pk: "protected",
    }
    return {known.get(r.pk, r.reference) for r in reports}


def _reports_are(expected):
    """The queue shows exactly `expected[persona]`, and no reporter of a report it leaves out."""

    def check(w, persona, response):
        listed = _report_labels(w, response.context["page"])
        assert listed == set(expected.get(persona, ())), listed
        html = response.content.decode()
        body = html[html.index("<tbody>") : html.index("</tbody>")]  # the rows, not the search
        for name, reporter in (("south", "South"), ("team_b", "TeamB"), ("protected", "Protected")):
            assert (f"Canary Reporter {reporter}" in body) is (name in listed), name

    return check


def _detail_shows(canary, account=None):
    def check(w, persona, response):
        body = response.content.decode()
        assert f"Canary Reporter {canary}" in body
        assert (account or f"Canary account {canary}") in body
        assert "Canary Reporter South" not in body

    return check


def _attachment_headers(w, persona, response):
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/jpeg"


def _south_detail(w):
    return f"/reports/{_reports(w)[1].public_id}/"


def _entry_path(report, entry):
    return f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"


def _north_entry(w):
    north = _reports(w)[0]
    return _entry_path(north, north.entries.get())


def _triaged(outcome, person=None):
    def wrote(w, persona):
        user = w.personas()[persona]
        entry = fresh(w.north_report.entries.get())
        assert entry.outcome == outcome and entry.triaged_by == user
        if person is not None:
            assert entry.person == getattr(w, person)
        if outcome == "created":
            assert entry.person.display_name == "Entryova Lailo"
            team = {"caseworker": w.team_a, "other_team_caseworker": w.team_b}.get(persona)
            assert entry.person.team_id == (team.pk if team else None)
        assert fresh(w.north_report).status == "triaged"
        assert audited(user, "update", object_id=entry.public_id)

    return wrote


def _pending_triaged(w, persona):
    user = w.personas()[persona]
    assert ReportEntry.objects.filter(triaged_by=user, outcome="not_a_person").count() == 1


def _new_report(w, persona):
    from casework.services.reports import report_form_token

    user = w.personas()[persona]
    received = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    return {
        "form_token": report_form_token(user) if user is not None else "",
        "channel": "letter",
        "received_at": received.strftime("%Y-%m-%d %H:%M"),
        "reporter_name": "Matrix Reporter",
        "account": "Our son left in 2015.",
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": "Newreportova",
        "entries-0-given_name": "Seda",
    }


def _report_entered(w, persona):
    user = w.personas()[persona]
    report = FamilyReport.objects.get(reporter_name="Matrix Reporter")
    assert report.organisation == w.north and report.entered_by == user
    assert report.channel == "letter" and report.entries.get().family_name == "Newreportova"
    assert audited(user, "create", object_id=report.public_id)


def _consent_partners(w, persona, response):
    # Consent can name only the partners north has an agreement with.
    choices = response.context["form"].fields["share_partners"].queryset
    assert {o.slug for o in choices} == {"partner-ngo"}


def _triage_page(canary):
    def check(w, persona, response):
        assert response.context["show_details"] is True
        body = response.content.decode()
        assert canary in body and "Canary Reporter South" not in body

    return check


TRIAGERS = dict.fromkeys(REPORT_STAFF, 302)
# Who may give a family a new secret: caseworkers and the supervisor, not intake.
REISSUERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
CONTACT_US = {"contact_us": "1", "reason": "Their caseworker must call them."}
REISSUE = {"reason": "The grandmother called; we know her voice."}


def _family_status_path(report):
    return lambda w: f"/reports/{report(w).public_id}/family-status/"


def _reissue_path(report):
    return lambda w: f"/reports/{report(w).public_id}/reissue-secret/"


def _withdraw_path(report):
    return lambda w: f"/reports/{report(w).public_id}/withdraw-consent/"


WITHDRAW = {"purpose": "process", "reason": "The mother called: stop using what she told us."}


def _set_aside(report):
    def wrote(w, persona):
        user = w.personas()[persona]
        assert fresh(report(w)).status == "set_aside"
        assert audited(user, "update", object_id=report(w).public_id)

    return wrote


def _north(w):
    return _reports(w)[0]


def _south(w):
    return _reports(w)[1]


def _asked_to_contact(report):
    def wrote(w, persona):
        user = w.personas()[persona]
        assert fresh(report(w)).public_status_note == "contact_us"
        assert audited(user, "status_change", object_id=report(w).public_id)

    return wrote


def _secret_reissued(report):
    def wrote(w, persona):
        user = w.personas()[persona]
        before = report(w)
        assert fresh(before).secret_hash != before.secret_hash
        assert audited(user, "update", object_id=before.public_id)

    return wrote


def _secret_shown(report):
    def check(w, persona, response):
        from casework.services.reports import report_for_family

        # Shown once to staff, and it opens the family's status page of this report.
        secret = response.context["secret"]
        assert secret in response.content.decode()
        assert report_for_family(report(w).reference, secret) == report(w)

    return check


def _from_codes(codes, ok):
    """A POST's statuses from the page's (200 → `ok`, else as the page)."""
    return {p: ok if code == 200 else code for p, code in codes.items()}


SURFACES = [
    Surface(
        name="report_list",
        path=_list_path,
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are(LISTED),
    ),
    Surface(
        name="report_list",
        method="POST",
        path=_list_path,
        data=lambda w: {},
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are(LISTED),
    ),
    Surface(
        name="report_list",
        label="?q=south's reporter",
        path=lambda w: _list_path(w) + "?q=Canary+Reporter+South",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({}),
    ),
    Surface(
        name="report_list",
        label="?q=team B's reporter",
        path=lambda w: _list_path(w) + "?q=Canary+Reporter+TeamB",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({p: {"team_b"} for p in LISTED if "team_b" in LISTED[p]}),
    ),
    Surface(
        name="report_list",
        label="?q=the protected report's reference",
        path=lambda w: f"{_list_path(w)}?q={w.protected_report.reference}",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({"supervisor": {"protected"}}),
    ),
    Surface(
        name="report_list",
        label="?q=south's reference",
        path=lambda w: f"{_list_path(w)}?q={w.south_report.reference}",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({}),
    ),
    Surface(
        name="report_list",
        label="?status=in_triage",
        path=lambda w: _list_path(w) + "?status=in_triage",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({p: LISTED[p] - {"north"} for p in LISTED}),
    ),
    Surface(
        name="report_list",
        label="?status=new",
        path=lambda w: _list_path(w) + "?status=new",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reports_are({p: {"north"} for p in LISTED}),
    ),
    Surface(
        name="report_new",
        path=lambda w: "/reports/new/",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_consent_partners,
    ),
    Surface(
        name="report_new",
        method="POST",
        label="no token, no entries",
        path=lambda w: "/reports/new/",
        data=lambda w: {"channel": "letter"},
        # Report staff get the form back with its errors (no token, no entries): nothing saved.
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 400), **PAGES),
    ),
    Surface(
        name="report_new",
        method="POST",
        path=lambda w: "/reports/new/",
        data=_new_report,
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 302), **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_report_entered,
    ),
    Surface(
        name="report_detail",
        path=lambda w: f"/reports/{_reports(w)[0].public_id}/",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_detail_shows("North", "Canary account north"),
    ),
    Surface(
        name="report_detail",
        method="POST",
        path=lambda w: f"/reports/{_reports(w)[0].public_id}/",
        data=lambda w: {},
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_detail_shows("North", "Canary account north"),
    ),
    Surface(
        name="report_detail",
        label="other organisation",
        path=_south_detail,
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 404), **PAGES),
    ),
    Surface(
        name="report_attachment",
        path=lambda w: (
            f"/reports/{_reports(w)[0].public_id}/attachments/"
            f"{_reports(w)[0].attachments.get().public_id}/"
        ),
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_attachment_headers,
    ),
    Surface(
        name="report_attachment",
        method="POST",
        path=lambda w: (
            f"/reports/{_reports(w)[0].public_id}/attachments/"
            f"{_reports(w)[0].attachments.get().public_id}/"
        ),
        data=lambda w: {},
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_attachment_headers,
    ),
    Surface(
        name="report_entry_triage",
        path=_north_entry,
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_triage_page("Entryova"),
    ),
    Surface(
        name="report_entry_triage",
        method="POST",
        label="other organisation",
        path=lambda w: _entry_path(_reports(w)[1], _reports(w)[1].entries.get()),
        data=lambda w: {"decision": "not_a_person", "reason": "probe"},
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 404), **PAGES),
    ),
    Surface(
        name="report_entry_triage",
        method="POST",
        path=_north_entry,
        data=lambda w: {"decision": "not_a_person", "reason": "A test entry."},
        expect=expect(403, **TRIAGERS, **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_triaged("not_a_person"),
    ),
    # The duplicate check shows another team's case to intake and caseworkers: they may link to
    # it (the report then leaves a caseworker's queue).
    Surface(
        name="report_entry_triage",
        method="POST",
        label="link to team B's case",
        path=_north_entry,
        data=lambda w: {"decision": "link", "person": str(w.case_b.public_id)},
        expect=expect(403, **TRIAGERS, **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_triaged("linked", "case_b"),
    ),
    # A protected person is never offered: only the supervisor links to one.
    Surface(
        name="report_entry_triage",
        method="POST",
        label="link to the protected person",
        path=_north_entry,
        data=lambda w: {"decision": "link", "person": str(w.protected_a.public_id)},
        expect=expect(403, **{**dict.fromkeys(REPORT_STAFF, 400), "supervisor": 302}, **PAGES),
        writes={"supervisor"},
        wrote=_triaged("linked", "protected_a"),
    ),
    Surface(
        name="report_entry_triage",
        method="POST",
        label="link to south's person",
        path=_north_entry,
        data=lambda w: {"decision": "link", "person": str(w.south_case.public_id)},
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 400), **PAGES),
    ),
    Surface(
        name="report_entry_triage",
        method="POST",
        label="create a person",
        path=_north_entry,
        data=lambda w: {"decision": "create"},
        expect=expect(403, **TRIAGERS, **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_triaged("created"),
    ),
    # The family's status page: whoever may triage the report asks the family to contact us.
    Surface(
        name="report_family_status",
        method="POST",
        path=_family_status_path(_north),
        data=lambda w: CONTACT_US,
        expect=expect(403, **TRIAGERS, **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_asked_to_contact(_north),
    ),
    Surface(
        name="report_family_status",
        method="POST",
        label="no reason",
        path=_family_status_path(_north),
        data=lambda w: {"contact_us": "1"},
        # Sent back to the report with the form's error: nothing changed.
        expect=expect(403, **TRIAGERS, **PAGES),
    ),
    Surface(
        name="report_family_status",
        method="POST",
        label="other organisation",
        path=_family_status_path(_south),
        data=lambda w: CONTACT_US,
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 404), **PAGES),
    ),
    # A consent withdrawn: whoever may triage the report records it; it takes effect at once.
    Surface(
        name="report_consent_withdraw",
        method="POST",
        path=_withdraw_path(_north),
        data=lambda w: WITHDRAW,
        expect=expect(403, **TRIAGERS, **PAGES),
        writes=STAFF_WHO_REPORT,
        wrote=_set_aside(_north),
    ),
    Surface(
        name="report_consent_withdraw",
        method="POST",
        label="no reason",
        path=_withdraw_path(_north),
        data=lambda w: {"purpose": "process"},
        expect=expect(403, **TRIAGERS, **PAGES),
    ),
    Surface(
        name="report_consent_withdraw",
        method="POST",
        label="other organisation",
        path=_withdraw_path(_south),
        data=lambda w: WITHDRAW,
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 404), **PAGES),
    ),
    # A new secret for a family who lost theirs: caseworkers and the supervisor, never intake.
    Surface(
        name="report_reissue_secret",
        method="POST",
        path=_reissue_path(_north),
        data=lambda w: REISSUE,
        expect=expect(403, **REISSUERS, **PAGES),
        writes=set(REISSUERS),
        wrote=_secret_reissued(_north),
        check=_secret_shown(_north),
    ),
    Surface(
        name="report_reissue_secret",
        method="POST",
        label="no reason",
        path=_reissue_path(_north),
        data=lambda w: {},
        expect=expect(403, **dict.fromkeys(REISSUERS, 302), **PAGES),
    ),
    Surface(
        name="report_reissue_secret",
        method="POST",
        label="other organisation",
        path=_reissue_path(_south),
        data=lambda w: REISSUE,
        expect=expect(403, **dict.fromkeys(REISSUERS, 404), **PAGES),
    ),
    # A report linked to team B's case, and one linked to the protected person: hidden (404, as
    # if missing) on every page for whoever may not see that person.
    *(
        surface
        for report, canary, codes in (
            (_team_b, "TeamB", TEAM_B),
            (_protected, "Protected", PROTECTED),
        )
        for surface in (
            Surface(
                name="report_detail",
                label=canary,
                path=lambda w, report=report: f"/reports/{report(w).public_id}/",
                expect=expect(403, **codes, **PAGES),
                check=_detail_shows(canary),
            ),
            Surface(
                name="report_attachment",
                label=canary,
                path=lambda w, report=report: (
                    f"/reports/{report(w).public_id}/attachments/"
                    f"{report(w).attachments.get().public_id}/"
                ),
                expect=expect(403, **codes, **PAGES),
                check=_attachment_headers,
            ),
            Surface(
                name="report_entry_triage",
                label=canary,
                path=lambda w, report=report: _entry_path(report(w), _pending_entry(report(w))),
                expect=expect(403, **codes, **PAGES),
                check=_triage_page("Waitova"),
            ),
            Surface(
                name="report_entry_triage",
                method="POST",
                label=canary,
                path=lambda w, report=report: _entry_path(report(w), _pending_entry(report(w))),
                data=lambda w: {"decision": "not_a_person", "reason": "A test entry."},
                expect=expect(
                    403,
                    **{p: 302 if code == 200 else code for p, code in codes.items()},
                    **PAGES,
                ),
                writes={p for p, code in codes.items() if code == 200},
                wrote=_pending_triaged,
            ),
            Surface(
                name="report_family_status",
                method="POST",
                label=canary,
                path=_family_status_path(report),
                data=lambda w: CONTACT_US,
                expect=expect(403, **_from_codes(codes, 302), **PAGES),
                writes={p for p, code in codes.items() if code == 200},
                wrote=_asked_to_contact(report),
            ),
            Surface(
                name="report_reissue_secret",
                method="POST",
                label=canary,
                path=_reissue_path(report),
                data=lambda w: REISSUE,
                # Intake may not reissue at all: 403 before the report is looked at.
                expect=expect(403, **{**_from_codes(codes, 200), "intake": 403}, **PAGES),
                writes={p for p, code in codes.items() if code == 200 and p in REISSUERS},
                wrote=_secret_reissued(report),
                check=_secret_shown(report),
            ),
        )
    ),
]
