"""The families' door: the public report form, its receipt and the status page, as an anonymous
family uses them, with every bad input of SECURITY.md that applies to forms and uploads."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import subprocess
import threading
import unicodedata

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from casework.models import (
    AuditEvent,
    Channel,
    ConsentPurpose,
    FamilyReport,
    PersonStatus,
    Placement,
    ReportFollowUp,
    ReportStatus,
    TriageOutcome,
)
from casework.services import reports as services
from tests.factories import LocationFactory

FORM = "/report/"
STATUS = "/report/status/"
ADD = "/report/status/add/"


@pytest.fixture(autouse=True)
def _public_form(world, settings):
    world.north.receives_public_reports = True
    world.north.save()
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


def family(address="203.0.113.7", language="en") -> Client:
    """An anonymous family's browser, CSRF enforced like a real one."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def open_form(client) -> tuple[str, str]:
    """GET the form: its one-time token and the CSRF token a browser would send back."""
    response = client.get(FORM)
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return token, csrf


def form_data(token, csrf, entries=None, **fields) -> dict:
    entries = (
        entries if entries is not None else [{"family_name": "Testova", "given_name": "Amina"}]
    )
    data = {
        "csrfmiddlewaretoken": csrf,
        "form_token": token,
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "1",
        "entries-MAX_NUM_FORMS": "50",
        "reporter_name": "Testova Zarema",
        "reporter_relationship": "grandmother",
        "account": "My daughter took her son to Syria in 2014.",
        "consent_process": "yes",
    }
    for index, entry in enumerate(entries):
        for name, value in entry.items():
            data[f"entries-{index}-{name}"] = value
    data.update(fields)
    return data


def send(client=None, entries=None, files=None, **fields):
    client = client or family()
    token, csrf = open_form(client)
    data = form_data(token, csrf, entries, **fields)
    if files is not None:
        data["attachments"] = files
    return client.post(FORM, data), data


def receipt_of(response) -> tuple[str, str | None]:
    codes = re.findall(r'<dd class="code" dir="ltr">([^<]+)</dd>', response.content.decode())
    return codes[0], (codes[1] if len(codes) > 1 else None)


def jpeg(size=(64, 48), *, gps=False, trailer=b"") -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    out = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "FamilyPhone"
        exif[0x8825] = {1: "N", 2: (36.0, 20.0, 0.0), 3: "E", 4: (43.0, 8.0, 0.0)}
        kwargs["exif"] = exif
    image.save(out, format="JPEG", **kwargs)
    return out.getvalue() + trailer


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- The form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "direction", "heading"),
    [
        ("en", "ltr", "Tell us about your missing relatives"),
        ("ru", "ltr", 'lang="ru"'),
        ("ar", "rtl", 'lang="ar"'),
    ],
)
def test_the_form_speaks_the_browsers_language(language, direction, heading):
    response = family(language=language).get(FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert heading in html
    # A switcher names each language in itself.
    for name in ("Русский", "English", "العربية"):
        assert name in html


def test_the_form_is_safe_to_open_on_a_watched_device():
    response = family().get(FORM)
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    # A neutral title: nothing in the browser's tabs or history says what this is.
    assert re.search(r"<title>\s*Contact form\s*</title>", html)
    assert "data-quick-exit" in html and 'rel="noreferrer noopener"' in html
    # Small, and nothing loaded from elsewhere (no web fonts, no third-party script).
    assert len(response.content) < 40_000
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#")) or url == "https://www.google.com/", url
    assert "<script>" not in html  # no inline script (the CSP forbids it anyway)
    with open("static/casework/public.css") as css:
        assert "@font-face" not in css.read()


def test_the_form_states_the_file_limits_and_that_files_must_be_chosen_again():
    html = family().get(FORM).content.decode()
    assert "Up to 10 files, each up to 10 MB: JPEG, PNG or WebP photos, PDF documents" in html
    assert "choose your files again" in html
    assert 'accept="image/jpeg,image/png,image/webp,application/pdf"' in html


def test_a_family_sends_a_report_and_gets_a_reference_and_a_secret_once():
    response, _data = send(
        entries=[
            {
                "family_name": "Testova",
                "given_name": "Amina",
                "patronymic": "Ruslanovna",
                "aliases": "Umm Bilal",
                "sex": "F",
                "birth": "1994",
                "birthplace": "Grozny",
                "mother_name": "Testova Zarema",
                "father_name": "Testov Ruslan",
                "relationship_to_reporter": "daughter",
                "last_known_place": "a camp in the north-east",
                "last_known_date": "03.2019",
                "description": "Wears glasses.",
            },
            {
                "given_name": "Bilal",
                "sex": "M",
                "birth": "about 7",
                "relationship_to_others": "son of Amina",
                "birthplace": "Raqqa",
            },
        ],
        reporter_phone="+7 900 000 00 01",
        reporter_messenger="Telegram @testova",
        reporter_email="zarema@example.org",
        reporter_region="Chechnya",
        reporter_language="ru",
        consent_share_authority="no",
        consent_contact="yes",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    reference, secret = receipt_of(response)
    report = FamilyReport.objects.get()
    assert report.reference == reference
    assert services.report_secret_matches(report, secret)
    assert secret not in report.secret_hash
    assert report.channel == Channel.WEB_FORM
    assert report.status == ReportStatus.NEW
    assert report.organisation.slug == "north"
    assert report.entered_by is None
    assert (report.reporter_phone, report.reporter_messenger, report.reporter_email) == (
        "+7 900 000 00 01",
        "Telegram @testova",
        "zarema@example.org",
    )
    assert report.reporter_language == "ru"
    consents = {c.purpose: c.given for c in report.consents.all()}
    assert consents == {
        ConsentPurpose.PROCESS: True,
        ConsentPurpose.SHARE_AUTHORITY: False,
        ConsentPurpose.CONTACT: True,
    }
    mother, child = report.entries.order_by("position")
    assert (mother.position, child.position) == (1, 2)
    assert mother.birth_date == dt.date(1994, 1, 1) and mother.birth_precision == "year"
    assert mother.last_known_date == dt.date(2019, 3, 1)
    assert mother.last_known_precision == "month"
    assert (mother.mother_name, mother.father_name) == ("Testova Zarema", "Testov Ruslan")
    assert mother.aliases == "Umm Bilal"
    assert child.age_stated == 7 and child.birth_precision == "age"
    assert child.relationship_to_others == "son of Amina"
    event = AuditEvent.objects.get(action="create", object_type="FamilyReport")
    assert event.actor is None


def test_a_family_that_sends_nothing_but_a_name_is_helped():
    response, _ = send(
        entries=[{"aliases": "Umm Bilal"}], account="", consent_process="", reporter_name=""
    )
    assert response.status_code == 200
    report = FamilyReport.objects.get()
    assert report.consents.count() == 0  # no consent is a condition for being helped


def test_a_double_click_makes_one_report_and_shows_the_same_receipt():
    client = family()
    token, csrf = open_form(client)
    data = form_data(token, csrf)
    first = client.post(FORM, data)
    second = client.post(FORM, data)
    assert FamilyReport.objects.count() == 1
    assert receipt_of(first) == receipt_of(second)


def test_a_late_retry_of_the_same_form_shows_the_reference_but_not_the_secret():
    client = family()
    token, csrf = open_form(client)
    data = form_data(token, csrf)
    client.post(FORM, data)
    FamilyReport.objects.update(received_at=timezone.now() - dt.timedelta(hours=2))
    again = client.post(FORM, data)
    html = again.content.decode()
    reference = FamilyReport.objects.get().reference
    assert FamilyReport.objects.count() == 1
    assert "This form was already sent" in html and reference in html
    assert 'class="code"' not in html  # neither the reference box nor the secret
    assert re.search(r"[A-Za-z0-9_-]{22}", html.split("<main")[1]) is None


def test_the_receipt_is_the_same_whether_or_not_the_person_is_known(world):
    known, _ = send(entries=[{"family_name": "Alieva", "given_name": "Madina"}])
    unknown, _ = send(client=family("203.0.113.8"), entries=[{"family_name": "Nobodova"}])

    def shape(response):
        html = response.content.decode()
        html = re.sub(r'<dd class="code" dir="ltr">[^<]+</dd>', "", html)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert shape(known) == shape(unknown)


# --- Dates as families write them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("2015", dt.date(2015, 1, 1), "year"),
        ("2015-04", dt.date(2015, 4, 1), "month"),
        ("04.2015", dt.date(2015, 4, 1), "month"),
        ("21.04.2015", dt.date(2015, 4, 21), "exact"),
        ("03/12/1986", dt.date(1986, 12, 3), "exact"),  # day first, never US order
        ("2015-04-21", dt.date(2015, 4, 21), "exact"),
        ("٢١/٠٤/٢٠١٥", dt.date(2015, 4, 21), "exact"),
    ],
)
def test_birth_dates_are_read_day_first_in_any_digits(typed, date, precision):
    response, _ = send(entries=[{"family_name": "Testova", "birth": typed}])
    assert response.status_code == 200
    entry = FamilyReport.objects.get().entries.get()
    assert (entry.birth_date, entry.birth_precision) == (date, precision)


def test_an_american_date_is_refused_next_to_its_field_and_nothing_typed_is_lost():
    response, _ = send(
        entries=[{"family_name": "Testova", "given_name": "Хадижат", "birth": "12/31/1986"}],
        account="Она уехала в 2014 году.",
        reporter_email="zarema@example.org",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert FamilyReport.objects.count() == 0
    assert 'id="id_entries-0-birth_error"' in html
    assert "There is no month 31." in html
    assert "2015, 2015-04, 04.2015, 21.04.2015, 21/04/2015 or 2015-04-21" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_entries-0-birth_help' in html
    # Everything else is still there.
    assert 'value="12/31/1986"' in html
    assert 'value="Хадижат"' in html
    assert "Она уехала в 2014 году." in html
    assert 'value="zarema@example.org"' in html
    # The summary at the top links to the field and is announced.
    assert 'role="alert"' in html and 'href="#id_entries-0-birth"' in html


def test_a_last_known_date_is_a_date_not_an_age():
    response, _ = send(entries=[{"family_name": "Testova", "last_known_date": "7"}])
    assert response.status_code == 400
    assert "not an age" in response.content.decode()


def test_a_form_without_any_name_keeps_what_was_typed():
    response, _ = send(
        entries=[{"birthplace": "Mosul", "description": "A girl of about five."}],
        reporter_phone="+7 900 000 00 02",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Name the person: a name, a nickname or a kunya." in html
    assert 'value="Mosul"' in html and "A girl of about five." in html
    assert 'value="+7 900 000 00 02"' in html
    assert FamilyReport.objects.count() == 0


def test_add_another_person_keeps_everything_typed_and_shows_no_errors():
    client = family()
    token, csrf = open_form(client)
    data = form_data(token, csrf, [{"given_name": "Amina", "birth": "12/31/1986"}])
    data["add_person"] = "1"
    response = client.post(FORM, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="entries-TOTAL_FORMS" value="2"' in html
    assert 'value="Amina"' in html and 'id="person-2"' in html
    assert "error-summary" not in html
    assert f'value="{token}"' in html  # the same form: a retry still makes one report
    assert FamilyReport.objects.count() == 0


# --- Text is stored as text ----------------------------------------------------------------------


def test_html_is_stored_as_text_and_never_rendered(world, login):
    payload = '"><svg onload=alert(1)><script>alert(2)</script>{{7*7}}'
    send(entries=[{"family_name": payload}], account=payload)
    report = FamilyReport.objects.get()
    assert report.account == payload
    assert report.entries.get().family_name == payload
    page = login(world.intake).get(f"/reports/{report.public_id}/").content.decode()
    assert "<script>alert(2)" not in page and "<svg onload" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "{{7*7}}" in page  # a template expression stays text


def test_names_pass_the_one_text_cleaner():
    decomposed = unicodedata.normalize("NFD", "Йылдыз")
    response, _ = send(
        entries=[
            {
                "family_name": f"\u202e{decomposed}\u200b",
                "given_name": "Ali\u2066ya\u2069\u200d",
                "aliases": "Umm\u00a0\u00a0Bilal\u200e",
            }
        ],
        account="Line one\u202e\r\nLine two\u0000",
    )
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        # NUL is refused with a clear error rather than silently dropped.
        assert "Null characters are not allowed." in response.content.decode()
        response, _ = send(
            entries=[
                {
                    "family_name": f"\u202e{decomposed}\u200b",
                    "given_name": "Ali\u2066ya\u2069\u200d",
                    "aliases": "Umm\u00a0\u00a0Bilal\u200e",
                }
            ],
            account="Line one\u202e\r\nLine two",
        )
    entry = FamilyReport.objects.get().entries.get()
    assert entry.family_name == "Йылдыз"
    assert unicodedata.is_normalized("NFC", entry.family_name)
    assert entry.given_name == "Aliya"
    assert entry.aliases == "Umm Bilal"
    # The account keeps its characters (it is rendered bidi-isolated); its line breaks are one.
    assert FamilyReport.objects.get().account == "Line one\u202e\nLine two"


def test_a_hundred_thousand_characters_are_refused_with_the_limit():
    response, _ = send(account="x" * 100_000)
    assert response.status_code == 400
    assert "at most 20000 characters (it has 100000)" in response.content.decode()
    assert FamilyReport.objects.count() == 0


def test_hidden_fields_smuggled_into_the_post_change_nothing(world):
    response, _ = send(
        status="triaged",
        organisation=str(world.south.pk),
        channel="letter",
        public_status_note="contact_us",
        received_at="2001-01-01T00:00:00Z",
        entered_by=str(world.supervisor.pk),
    )
    assert response.status_code == 200
    report = FamilyReport.objects.get()
    assert report.organisation == world.north
    assert report.status == ReportStatus.NEW
    assert report.channel == Channel.WEB_FORM
    assert report.public_status_note == ""
    assert report.entered_by is None
    assert report.received_at > timezone.now() - dt.timedelta(minutes=1)


def test_without_the_csrf_token_nothing_is_stored():
    client = family()
    token, _csrf = open_form(client)
    data = form_data(token, "forged")
    assert client.post(FORM, data).status_code == 403
    assert FamilyReport.objects.count() == 0


# --- Photos and documents ------------------------------------------------------------------------


def stored(attachment) -> bytes:
    with default_storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


@pytest.mark.skipif(
    shutil.which("exiftool") is None and not os.environ.get("CI"),
    reason="exiftool not installed (Debian: libimage-exiftool-perl); CI installs it",
)
def test_a_photo_with_gps_is_stored_clean_under_a_random_name(tmp_path):
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    response, _ = send(files=[upload("Amina Testova in Roj.jpg", original)])
    assert response.status_code == 200
    attachment = FamilyReport.objects.get().attachments.get()
    assert "Amina" not in attachment.file.name and "Roj" not in attachment.file.name
    path = tmp_path / "stored.jpg"
    path.write_bytes(stored(attachment))
    output = subprocess.run(  # noqa: S603
        ["exiftool", "-a", "-G1", "-gps:all", "-exif:all", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "GPS" not in output and "FamilyPhone" not in output


def test_stored_files_are_not_under_any_public_url():
    send(files=[upload("a.jpg", jpeg())])
    attachment = FamilyReport.objects.get().attachments.get()
    for url in (f"/media/{attachment.file.name}", f"/static/{attachment.file.name}"):
        assert family().get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.jpg",
            b"<html><body><script>alert(1)</script>" + jpeg(),
            "This is a web page or text file, not a photo or PDF document.",
        ),
        (
            "letter.pdf",
            b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF",
            "This PDF is also a web page",
        ),
        (
            "action.pdf",
            b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
            "This PDF contains scripts or files inside it",
        ),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG images are not accepted",
        ),
        ("empty.jpg", b"", "The submitted file is empty."),
        ("truncated.jpg", jpeg()[:200], "The photo is damaged or incomplete"),
        ("scan.gif", b"GIF89a" + b"\x00" * 64, "Only photos (JPEG, PNG or WebP)"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_the_form_kept(name, content, message):
    response, _ = send(files=[upload(name, content)], reporter_region="Dagestan")
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert name not in html  # the sender's file name is never echoed (it may name a child)
    assert 'value="Dagestan"' in html
    assert FamilyReport.objects.count() == 0


def test_a_pixel_bomb_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, format="PNG")
    response, _ = send(files=[upload("bomb.png", out.getvalue(), "image/png")])
    assert response.status_code == 400
    assert "The picture is too large (more than 40 megapixels)." in response.content.decode()


def test_one_byte_over_the_limit_is_refused(settings):
    settings.REPORT_ATTACHMENT_MAX_BYTES = 50_000
    data = jpeg()
    padded = data + b"\0" * (50_001 - len(data))
    response, _ = send(files=[upload("big.jpg", padded)])
    assert response.status_code == 400
    assert "The file is larger than the limit" in response.content.decode()
    exact = data + b"\0" * (50_000 - len(data))
    ok, _ = send(client=family("203.0.113.9"), files=[upload("ok.jpg", exact)])
    assert ok.status_code == 200


def test_a_failed_transaction_leaves_no_file_behind(monkeypatch):
    written = []
    store = services._store_attachments

    def store_and_note(report, cleaned_files, stored):
        store(report, cleaned_files, stored)
        written.extend(stored)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_store_attachments", store_and_note)
    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        send(files=[upload("a.jpg", jpeg())])
    assert FamilyReport.objects.count() == 0
    assert written  # the file was written before the failure ...
    assert not any(default_storage.exists(name) for name in written)  # ... and removed after


# --- Abuse ---------------------------------------------------------------------------------------


def test_a_filled_honeypot_stores_nothing_and_says_nothing_of_why():
    response, _ = send(website="http://spam.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "The form could not be sent. Please check it and send it again." in html
    main = html.split("<main", 1)[1].lower()
    assert "honeypot" not in main and "robot" not in main
    assert FamilyReport.objects.count() == 0


def test_a_form_sent_faster_than_a_person_can_fill_it_is_refused(settings):
    settings.PUBLIC_FORM_MIN_SECONDS = 60
    response, data = send()
    html = response.content.decode()
    assert response.status_code == 400
    assert FamilyReport.objects.count() == 0
    # The refused form carries a new token and keeps what was typed.
    assert 'value="Testova"' in html
    new_token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    assert new_token != data["form_token"]


def test_posts_are_limited_per_address_and_typed_data_survives(settings):
    settings.PUBLIC_REPORT_RATE = "3/m"
    client = family("198.51.100.20")
    statuses = []
    for _ in range(5):
        response, _ = send(client=client)
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert 'value="Testova"' in response.content.decode()
    assert FamilyReport.objects.count() == 3
    other, _ = send(client=family("198.51.100.21"))
    assert other.status_code == 200


def test_the_form_is_closed_when_no_organisation_receives_it(world):
    world.north.receives_public_reports = False
    world.north.save()
    response = family().get(FORM)
    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"]


# --- Mail ----------------------------------------------------------------------------------------


def test_the_reference_alone_is_mailed_when_the_family_agreed_to_be_contacted(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = send(reporter_email="zarema@example.org", consent_contact="yes")
    reference, secret = receipt_of(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zarema@example.org"]
    assert reference in message.body
    assert secret not in message.body and secret not in message.subject


@pytest.mark.parametrize("contact", ["no", ""])
def test_no_mail_without_consent_to_be_contacted(django_capture_on_commit_callbacks, contact):
    with django_capture_on_commit_callbacks(execute=True):
        send(reporter_email="zarema@example.org", consent_contact=contact)
    assert mail.outbox == []


def test_a_bad_email_address_is_an_error_next_to_the_field():
    response, _ = send(reporter_email="not an address")
    assert response.status_code == 400
    assert 'id="id_reporter_email_error"' in response.content.decode()


# --- The status page -----------------------------------------------------------------------------


def sent_report():
    response, _ = send()
    reference, secret = receipt_of(response)
    return FamilyReport.objects.get(reference=reference), reference, secret


def check_status(client, reference, secret):
    response = client.get(STATUS)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    return client.post(
        STATUS, {"csrfmiddlewaretoken": csrf.group(1), "reference": reference, "secret": secret}
    )


def without_csrf(response) -> str:
    return re.sub(r'value="[^"]+"', "", response.content.decode())


def test_the_status_page_answers_received_with_reference_and_secret():
    _report, reference, secret = sent_report()
    response = check_status(family(), reference.lower()[:5] + "-" + reference[5:], secret)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Received" in html
    assert secret not in html  # the page carries a status token, never the secret


def test_the_secret_field_is_never_autocompleted():
    html = family().get(STATUS).content.decode()
    field = re.search(r'<input[^>]*name="secret"[^>]*>', html).group(0)
    assert 'autocomplete="off"' in field and 'type="password"' not in field


def test_a_wrong_secret_answers_exactly_like_an_unknown_reference():
    _report, reference, secret = sent_report()
    wrong = check_status(family("192.0.2.1"), reference, secret[:-1] + "x")
    unknown = check_status(family("192.0.2.2"), "ABCDEFGHJK", secret)
    assert wrong.status_code == unknown.status_code == 404
    assert without_csrf(wrong) == without_csrf(unknown)


def test_wrong_secrets_are_limited_per_address_even_for_the_right_one_after(settings):
    settings.PUBLIC_STATUS_FAILURES_PER_ADDRESS = "3/h"
    _report, reference, secret = sent_report()
    guesser = family("192.0.2.50")
    for _ in range(3):
        assert check_status(guesser, reference, "guess").status_code == 404
    blocked = check_status(guesser, reference, secret)
    assert blocked.status_code == 429
    assert "Received" not in blocked.content.decode()
    # Never per reference: the family, from their own address, still gets in.
    assert check_status(family("192.0.2.60"), reference, secret).status_code == 200


def test_wrong_secrets_are_limited_over_all_addresses(settings):
    settings.PUBLIC_STATUS_FAILURES_ALL = "4/h"
    _report, reference, secret = sent_report()
    for number in range(4):
        check_status(family(f"192.0.2.{100 + number}"), "ABCDEFGHJK", "guess")
    assert check_status(family("192.0.2.200"), reference, secret).status_code == 429


def link_entry(report, person):
    entry = report.entries.first()
    entry.person = person
    entry.outcome = TriageOutcome.LINKED
    entry.save()


def test_being_traced_says_nothing_of_the_person_or_where_they_are(world):
    report, reference, secret = sent_report()
    place = LocationFactory(name="Testcamp North-East")
    Placement.objects.create(
        person=world.case_a,
        location=place,
        start_date=dt.date(2020, 1, 1),
        source="letter",
        reliability="confirmed",
    )
    link_entry(report, world.case_a)
    html = check_status(family(), reference, secret).content.decode()
    assert "Being traced" in html
    for secret_fact in ("Testcamp", "Alieva", "Madina", str(world.case_a.public_id), "known"):
        assert secret_fact not in html


@pytest.mark.parametrize(
    "status", [PersonStatus.DECEASED, PersonStatus.CLOSED_OTHER, PersonStatus.NOT_TRACEABLE]
)
def test_bad_news_is_never_on_the_page_it_asks_the_family_to_contact_us(world, status):
    report, reference, secret = sent_report()
    world.case_a.status = status
    world.case_a.save()
    link_entry(report, world.case_a)
    html = check_status(family(), reference, secret).content.decode()
    assert "Please contact us" in html
    assert "deceased" not in html.lower() and "closed" not in html.lower()


def status_token_of(response) -> str:
    return re.search(r'name="status_token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_family_adds_a_message_and_a_photo_to_the_same_report():
    report, reference, secret = sent_report()
    client = family()
    page = check_status(client, reference, secret)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        ADD,
        {
            "csrfmiddlewaretoken": csrf,
            "status_token": status_token_of(page),
            "text": "She called from a new number.",
            "attachments": [upload("new.jpg", jpeg(gps=True))],
        },
    )
    assert response.status_code == 200
    assert "What you sent was added" in response.content.decode()
    follow_up = ReportFollowUp.objects.get(report=report)
    assert follow_up.text == "She called from a new number."
    assert follow_up.attachments_added == 1
    assert report.attachments.count() == 1
    assert FamilyReport.objects.get(pk=report.pk).account.startswith("My daughter")


def test_adding_nothing_is_an_error_and_a_forged_token_is_refused():
    report, reference, secret = sent_report()
    client = family()
    page = check_status(client, reference, secret)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    empty = client.post(
        ADD, {"csrfmiddlewaretoken": csrf, "status_token": status_token_of(page), "text": " "}
    )
    assert empty.status_code == 400
    assert "Write something" in empty.content.decode()
    forged = client.post(
        ADD, {"csrfmiddlewaretoken": csrf, "status_token": "forged", "text": "hello"}
    )
    assert forged.status_code == 400
    assert "This page has expired" in forged.content.decode()
    assert ReportFollowUp.objects.count() == 0


# --- Staff side ----------------------------------------------------------------------------------


def test_a_submission_lands_in_the_triage_queue_with_its_entries(world, login):
    send(entries=[{"family_name": "Alieva", "given_name": "Madina"}, {"given_name": "Bilal"}])
    report = FamilyReport.objects.get()
    queue = login(world.intake).get("/reports/").content.decode()
    assert report.reference in queue
    detail = login(world.intake).get(f"/reports/{report.public_id}/").content.decode()
    assert "Alieva" in detail and "Bilal" in detail


def test_the_duplicate_check_runs_at_triage_for_staff_only(world, login):
    from casework.services.names import refresh_name_keys

    refresh_name_keys(world.case_a)  # the factory writes persons without their search keys
    response, _ = send(entries=[{"family_name": "Alieva", "given_name": "Madina"}])
    assert "may already be known" not in response.content.decode()
    report = FamilyReport.objects.get()
    entry = report.entries.get()
    page = login(world.caseworker).get(
        f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    )
    assert str(world.case_a.public_id) in page.content.decode()


def test_staff_issue_a_new_secret_that_ends_the_old_one(world, login):
    report, reference, old_secret = sent_report()
    client = family()
    old_page = check_status(client, reference, old_secret)
    response = login(world.caseworker).post(
        f"/reports/{report.public_id}/reissue-secret/",
        {"reason": "The grandmother called; she answered the questions only she knows."},
    )
    assert response.status_code == 200
    new_secret = re.search(r'id="new-secret">([^<]+)<', response.content.decode()).group(1)
    assert "no-store" in response["Cache-Control"]
    assert check_status(family("192.0.2.7"), reference, new_secret).status_code == 200
    assert check_status(family("192.0.2.8"), reference, old_secret).status_code == 404
    # A status page opened with the old secret can no longer add anything.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', old_page.content.decode())
    stale = client.post(
        ADD,
        {
            "csrfmiddlewaretoken": csrf.group(1),
            "status_token": status_token_of(old_page),
            "text": "x",
        },
    )
    assert "This page has expired" in stale.content.decode()
    event = AuditEvent.objects.get(action="update", object_type="FamilyReport")
    assert event.actor == world.caseworker and event.fields == ["secret_hash"]
    assert new_secret not in str(event.changes) and "answered the questions" in event.reason


def test_an_intake_volunteer_may_not_issue_a_secret(world, login):
    report, _reference, secret = sent_report()
    response = login(world.intake).post(
        f"/reports/{report.public_id}/reissue-secret/", {"reason": "asked"}
    )
    assert response.status_code == 403
    assert services.report_secret_matches(FamilyReport.objects.get(pk=report.pk), secret)


def test_triage_asks_the_family_to_contact_us(world, login):
    report, reference, secret = sent_report()
    response = login(world.intake).post(
        f"/reports/{report.public_id}/family-status/",
        {"contact_us": "1", "reason": "We need to check a detail with the grandmother."},
    )
    assert response.status_code == 302
    assert FamilyReport.objects.get(pk=report.pk).public_status_note == "contact_us"
    assert "Please contact us" in check_status(family(), reference, secret).content.decode()
    assert AuditEvent.objects.filter(action="status_change", object_type="FamilyReport").exists()
    detail = login(world.intake).get(f"/reports/{report.public_id}/").content.decode()
    assert "Show the usual status" in detail


def test_another_organisation_cannot_touch_the_family_status(world, login):
    report, _reference, _secret = sent_report()
    response = login(world.south_supervisor).post(
        f"/reports/{report.public_id}/family-status/", {"contact_us": "1", "reason": "x"}
    )
    assert response.status_code == 404
    assert FamilyReport.objects.get(pk=report.pk).public_status_note == ""


def test_the_partner_api_shows_the_same_coarse_status_as_the_family(world):
    report, _reference, _secret = sent_report()
    from casework.api.reports import coarse_status

    assert coarse_status(report) == "received"
    report.public_status_note = "contact_us"
    assert coarse_status(report) == "please contact us"


def test_staff_pages_stay_in_english_or_russian_after_the_family_pages_in_arabic(world, login):
    client = login(world.intake)
    client.cookies["django_language"] = "ar"
    staff = client.get("/reports/")
    assert '<html lang="en" dir="ltr">' in staff.content.decode()
    public = client.get(FORM)
    assert '<html lang="ar" dir="rtl">' in public.content.decode()


def test_aliases_separated_by_an_arabic_comma_become_separate_names():
    send(entries=[{"family_name": "Testova", "aliases": "أم بلال، أم عمر; Umm Omar"}])
    entry = FamilyReport.objects.get().entries.get()
    names = services.person_input_from_entry(entry)["names"]
    assert [n.full_text for n in names if n.kind == "alias"] == ["أم بلال", "أم عمر", "Umm Omar"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_eight_times_at_once_makes_one_report(world):
    client = family()
    token, csrf = open_form(client)
    data = form_data(token, csrf)
    barrier = threading.Barrier(8)
    receipts, failures = [], []

    def post():
        try:
            own = family()
            own.cookies = client.cookies
            barrier.wait()
            response = own.post(FORM, data)
            receipts.append((response.status_code, receipt_of(response)))
        except Exception as exc:  # noqa: BLE001 (reported below, with the test's verdict)
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert FamilyReport.objects.count() == 1
    report = FamilyReport.objects.get()
    assert {status for status, _ in receipts} == {200}
    # Every answer is the receipt of that one report, with the secret that opens it.
    assert {codes for _, codes in receipts} == {receipt_of_one(report, receipts)}


def receipt_of_one(report, receipts):
    reference, secret = receipts[0][1]
    assert reference == report.reference
    assert services.report_secret_matches(report, secret)
    return reference, secret


# --- More bad inputs of SECURITY.md -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("29.02.2023", "There is no 29"),
        ("1850", "The date is before 1900."),
        ("2099", "The date is in the future."),
        ("-1", "An age must be between 0 and 120 years."),
        ("200", "An age must be between 0 and 120 years."),
        ("12-03-1986", "Write the date as"),
        ("spring 2015", "Write the date as"),
    ],
)
def test_impossible_birth_dates_and_ages_are_refused_next_to_the_field(typed, message):
    response, _ = send(entries=[{"family_name": "Testova", "birth": typed}])
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="id_entries-0-birth_error"' in html
    assert FamilyReport.objects.count() == 0


def test_broken_utf8_in_a_post_is_data_or_an_error_never_a_crash():
    client = family()
    token, csrf = open_form(client)
    body = (
        f"csrfmiddlewaretoken={csrf}&form_token={token}&entries-TOTAL_FORMS=1"
        "&entries-INITIAL_FORMS=0&entries-0-family_name=Test%ED%A0%80ova%FF"
    )
    response = client.post(FORM, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        name = FamilyReport.objects.get().entries.get().family_name
        assert name.startswith("Test") and not any(0xD800 <= ord(c) <= 0xDFFF for c in name)


def test_a_body_over_ten_megabytes_is_refused_cleanly():
    client = family()
    token, csrf = open_form(client)
    response = client.post(FORM, form_data(token, csrf, account="x" * (11 * 1024 * 1024)))
    assert response.status_code == 400
    assert "nothing was stored" in response.content.decode()
    assert FamilyReport.objects.count() == 0


def test_an_animated_image_is_refused():
    frames = [Image.new("RGB", (16, 16), color) for color in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    response, _ = send(files=[upload("moving.gif", out.getvalue(), "image/gif")])
    assert response.status_code == 400
    assert "Animated images are not accepted" in response.content.decode()


def test_a_file_name_that_climbs_out_of_the_folder_is_never_used():
    response, _ = send(files=[upload("../../../etc/x.jpg", jpeg())])
    assert response.status_code == 200
    name = FamilyReport.objects.get().attachments.get().file.name
    assert ".." not in name and "etc" not in name and "x.jpg" not in name
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name)


def test_what_a_family_sends_never_reaches_a_log_line(caplog, django_capture_on_commit_callbacks):
    canaries = ("Canaryeva Zulfiya", "+7 999 123 45 67", "canary@example.org", "Canarygrad")
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        send(
            entries=[{"family_name": canaries[0], "last_known_place": canaries[3]}],
            reporter_phone=canaries[1],
            reporter_email=canaries[2],
            consent_contact="yes",
        )
        send(entries=[{"family_name": canaries[0], "birth": "12/31/1986"}])
        send(website=canaries[0])
    assert FamilyReport.objects.count() == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for canary in canaries:
        assert canary not in logged
