"""The reports pages: entering a report once, escaping, files served safely, triage."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.models import AuditEvent, Channel, FamilyReport
from casework.services.reports import report_submit

XSS = "<script>alert(1)</script>{{7*7}}"


def _form(token, **extra):
    data = {
        "form_token": token,
        "channel": "phone",
        "received_at": "2026-01-05 10:00",
        "reporter_name": "Testova Zarema",
        "account": XSS,
        "consent_process": "yes",
        "entries-TOTAL_FORMS": "2",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "entries-0-family_name": "Testova",
        "entries-0-given_name": "Lailo",
        "entries-0-birth_date": "2015-04-01",
    }
    data.update(extra)
    return data


def _token(client):
    return client.get("/reports/new/").context["form"].initial["form_token"]


def test_the_same_form_posted_twice_makes_one_report(world, login):
    client = login(world.intake)
    token = _token(client)
    first = client.post("/reports/new/", _form(token))
    second = client.post("/reports/new/", _form(token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert FamilyReport.objects.count() == 1


def test_a_date_that_does_not_exist_is_a_form_error(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/", _form(_token(client), **{"entries-0-birth_date": "2023-02-29"})
    )
    assert response.status_code == 400
    assert "There is no 29 February in 2023." in response.content.decode()
    assert not FamilyReport.objects.exists()


def test_service_errors_land_on_the_entry_field(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/", _form(_token(client), **{"entries-0-birth_date": "1850-01-01"})
    )
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "before 1900" in str(formset.forms[0].errors["birth_date"])


def test_markup_is_shown_escaped(world, login):
    client = login(world.intake)
    response = client.post("/reports/new/", _form(_token(client)), follow=True)
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in body


def _report_with_files(world):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina"}],
        attachments=[
            SimpleUploadedFile("p.png", out.getvalue()),
            SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"),
        ],
    )
    return report


def test_a_document_is_served_as_a_download_never_cached_and_audited(world, login):
    report = _report_with_files(world)
    pdf = report.attachments.get(kind="document")
    client = login(world.caseworker)
    response = client.get(f"/reports/{report.public_id}/attachments/{pdf.public_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"].startswith("no-store")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert AuditEvent.objects.filter(
        object_id=pdf.public_id, action="read_sensitive", actor=world.caseworker
    ).exists()


def test_another_reports_attachment_id_answers_404(world, login):
    report = _report_with_files(world)
    other = _report_with_files(world)
    photo = other.attachments.get(kind="photo")
    client = login(world.caseworker)
    response = client.get(f"/reports/{report.public_id}/attachments/{photo.public_id}/")
    assert response.status_code == 404


def test_triage_page_shows_likely_known_persons_and_links(world, login):
    from casework.services.names import refresh_name_keys

    for person in (world.case_a, world.protected_a):
        refresh_name_keys(person)  # the factory writes persons without their search keys
    report = _report_with_files(world)
    entry = report.entries.get()
    client = login(world.intake)
    url = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    response = client.get(url)
    candidates = [c.public_id for c in response.context["candidates"]]
    assert world.case_a.public_id in candidates
    assert world.protected_a.public_id not in candidates
    response = client.post(url, {"decision": "link", "person": str(world.case_a.public_id)})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.person == world.case_a


def test_triage_cannot_link_to_another_organisations_person(world, login):
    report = _report_with_files(world)
    entry = report.entries.get()
    client = login(world.intake)
    url = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    response = client.post(url, {"decision": "link", "person": str(world.south_case.public_id)})
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.person is None


# --- Need to know: a report is as closed as the most closed person it is linked to ----------------


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (9, 9, 9)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue())


def _submitted(world, canary, *, link_first_to=None, entries=2):
    """A report from a family (reporter, account, a photo, `entries` persons described), its first
    entry linked by the supervisor to `link_first_to` when given (the rest wait for triage)."""
    from casework.services.reports import report_triage_entry

    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={"reporter_name": f"Reporter {canary}", "reporter_contact": f"{canary}@example"},
        account=f"Account {canary}",
        consents=[],
        entries=[
            {
                "family_name": f"Entryova{i}",
                "aliases": f"Alias {canary}",
                "last_known_place": canary,
            }
            for i in range(entries)
        ],
        attachments=[_photo()],
    )
    if link_first_to is not None:
        first = report.entries.order_by("position").first()
        report_triage_entry(actor=world.supervisor, entry=first, person=link_first_to)
        report.refresh_from_db()
    return report


def _need_to_know_reports(world):
    return {
        "queue": _submitted(world, "Qcanary"),
        "team_a": _submitted(world, "Acanary", link_first_to=world.case_a),
        "team_b": _submitted(world, "Bcanary", link_first_to=world.case_b),
        "protected": _submitted(world, "Pcanary", link_first_to=world.protected_a),
        # Every entry triaged: out of the queue; the supervisor and the caseworker of case A
        # (whom it is about) keep it.
        "done": _submitted(world, "Dcanary", link_first_to=world.case_a, entries=1),
    }


LISTED = {
    "caseworker": {"queue", "team_a", "done"},
    "other_team_caseworker": {"queue", "team_b"},
    "intake": {"queue", "team_a", "team_b"},
    "supervisor": {"queue", "team_a", "team_b", "protected", "done"},
}
CANARIES = {"queue": "Qcanary", "team_a": "Acanary", "team_b": "Bcanary", "protected": "Pcanary"}
CANARIES["done"] = "Dcanary"


@pytest.mark.parametrize("persona", sorted(LISTED))
def test_the_report_list_shows_exactly_the_reports_the_user_may_see(world, login, persona):
    reports = _need_to_know_reports(world)
    response = login(world.personas()[persona]).get("/reports/")
    shown = {r.reference for r in response.context["page"]}
    assert shown == {reports[name].reference for name in LISTED[persona]}
    assert response.context["page"].paginator.count == len(LISTED[persona])
    body = response.content.decode()
    for name, canary in CANARIES.items():
        assert (f"Reporter {canary}" in body) == (name in LISTED[persona]), name
        assert (reports[name].reference in body) == (name in LISTED[persona]), name


@pytest.mark.parametrize("persona", sorted(LISTED))
def test_a_hidden_report_answers_every_page_like_a_missing_one(world, login, persona):
    import uuid

    reports = _need_to_know_reports(world)
    client = login(world.personas()[persona])
    missing = uuid.uuid4()
    for name, report in reports.items():
        entry = report.entries.filter(outcome="pending").first() or report.entries.first()
        photo = report.attachments.get()
        pages = {
            "detail": (f"/reports/{report.public_id}/", f"/reports/{missing}/"),
            "attachment": (
                f"/reports/{report.public_id}/attachments/{photo.public_id}/",
                f"/reports/{missing}/attachments/{photo.public_id}/",
            ),
            "triage": (
                f"/reports/{report.public_id}/entries/{entry.public_id}/triage/",
                f"/reports/{missing}/entries/{entry.public_id}/triage/",
            ),
        }
        for page, (url, missing_url) in pages.items():
            response = client.get(url)
            if name in LISTED[persona]:
                assert response.status_code == 200, (name, page)
                continue
            absent = client.get(missing_url)
            assert response.status_code == absent.status_code == 404, (name, page)
            assert response.content == absent.content, (name, page)
        if name not in LISTED[persona]:
            before = (entry.outcome, entry.triaged_by_id, entry.triaged_at)
            post = client.post(pages["triage"][0], {"decision": "not_a_person", "reason": "probe"})
            assert post.status_code == 404
            entry.refresh_from_db()
            assert (entry.outcome, entry.triaged_by_id, entry.triaged_at) == before


def test_the_detail_of_a_visible_report_shows_the_family_and_its_files(world, login):
    reports = _need_to_know_reports(world)
    client = login(world.caseworker)
    body = client.get(f"/reports/{reports['team_a'].public_id}/").content.decode()
    assert "Reporter Acanary" in body and "Account Acanary" in body and "Alias Acanary" in body
    photo = reports["team_a"].attachments.get()
    assert client.get(f"/reports/{reports['team_a'].public_id}/attachments/{photo.public_id}/")[
        "Content-Type"
    ] == ("image/jpeg")


@pytest.mark.parametrize(
    ("persona", "query", "expected"),
    [
        # The reporter's name, contact or reference of a hidden report finds nothing.
        ("caseworker", {"q": "Reporter Bcanary"}, set()),
        ("caseworker", {"q": "Pcanary@example"}, set()),
        ("caseworker", {"q": "Reporter Acanary"}, {"team_a"}),
        ("intake", {"q": "Reporter Pcanary"}, set()),
        ("supervisor", {"q": "Reporter Pcanary"}, {"protected"}),
        ("caseworker", {"status": "in_triage"}, {"team_a"}),
        ("caseworker", {"status": "triaged"}, {"done"}),
        ("other_team_caseworker", {"status": "in_triage"}, {"team_b"}),
        ("intake", {"status": "in_triage"}, {"team_a", "team_b"}),
        ("supervisor", {"status": "triaged"}, {"done"}),
        ("caseworker", {"channel": "letter"}, {"queue", "team_a", "done"}),
    ],
)
def test_report_filters_only_narrow_the_visible_set(world, login, persona, query, expected):
    reports = _need_to_know_reports(world)
    for name in ("team_b", "protected", "done"):
        query_ref = {"q": reports[name].reference}
        if name not in LISTED[persona]:
            by_ref = login(world.personas()[persona]).get("/reports/", query_ref)
            assert list(by_ref.context["page"]) == []
    response = login(world.personas()[persona]).get("/reports/", query)
    assert response.status_code == 200
    assert {r.reference for r in response.context["page"]} == {
        reports[name].reference for name in expected
    }


def test_the_home_page_counts_only_the_reports_the_user_may_see(world, login):
    from casework.models import ReportEntry
    from tests.factories import ReportFactory

    _submitted(world, "Hcanary")
    # A report still marked new whose entry points at the protected person (as stored, e.g. by an
    # import): counted for the supervisor only.
    odd = ReportFactory(organisation=world.north, status="new")
    ReportEntry.objects.create(
        report=odd, position=1, family_name="Oddova", outcome="linked", person=world.protected_a
    )
    ReportFactory(organisation=world.south, status="new")

    def waiting(persona):
        size = login(world.personas()[persona]).get("/").context["reports_waiting"]
        # The DPO triages no report: the home page has no queue for them.
        return 0 if size is None else size.count

    counts = {
        persona: waiting(persona)
        for persona in ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo")
    }
    assert counts == {
        "caseworker": 1,
        "other_team_caseworker": 1,
        "intake": 1,
        "supervisor": 2,
        "dpo": 0,
    }


def test_linking_an_entry_to_another_teams_person_takes_the_report_out_of_the_queue(world, login):
    report = _submitted(world, "Lcanary")
    first, second = report.entries.order_by("position")
    client = login(world.caseworker)
    url = f"/reports/{report.public_id}/entries/{first.public_id}/triage/"
    # The duplicate check lets a caseworker link to another team's case; the report then belongs
    # to that team's need to know: back to the queue, and the report is gone for them.
    response = client.post(url, {"decision": "link", "person": str(world.case_b.public_id)})
    assert response.status_code == 302
    assert response["Location"] == "/reports/"
    first.refresh_from_db()
    assert first.person == world.case_b
    assert client.get(f"/reports/{report.public_id}/").status_code == 404
    assert (
        login(world.other_team_caseworker).get(f"/reports/{report.public_id}/").status_code == 200
    )


def test_triaging_within_scope_goes_back_to_the_report(world, login):
    report = _submitted(world, "Kcanary")
    first = report.entries.order_by("position").first()
    client = login(world.caseworker)
    url = f"/reports/{report.public_id}/entries/{first.public_id}/triage/"
    response = client.post(url, {"decision": "link", "person": str(world.case_a.public_id)})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.public_id}/"


def test_a_report_shows_its_own_history_to_those_who_may_see_it(world, login):
    from casework.services.reports import report_set_status

    reports = _need_to_know_reports(world)
    report = reports["queue"]
    report_set_status(
        actor=world.supervisor, report=report, status="spam", reason="Matrix advert spam."
    )
    shown = login(world.supervisor).get(f"/reports/{report.public_id}/")
    history = shown.context["history"]
    assert [row["reason"] for row in history if row["action"] == "status_change"] == [
        "Matrix advert spam."
    ]
    assert 'id="record-history"' in shown.content.decode()
    assert "Matrix advert spam." in shown.content.decode()
    # Entries' triage is on it too: the supervisor linked the first entry of team A's report.
    team_a = login(world.supervisor).get(f"/reports/{reports['team_a'].public_id}/")
    assert any(row["object_type"] == "ReportEntry" for row in team_a.context["history"])


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("1994", "1994-01-01", "year"),
        ("1994-05", "1994-05-01", "month"),
        ("03.12.1986", "1986-12-03", "exact"),
        ("03/12/1986", "1986-12-03", "exact"),  # day first, in English too
    ],
)
def test_staff_type_dates_as_families_write_them(world, login, typed, date, precision):
    client = login(world.intake)
    data = _form(_token(client), **{"entries-0-birth_date": typed})
    response = client.post("/reports/new/", data)
    assert response.status_code == 302
    entry = FamilyReport.objects.get().entries.get(position=1)
    assert (entry.birth_date.isoformat(), entry.birth_precision) == (date, precision)


def test_staff_type_an_age_and_a_last_known_month(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/",
        _form(
            _token(client),
            **{"entries-0-birth_date": "about 7", "entries-0-last_known_date": "05.2019"},
        ),
    )
    assert response.status_code == 302
    entry = FamilyReport.objects.get().entries.get(position=1)
    assert (entry.age_stated, entry.birth_precision) == (7, "age")
    assert entry.last_known_date.isoformat() == "2019-05-01"
    assert entry.last_known_precision == "month"


def test_an_american_date_is_refused_on_the_staff_form(world, login):
    client = login(world.intake)
    response = client.post(
        "/reports/new/", _form(_token(client), **{"entries-0-birth_date": "12/31/1986"})
    )
    assert response.status_code == 400
    assert "There is no month 31." in str(response.context["formset"].forms[0].errors["birth_date"])


def _entry_like_case_a(world):
    from casework.services.names import refresh_name_keys

    refresh_name_keys(world.case_a)  # the factory writes persons without their search keys
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.PHONE,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina"}],
    )
    entry = report.entries.get()
    return report, entry, f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"


def test_creating_a_person_beside_a_likely_known_one_asks_first(world, login):
    _report, entry, url = _entry_like_case_a(world)
    client = login(world.intake)
    page = client.get(url).content.decode()
    assert 'class="link-candidate"' in page and str(world.case_a.public_id) in page
    refused = client.post(url, {"decision": "create"})
    assert refused.status_code == 400
    assert "may already be known" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.outcome == "pending"
    done = client.post(url, {"decision": "create", "confirm_new": "on"})
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.outcome == "created" and entry.person_id != world.case_a.pk


def test_a_candidate_is_linked_with_one_button(world, login):
    _report, entry, url = _entry_like_case_a(world)
    response = login(world.intake).post(
        url, {"decision": "link", "person": str(world.case_a.public_id)}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.outcome, entry.person_id) == ("linked", world.case_a.pk)


def test_a_service_error_lands_on_the_entry_the_person_filled_not_on_a_blank_one(world, login):
    # The service numbers the entries it was sent; a blank form before them is not one of them.
    client = login(world.intake)
    data = _form(_token(client))
    data.update(
        {
            "entries-0-family_name": "",
            "entries-0-given_name": "",
            "entries-0-birth_date": "",
            "entries-1-birthplace": "Raqqa",  # no name: the service refuses the entry
        }
    )
    response = client.post("/reports/new/", data)
    assert response.status_code == 400
    blank, filled = response.context["formset"].forms
    assert "Name the person" in str(filled.non_field_errors())
    assert not blank.errors
    assert not FamilyReport.objects.exists()
