"""The import pages end to end: upload, preview with the mapping, dry run, commit, outcomes."""

from casework.models import ListImport, ListImportRow, Person
from casework.services.form_tokens import new_form_token

CSV = "Фамилия;Имя;Год рождения;Местонахождение\nТагиров;Билал;2015;Roj camp\n".encode("cp1251")


def test_upload_preview_dry_run_commit(world, login):
    client = login(world.caseworker)
    response = client.post(
        "/imports/new/",
        {
            "source": "Letter list",
            "as_of": "2026-10-01",
            "file": _file("list.csv", CSV),
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    upload = ListImport.objects.get()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "Тагиров" in preview.content.decode()
    assert preview.context["preview"].mapping["Год рождения"] == "birth_date"
    persons = Person.objects.count()
    dry = client.post(f"/imports/{upload.public_id}/dry-run/")
    assert dry.status_code == 200 and dry.context["counts"]["created"] == 1
    assert Person.objects.count() == persons
    done = client.post(f"/imports/{upload.public_id}/commit/")
    assert done.status_code == 302
    result = client.get(done["Location"])
    assert result.status_code == 200
    row = ListImportRow.objects.get()
    assert row.outcome == "created" and row.person.team == world.team_a
    assert "Тагиров Билал" in result.content.decode()


def test_an_unreadable_file_is_a_form_error(world, login):
    client = login(world.caseworker)
    response = client.post("/imports/new/", _upload_form(_file("list.csv", b"")))
    assert response.status_code == 400
    assert not ListImport.objects.exists()


def test_invalid_rows_are_listed_by_row_and_field_and_nothing_is_written(world, login):
    client = login(world.supervisor)
    data = b"family_name,given_name,age\nTagirov,Bilal,200\n"
    client.post("/imports/new/", _upload_form(_file("l.csv", data)))
    upload = ListImport.objects.get()
    response = client.post(f"/imports/{upload.public_id}/commit/")
    assert response.status_code == 400
    assert [(e.row, e.field) for e in response.context["errors"]] == [(2, "age")]
    assert not ListImportRow.objects.exists()


def _upload_form(upload) -> dict:
    return {"source": "x", "file": upload, "form_token": new_form_token()}


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_a_broken_utf16_file_is_a_clear_error_not_a_500(world, login):
    client = login(world.caseworker)
    body = "family_name,given_name\nТестова,Зарема\n".encode("utf-16-le")
    for data in (b"\xff\xfe" + body + b"X", b"\xff\xfe" + body[:10] + b"\x00\xd8" + body[10:]):
        response = client.post("/imports/new/", _upload_form(_file("l.csv", data)))
        assert response.status_code == 400
        assert "The file is not valid UTF-16" in response.content.decode()
    assert not ListImport.objects.exists()


def test_a_utf8_file_with_a_bad_byte_is_refused_not_garbled(world, login):
    client = login(world.caseworker)
    data = "family_name,given_name\nТестова,Зарема\nПримерова,Хеда\n".encode()
    data = data[:29] + b"\xff" + data[29:]  # between two letters of Тестова
    response = client.post("/imports/new/", _upload_form(_file("l.csv", data)))
    assert response.status_code == 400
    assert "not valid UTF-8: byte 29 (line 2)" in response.content.decode()
    assert not ListImport.objects.exists()


def test_a_column_mapped_twice_is_refused_on_that_columns_choice(world, login):
    client = login(world.supervisor)
    data = b"family_name,surname,given_name\nTagirov,Tagirov,Bilal\n"
    client.post("/imports/new/", _upload_form(_file("l.csv", data)))
    upload = ListImport.objects.get()
    response = client.post(
        f"/imports/{upload.public_id}/mapping/",
        {"col_0": "family_name", "col_1": "family_name", "col_2": "given_name"},
    )
    assert response.status_code == 400
    form = response.context["mapping_form"]
    assert form.errors["col_1"] == ["Family name is already read from the column 'family_name'."]
    assert not form.non_field_errors()


def test_a_list_whose_file_is_gone_says_so_not_a_500(world, login):
    client = login(world.supervisor)
    client.post("/imports/new/", _upload_form(_file("l.csv", b"family_name\nTagirov\n")))
    upload = ListImport.objects.get()
    upload.file.storage.delete(upload.file.name)  # erased by retention, or lost with a disk
    preview = client.get(f"/imports/{upload.public_id}/")
    assert preview.status_code == 400
    assert "no longer stored: upload the list again" in preview.content.decode()
    commit = client.post(f"/imports/{upload.public_id}/commit/", follow=True)
    assert "no longer stored: upload the list again" in commit.content.decode()
    assert not ListImportRow.objects.exists()
    upload.refresh_from_db()
    assert upload.status == "previewed"
