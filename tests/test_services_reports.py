"""report_submit, triage and status: who may, and every bad input refused with a clear error."""

import datetime as dt
import io
import os
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from casework.models import (
    AuditEvent,
    Channel,
    ConsentPurpose,
    FamilyReport,
    Person,
    ReportAttachment,
    ReportConsent,
    ReportStatus,
    TriageOutcome,
)
from casework.permissions import Denied, Hidden
from casework.services.errors import ServiceError
from casework.services.reports import (
    REFERENCE_ALPHABET,
    hash_secret,
    report_form_token,
    report_secret_matches,
    report_set_status,
    report_submit,
    report_submit_once,
    report_triage_entry,
)

ENTRY = {"family_name": "Testova", "given_name": "Lailo", "sex": "F", "birth_date": "2015-04-01"}


def submit(world, actor="intake", **overrides):
    user = getattr(world, actor) if isinstance(actor, str) else actor
    kwargs = {
        "actor": user,
        "organisation": world.north,
        "channel": Channel.LETTER,
        "reporter": {"reporter_name": "Testova Zarema", "reporter_contact": "+7 900 000 00 01"},
        "account": "My grandson was born in Syria in April 2015.",
        "consents": [{"purpose": ConsentPurpose.PROCESS, "given": True}],
        "entries": [dict(ENTRY)],
    }
    kwargs.update(overrides)
    return report_submit(**kwargs)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def jpeg_bytes(size=(64, 48), *, exif_gps=False, comment=b"", trailer=b"") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (36.0, 20.0, 0.0), 3: "E", 4: (43.0, 8.0, 0.0)}  # GPS
        kwargs["exif"] = exif
    if comment:
        kwargs["comment"] = comment
    image.save(out, format="JPEG", **kwargs)
    return out.getvalue() + trailer


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Who may submit --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["intake", "caseworker", "other_team_caseworker", "supervisor"])
def test_it_lets_report_staff_enter_a_report(world, persona):
    report, secret = submit(world, persona)
    assert report.organisation == world.north
    assert report.entered_by == getattr(world, persona)
    assert report.status == ReportStatus.NEW
    assert report.entries.count() == 1


@pytest.mark.parametrize("persona", ["dpo", "admin", "partner_without_agreement"])
def test_it_refuses_roles_that_do_not_enter_reports(world, persona):
    with pytest.raises((Denied, Hidden)):
        submit(world, persona)
    assert not FamilyReport.objects.exists()


def test_it_refuses_a_report_for_another_organisation(world):
    with pytest.raises(Hidden):
        submit(world, "intake", organisation=world.south)


def test_it_takes_a_partner_report_under_its_agreement(world):
    report, _ = submit(world, "partner", channel=Channel.PARTNER)
    assert report.channel == Channel.PARTNER
    assert report.source_partner == world.partner_org
    assert report.organisation == world.north


def test_it_refuses_a_partner_whose_agreement_does_not_allow_reports(world):
    world.agreement.may_submit_reports = False
    world.agreement.save()
    with pytest.raises(Denied):
        submit(world, "partner", channel=Channel.PARTNER)


def test_it_refuses_a_partner_report_for_an_organisation_it_has_no_agreement_with(world):
    with pytest.raises(Hidden):
        submit(world, "partner", channel=Channel.PARTNER, organisation=world.south)


def test_it_takes_an_anonymous_web_form_report(world):
    report, secret = submit(world, None, channel=Channel.WEB_FORM)
    assert report.entered_by is None
    assert report.channel == Channel.WEB_FORM
    event = AuditEvent.objects.get(object_id=report.public_id)
    assert event.actor_label == "anonymous"


def test_it_refuses_another_channel_from_the_public_form(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, None, channel=Channel.LETTER)
    assert "channel" in errors_of(excinfo)


def test_it_refuses_the_web_form_channel_from_staff(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, "intake", channel=Channel.WEB_FORM)
    assert "channel" in errors_of(excinfo)


# --- What is stored --------------------------------------------------------------------------


def test_it_gives_an_unambiguous_reference_and_keeps_only_the_secrets_hash(world):
    report, secret = submit(world)
    assert len(report.reference) == 10
    assert set(report.reference) <= set(REFERENCE_ALPHABET)
    assert secret not in report.secret_hash
    assert report.secret_hash == hash_secret(secret)
    assert report_secret_matches(report, secret)
    assert not report_secret_matches(report, secret + "x")


def test_it_writes_one_audit_event_without_the_reporters_details(world):
    report, _ = submit(world)
    events = AuditEvent.objects.filter(object_id=report.public_id)
    assert events.count() == 1
    text = str(events.get().changes) + str(events.get().fields)
    assert "Testova Zarema" not in text
    assert "+7 900" not in text


def test_it_records_consents_and_leaves_authority_sharing_off(world):
    report, _ = submit(
        world,
        consents=[
            {"purpose": ConsentPurpose.PROCESS, "given": True},
            {"purpose": ConsentPurpose.SHARE_PARTNER, "partner": world.partner_org, "given": True},
        ],
    )
    assert not report.consents.filter(purpose=ConsentPurpose.SHARE_AUTHORITY, given=True).exists()
    assert report.consents.filter(partner=world.partner_org, given=True).exists()


def test_it_never_makes_consent_a_precondition(world):
    report, _ = submit(world, consents=[{"purpose": ConsentPurpose.PROCESS, "given": False}])
    assert report.pk
    report, _ = submit(world, consents=[])
    assert report.pk


def test_it_refuses_sharing_consent_with_a_partner_without_agreement(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(
            world,
            consents=[{"purpose": "share_partner", "partner": world.stranger_org, "given": True}],
        )
    assert "consents-0" in errors_of(excinfo)


def test_it_keeps_markup_as_data(world):
    payload = '<script>alert(1)</script>{{7*7}}"><svg onload=alert(1)>'
    report, _ = submit(world, account=payload, entries=[{"full_name": payload}])
    report.refresh_from_db()
    assert report.account == payload
    assert report.entries.get().full_name == payload


def test_it_keeps_names_in_every_script(world):
    entries = [{"family_name": "Хасиева", "given_name": "Мадина"}, {"full_name": "أم بلال"}]
    report, _ = submit(world, entries=entries)
    assert [e.position for e in report.entries.all()] == [1, 2]


# --- Bad input -------------------------------------------------------------------------------


def test_it_needs_at_least_one_entry_naming_someone(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, entries=[])
    assert "entries" in errors_of(excinfo)
    with pytest.raises(ServiceError) as excinfo:
        submit(world, entries=[{"birthplace": "Raqqa"}])
    assert "entries-0-__all__" in errors_of(excinfo)


@pytest.mark.parametrize(
    "birth_date, message",
    [
        ("2023-02-29", "Not a real date"),
        ("1850-01-01", "before 1900"),
        ((timezone.localdate() + dt.timedelta(days=2)).isoformat(), "future"),
        ("not a date", "Not a real date"),
    ],
)
def test_it_refuses_impossible_birth_dates(world, birth_date, message):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, entries=[{"given_name": "Lailo", "birth_date": birth_date}])
    assert message in " ".join(errors_of(excinfo)["entries-0-birth_date"])
    assert not FamilyReport.objects.exists()


@pytest.mark.parametrize("age", [-1, 121, 200, "ten", "9" * 10000])
def test_it_refuses_impossible_ages(world, age):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, entries=[{"given_name": "Lailo", "age_stated": age}])
    assert "entries-0-age_stated" in errors_of(excinfo)


def test_it_refuses_an_age_that_contradicts_the_birth_date(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(
            world, entries=[{"given_name": "Lailo", "birth_date": "2015-04-01", "age_stated": 40}]
        )
    assert "contradicts" in errors_of(excinfo)["entries-0-age_stated"][0]


def test_it_accepts_an_age_without_a_date(world):
    report, _ = submit(world, entries=[{"given_name": "Lailo", "age_stated": 9}])
    assert report.entries.get().birth_precision == "age"


@pytest.mark.parametrize("bad", ["Amina\x00", "Amina\ud800"])
def test_it_refuses_nul_bytes_and_lone_surrogates(world, bad):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, reporter={"reporter_name": bad}, entries=[{"given_name": bad}])
    errors = errors_of(excinfo)
    assert "reporter_name" in errors
    assert "entries-0-given_name" in errors


def test_it_refuses_100000_character_fields(world):
    huge = "x" * 100_000
    with pytest.raises(ServiceError) as excinfo:
        submit(world, account=huge, entries=[{"given_name": "Lailo", "description": huge}])
    errors = errors_of(excinfo)
    assert "at most 20,000" in errors["account"][0]
    assert "entries-0-description" in errors


def test_it_refuses_unknown_fields(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, reporter={"status": "closed"}, entries=[{"given_name": "A", "person": 1}])
    assert {"status", "entries-0-person"} <= set(errors_of(excinfo))


def test_it_refuses_a_future_received_date(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, received_at=timezone.now() + dt.timedelta(days=1))
    assert "received_at" in errors_of(excinfo)


# --- Attachments -----------------------------------------------------------------------------


def stored_bytes(attachment: ReportAttachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_it_strips_gps_exif_from_a_photo(world):
    original = jpeg_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the fixture really has GPS
    report, _ = submit(world, attachments=[upload("photo.jpg", original)])
    attachment = report.attachments.get()
    data = stored_bytes(attachment)
    assert attachment.kind == "photo"
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}
    assert b"TestCam" not in data
    assert attachment.sha256 and attachment.size == len(data)


@pytest.mark.skipif(
    shutil.which("exiftool") is None and not os.environ.get("CI"),
    reason="exiftool not installed (Debian: libimage-exiftool-perl); CI installs it",
)
def test_exiftool_finds_no_metadata_in_a_stored_photo(world, tmp_path):
    report, _ = submit(world, attachments=[upload("p.jpg", jpeg_bytes(exif_gps=True))])
    path = tmp_path / "stored.jpg"
    path.write_bytes(stored_bytes(report.attachments.get()))
    output = subprocess.run(  # noqa: S603
        ["exiftool", "-a", "-G1", "-gps:all", "-exif:all", "-comment", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "GPS" not in output
    assert "TestCam" not in output


def test_it_rebuilds_a_jpeg_html_polyglot(world):
    polyglot = jpeg_bytes(comment=b"<html><script>alert(1)</script>", trailer=b"<html>x</html>")
    report, _ = submit(world, attachments=[upload("p.jpg", polyglot)])
    data = stored_bytes(report.attachments.get())
    assert b"<script" not in data
    assert b"<html" not in data
    assert Image.open(io.BytesIO(data)).format == "JPEG"


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG",
        ),
        ("x.jpg", b"<html><body><script>alert(1)</script></body></html>", "web page"),
        ("x.jpg", b"", "empty"),
        ("x.jpg", jpeg_bytes()[:200], "damaged"),
        ("x.jpg", jpeg_bytes((400, 300))[:900], "damaged"),
        ("x.jpg", b"MZ\x90\x00 not an image at all", "Only photos"),
    ],
)
def test_it_refuses_files_that_are_not_clean_photos_or_pdfs(world, name, content, message):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload(name, content)])
    assert message in " ".join(errors_of(excinfo)["attachments"])
    assert not FamilyReport.objects.exists()


def png_header_bomb(width=30_000, height=30_000) -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def test_it_refuses_a_pixel_bomb_without_decoding_it(world, monkeypatch):
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded a pixel bomb")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload("bomb.png", png_header_bomb(), "image/png")])
    assert "too large" in errors_of(excinfo)["attachments"][0]


def test_it_refuses_a_picture_over_40_megapixels_below_pillows_own_limit(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload("big.png", png_header_bomb(8000, 6000), "image/png")])
    assert "megapixels" in errors_of(excinfo)["attachments"][0]


def test_it_refuses_animated_images(world):
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload("a.gif", out.getvalue(), "image/gif")])
    assert "Animated images are not accepted" in errors_of(excinfo)["attachments"][0]


def test_it_stores_files_under_random_names(world):
    files = [upload("../../x.jpg", jpeg_bytes()), upload("Lailo_Testova_2015.jpg", jpeg_bytes())]
    report, _ = submit(world, attachments=files)
    names = [a.file.name for a in report.attachments.all()]
    assert len(names) == 2
    for name in names:
        assert name.startswith("attachments/")
        assert ".." not in name
        assert "Lailo" not in name and "Testova" not in name and "x.jpg" not in name
        assert default_storage.exists(name)


def test_it_keeps_a_pdf_as_is(world):
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    report, _ = submit(world, attachments=[upload("letter.pdf", pdf, "application/pdf")])
    attachment = report.attachments.get()
    assert attachment.kind == "document"
    assert attachment.content_type == "application/pdf"
    assert stored_bytes(attachment) == pdf


def test_it_refuses_a_file_one_byte_over_the_limit(world, settings):
    pdf = b"%PDF-1.4\n" + b"x" * 91
    settings.REPORT_ATTACHMENT_MAX_BYTES = len(pdf)
    report, _ = submit(world, attachments=[upload("at-limit.pdf", pdf, "application/pdf")])
    assert report.attachments.count() == 1
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload("over.pdf", pdf + b"x", "application/pdf")])
    assert "larger than the limit" in errors_of(excinfo)["attachments"][0]


def test_it_writes_nothing_when_one_file_is_refused(world):
    files = [upload("ok.jpg", jpeg_bytes()), upload("bad.jpg", b"")]
    with pytest.raises(ServiceError):
        submit(world, attachments=files)
    assert not FamilyReport.objects.exists()
    assert not ReportAttachment.objects.exists()
    assert not ReportConsent.objects.exists()


def test_it_does_not_name_the_senders_file_in_errors(world):
    with pytest.raises(ServiceError) as excinfo:
        submit(world, attachments=[upload("Lailo_Testova.jpg", b"")])
    assert "Lailo" not in str(excinfo.value.message_dict)


# --- Double submission -----------------------------------------------------------------------


def test_the_same_form_posted_twice_makes_one_report(world):
    token = report_form_token(world.intake)
    kwargs = {
        "organisation": world.north,
        "channel": Channel.PHONE,
        "reporter": {},
        "account": "",
        "consents": [],
        "entries": [dict(ENTRY)],
    }
    first, created = report_submit_once(actor=world.intake, form_token=token, **kwargs)
    again, created_again = report_submit_once(actor=world.intake, form_token=token, **kwargs)
    assert created and not created_again
    assert first == again
    assert FamilyReport.objects.count() == 1


def test_a_forged_or_foreign_form_token_is_refused(world):
    kwargs = {
        "organisation": world.north,
        "channel": Channel.PHONE,
        "reporter": {},
        "account": "",
        "consents": [],
        "entries": [dict(ENTRY)],
    }
    with pytest.raises(ServiceError):
        report_submit_once(actor=world.intake, form_token="forged", **kwargs)
    with pytest.raises(ServiceError):
        report_submit_once(
            actor=world.intake, form_token=report_form_token(world.caseworker), **kwargs
        )
    assert not FamilyReport.objects.exists()


def test_a_refused_form_can_be_posted_again_with_the_same_token(world):
    token = report_form_token(world.intake)
    kwargs = {
        "organisation": world.north,
        "channel": Channel.PHONE,
        "reporter": {},
        "account": "",
        "consents": [],
    }
    with pytest.raises(ServiceError):
        report_submit_once(actor=world.intake, form_token=token, entries=[], **kwargs)
    report, created = report_submit_once(
        actor=world.intake, form_token=token, entries=[dict(ENTRY)], **kwargs
    )
    assert created


# --- Triage ----------------------------------------------------------------------------------


def test_triage_links_an_entry_to_a_known_person_and_moves_the_report(world):
    report, _ = submit(world, entries=[dict(ENTRY), {"given_name": "Second"}])
    first, second = report.entries.all()
    report_triage_entry(actor=world.intake, entry=first, person=world.case_a)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_TRIAGE
    report_triage_entry(actor=world.intake, entry=second, not_a_person_reason="A pet's name.")
    report.refresh_from_db()
    assert report.status == ReportStatus.TRIAGED
    first.refresh_from_db()
    assert first.outcome == TriageOutcome.LINKED and first.person == world.case_a
    assert AuditEvent.objects.filter(object_id=first.public_id, person_id=world.case_a.public_id)


def test_triage_creates_a_person_through_the_person_service(world):
    from casework.services.reports import person_input_from_entry

    report, _ = submit(world, "caseworker")
    entry = report.entries.get()
    report_triage_entry(actor=world.caseworker, entry=entry, create=person_input_from_entry(entry))
    entry.refresh_from_db()
    assert entry.outcome == TriageOutcome.CREATED
    assert entry.person.display_name == "Testova Lailo"
    assert entry.person.birth_date == dt.date(2015, 4, 1)
    assert AuditEvent.objects.filter(action="create", person_id=entry.person.public_id).exists()


def test_triage_may_link_to_another_teams_case_found_by_the_duplicate_check(world):
    report, _ = submit(world, "caseworker")
    report_triage_entry(actor=world.caseworker, entry=report.entries.get(), person=world.case_b)


def test_triage_cannot_link_to_a_hidden_person(world):
    report, _ = submit(world, "intake")
    for person in (world.protected_a, world.south_case):
        with pytest.raises(Hidden):
            report_triage_entry(actor=world.intake, entry=report.entries.get(), person=person)


def test_triage_is_refused_outside_the_organisation_and_to_other_roles(world):
    report, _ = submit(world)
    entry = report.entries.get()
    with pytest.raises(Hidden):
        report_triage_entry(actor=world.south_supervisor, entry=entry, not_a_person_reason="x y")
    # The DPO and administrators see no report at all: refused like a missing one.
    for user in (world.dpo, world.admin):
        with pytest.raises(Hidden):
            report_triage_entry(actor=user, entry=entry, not_a_person_reason="x y")


def test_triage_needs_exactly_one_decision_and_happens_once(world):
    report, _ = submit(world)
    entry = report.entries.get()
    with pytest.raises(ServiceError):
        report_triage_entry(actor=world.intake, entry=entry)
    with pytest.raises(ServiceError):
        report_triage_entry(
            actor=world.intake, entry=entry, person=world.case_a, not_a_person_reason="no"
        )
    report_triage_entry(actor=world.intake, entry=entry, person=world.case_a)
    # Triaged whole, the report has left the intake queue; the supervisor still sees it.
    with pytest.raises(Hidden):
        report_triage_entry(actor=world.intake, entry=entry, person=world.case_b)
    with pytest.raises(ServiceError) as excinfo:
        report_triage_entry(actor=world.supervisor, entry=entry, person=world.case_b)
    assert "already been triaged" in str(excinfo.value)


def test_a_report_set_aside_as_spam_is_not_triaged(world):
    report, _ = submit(world)
    report_set_status(actor=world.intake, report=report, status="spam", reason="Advertising.")
    with pytest.raises(ServiceError):
        report_triage_entry(actor=world.intake, entry=report.entries.get(), person=world.case_a)
    report_set_status(actor=world.intake, report=report, status="new", reason="It was real.")
    assert Person.objects.filter(pk=world.case_a.pk).exists()
