"""The registry of places (issue 12): every staff member reads the places, each sees at a place
only the persons whose whereabouts they may see; supervisors and administrators keep the
registry and the organisation's queue of place names; legal proceedings are recorded and edited
at the restricted level only."""

import datetime as dt

from casework.models import (
    DetentionLocation,
    LegalProceeding,
    PlaceAlias,
    Placement,
    PlaceName,
    PopulationReport,
)
from casework.selectors import persons_now_at
from casework.services import places, proceedings
from casework.services.form_tokens import new_form_token
from tests.factories import LocationFactory
from tests.matrix import ALLOWED, DENIED, HIDDEN, PAGES, Call, Surface, expect, labels, sets
from tests.matrix.records import audited, fresh

A = ALLOWED
STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin")
KEEPERS = {"supervisor", "admin"}
# Pages every staff member reads; pages and posts for those who keep the registry.
READERS = expect(200, **PAGES)
KEEPER_PAGE = expect(403, supervisor=200, admin=200, **PAGES)
KEEPER_POST = expect(403, supervisor=302, admin=302, **PAGES)
# Who is known to be at the place now, as each persona may see their whereabouts.
HERE = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "supervisor": {"case_a", "case_b", "protected_a"},
}
NAMES = {"case_a": "Alieva Madina", "case_b": "Bekova Zaira", "protected_a": "Protected Aminat"}


def _place(w):
    """Matrix prison holds case_a, case_b and protected_a now; it has a population report, an
    alias, and north's queue a name waiting; south's queue one of its own."""
    if not hasattr(w, "matrix_place"):
        w.matrix_place = LocationFactory(
            name="Matrix prison", kind="prison", country="IQ", latitude="33.3", longitude="44.4"
        )
        for person in (w.case_a, w.case_b, w.protected_a):
            Placement.objects.create(
                person=person,
                location=w.matrix_place,
                start_date=dt.date(2024, 1, 1),
                source="visit",
                reliability="confirmed",
            )
        w.population = PopulationReport.objects.create(
            location=w.matrix_place, as_of=dt.date(2024, 1, 1), estimate=100, source="ICRC"
        )
        w.alias = PlaceAlias.objects.create(location=w.matrix_place, name="Матрикс", key="matriks")
        w.north_name = PlaceName.objects.create(
            organisation=w.north, name="Matrix town prison", key="matriks toun"
        )
        w.south_name = PlaceName.objects.create(
            organisation=w.south, name="Southern prison", key="suthirn"
        )
    return w.matrix_place


def _proceeding(w):
    if not hasattr(w, "proceeding_a"):
        w.proceeding_a = LegalProceeding.objects.create(
            person=w.case_a, country="IQ", charge="Matrix charge", status="trial"
        )
    return w.proceeding_a


def _at(w, suffix=""):
    return f"/places/{_place(w).public_id}/{suffix}"


def _shows_who_is_here(w, persona, response):
    table = response.content.decode().split('id="place-persons"')[1].split("</table>")[0]
    shown = {label for label, name in NAMES.items() if name in table}
    assert shown == HERE.get(persona, set()), shown


def _lists_the_place(w, persona, response):
    assert "Matrix prison" in response.content.decode()


def _north_queue(w, persona, response):
    body = response.content.decode()
    assert "Matrix town prison" in body and "Southern prison" not in body


def _place_data(name):
    def data(w):
        return {
            "name": name,
            "kind": "camp",
            "country": "SY",
            "latitude": "36.1",
            "longitude": "40.2",
            "form_token": new_form_token(),
        }

    return data


def _created(w, persona):
    place = DetentionLocation.objects.get(name="Matrix new camp")
    assert audited(w.personas()[persona], "create", object_id=place.public_id)


def _edited(w, persona):
    place = fresh(w.matrix_place)
    assert place.name == "Matrix prison renamed" and place.kind == "camp"
    assert audited(w.personas()[persona], "update", object_id=place.public_id)


def _population_data(w):
    return {"as_of": "2025-01-01", "low": "80", "high": "120", "source": "visit", **_token()}


def _token():
    return {"form_token": new_form_token()}


def _population_added(w, persona):
    report = PopulationReport.objects.get(location=w.matrix_place, source="visit")
    assert (report.low, report.high) == (80, 120)
    assert report.recorded_by == w.personas()[persona]


def _alias_added(w, persona):
    assert PlaceAlias.objects.filter(location=w.matrix_place, name="Тюрьма Матрица").exists()


def _name_mapped(w, persona):
    decided = fresh(w.north_name)
    assert decided.status == "mapped" and decided.location_id == w.matrix_place.pk


def _proceeding_data(w):
    return {"country": "IQ", "charge": "Matrix new charge", "status": "investigation", **_token()}


def _proceeding_recorded(w, persona):
    assert LegalProceeding.objects.filter(person=w.case_a, charge="Matrix new charge").exists()


def _proceeding_edited(w, persona):
    edited = fresh(w.proceeding_a)
    assert edited.status == "sentenced" and edited.sentence == "10 years"


def _proceeding_page(w, persona, response):
    assert "Matrix charge" in response.content.decode()


# Legal proceedings of case_a: the supervisor (restricted level) only. Team A's caseworker sees
# case_a but not at that level; who may not record proceedings at all is refused at the door;
# team B's caseworker does not see case_a.
PROCEEDING_NEW = expect(403, supervisor=200, other_team_caseworker=404, caseworker=403, **PAGES)
# The proceeding itself is restricted: to the caseworker of its person it does not exist.
PROCEEDING_EDIT = expect(403, supervisor=200, caseworker=404, other_team_caseworker=404, **PAGES)

SURFACES = [
    Surface(
        name="place_list",
        path=lambda w: (_place(w), "/places/")[1],
        expect=READERS,
        check=_lists_the_place,
    ),  # fmt: skip
    Surface(name="place_detail", path=_at, expect=READERS, check=_shows_who_is_here),
    Surface(name="place_new", path=lambda w: "/places/new/", expect=KEEPER_PAGE),
    Surface(
        name="place_new",
        method="POST",
        path=lambda w: "/places/new/",
        data=_place_data("Matrix new camp"),
        expect=KEEPER_POST,
        writes=KEEPERS,
        wrote=_created,
    ),
    Surface(name="place_edit", path=lambda w: _at(w, "edit/"), expect=KEEPER_PAGE),
    Surface(
        name="place_edit",
        method="POST",
        path=lambda w: _at(w, "edit/"),
        data=lambda w: {"name": "Matrix prison renamed", "kind": "camp", "country": "IQ"},
        expect=KEEPER_POST,
        writes=KEEPERS,
        wrote=_edited,
    ),
    Surface(
        name="place_population_new",
        path=lambda w: _at(w, "population/new/"),
        expect=KEEPER_PAGE,
    ),
    Surface(
        name="place_population_new",
        method="POST",
        path=lambda w: _at(w, "population/new/"),
        data=_population_data,
        expect=KEEPER_POST,
        writes=KEEPERS,
        wrote=_population_added,
    ),
    Surface(name="place_alias_new", path=lambda w: _at(w, "names/new/"), expect=KEEPER_PAGE),
    Surface(
        name="place_alias_new",
        method="POST",
        path=lambda w: _at(w, "names/new/"),
        data=lambda w: {"name": "Тюрьма Матрица"},
        expect=KEEPER_POST,
        writes=KEEPERS,
        wrote=_alias_added,
    ),
    Surface(
        name="place_name_queue",
        path=lambda w: (_place(w), "/places/names/")[1],
        expect=KEEPER_PAGE,
        check=_north_queue,
    ),
    Surface(
        name="place_name_decide",
        method="POST",
        path=lambda w: (_place(w), f"/places/names/{w.north_name.public_id}/")[1],
        data=lambda w: {"place": str(w.matrix_place.public_id)},
        expect=KEEPER_POST,
        writes=KEEPERS,
        wrote=_name_mapped,
    ),
    Surface(
        name="place_name_decide",
        label="another organisation's name",
        method="POST",
        path=lambda w: (_place(w), f"/places/names/{w.south_name.public_id}/")[1],
        data=lambda w: {"dismiss": "1"},
        expect=expect(403, supervisor=404, admin=404, **PAGES),
    ),
    Surface(
        name="person_proceeding_new",
        path=lambda w: f"/persons/{w.case_a.public_id}/proceedings/new/",
        expect=PROCEEDING_NEW,
    ),
    Surface(
        name="person_proceeding_new",
        method="POST",
        path=lambda w: f"/persons/{w.case_a.public_id}/proceedings/new/",
        data=_proceeding_data,
        expect={**PROCEEDING_NEW, "supervisor": 302},
        writes={"supervisor"},
        wrote=_proceeding_recorded,
    ),
    Surface(
        name="person_proceeding_edit",
        path=lambda w: (
            f"/persons/{w.case_a.public_id}/proceedings/{_proceeding(w).public_id}/edit/"
        ),
        expect=PROCEEDING_EDIT,
        check=_proceeding_page,
    ),
    Surface(
        name="person_proceeding_edit",
        method="POST",
        path=lambda w: (
            f"/persons/{w.case_a.public_id}/proceedings/{_proceeding(w).public_id}/edit/"
        ),
        data=lambda w: {
            "country": "IQ",
            "charge": "Matrix charge",
            "status": "sentenced",
            "sentence": "10 years",
        },
        expect={**PROCEEDING_EDIT, "supervisor": 302},
        writes={"supervisor"},
        wrote=_proceeding_edited,
    ),
]


# --- Services, the selector and the gates -----------------------------------------------------

KEEPERS_ONLY = expect(DENIED, supervisor=A, admin=A)
# On a name of north's queue: north's staff without the right are denied; to anyone else (other
# organisations, anonymous) it does not exist.
ON_NORTH_NAME = expect(HIDDEN, **{p: A if p in KEEPERS else DENIED for p in STAFF})
# A proceeding of case_a: the restricted level on case_a (only the supervisor).
ON_CASE_A_RESTRICTED = expect(
    HIDDEN, supervisor=A, caseworker=DENIED, intake=DENIED, dpo=DENIED, partner=DENIED
)


def _run_create(w, user):
    return places.place_create(actor=user, name="Matrix call camp", kind="camp", country="SY")


def _created_by_call(w, persona):
    place = DetentionLocation.objects.get(name="Matrix call camp")
    assert audited(w.personas()[persona], "create", object_id=place.public_id)


def _run_update(w, user):
    return places.place_update(actor=user, place=_place(w), city="Baghdad")


def _updated_by_call(w, persona):
    assert fresh(w.matrix_place).city == "Baghdad"


def _run_population(w, user):
    return places.place_population_add(
        actor=user, place=_place(w), as_of=dt.date(2025, 2, 1), source="UNHCR", estimate=150
    )


def _population_by_call(w, persona):
    assert fresh(w.matrix_place).reported_population == 150


def _run_alias(w, user):
    return places.place_alias_add(actor=user, place=_place(w), name="Matrix jail of the call")


def _alias_by_call(w, persona):
    assert PlaceAlias.objects.filter(name="Matrix jail of the call").exists()


def _run_map(w, user):
    _place(w)
    return places.place_name_map(actor=user, place_name=w.north_name, place=w.matrix_place)


def _run_dismiss(w, user):
    _place(w)
    return places.place_name_dismiss(actor=user, place_name=w.north_name)


def _dismissed(w, persona):
    assert fresh(w.north_name).status == "dismissed"


def _run_record(w, user):
    return proceedings.proceeding_record(
        actor=user, person=w.case_a, country="IQ", charge="Matrix call charge", status="trial"
    )


def _recorded_by_call(w, persona):
    assert LegalProceeding.objects.filter(charge="Matrix call charge").exists()


def _run_proceeding_update(w, user):
    return proceedings.proceeding_update(
        actor=user, proceeding=_proceeding(w), status="appeal", sentence="5 years"
    )


def _updated_proceeding(w, persona):
    assert fresh(w.proceeding_a).status == "appeal"


def _now_at(w, user):
    return labels(w, persons_now_at(user, _place(w)))


def _gated(model):
    def run(w, user):
        _place(w)
        return labels(w, model.objects.visible_to(user))

    return run


CALLS = [
    Call(
        name="service:place_create", run=_run_create, expect=KEEPERS_ONLY, wrote=_created_by_call
    ),  # fmt: skip
    Call(
        name="service:place_update", run=_run_update, expect=KEEPERS_ONLY, wrote=_updated_by_call
    ),  # fmt: skip
    Call(
        name="service:place_population_add",
        run=_run_population,
        expect=KEEPERS_ONLY,
        wrote=_population_by_call,
    ),
    Call(
        name="service:place_alias_add", run=_run_alias, expect=KEEPERS_ONLY, wrote=_alias_by_call
    ),  # fmt: skip
    Call(name="service:place_name_map", run=_run_map, expect=KEEPERS_ONLY, wrote=_name_mapped),
    Call(
        name="service:place_name_dismiss", run=_run_dismiss, expect=ON_NORTH_NAME, wrote=_dismissed
    ),  # fmt: skip
    Call(
        name="service:proceeding_record",
        run=_run_record,
        expect=ON_CASE_A_RESTRICTED,
        wrote=_recorded_by_call,
    ),
    Call(
        name="service:proceeding_update",
        run=_run_proceeding_update,
        expect=ON_CASE_A_RESTRICTED,
        wrote=_updated_proceeding,
    ),
    Call(name="selector:persons_now_at", setup=_place, run=_now_at, expect=sets(**HERE)),
    Call(
        name="gate:PopulationReport.visible_to",
        setup=_place,
        run=_gated(PopulationReport),
        expect=sets(**dict.fromkeys(STAFF, {"population"})),
    ),
    Call(
        name="gate:PlaceAlias.visible_to",
        setup=_place,
        run=_gated(PlaceAlias),
        expect=sets(**dict.fromkeys(STAFF, {"alias"})),
    ),
    Call(
        name="gate:PlaceName.visible_to",
        setup=_place,
        run=_gated(PlaceName),
        expect=sets(supervisor={"north_name"}, admin={"north_name"}),
    ),
]


# --- Persons filtered by their current place: the one FilterSet, UI and API alike ---------------

# Who records whereabouts filters by place (through the placements' gate); for anyone else the
# filter does not exist and the value is ignored like an unknown parameter (the whole list).
BY_PLACE = {
    **HERE,
    "intake": {"case_a", "case_b"},
    "dpo": {"case_a", "case_b"},
    "partner": {"case_a"},
}


def _ui_list_by_place(w, persona, response):
    from tests.matrix.surfaces_persons import _listed

    assert set(_listed(w, response)) == BY_PLACE.get(persona, set())


def _api_list_by_place(w, persona, response):
    from tests.matrix.surfaces_api import _person_list

    _person_list(BY_PLACE)(w, persona, response)


SURFACES += [
    Surface(
        name="person_list",
        label="?place=the matrix prison",
        path=lambda w: f"/persons/?place={_place(w).public_id}",
        expect=expect(200, admin=403, **PAGES),
        check=_ui_list_by_place,
    ),
    Surface(
        name="api-person-list",
        label="?place=the matrix prison",
        path=lambda w: f"/api/v1/persons/?place={_place(w).public_id}",
        expect=expect(200, anonymous=401),
        check=_api_list_by_place,
    ),
]
