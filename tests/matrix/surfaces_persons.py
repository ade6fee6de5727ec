"""The persons area: who gets which page, exactly which persons a list, search, filter or ordering
shows, which canaries a record shows, and what each action writes."""

import uuid

from casework.models import CaseNote, Person, PersonName, Placement, Relationship
from casework.presenters import WITHHELD
from casework.services.form_tokens import new_form_token
from tests.factories import PersonFactory
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import audited, canaries, canary, fresh

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
VIEWERS = expect(200, admin=403, **PAGES)
# How deep each persona looks into case_a (those not named get 404 or 403).
CASE_A_LEVEL = {"caseworker": "sensitive", "supervisor": "restricted", "intake": "minimal",
                "dpo": "minimal"}  # fmt: skip
SENSITIVE_CANARIES = ("Birthplace", "Region", "Note", "Place")
RESTRICTED_CANARIES = ("Security", "SecurityNote", "Charge")


def _names(world, public_ids) -> list[str]:
    known = {
        getattr(world, n).public_id: n for n, v in vars(world).items() if isinstance(v, Person)
    }
    return [known.get(pid, str(pid)) for pid in public_ids]


def _listed(world, response) -> list[str]:
    return _names(world, [row["person"].public_id for row in response.context["rows"]])


def _list_is(sets, *, ordered=None):
    """The list holds exactly `sets[persona]` (in the order `ordered[persona]` when given)."""

    def check(world, persona, response):
        listed = _listed(world, response)
        assert set(listed) == set(sets.get(persona, ())), listed
        if ordered is not None:
            assert listed == ordered[persona], listed
        html = response.content.decode()
        assert world.south_case.display_name not in html
        if persona in MINIMAL:
            assert all(
                row["fields"]["region_of_origin"] is WITHHELD for row in response.context["rows"]
            )

    return check


def _exact_list(world, persona, response):
    _list_is(LIST_SETS)(world, persona, response)
    if persona in MINIMAL:
        assert 'class="withheld"' in response.content.decode()


def _hidden_filter_changes_nothing(world, persona, response):
    # ?birthplace=Raqqa&ordering=birthplace: no one's birthplace is Raqqa, so the filter empties
    # the list of those who may see birthplaces, and is ignored for those who may not.
    if persona in MINIMAL:
        assert set(_listed(world, response)) == LIST_SETS[persona]
        assert _listed(world, response) == ["case_a", "case_b"]  # by name, not by birthplace
    else:
        assert _listed(world, response) == []


def _record_shows(person_name, levels, suffix):
    """The record page shows each canary exactly at its level, and the relative by name only to
    whoever may see them."""

    def check(world, persona, response):
        html = response.content.decode()
        level = levels[persona]
        assert getattr(world, person_name).display_name in html
        for kind in SENSITIVE_CANARIES:
            assert (canary(kind, suffix) in html) is (level != "minimal"), kind
        for kind in RESTRICTED_CANARIES:
            assert (canary(kind, suffix) in html) is (level == "restricted"), kind
        if level == "minimal":
            assert 'class="withheld"' in html
            assert response.context["level"] == 2
        if person_name == "case_a":
            # case_b is recorded as case_a's mother: named to the supervisor only.
            assert (world.case_b.display_name in html) is (persona == "supervisor")
            assert ("a relative (withheld)" in html) is (persona == "caseworker")

    return check


def _case_a(w):
    return f"/persons/{w.case_a.public_id}/"


def _canaries_then(path):
    def build(w):
        canaries(w)
        return path(w)

    return build


# Pages that need the sensitive level on case_a: its team's caseworker and the supervisor.
_WORK_ON_CASE_A = expect(403, caseworker=200, supervisor=200, other_team_caseworker=404, **PAGES)
_DONE_ON_CASE_A = expect(403, caseworker=302, supervisor=302, other_team_caseworker=404, **PAGES)
CASE_A_WORKERS = {"caseworker", "supervisor"}


def _field_choices(field):
    def labels(world, response):
        form = response.context["form"]
        return {choice for choice, _label in form.fields[field].choices if choice}

    return labels


def _fields_of_form(expected_restricted):
    def check(world, persona, response):
        fields = set(response.context["form"].fields)
        for name in expected_restricted:
            assert (name in fields) is (persona == "supervisor"), name

    return check


def _status_choices(world, persona, response):
    choices = _field_choices("to")(world, response)
    assert "verifying" in choices
    # A move that commits resources is the supervisor's.
    assert ("deceased" in choices) is (persona == "supervisor"), choices


def _relative_choices(world, persona, response):
    queryset = response.context["form"].fields["relative"].queryset
    expected = {"caseworker": {"sibling_a"}, "supervisor": {"sibling_a", "case_b", "protected_a"}}
    assert set(_names(world, [p.public_id for p in queryset])) == expected[persona]


def _sibling(w):
    if not hasattr(w, "sibling_a"):
        w.sibling_a = PersonFactory(
            organisation=w.north, team=w.team_a, display_name="Alieva Zarema"
        )
    return w.sibling_a


def _edit_data(name):
    def data(w):
        person = getattr(w, name)
        return {
            "version": str(fresh(person).version),
            "sex": "F",
            "birth_precision": "unknown",
            "documents_held": "unknown",
            "birthplace": "Edited-Birthplace",
            "sensitivity": person.sensitivity,
            "security_notes": "Edited-Security",
        }

    return data


def _edited(name):
    def wrote(w, persona):
        user = w.personas()[persona]
        before, after = getattr(w, name), fresh(getattr(w, name))
        assert after.birthplace == "Edited-Birthplace"
        assert after.version == before.version + 1
        # Security notes are restricted: a caseworker's form has no such field.
        expected = "Edited-Security" if persona == "supervisor" else before.security_notes
        assert after.security_notes == expected
        assert audited(user, "update", person_id=before.public_id)

    return wrote


def _status_to(status):
    def data(w):
        return {"to": status, "reason": "A letter from the camp arrived.",
                "version": str(fresh(w.case_a).version)}  # fmt: skip

    return data


def _status_is(status):
    def wrote(w, persona):
        assert fresh(w.case_a).status == status
        assert audited(w.personas()[persona], "status_change", person_id=w.case_a.public_id)

    return wrote


def _new_person_data(w):
    return {
        "names-TOTAL_FORMS": "1",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "12",
        "names-0-family_name": "Newova",
        "names-0-given_name": "Khadija",
        "names-0-kind": "legal",
        "sex": "F",
        "birth_precision": "unknown",
        "documents_held": "unknown",
        "confirm_new": "on",
        "form_token": new_form_token(),
    }


def _keyed(w):
    """The world's persons with their name keys (the duplicate check searches by them)."""
    from casework.services.names import refresh_name_keys

    for name in ("case_a", "case_b", "protected_a", "south_case"):
        refresh_name_keys(getattr(w, name))
    return w


def _like(display_name):
    def data(w):
        family, _, given = display_name.partition(" ")
        body = _new_person_data(w)
        body.update({"names-0-family_name": family, "names-0-given_name": given})
        body.pop("confirm_new")
        return body

    return data


def _candidates_are(expected):
    """The duplicate check names exactly `expected[persona]` ({name: whether the persona may
    open the record}), and records nothing yet."""

    def check(world, persona, response):
        candidates = response.context["candidates"]
        got = {_names(world, [c.person.public_id])[0]: c.visible for c in candidates}
        assert got == expected.get(persona, {}), got

    return check


def _another_record(display_name):
    def wrote(w, persona):
        made = Person.objects.filter(display_name=display_name).exclude(
            pk__in=[w.protected_a.pk, w.south_case.pk]
        )
        assert made.get().organisation_id == w.north.pk

    return wrote


def _person_created(w, persona):
    user = w.personas()[persona]
    person = Person.objects.get(display_name="Newova Khadija")
    assert person.organisation_id == w.north.pk
    team = {"caseworker": w.team_a, "other_team_caseworker": w.team_b}.get(persona)
    assert person.team_id == (team.pk if team else None)
    assert PersonName.objects.filter(person=person, family_name="Newova").exists()
    assert audited(user, "create", person_id=person.public_id)


def _note_added(w, persona):
    note = CaseNote.objects.get(person=w.case_a, text="Called the family.")
    assert note.author == w.personas()[persona]
    # Only the restricted level writes a security note; a caseworker's form has no such field.
    assert note.is_security_note is (persona == "supervisor")


def _placement_recorded(w, persona):
    placement = Placement.objects.get(person=w.case_a, place_text="Matrix camp, tent 4")
    assert placement.recorded_by == w.personas()[persona]
    assert audited(w.personas()[persona], "create", object_id=placement.public_id)


def _related(relative, kind):
    def wrote(w, persona):
        assert Relationship.objects.filter(
            from_person=getattr(w, relative), to_person=w.case_a, kind=kind
        ).exists()
        assert audited(w.personas()[persona], "create", person_id=w.case_a.public_id)

    return wrote


def _name_added(w, persona):
    assert PersonName.objects.filter(person=w.case_a, full_text="Umm Khalid", kind="alias").exists()
    assert audited(w.personas()[persona], "create", person_id=w.case_a.public_id)


def _assignable(w, persona, response):
    # Only north's teams and north's caseworkers and supervisors: no other tenant, no partner.
    form = response.context["form"]
    assert {t.name for t in form.fields["team"].queryset} == {"A", "B"}
    users = {u.username for u in form.fields["assigned_to"].queryset}
    assert users == {"caseworker", "other_team_caseworker", "supervisor"}


def _assigned(w, persona):
    person = fresh(w.case_a)
    assert person.team_id == w.team_b.pk and person.assigned_to_id is None


def _bulk_chosen(world, persona, response):
    # Only a person the user may see is shown as chosen: another team's id is left out.
    chosen = {view.person.public_id for view in response.context["chosen"]}
    expected = set() if persona == "other_team_caseworker" else {world.case_a.public_id}
    assert chosen == expected


def _bulk_data(change, **fields):
    def data(w):
        values = {name: value(w) for name, value in fields.items()}
        return {"person": [str(w.case_a.public_id)], "change": change,
                "reason": "The ICRC list arrived.", **values}  # fmt: skip

    return data


def _bulk_assigned(w, persona):
    person = fresh(w.case_a)
    assert person.assigned_to_id == w.caseworker.pk and person.team_id == w.team_a.pk
    assert audited(w.supervisor, "update", object_id=w.case_a.public_id)


def _share_choices(w, persona, response):
    # Only the organisation's own agreements in force, each saying whether the case is shared.
    field = response.context["form"].fields["agreement"]
    assert list(field.queryset) == [w.agreement]
    assert "(shared)" in response.content.decode()


def _unshared(w, persona):
    from casework.models import SharedCase

    assert not SharedCase.objects.filter(person=w.case_a, agreement=w.agreement).exists()
    supervisor = w.personas()["supervisor"]
    assert audited(supervisor, "update", object_id=w.case_a.public_id, fields=["shares"])


SURFACES = [
    # --- The list, its search, filters and orderings ---
    Surface(name="person_list", path=lambda w: "/persons/", expect=VIEWERS, check=_exact_list),
    Surface(
        name="person_list",
        method="POST",
        path=lambda w: "/persons/",
        data=lambda w: {},
        expect=VIEWERS,
        check=_exact_list,
    ),
    Surface(
        name="person_list",
        label="?q=team B's name",
        path=lambda w: "/persons/?q=Bekova",
        expect=VIEWERS,
        check=_list_is(
            {
                "other_team_caseworker": {"case_b"},
                "intake": {"case_b"},
                "supervisor": {"case_b"},
                "dpo": {"case_b"},
            }  # fmt: skip
        ),
    ),
    Surface(
        name="person_list",
        label="?q=the protected name",
        path=lambda w: "/persons/?q=Protected",
        expect=VIEWERS,
        check=_list_is({"supervisor": {"protected_a"}}),
    ),
    Surface(
        name="person_list",
        label="?q=south's name",
        path=lambda w: "/persons/?q=Southova",
        expect=VIEWERS,
        check=_list_is({}),
    ),
    Surface(
        name="person_list",
        label="?assigned=me",
        path=lambda w: "/persons/?assigned=me",
        expect=VIEWERS,
        # Only the supervisor has a case assigned (protected_a): everyone else's list is empty.
        check=_list_is({"supervisor": {"protected_a"}}),
    ),
    Surface(
        name="person_list",
        label="?team=B",
        path=lambda w: f"/persons/?team={w.team_b.public_id}",
        expect=VIEWERS,
        check=_list_is(
            {
                "other_team_caseworker": {"case_b"},
                "intake": {"case_b"},
                "supervisor": {"case_b"},
                "dpo": {"case_b"},
            }  # fmt: skip
        ),
    ),
    Surface(
        name="person_list",
        label="?birthplace=hidden filter",
        path=lambda w: "/persons/?birthplace=Raqqa&ordering=birthplace",
        expect=VIEWERS,
        check=_hidden_filter_changes_nothing,
    ),
    Surface(
        name="person_list",
        label="?region=sensitive filter",
        path=_canaries_then(lambda w: "/persons/?region=Canary-Region"),
        # Those who see regions get the matches; intake and the DPO the list unfiltered.
        expect=VIEWERS,
        check=_list_is(LIST_SETS),
    ),
    Surface(
        name="person_list",
        label="?region=one region",
        path=_canaries_then(lambda w: "/persons/?region=Canary-Region-B"),
        expect=VIEWERS,
        check=_list_is(
            {
                **LIST_SETS,
                "caseworker": set(),
                "other_team_caseworker": {"case_b"},
                "supervisor": {"case_b"},
            }
        ),  # fmt: skip
    ),
    Surface(
        name="person_list",
        label="?ordering=-name",
        path=lambda w: "/persons/?ordering=-name",
        expect=VIEWERS,
        check=_list_is(
            LIST_SETS,
            ordered={
                "caseworker": ["case_a"],
                "other_team_caseworker": ["case_b"],
                "supervisor": ["protected_a", "case_b", "case_a"],
                "intake": ["case_b", "case_a"],
                "dpo": ["case_b", "case_a"],
            },
        ),
    ),
    # --- One person's record ---
    Surface(
        name="person_detail",
        path=_canaries_then(_case_a),
        expect=expect(404, admin=403, **dict.fromkeys(CASE_A_LEVEL, 200), **PAGES),
        check=_record_shows("case_a", CASE_A_LEVEL, "A"),
    ),
    Surface(
        name="person_detail",
        method="POST",
        path=_canaries_then(_case_a),
        data=lambda w: {},
        expect=expect(404, admin=403, **dict.fromkeys(CASE_A_LEVEL, 200), **PAGES),
        check=_record_shows("case_a", CASE_A_LEVEL, "A"),
    ),
    # A protected person is the supervisor's (assigned); to anyone else it is missing.
    Surface(
        name="person_detail",
        label="protected",
        path=_canaries_then(lambda w: f"/persons/{w.protected_a.public_id}/"),
        expect=expect(404, supervisor=200, admin=403, **PAGES),
        check=_record_shows("protected_a", {"supervisor": "restricted"}, "P"),
    ),
    Surface(
        name="person_detail",
        label="other organisation",
        path=_canaries_then(lambda w: f"/persons/{w.south_case.public_id}/"),
        expect=expect(404, admin=403, **PAGES),
    ),
    Surface(
        name="person_detail",
        label="missing",
        path=lambda w: f"/persons/{uuid.uuid4()}/",
        expect=expect(404, admin=403, **PAGES),
    ),
    # --- Creating a person ---
    Surface(
        name="person_new",
        path=lambda w: "/persons/new/",
        expect=expect(200, dpo=403, admin=403, **PAGES),
    ),
    Surface(
        name="person_new",
        method="POST",
        path=lambda w: "/persons/new/",
        data=_new_person_data,
        expect=expect(302, dpo=403, admin=403, **PAGES),
        writes={"caseworker", "other_team_caseworker", "intake", "supervisor"},
        wrote=_person_created,
    ),
    # Another team's case is shown to intake and caseworkers as already known (not to open);
    # a protected person to no one but the supervisor; another organisation's to no one.
    Surface(
        name="person_new",
        method="POST",
        label="duplicate check: team B's case",
        setup=_keyed,
        path=lambda w: "/persons/new/",
        data=_like("Bekova Zaira"),
        expect=expect(200, dpo=403, admin=403, **PAGES),
        check=_candidates_are(
            {
                "caseworker": {"case_b": False},
                "intake": {"case_b": True},
                "other_team_caseworker": {"case_b": True},
                "supervisor": {"case_b": True},
            }
        ),  # fmt: skip
    ),
    Surface(
        name="person_new",
        method="POST",
        label="duplicate check: the protected person",
        setup=_keyed,
        path=lambda w: "/persons/new/",
        data=_like("Protected Aminat"),
        # With no candidate to show, the new record is simply made.
        expect=expect(302, supervisor=200, dpo=403, admin=403, **PAGES),
        check=_candidates_are({"supervisor": {"protected_a": True}}),
        writes={"caseworker", "other_team_caseworker", "intake"},
        wrote=_another_record("Protected Aminat"),
    ),
    Surface(
        name="person_new",
        method="POST",
        label="duplicate check: south's person",
        setup=_keyed,
        path=lambda w: "/persons/new/",
        data=_like("Southova Kheda"),
        expect=expect(302, dpo=403, admin=403, **PAGES),
        writes={"caseworker", "other_team_caseworker", "intake", "supervisor"},
        wrote=_another_record("Southova Kheda"),
    ),
    # --- Editing ---
    Surface(
        name="person_edit",
        path=lambda w: f"{_case_a(w)}edit/",
        expect=_WORK_ON_CASE_A,
        check=_fields_of_form(("security_notes", "sensitivity")),
    ),
    Surface(
        name="person_edit",
        method="POST",
        path=lambda w: f"{_case_a(w)}edit/",
        data=_edit_data("case_a"),
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_edited("case_a"),
    ),
    Surface(
        name="person_edit",
        method="POST",
        label="protected",
        path=lambda w: f"/persons/{w.protected_a.public_id}/edit/",
        data=_edit_data("protected_a"),
        expect=expect(403, caseworker=404, other_team_caseworker=404, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_edited("protected_a"),
    ),
    # --- Status ---
    Surface(
        name="person_status",
        path=lambda w: f"{_case_a(w)}status/",
        expect=_WORK_ON_CASE_A,
        check=_status_choices,
    ),
    Surface(
        name="person_status",
        method="POST",
        path=lambda w: f"{_case_a(w)}status/",
        data=_status_to("verifying"),
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_status_is("verifying"),
    ),
    Surface(
        name="person_status",
        method="POST",
        label="a move the supervisor makes",
        path=lambda w: f"{_case_a(w)}status/",
        data=_status_to("deceased"),
        # The caseworker's form does not offer the move: the form comes back (400).
        expect=expect(403, caseworker=400, supervisor=302, other_team_caseworker=404, **PAGES),
        writes={"supervisor"},
        wrote=_status_is("deceased"),
    ),
    # --- Several persons at once ---
    Surface(
        name="person_bulk",
        path=lambda w: f"/persons/bulk/?person={w.case_a.public_id}",
        expect=expect(403, caseworker=200, supervisor=200, other_team_caseworker=200, **PAGES),
        check=_bulk_chosen,
    ),
    Surface(
        name="person_bulk",
        method="POST",
        label="status",
        path=lambda w: "/persons/bulk/",
        data=_bulk_data("status", to=lambda w: "verifying"),
        # Another team's person is not found among those the form may choose: 400, not a write.
        expect=expect(403, caseworker=302, supervisor=302, other_team_caseworker=400, **PAGES),
        writes=CASE_A_WORKERS,
        wrote=_status_is("verifying"),
    ),
    Surface(
        name="person_bulk",
        method="POST",
        label="assign",
        path=lambda w: "/persons/bulk/",
        data=_bulk_data("assign", assigned_to=lambda w: w.caseworker.username),
        # A caseworker's form offers no assigning: the form comes back (400).
        expect=expect(403, caseworker=400, supervisor=302, other_team_caseworker=400, **PAGES),
        writes={"supervisor"},
        wrote=_bulk_assigned,
    ),
    # --- Assigning ---
    Surface(
        name="person_assign",
        path=lambda w: f"{_case_a(w)}assign/",
        expect=expect(403, supervisor=200, **PAGES),
        check=_assignable,
    ),
    Surface(
        name="person_assign",
        method="POST",
        path=lambda w: f"{_case_a(w)}assign/",
        data=lambda w: {
            "team": str(w.team_b.public_id),
            "assigned_to": "",
            "reason": "Team B takes the family.",
        },  # fmt: skip
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_assigned,
    ),
    # --- Sharing with a partner (supervisors, through the sharing service) ---
    Surface(
        name="person_share",
        path=lambda w: f"{_case_a(w)}share/",
        expect=expect(403, supervisor=200, **PAGES),
        check=_share_choices,
    ),
    Surface(
        name="person_share",
        method="POST",
        path=lambda w: f"{_case_a(w)}share/",
        data=lambda w: {
            "agreement": str(w.agreement.public_id),
            "share": "0",
            "reason": "The family withdrew their consent.",
            "form_token": new_form_token(),
        },  # fmt: skip
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_unshared,
    ),
    # --- Placements, relatives, notes, names ---
    Surface(
        name="person_placement_new",
        path=lambda w: f"{_case_a(w)}placements/new/",
        expect=_WORK_ON_CASE_A,
    ),
    Surface(
        name="person_placement_new",
        method="POST",
        path=lambda w: f"{_case_a(w)}placements/new/",
        data=lambda w: {
            "place_text": "Matrix camp, tent 4",
            "start_date": "2025-01-01",
            "start_precision": "exact",
            "source": "letter",
            "reliability": "probable",
            "form_token": new_form_token(),
        },  # fmt: skip
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_placement_recorded,
    ),
    Surface(
        name="person_relative_new",
        path=lambda w: (_sibling(w), f"{_case_a(w)}relatives/new/")[1],
        expect=_WORK_ON_CASE_A,
        check=_relative_choices,
    ),
    Surface(
        name="person_relative_new",
        method="POST",
        path=lambda w: (_sibling(w), f"{_case_a(w)}relatives/new/")[1],
        data=lambda w: {
            "kind": "sibling",
            "relative": str(w.sibling_a.public_id),
            "confidence": "probable",
            "source": "the mother",
            "form_token": new_form_token(),
        },  # fmt: skip
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_related("sibling_a", "sibling"),
    ),
    # A relative the caseworker may not see is no valid choice: the form comes back.
    Surface(
        name="person_relative_new",
        method="POST",
        label="relative of another team",
        path=lambda w: f"{_case_a(w)}relatives/new/",
        data=lambda w: {
            "kind": "mother",
            "relative": str(w.case_b.public_id),
            "confidence": "probable",
            "form_token": new_form_token(),
        },  # fmt: skip
        expect=expect(403, caseworker=400, supervisor=302, other_team_caseworker=404, **PAGES),
        writes={"supervisor"},
        wrote=_related("case_b", "mother"),
    ),
    Surface(
        name="person_note_new",
        path=lambda w: f"{_case_a(w)}notes/new/",
        expect=_WORK_ON_CASE_A,
        check=_fields_of_form(("is_security_note",)),
    ),
    Surface(
        name="person_note_new",
        method="POST",
        path=lambda w: f"{_case_a(w)}notes/new/",
        data=lambda w: {
            "text": "Called the family.",
            "is_security_note": "on",
            "form_token": new_form_token(),
        },
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_note_added,
    ),
    Surface(
        name="person_name_new",
        path=lambda w: f"{_case_a(w)}names/new/",
        expect=_WORK_ON_CASE_A,
    ),
    Surface(
        name="person_name_new",
        method="POST",
        path=lambda w: f"{_case_a(w)}names/new/",
        data=lambda w: {"full_text": "Umm Khalid", "kind": "alias", "form_token": new_form_token()},
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_name_added,
    ),
]
