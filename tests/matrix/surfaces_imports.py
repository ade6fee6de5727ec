"""The imports area in the permission matrix: those who may import lists (caseworkers and
supervisors) see their organisation's imports; another organisation's import is missing (404)."""

import datetime as dt

from tests.matrix import LOGIN, Surface, expect

IMPORTERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}
CSV = b"record_id,family_name,given_name,birth_date\nX1,Testova,Amina,2014-05-02\n"


def _upload(w, org_user, tag="n"):
    from casework.services.imports import list_import_upload

    return list_import_upload(
        actor=org_user,
        source=f"Matrix list {tag}",
        as_of=dt.date(2026, 1, 1),
        filename="list.csv",
        data=CSV + tag.encode() + b"2,Testova,Zaira,2012\n",
    )


def _north(w):
    if not hasattr(w, "north_import"):
        w.north_import = _upload(w, w.supervisor, "n")
    return w.north_import


def _south(w):
    if not hasattr(w, "south_import"):
        w.south_import = _upload(w, w.south_supervisor, "s")
    return w.south_import


def _lists_only_north(world, persona, response):
    ids = {i.public_id for i in response.context["page"]}
    assert world.south_import.public_id not in ids
    assert world.north_import.public_id in ids


def _both(w):
    _north(w)
    _south(w)
    return "/imports/"


SURFACES = [
    Surface(
        name="import_list",
        path=_both,
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_lists_only_north,
    ),
    Surface(
        name="import_upload",
        path=lambda w: "/imports/new/",
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_upload",
        method="POST",
        path=lambda w: "/imports/new/",
        data=lambda w: {"source": "x"},  # no file: a form error, nothing written
        expect=expect(403, caseworker=400, other_team_caseworker=400, supervisor=400, **PAGES),
    ),
    Surface(
        name="import_detail",
        path=lambda w: f"/imports/{_north(w).public_id}/",
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_detail",
        path=lambda w: f"/imports/{_south(w).public_id}/",
        expect=expect(403, caseworker=404, other_team_caseworker=404, supervisor=404, **PAGES),
    ),
    Surface(
        name="import_mapping",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/mapping/",
        data=lambda w: {
            "col_0": "record_id",
            "col_1": "family_name",
            "col_2": "given_name",
            "col_3": "birth_date",
        },
        expect=expect(403, caseworker=302, other_team_caseworker=302, supervisor=302, **PAGES),
    ),  # fmt: skip
    Surface(
        name="import_dry_run",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/dry-run/",
        data=lambda w: {},
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_commit",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/commit/",
        data=lambda w: {},
        expect=expect(403, caseworker=302, other_team_caseworker=302, supervisor=302, **PAGES),
    ),
    Surface(
        name="import_commit",
        method="POST",
        path=lambda w: f"/imports/{_south(w).public_id}/commit/",
        data=lambda w: {},
        expect=expect(403, caseworker=404, other_team_caseworker=404, supervisor=404, **PAGES),
    ),
]
