"""The aggregate HXL export: counts by place, status, sex and age band, never a name, groups under
five left out; its hashtag row is valid HXL."""

import csv
import datetime as dt
import io

import hxl
import pytest
from hxl.model import Column

from casework.exports_hxl import HASHTAG, HASHTAGS, age_band, hxl_table
from casework.models import AuditEvent, Placement
from casework.permissions import Denied
from tests.factories import LocationFactory, PersonFactory


def _child(world, place, year):
    person = PersonFactory(
        organisation=world.north,
        team=world.team_a,
        sex="F",
        birth_earliest=dt.date(year, 1, 1),
        birth_latest=dt.date(year, 12, 31),
        birth_precision="year",
        birth_date=dt.date(year, 1, 1),
    )
    Placement.objects.create(
        person=person,
        location=place,
        start_date=dt.date(2025, 1, 1),
        source="visit",
        reliability="confirmed",
    )
    return person


@pytest.fixture
def orphanages(world):
    year = dt.date.today().year - 2
    big = LocationFactory(name="Invented Orphanage Ba", kind="orphanage", country="SY")
    small = LocationFactory(name="Invented Orphanage Ta", kind="orphanage", country="IQ")
    children = [_child(world, big, year) for _ in range(5)] + [_child(world, small, year)]
    return big, small, children


def _read(table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    header, tags, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    return header, tags, rows


def test_the_hashtag_row_is_valid_hxl():
    # libhxl, the HXL standard's own library, reads every tag and writes it back the same.
    for tag in HASHTAGS:
        assert Column.parse(tag, use_exception=True).display_tag == tag
        assert HASHTAG.fullmatch(tag)
    for bad in ("loc+name", "#1loc", "#loc+"):
        with pytest.raises(hxl.HXLException):
            Column.parse(bad, use_exception=True)
        assert not HASHTAG.fullmatch(bad)


def test_counts_by_place_and_a_group_under_five_is_left_out(world, orphanages):
    big, small, children = orphanages
    header, tags, rows = _read(hxl_table(actor=world.supervisor, params={}))
    assert header[-1] == "Persons" and tags == HASHTAGS
    assert ["Invented Orphanage Ba", "SY", "reported", "F", "0-4", "5"] in rows
    text = str(rows)
    # One girl aged 0-4 in one orphanage, and the world's three cases, cannot be singled out.
    assert "Invented Orphanage Ta" not in text
    assert all(int(row[-1]) >= 5 for row in rows)
    for child in (*children, world.case_a):
        assert child.display_name not in text and str(child.public_id) not in text
    event = AuditEvent.objects.get(action="export")
    assert event.changes["list"] == "persons_hxl" and event.changes["rows"] == len(rows)
    assert not event.subjects.exists()


def test_the_place_comes_only_from_placements_the_exporter_may_see(world, orphanages):
    # The DPO reads persons at the minimal level: their whereabouts are not theirs to count.
    _header, _tags, rows = _read(hxl_table(actor=world.dpo, params={}))
    assert "Invented Orphanage Ba" not in str(rows)
    # Both orphanages' girls fall into the unknown place for them: six, shown.
    assert rows == [["unknown", "", "reported", "F", "0-4", "6"]]


def test_the_counts_follow_the_list_filters(world, orphanages):
    _header, _tags, rows = _read(hxl_table(actor=world.supervisor, params={"sex": "M"}))
    assert rows == []


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [(2026, "0-4"), (2022, "0-4"), (2021, "5-11"), (2009, "12-17"), (2008, "18-59"),
     (1966, "60+"), (None, "unknown"), (2030, "unknown")],
)  # fmt: skip
def test_age_bands(birth_year, band):
    assert age_band(birth_year, 2026) == band


def test_roles_without_the_export_permission_are_refused(world):
    with pytest.raises(Denied):
        hxl_table(actor=world.admin, params={})


def test_the_page_gives_the_hxl_file(world, login, orphanages):
    response = login(world.supervisor).post("/persons/export/hxl/")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    assert text.splitlines()[1] == ",".join(HASHTAGS)
    # libhxl finds the hashtag row itself, and reads the counts under their tags.
    data = text.encode("utf-8")  # as the file is saved, its byte order mark included
    source = hxl.data(io.BytesIO(data))
    assert [column.display_tag for column in source.columns] == HASHTAGS
    rows = [row.values for row in source]
    assert ["Invented Orphanage Ba", "SY", "reported", "F", "0-4", "5"] in rows
    assert all(int(row.get("#affected+num")) >= 5 for row in hxl.data(io.BytesIO(data)))
