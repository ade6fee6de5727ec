"""The persons area in the permission matrix: who gets which page, and exactly which persons."""

import uuid

from tests.matrix import LOGIN, Surface, expect

PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}

# Exactly the persons each persona's list holds (south_case never).
LIST_SETS = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "supervisor": {"case_a", "case_b", "protected_a"},
    "intake": {"case_a", "case_b"},
    "dpo": {"case_a", "case_b"},
}
# Personas who see only the minimal fields: sensitive columns read "withheld".
MINIMAL = {"intake", "dpo"}


def _listed(response) -> set:
    return {row["person"].public_id for row in response.context["rows"]}


def _ids(world, names) -> set:
    return {getattr(world, name).public_id for name in names}


def _exact_list(world, persona, response):
    assert _listed(response) == _ids(world, LIST_SETS[persona])
    html = response.content.decode()
    assert world.south_case.display_name not in html
    if persona in MINIMAL:
        assert all(not row["full"] for row in response.context["rows"])
        assert 'class="withheld"' in html


def _hidden_filter_changes_nothing(world, persona, response):
    # ?birthplace=Raqqa&ordering=birthplace: no one's birthplace is Raqqa, so the filter empties
    # the list of those who may see birthplaces, and is ignored for those who may not.
    if persona in MINIMAL:
        assert _listed(response) == _ids(world, LIST_SETS[persona])
        assert [r["person"].display_name for r in response.context["rows"]] == sorted(
            getattr(world, n).display_name for n in LIST_SETS[persona]
        )
    else:
        assert _listed(response) == set()


def _detail_fields(world, persona, response):
    html = response.content.decode()
    assert world.case_a.display_name in html
    if persona in MINIMAL:
        assert "withheld" in html
        assert response.context["level"] == 2  # MINIMAL
    else:
        assert response.context["sensitive"]


def _case_a(w):
    return f"/persons/{w.case_a.public_id}/"


# Pages that need the sensitive level on case_a: its team's caseworker and the supervisor.
_WORK_ON_CASE_A = expect(
    403,
    caseworker=200,
    supervisor=200,
    other_team_caseworker=404,
    **PAGES,
)

SURFACES = [
    Surface(
        name="person_list",
        path=lambda w: "/persons/",
        expect=expect(200, admin=403, **PAGES),
        check=_exact_list,
    ),
    Surface(
        name="person_list",
        path=lambda w: "/persons/?birthplace=Raqqa&ordering=birthplace",
        expect=expect(200, admin=403, **PAGES),
        check=_hidden_filter_changes_nothing,
    ),
    Surface(
        name="person_detail",
        path=_case_a,
        expect=expect(200, other_team_caseworker=404, admin=403, **PAGES),
        check=_detail_fields,
    ),
    # Another team's case answers like a random id: 404.
    Surface(
        name="person_detail",
        path=lambda w: f"/persons/{w.protected_a.public_id}/",
        expect=expect(404, supervisor=200, admin=403, **PAGES),
    ),
    Surface(
        name="person_detail",
        path=lambda w: f"/persons/{w.south_case.public_id}/",
        expect=expect(404, admin=403, **PAGES),
    ),
    Surface(
        name="person_detail",
        path=lambda w: f"/persons/{uuid.uuid4()}/",
        expect=expect(404, admin=403, **PAGES),
    ),
    Surface(
        name="person_new",
        path=lambda w: "/persons/new/",
        expect=expect(200, dpo=403, admin=403, **PAGES),
    ),
    Surface(name="person_edit", path=lambda w: f"{_case_a(w)}edit/", expect=_WORK_ON_CASE_A),
    Surface(name="person_status", path=lambda w: f"{_case_a(w)}status/", expect=_WORK_ON_CASE_A),
    Surface(
        name="person_assign",
        path=lambda w: f"{_case_a(w)}assign/",
        expect=expect(403, supervisor=200, **PAGES),
    ),
    Surface(
        name="person_placement_new",
        path=lambda w: f"{_case_a(w)}placements/new/",
        expect=_WORK_ON_CASE_A,
    ),
    Surface(
        name="person_relative_new",
        path=lambda w: f"{_case_a(w)}relatives/new/",
        expect=_WORK_ON_CASE_A,
    ),
    Surface(
        name="person_note_new", path=lambda w: f"{_case_a(w)}notes/new/", expect=_WORK_ON_CASE_A
    ),
    Surface(
        name="person_name_new", path=lambda w: f"{_case_a(w)}names/new/", expect=_WORK_ON_CASE_A
    ),
    # A write: adding a note to case_a (302 back to the record when it worked).
    Surface(
        name="person_note_new",
        method="POST",
        path=lambda w: f"{_case_a(w)}notes/new/",
        data=lambda w: {"text": "Called the family."},
        expect=expect(403, caseworker=302, supervisor=302, other_team_caseworker=404, **PAGES),
    ),
]
