"""Bad inputs a list import must survive (SECURITY.md): each a clear error, or accepted as data;
nothing half-written. Empty and header-only files, ragged rows, formula cells and XLSX zip bombs
are in test_files.py and test_service.py."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.imports import files
from casework.imports.rows import validate_row
from casework.models import AuditEvent, ListImport, ListImportRow, Person, PersonName
from casework.services.errors import ServiceError
from casework.services.form_tokens import new_form_token
from casework.services.imports import (
    ImportRejected,
    _stored_raw,
    list_import_commit,
    list_import_upload,
)

AS_OF = dt.date(2026, 10, 1)


def _upload(actor, data: bytes, filename="list.csv"):
    return list_import_upload(
        actor=actor, source="Camp list", as_of=AS_OF, filename=filename, data=data
    )


def _file(name, data):
    return SimpleUploadedFile(name, data, content_type="text/csv")


# --- Lone surrogates and NUL bytes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "family_name,given_name\nТестова,Зарема\nПримерова,Хеда\n".encode()[:29]
            + b"\xed\xa0\x80"  # a lone surrogate, as UTF-8 never encodes one
            + "family_name,given_name\nТестова,Зарема\nПримерова,Хеда\n".encode()[29:],
            "The file is not valid UTF-8: byte 29 (line 2)",
        ),
        (
            b"\xff\xfe"
            + "family_name,given_name\nТестова,".encode("utf-16-le")
            + b"\x00\xd8"  # a high surrogate with no low one after it
            + "Зарема\n".encode("utf-16-le"),
            "The file is not valid UTF-16",
        ),
    ],
)
def test_a_lone_surrogate_in_a_file_is_refused_with_where_it_is(world, data, message):
    with pytest.raises(ServiceError) as refusal:
        _upload(world.supervisor, data)
    assert message in str(refusal.value)
    assert not ListImport.objects.exists()


def test_a_lone_surrogate_in_a_cell_is_a_row_error_and_never_stored(world):
    raw = {"family_name": "Тест\ud800ова", "given_name": "Зарема"}
    mapping = {"family_name": "family_name", "given_name": "given_name"}
    data, errors = validate_row(5, raw, mapping, as_of=AS_OF, today=AS_OF)
    assert data is None
    assert [(e.row, e.field) for e in errors] == [(5, "family_name")]
    assert "surrogate" in errors[0].message
    assert _stored_raw(raw)["family_name"] == "Тест\ufffdова"
    _stored_raw(raw)["family_name"].encode("utf-8")  # storable as UTF-8 (PostgreSQL's JSON)


def test_a_nul_byte_in_a_cell_names_the_row_or_is_kept_replaced_as_rejected(world):
    data = b"family_name,given_name\nTagi\x00rov,Bilal\nKhasiev,Adam\n"
    with pytest.raises(ImportRejected) as refusal:
        list_import_commit(actor=world.supervisor, list_import=_upload(world.supervisor, data))
    assert [(e.row, e.field) for e in refusal.value.row_errors] == [(2, "family_name")]
    assert "NUL" in str(refusal.value)
    assert not ListImportRow.objects.exists()
    done = list_import_commit(
        actor=world.supervisor,
        list_import=ListImport.objects.get(),
        reject_invalid=True,
    )
    rejected, created = ListImportRow.objects.filter(list_import=done)
    assert rejected.outcome == "rejected" and "NUL" in rejected.reason
    assert rejected.data["raw"]["family_name"] == "Tagi\ufffdrov"
    assert created.outcome == "created"
    assert not any("\x00" in name.as_text() for name in PersonName.objects.all())


def test_a_nul_byte_in_a_column_name_is_refused(world):
    with pytest.raises(ServiceError) as refusal:
        _upload(world.supervisor, b"family\x00name,given_name\nTagirov,Bilal\n")
    assert "Row 1: column 1" in str(refusal.value)
    assert not ListImport.objects.exists()


# --- Markup shown as text ---------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
SVG = '"><svg onload=alert(1)>'
TEMPLATE = "{{7*7}}"


def test_markup_in_cells_and_column_names_is_shown_escaped_on_the_preview(world, login):
    client = login(world.supervisor)
    header = f'family_name,given_name,"{SVG.replace(chr(34), chr(34) * 2)}",{TEMPLATE}\n'
    row = f'{SCRIPT},"{SVG.replace(chr(34), chr(34) * 2)}",{TEMPLATE},{SCRIPT}\n'
    response = client.post(
        "/imports/new/",
        {
            "source": f"Camp {TEMPLATE} list",
            "file": _file("l.csv", (header + row).encode()),
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    upload = ListImport.objects.get()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    page = preview.content.decode()
    for markup in (SCRIPT, SVG):
        assert markup not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page
    assert "<svg" not in page and "alert(1)</script>" not in page
    assert TEMPLATE in page and "Camp {{7*7}} list" in page
    assert not re.search(r"\b49\b", page)  # never evaluated as a template
    # the outcome page shows the created person's name as text as well
    client.post(f"/imports/{upload.public_id}/commit/")
    result = client.get(f"/imports/{upload.public_id}/").content.decode()
    assert SCRIPT not in result and "&lt;script&gt;alert(1)&lt;/script&gt;" in result


# --- Hostile file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    ["../../x.csv", "..\\..\\x.csv", "/etc/passwd", "Тагирова Зарема 2015 Roj.csv", ""],
)
def test_the_uploaded_file_name_never_names_the_stored_file(world, filename):
    upload = _upload(world.caseworker, b"family_name,given_name\nTestova,Seda\n", filename)
    stored = Path(upload.file.name)
    assert re.fullmatch(r"lists/\d{4}/\d{2}/[0-9a-f]{32}\.csv", upload.file.name)
    assert ".." not in stored.parts
    root = Path(upload.file.storage.location).resolve()
    assert Path(upload.file.path).resolve().is_relative_to(root)
    assert "/" not in upload.original_filename and ".." not in upload.original_filename.split("/")


def test_a_file_name_with_a_persons_name_is_shown_to_no_one(world, login):
    filename = "Тагирова Зарема 2015 Roj.csv"
    client = login(world.caseworker)
    response = client.post(
        "/imports/new/",
        {
            "source": "Camp list",
            "file": _file(filename, b"family_name,given_name\nTestova,Seda\n"),
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    upload = ListImport.objects.get()
    assert "Тагирова" not in upload.file.name
    for user in (world.caseworker, world.other_team_caseworker, world.supervisor):
        other = login(user)
        for url in ("/imports/", f"/imports/{upload.public_id}/"):
            page = other.get(url)
            assert page.status_code == 200
            assert "Тагирова" not in page.content.decode(), (user, url)
    assert not AuditEvent.objects.filter(changes__icontains="Тагирова").exists()
    assert not AuditEvent.objects.filter(reason__icontains="Тагирова").exists()


# --- Size limit -------------------------------------------------------------------------------


def _sized(size: int) -> bytes:
    head = b"family_name,given_name\nTestova,Seda\n"
    return head + b"x" * (size - len(head))


def test_a_file_one_byte_over_the_limit_is_refused_and_one_at_it_is_read(world, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 4096)
    with pytest.raises(ServiceError) as refusal:
        _upload(world.supervisor, _sized(4097))
    assert "larger than" in str(refusal.value)
    assert not ListImport.objects.exists()
    data = b"family_name,given_name\n" + b"Testova,Seda\n" * 300
    data += b"Testova,Seda" + b" " * (4096 - len(data) - len(b"Testova,Seda"))
    assert len(data) == 4096
    assert _upload(world.supervisor, data).row_count > 0


def test_the_upload_page_refuses_a_file_one_byte_over_the_limit(world, login):
    data = _sized(files.MAX_FILE_BYTES + 1)
    response = login(world.supervisor).post(
        "/imports/new/",
        {"source": "Camp list", "file": _file("big.csv", data), "form_token": new_form_token()},
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ListImport.objects.exists()
    assert not Person.objects.filter(display_name="Testova Seda").exists()
