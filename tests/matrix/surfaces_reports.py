"""The reports area in the permission matrix: north's report staff see north's reports only, and
of those only what they need to know: supervisors all; intake and caseworkers the triage queue, but
never a report with an entry linked to a person outside their person scope (another team's case for
a caseworker, a protected person for intake and caseworkers)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.models import Channel
from tests.matrix import LOGIN, Surface, expect

REPORT_STAFF = {"caseworker": 200, "other_team_caseworker": 200, "intake": 200, "supervisor": 200}
PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}


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


def _exactly_norths_reports(w, persona, response):
    north, south = _reports(w)
    by_name = {"north": north, "team_b": w.team_b_report, "protected": w.protected_report}
    shown = {r.reference for r in response.context["page"]}
    assert shown == {by_name[name].reference for name in LISTED[persona]}
    body = response.content.decode()
    assert south.reference not in body and "Canary Reporter South" not in body
    for name, canary in (("team_b", "TeamB"), ("protected", "Protected")):
        assert (f"Canary Reporter {canary}" in body) == (name in LISTED[persona])


def _reporter_search_finds_nothing_of_south(w, persona, response):
    assert list(response.context["page"]) == []


def _detail_shows_reporter(w, persona, response):
    body = response.content.decode()
    assert "Canary Reporter North" in body and "Canary account north" in body


def _detail_shows(canary):
    def check(w, persona, response):
        body = response.content.decode()
        assert f"Canary Reporter {canary}" in body and f"Canary account {canary}" in body

    return check


def _attachment_headers(w, persona, response):
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/jpeg"


def _south_detail(w):
    return f"/reports/{_reports(w)[1].public_id}/"


SURFACES = [
    Surface(
        name="report_list",
        path=_list_path,
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_exactly_norths_reports,
    ),
    Surface(
        name="report_list",
        path=lambda w: _list_path(w) + "?q=Canary+Reporter+South",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_reporter_search_finds_nothing_of_south,
    ),
    Surface(
        name="report_new",
        path=lambda w: "/reports/new/",
        expect=expect(403, **REPORT_STAFF, **PAGES),
    ),
    Surface(
        name="report_new",
        path=lambda w: "/reports/new/",
        method="POST",
        data=lambda w: {"channel": "letter"},
        # Report staff get the form back with its errors (no token, no entries): nothing saved.
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 400), **PAGES),
    ),
    Surface(
        name="report_detail",
        path=lambda w: f"/reports/{_reports(w)[0].public_id}/",
        expect=expect(403, **REPORT_STAFF, **PAGES),
        check=_detail_shows_reporter,
    ),
    Surface(
        name="report_detail",
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
        name="report_entry_triage",
        path=lambda w: (
            f"/reports/{_reports(w)[0].public_id}/entries/"
            f"{_reports(w)[0].entries.get().public_id}/triage/"
        ),
        expect=expect(403, **REPORT_STAFF, **PAGES),
    ),
    Surface(
        name="report_entry_triage",
        path=lambda w: (
            f"/reports/{_reports(w)[1].public_id}/entries/"
            f"{_reports(w)[1].entries.get().public_id}/triage/"
        ),
        method="POST",
        data=lambda w: {"decision": "not_a_person", "reason": "probe"},
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 404), **PAGES),
    ),
    Surface(
        name="report_entry_triage",
        path=lambda w: (
            f"/reports/{_reports(w)[0].public_id}/entries/"
            f"{_reports(w)[0].entries.get().public_id}/triage/"
        ),
        method="POST",
        data=lambda w: {"decision": "not_a_person", "reason": "A test entry."},
        expect=expect(403, **dict.fromkeys(REPORT_STAFF, 302), **PAGES),
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
                path=lambda w, report=report: f"/reports/{report(w).public_id}/",
                expect=expect(403, **codes, **PAGES),
                check=_detail_shows(canary),
            ),
            Surface(
                name="report_attachment",
                path=lambda w, report=report: (
                    f"/reports/{report(w).public_id}/attachments/"
                    f"{report(w).attachments.get().public_id}/"
                ),
                expect=expect(403, **codes, **PAGES),
                check=_attachment_headers,
            ),
            Surface(
                name="report_entry_triage",
                path=lambda w, report=report: (
                    f"/reports/{report(w).public_id}/entries/"
                    f"{_pending_entry(report(w)).public_id}/triage/"
                ),
                expect=expect(403, **codes, **PAGES),
            ),
            Surface(
                name="report_entry_triage",
                path=lambda w, report=report: (
                    f"/reports/{report(w).public_id}/entries/"
                    f"{_pending_entry(report(w)).public_id}/triage/"
                ),
                method="POST",
                data=lambda w: {"decision": "not_a_person", "reason": "A test entry."},
                expect=expect(
                    403,
                    **{p: 302 if code == 200 else code for p, code in codes.items()},
                    **PAGES,
                ),
            ),
        )
    ),
]
