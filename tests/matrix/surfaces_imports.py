"""The imports area: those who may import lists (caseworkers and supervisors) see exactly their
organisation's imports; another organisation's import is missing (404); a committed list's rows
link only the persons the viewer may see."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from casework.models import ListImport, Person
from casework.services.form_tokens import new_form_token
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import audited, fresh

IMPORTERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
DONE = dict.fromkeys(IMPORTERS, 302)
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


def _committed(w):
    """A list the supervisor imported: its two rows became persons of no team."""
    if not hasattr(w, "committed_import"):
        from casework.services.imports import list_import_commit

        w.committed_import = list_import_commit(
            actor=w.supervisor, list_import=_upload(w, w.supervisor, "c")
        )
    return w.committed_import


def _both(w):
    _north(w)
    _south(w)
    return "/imports/"


def _imports_are(expected):
    def check(world, persona, response):
        known = {v.pk: n for n, v in vars(world).items() if isinstance(v, ListImport)}
        assert {known.get(i.pk, i.source) for i in response.context["page"]} == expected

    return check


def _visible_rows(count):
    def check(world, persona, response):
        # The supervisor sees the persons the rows became; a caseworker none of them (no team).
        rows = list(response.context["page"])
        assert len(rows) == count and all(r.person_id for r in rows)
        expected = {r.person_id for r in rows} if persona == "supervisor" else set()
        assert response.context["visible"] == expected

    return check


def _new_file(w):
    return {
        "source": "Matrix upload",
        "as_of": "2026-02-01",
        "file": SimpleUploadedFile("list.csv", CSV + b"U2,Uploadova,Leila,2013-01-01\n"),
        "form_token": new_form_token(),
    }


def _uploaded(w, persona):
    user = w.personas()[persona]
    upload = ListImport.objects.get(source="Matrix upload")
    assert upload.organisation == w.north and upload.created_by == user
    assert upload.status == "previewed" and upload.row_count == 2
    assert audited(user, "import", object_id=upload.public_id)


def _mapped(w, persona):
    assert fresh(w.north_import).column_mapping["birth_date"] == ""
    assert audited(w.personas()[persona], "update", object_id=w.north_import.public_id)


def _committed_by(w, persona):
    user = w.personas()[persona]
    done = fresh(w.north_import)
    assert done.status == "committed"
    created = Person.objects.filter(pk__in=done.rows.values("person_id"))
    assert set(created.values_list("display_name", flat=True)) == {"Testova Amina", "Testova Zaira"}
    team = {"caseworker": w.team_a, "other_team_caseworker": w.team_b}.get(persona)
    assert {p.team_id for p in created} == {team.pk if team else None}
    assert audited(user, "import", object_id=done.public_id)


def _dry_run_counts(world, persona, response):
    assert response.context["counts"].get("created") == 2


SURFACES = [
    Surface(
        name="import_list",
        path=_both,
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_imports_are({"north_import"}),
    ),
    Surface(
        name="import_list",
        method="POST",
        path=_both,
        data=lambda w: {},
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_imports_are({"north_import"}),
    ),
    Surface(
        name="import_list",
        label="?source=south's list",
        path=lambda w: _both(w) + "?source=Matrix+list+s",
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_imports_are(set()),
    ),
    Surface(
        name="import_list",
        label="?status=previewed",
        path=lambda w: _both(w) + "?status=previewed",
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_imports_are({"north_import"}),
    ),
    Surface(
        name="import_upload",
        path=lambda w: "/imports/new/",
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_upload",
        method="POST",
        label="no file",
        path=lambda w: "/imports/new/",
        data=lambda w: {"source": "x"},  # no file: a form error, nothing written
        expect=expect(403, caseworker=400, other_team_caseworker=400, supervisor=400, **PAGES),
    ),
    Surface(
        name="import_upload",
        method="POST",
        path=lambda w: "/imports/new/",
        data=_new_file,
        expect=expect(403, **DONE, **PAGES),
        writes=set(IMPORTERS),
        wrote=_uploaded,
    ),
    Surface(
        name="import_detail",
        path=lambda w: f"/imports/{_north(w).public_id}/",
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_detail",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/",
        data=lambda w: {},
        expect=expect(403, **IMPORTERS, **PAGES),
    ),
    Surface(
        name="import_detail",
        label="other organisation",
        path=lambda w: f"/imports/{_south(w).public_id}/",
        expect=expect(403, caseworker=404, other_team_caseworker=404, supervisor=404, **PAGES),
    ),
    Surface(
        name="import_detail",
        label="committed",
        path=lambda w: f"/imports/{_committed(w).public_id}/",
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_visible_rows(2),
    ),
    Surface(
        name="import_detail",
        label="committed ?outcome=rejected",
        path=lambda w: f"/imports/{_committed(w).public_id}/?outcome=rejected",
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_visible_rows(0),
    ),
    Surface(
        name="import_mapping",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/mapping/",
        data=lambda w: {
            "col_0": "record_id",
            "col_1": "family_name",
            "col_2": "given_name",
            "col_3": "",
        },  # fmt: skip
        expect=expect(403, **DONE, **PAGES),
        writes=set(IMPORTERS),
        wrote=_mapped,
    ),
    Surface(
        name="import_mapping",
        method="POST",
        label="other organisation",
        path=lambda w: f"/imports/{_south(w).public_id}/mapping/",
        data=lambda w: {"col_0": "record_id"},
        expect=expect(403, **dict.fromkeys(IMPORTERS, 404), **PAGES),
    ),
    Surface(
        name="import_dry_run",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/dry-run/",
        data=lambda w: {},
        expect=expect(403, **IMPORTERS, **PAGES),
        check=_dry_run_counts,
    ),
    Surface(
        name="import_dry_run",
        method="POST",
        label="other organisation",
        path=lambda w: f"/imports/{_south(w).public_id}/dry-run/",
        data=lambda w: {},
        expect=expect(403, **dict.fromkeys(IMPORTERS, 404), **PAGES),
    ),
    Surface(
        name="import_commit",
        method="POST",
        path=lambda w: f"/imports/{_north(w).public_id}/commit/",
        data=lambda w: {},
        expect=expect(403, **DONE, **PAGES),
        writes=set(IMPORTERS),
        wrote=_committed_by,
    ),
    Surface(
        name="import_commit",
        method="POST",
        label="other organisation",
        path=lambda w: f"/imports/{_south(w).public_id}/commit/",
        data=lambda w: {},
        expect=expect(403, caseworker=404, other_team_caseworker=404, supervisor=404, **PAGES),
    ),
]
