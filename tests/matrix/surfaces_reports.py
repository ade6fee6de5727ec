"""The reports area in the permission matrix: north's report staff see north's reports only."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.models import Channel
from tests.matrix import LOGIN, Surface, expect

REPORT_STAFF = {"caseworker": 200, "other_team_caseworker": 200, "intake": 200, "supervisor": 200}
PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}


def _reports(w):
    """North has a report with a photo; south has one that no north user may ever see."""
    if not hasattr(w, "north_report"):
        from casework.services.reports import report_submit

        out = io.BytesIO()
        Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="JPEG")
        w.north_report, _ = report_submit(
            actor=w.intake,
            organisation=w.north,
            channel=Channel.LETTER,
            reporter={"reporter_name": "Canary Reporter North", "reporter_contact": "canary@n"},
            account="Canary account north",
            consents=[],
            entries=[{"family_name": "Entryova", "given_name": "Lailo"}],
            attachments=[SimpleUploadedFile("photo.jpg", out.getvalue())],
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
    return w.north_report, w.south_report


def _list_path(w):
    _reports(w)
    return "/reports/"


def _exactly_norths_reports(w, persona, response):
    north, south = _reports(w)
    shown = {r.reference for r in response.context["page"]}
    assert shown == {north.reference}
    body = response.content.decode()
    assert south.reference not in body and "Canary Reporter South" not in body


def _reporter_search_finds_nothing_of_south(w, persona, response):
    assert list(response.context["page"]) == []


def _detail_shows_reporter(w, persona, response):
    body = response.content.decode()
    assert "Canary Reporter North" in body and "Canary account north" in body


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
]
