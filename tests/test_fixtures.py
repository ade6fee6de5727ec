"""The example lists in fixtures/ import as their README says: every header is recognised, no row
is in error, and the second list finds the people the first one created."""

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from casework.models import ListImportRow, Person
from casework.services.imports import (
    list_import_commit,
    list_import_preview,
    list_import_upload,
)

LISTS = Path(__file__).resolve().parent.parent / "fixtures" / "lists"
RELATIVES = LISTS / "relatives_list_ru_cp1251.csv"
AUTHORITY = LISTS / "authority_list_en_utf16.csv"


def _upload(actor, path: Path, source: str):
    return list_import_upload(
        actor=actor,
        source=source,
        as_of=dt.date(2026, 3, 1),
        filename=path.name,
        data=path.read_bytes(),
    )


@pytest.mark.parametrize(
    ("path", "encoding", "rows"),
    [(RELATIVES, "cp1251", 6), (AUTHORITY, "utf-16", 5)],
)
def test_each_example_list_is_read_whole_with_every_header_recognised(world, path, encoding, rows):
    upload = _upload(world.supervisor, path, "Example list")
    assert upload.stats["encoding"].replace("_", "-").lower().startswith(encoding)
    assert upload.row_count == rows
    assert all(upload.column_mapping.values()), upload.column_mapping
    preview = list_import_preview(actor=world.supervisor, list_import=upload)
    assert preview.errors == []
    assert preview.row_count == rows


def _rows(list_import) -> dict[str, ListImportRow]:
    rows = ListImportRow.objects.filter(list_import=list_import).select_related("person")
    return {row.record_id: row for row in rows}


def test_the_authority_list_finds_the_people_of_the_relatives_list(world):
    first = list_import_commit(
        actor=world.supervisor,
        list_import=_upload(world.supervisor, RELATIVES, "Relatives' association"),
    )
    relatives = _rows(first)
    assert Counter(r.outcome for r in relatives.values()) == {"created": 6}
    persons_after_first = Person.objects.count()

    second = list_import_commit(
        actor=world.supervisor,
        list_import=_upload(world.supervisor, AUTHORITY, "Ministry list"),
    )
    authority = _rows(second)
    # Asiyat/Асият Testova (1992) and Khadija/Хадижат Primerova (1990-11-03) are the same women
    # written in another script: linked to the persons the first list created.
    assert authority["101"].outcome == "linked"
    assert authority["101"].person == relatives["1"].person
    assert authority["103"].outcome == "linked"
    assert authority["103"].person == relatives["4"].person
    # Bilal, 12 in March 2026 and born in Raqqa, is Билал (2014-04): found, if only for review.
    assert authority["102"].outcome in ("linked", "ambiguous")
    # Fatima Obraztsova is on no other list: a new person.
    assert authority["105"].outcome == "created"
    created = sum(1 for row in authority.values() if row.outcome == "created")
    assert Person.objects.count() - persons_after_first == created
