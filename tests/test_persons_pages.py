"""The persons pages: list, detail, create, edit, and the actions on one person."""

import datetime as dt

import pytest

from casework.models import AuditEvent, CaseNote, NameKey, Person, Placement, Relationship
from casework.services.form_tokens import new_form_token
from casework.services.names import person_add_name, refresh_name_keys
from casework.services.notes import note_add
from casework.services.persons import NameInput, person_create
from casework.services.relationships import relationship_link
from tests.factories import PersonFactory


def _names(n=3, **first):
    data = {"names-TOTAL_FORMS": str(n), "names-INITIAL_FORMS": "0"}
    for i in range(n):
        data[f"names-{i}-kind"] = "legal"
    data.update({f"names-0-{k}": v for k, v in first.items()})
    return data


def _new(**extra):
    data = _names(family_name="Zaurova", given_name="Leyla")
    data.update({"sex": "F", "birth_precision": "unknown", "documents_held": "unknown"})
    data["form_token"] = new_form_token()
    data.update(extra)
    return data


def _listed(response):
    return {row["person"].public_id for row in response.context["rows"]}


# --- List ---------------------------------------------------------------------------------------


def test_it_lists_exactly_the_caseworkers_cases(world, login):
    response = login(world.caseworker).get("/persons/")
    assert _listed(response) == {world.case_a.public_id}


def test_name_search_finds_a_name_in_another_script(world, login):
    person = person_create(
        actor=world.caseworker,
        names=[NameInput(family_name="Тагирова", given_name="Мадина")],
    )
    response = login(world.caseworker).get("/persons/", {"q": "Tagirova"})
    assert _listed(response) == {person.public_id}


def test_the_name_search_comes_before_the_results_and_keeps_the_filters(world, login):
    html = login(world.caseworker).get("/persons/", {"q": "Alieva", "status": "reported"})
    body = html.content.decode()
    # Outside the filter panel (which a phone shows after the results), right above the results.
    filters_end = body.index("</form>", body.index('id="person-filters"'))
    assert filters_end < body.index('role="search"') < body.index('id="person-list"')
    # One form: the search field belongs to the filters' form, so each keeps the other.
    assert 'name="q" id="id_q" value="Alieva" class="form-control" form="person-filters"' in body
    assert body.count('name="q"') == 1


def test_name_search_searches_aliases_too(world, login):
    person_add_name(actor=world.caseworker, person=world.case_a, full_text="Umm Yusuf")
    response = login(world.caseworker).get("/persons/", {"q": "Umm Yusuf"})
    assert _listed(response) == {world.case_a.public_id}


def test_name_search_never_reaches_beyond_the_visible_set(world, login):
    response = login(world.caseworker).get("/persons/", {"q": "Bekova"})
    assert _listed(response) == set()
    response = login(world.caseworker).get("/persons/", {"q": "Protected"})
    assert _listed(response) == set()


def test_filters_by_status_and_birth_year(world, login):
    Person.objects.filter(pk=world.case_b.pk).update(
        status="verifying", birth_earliest=dt.date(2015, 1, 1), birth_latest=dt.date(2015, 12, 31)
    )
    client = login(world.supervisor)
    assert _listed(client.get("/persons/", {"status": "verifying"})) == {world.case_b.public_id}
    assert _listed(client.get("/persons/", {"born_from": 2014, "born_to": 2016})) == {
        world.case_b.public_id
    }
    assert _listed(client.get("/persons/", {"born_from": 2016})) == set()


def test_intake_cannot_filter_or_order_on_a_sensitive_field(world, login):
    Person.objects.filter(pk=world.case_b.pk).update(region_of_origin="Dagestan")
    client = login(world.intake)
    plain = client.get("/persons/")
    for query in ({"region": "Dagestan"}, {"ordering": "-region"}, {"birthplace": "Raqqa"}):
        response = client.get("/persons/", query)
        assert response.status_code == 200
        assert [r["person"].pk for r in response.context["rows"]] == [
            r["person"].pk for r in plain.context["rows"]
        ]
    assert "region" not in plain.context["filterset"].form.fields


def test_the_supervisor_may_filter_on_region(world, login):
    Person.objects.filter(pk=world.case_b.pk).update(region_of_origin="Dagestan")
    response = login(world.supervisor).get("/persons/", {"region": "dages"})
    assert _listed(response) == {world.case_b.public_id}


def test_list_is_paginated(world, login):
    for i in range(55):
        PersonFactory(organisation=world.north, team=world.team_a, display_name=f"Pagova {i:02d}")
    client = login(world.caseworker)
    first = client.get("/persons/")
    assert len(first.context["rows"]) == 50
    assert len(client.get("/persons/", {"page": 2}).context["rows"]) == 6


# --- Detail ----------------------------------------------------------------------------------


def test_intake_sees_withheld_never_blank(world, login):
    Person.objects.filter(pk=world.case_a.pk).update(birthplace="Raqqa")
    response = login(world.intake).get(f"/persons/{world.case_a.public_id}/")
    html = response.content.decode()
    assert "Raqqa" not in html
    assert html.count('class="withheld"') >= 8
    assert "placements" not in response.context


def test_reading_a_sensitive_record_is_audited(world, login):
    login(world.caseworker).get(f"/persons/{world.case_a.public_id}/")
    login(world.supervisor).get(f"/persons/{world.case_a.public_id}/")
    login(world.intake).get(f"/persons/{world.case_a.public_id}/")
    reads = AuditEvent.objects.filter(
        person_id=world.case_a.public_id, action__startswith="read_"
    ).values_list("actor__username", "action")
    assert sorted(reads) == [("caseworker", "read_sensitive"), ("supervisor", "read_restricted")]


def test_a_relative_the_user_may_not_see_is_withheld(world, login):
    relationship_link(
        actor=world.supervisor, person=world.case_a, relative=world.case_b, kind="sibling"
    )
    html = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "a relative (withheld)" in html
    assert world.case_b.display_name not in html
    html = login(world.supervisor).get(f"/persons/{world.case_b.public_id}/").content.decode()
    assert world.case_a.display_name in html  # read from the other side, both visible


def test_restricted_parts_are_for_the_restricted_level_only(world, login):
    note_add(
        actor=world.supervisor,
        person=world.case_a,
        text="Brother is dangerous",
        is_security_note=True,
    )
    note_add(actor=world.supervisor, person=world.case_a, text="Called the aunt")
    caseworker = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "Called the aunt" in caseworker
    assert "Brother is dangerous" not in caseworker
    assert "Legal proceedings" not in caseworker
    supervisor = login(world.supervisor).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "Brother is dangerous" in supervisor
    assert "Legal proceedings" in supervisor


def test_names_with_markup_are_shown_as_text(world, login):
    person = person_create(
        actor=world.caseworker, names=[NameInput(full_text="<script>alert(1)</script> {{7*7}}")]
    )
    html = login(world.caseworker).get(f"/persons/{person.public_id}/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in html


def test_the_detail_offers_only_allowed_moves(world, login):
    response = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/")
    # From reported: verifying, not traceable, closed (other); deceased needs a supervisor.
    assert response.context["moves"] == ["closed_other", "not_traceable", "verifying"]


# --- Create ----------------------------------------------------------------------------------


def test_it_creates_a_person_with_several_names(world, login):
    data = _new(
        **{
            "names-1-full_text": "Umm Ali",
            "names-1-kind": "kunya",
            "names-2-family_name": "Заурова",
            "languages": "Chechen, Russian",
        }
    )
    response = login(world.caseworker).post("/persons/new/", data)
    assert response.status_code == 302
    person = Person.objects.get(display_name="Zaurova Leyla")
    assert person.languages == ["Chechen", "Russian"]
    assert sorted(n.kind for n in person.names.all()) == ["kunya", "legal", "legal"]
    assert NameKey.objects.filter(person=person).exists()
    assert person.team == world.team_a


def test_it_shows_known_persons_before_creating_and_needs_a_confirmation(world, login):
    refresh_name_keys(world.case_b)  # the factory writes straight to the table
    client = login(world.caseworker)
    first = _new(**{"names-0-family_name": "Bekova", "names-0-given_name": "Zaira"})
    response = client.post("/persons/new/", first)
    assert response.status_code == 200
    assert [c.person for c in response.context["candidates"]] == [world.case_b]
    html = response.content.decode()
    assert "This person may already be known" in html
    assert world.case_b.display_name in html
    assert Person.objects.filter(display_name="Bekova Zaira").count() == 1
    confirmed = client.post("/persons/new/", {**first, "confirm_new": "on"})
    assert confirmed.status_code == 302
    assert Person.objects.filter(display_name="Bekova Zaira").count() == 2


def test_a_protected_person_is_never_offered_as_a_candidate(world, login):
    refresh_name_keys(world.protected_a)
    data = _new(**{"names-0-family_name": "Protected", "names-0-given_name": "Aminat"})
    response = login(world.caseworker).post("/persons/new/", data)
    assert world.protected_a.display_name not in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"born": "29.02.2023"}, "born"),
        ({"born": "2999"}, "born"),
        ({"born": "1850"}, "born"),
        ({"born": "-1"}, "born"),
        ({"born": "200"}, "born"),
        ({"born": "12/31/1986"}, "born"),
        ({"birthplace": "x" * 100_000}, "birthplace"),
    ],
)
def test_bad_birth_and_details_get_a_clear_error(world, login, extra, field):
    response = login(world.caseworker).post("/persons/new/", _new(**extra))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Person.objects.filter(display_name="Zaurova Leyla").exists()


@pytest.mark.parametrize("value", ["Zaur\x00ova", "Z" * 100_000])
def test_bad_names_get_a_clear_error(world, login, value):
    response = login(world.caseworker).post("/persons/new/", _new(**{"names-0-family_name": value}))
    assert response.status_code == 400
    errors = response.context["formset"].forms[0].errors["family_name"]
    assert "Null characters" in errors[0] or "at most 150" in errors[0]


def test_a_person_needs_a_name(world, login):
    data = _new(**{"names-0-family_name": "", "names-0-given_name": ""})
    response = login(world.caseworker).post("/persons/new/", data)
    assert response.status_code == 400
    assert "at least one name" in str(response.context["formset"].non_form_errors())


def test_the_dpo_may_not_create(world, login):
    assert login(world.dpo).post("/persons/new/", _new()).status_code == 403


# --- Edit and conflicts --------------------------------------------------------------------------


def _edit(person, **extra):
    data = {
        "version": person.version,
        "sex": person.sex,
        "birth_precision": "unknown",
        "documents_held": "unknown",
    }
    data.update(extra)
    return data


def test_it_saves_an_edit(world, login):
    url = f"/persons/{world.case_a.public_id}/edit/"
    response = login(world.caseworker).post(url, _edit(world.case_a, birthplace="Mosul"))
    assert response.status_code == 302
    world.case_a.refresh_from_db()
    assert (world.case_a.birthplace, world.case_a.version) == ("Mosul", 2)


def test_a_stale_edit_is_a_conflict_and_overwrites_nothing(world, login):
    stale = _edit(world.case_a, birthplace="Mosul")
    first = login(world.supervisor).post(
        f"/persons/{world.case_a.public_id}/edit/",
        _edit(world.case_a, birthplace="Raqqa", region_of_origin="Chechnya", sensitivity="normal"),
    )
    assert first.status_code == 302
    response = login(world.caseworker).post(f"/persons/{world.case_a.public_id}/edit/", stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert "Raqqa" in html and "Mosul" in html
    world.case_a.refresh_from_db()
    assert (world.case_a.birthplace, world.case_a.region_of_origin) == ("Raqqa", "Chechnya")


def test_the_caseworker_edit_form_has_no_restricted_fields(world, login):
    response = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/edit/")
    assert "security_notes" not in response.context["form"].fields
    supervisor = login(world.supervisor).get(f"/persons/{world.case_a.public_id}/edit/")
    assert "security_notes" in supervisor.context["form"].fields


# --- Actions ---------------------------------------------------------------------------------


def test_status_change_needs_a_reason(world, login):
    url = f"/persons/{world.case_a.public_id}/status/"
    response = login(world.caseworker).post(url, {"to": "verifying", "reason": " ", "version": 1})
    assert response.status_code == 400
    world.case_a.refresh_from_db()
    assert world.case_a.status == "reported"


def test_status_change_works_and_a_forbidden_move_is_not_offered(world, login):
    client = login(world.caseworker)
    url = f"/persons/{world.case_a.public_id}/status/"
    refused = client.post(url, {"to": "cleared_for_return", "reason": "go", "version": 1})
    assert refused.status_code == 400
    assert (
        client.post(url, {"to": "verifying", "reason": "letter", "version": 1}).status_code == 302
    )
    world.case_a.refresh_from_db()
    assert world.case_a.status == "verifying"


def test_the_supervisor_assigns(world, login):
    url = f"/persons/{world.case_a.public_id}/assign/"
    data = {"team": world.team_b.public_id, "assigned_to": "other_team_caseworker"}
    assert login(world.supervisor).post(url, data).status_code == 302
    world.case_a.refresh_from_db()
    assert (world.case_a.team, world.case_a.assigned_to) == (
        world.team_b,
        world.other_team_caseworker,
    )
    assert login(world.caseworker).post(url, data).status_code == 403


def test_a_team_of_another_organisation_is_not_a_choice(world, login):
    from tests.factories import TeamFactory

    south_team = TeamFactory(organisation=world.south, name="S")
    url = f"/persons/{world.case_a.public_id}/assign/"
    response = login(world.supervisor).post(url, {"team": south_team.public_id})
    assert response.status_code == 400
    world.case_a.refresh_from_db()
    assert world.case_a.team == world.team_a


def test_it_records_a_placement_with_free_text(world, login):
    url = f"/persons/{world.case_a.public_id}/placements/new/"
    data = {
        "place_text": "Hasakah, women's section",
        "start_date": "2024-03",
        "source": "voice_message",
        "reliability": "confirmed",
        "form_token": new_form_token(),
    }
    assert login(world.caseworker).post(url, data).status_code == 302
    placement = Placement.objects.get(person=world.case_a)
    assert placement.place_text == "Hasakah, women's section"
    html = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "Hasakah, women&#x27;s section (since March 2024)" in html  # known to the month


def test_a_placement_needs_a_place(world, login):
    url = f"/persons/{world.case_a.public_id}/placements/new/"
    data = {
        "start_date": "2024-03-01",
        "start_precision": "exact",
        "source": "visit",
        "reliability": "probable",
        "form_token": new_form_token(),
    }
    response = login(world.caseworker).post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["location"]


def test_a_relative_must_be_a_visible_person(world, login):
    url = f"/persons/{world.case_a.public_id}/relatives/new/"
    data = {
        "kind": "sibling",
        "relative": world.case_b.public_id,
        "confidence": "probable",
        "form_token": new_form_token(),
    }
    response = login(world.caseworker).post(url, data)
    assert response.status_code == 400
    assert not Relationship.objects.exists()
    mother = PersonFactory(organisation=world.north, team=world.team_a, display_name="Materova Ana")
    data = {
        "kind": "mother",
        "relative": mother.public_id,
        "confidence": "confirmed",
        "form_token": new_form_token(),
    }
    assert login(world.caseworker).post(url, data).status_code == 302
    link = Relationship.objects.get()
    assert (link.from_person, link.to_person, link.kind) == (mother, world.case_a, "mother")
    html = login(world.caseworker).get(f"/persons/{mother.public_id}/").content.decode()
    # The girl is named as a daughter (her sex is shown to the caseworker), not a "child".
    assert "daughter" in html and world.case_a.display_name in html


def test_a_note_with_nul_or_too_long_is_refused(world, login):
    url = f"/persons/{world.case_a.public_id}/notes/new/"
    client = login(world.caseworker)
    for text in ("a\x00b", "a" * 100_000):
        response = client.post(url, {"text": text, "form_token": new_form_token()})
        assert response.status_code == 400
        assert response.context["form"].errors["text"]
    assert not CaseNote.objects.exists()


def test_a_caseworker_cannot_smuggle_a_security_note(world, login):
    url = f"/persons/{world.case_a.public_id}/notes/new/"
    token = new_form_token()
    login(world.caseworker).post(url, {"text": "hm", "is_security_note": "on", "form_token": token})
    assert CaseNote.objects.get().is_security_note is False


def test_adding_an_alias_makes_the_person_findable_by_it(world, login):
    url = f"/persons/{world.case_a.public_id}/names/new/"
    data = {"full_text": "Umm Bilal", "kind": "kunya", "form_token": new_form_token()}
    response = login(world.caseworker).post(url, data)
    assert response.status_code == 302
    assert world.case_a.names.filter(full_text="Umm Bilal", kind="kunya").exists()
    assert NameKey.objects.filter(person=world.case_a, kind="ku").exists()


# --- History: why and what, only at the level the touched fields need -------------------------


def _history_of_case_a(world):
    """Restricted work by the supervisor (security notes, a legal proceeding, a security note)
    between sensitive work by the team's caseworker, each with a reason naming itself."""
    from casework import audit
    from casework.models import LegalProceeding
    from casework.services.persons import person_change_status, person_update

    def version():
        return Person.objects.get(pk=world.case_a.pk).version

    person_update(
        actor=world.supervisor,
        person=world.case_a,
        expected_version=version(),
        security_notes="Canary security text",
        reason="Canary reason security notes",
    )
    # No service edits legal proceedings yet: the event such an edit writes.
    proceeding = LegalProceeding.objects.create(
        person=world.case_a, country="SY", charge="Canary charge", status="trial"
    )
    audit.record(
        world.supervisor,
        "update",
        proceeding,
        fields=["status", "sentence"],
        reason="Canary reason proceeding",
    )
    note = note_add(
        actor=world.supervisor, person=world.case_a, text="Canary secret", is_security_note=True
    )
    audit.record(world.supervisor, "update", note, fields=["text"], reason="Canary reason note")
    person_change_status(
        actor=world.caseworker, person=world.case_a, to="verifying", reason="Canary reason status"
    )
    person_update(
        actor=world.caseworker,
        person=world.case_a,
        expected_version=version(),
        birthplace="Raqqa",
        reason="Canary reason birthplace",
    )
    note_add(actor=world.caseworker, person=world.case_a, text="Called the aunt")


W = "withheld"
# Newest first: (who, action, what kind of record, changed fields, reason).
HISTORY_IN_FULL = [
    ("caseworker", "create", "CaseNote", [], ""),
    ("caseworker", "update", "Person", ["birthplace"], "Canary reason birthplace"),
    ("caseworker", "status_change", "Person", ["status"], "Canary reason status"),
    ("supervisor", "update", "CaseNote", ["text"], "Canary reason note"),
    ("supervisor", "create", "CaseNote", [], ""),
    ("supervisor", "update", "LegalProceeding", ["sentence", "status"], "Canary reason proceeding"),
    ("supervisor", "update", "Person", ["security_notes"], "Canary reason security notes"),
]
ALL_WITHHELD = [(who, action, W, W, W) for who, action, *_ in HISTORY_IN_FULL]
HISTORY = {
    "supervisor": HISTORY_IN_FULL,
    # The team's caseworker: their own sensitive work in full, the restricted work withheld.
    "caseworker": [
        *HISTORY_IN_FULL[:3],
        ("supervisor", "update", W, W, W),
        ("supervisor", "create", W, W, W),
        ("supervisor", "update", W, W, W),
        ("supervisor", "update", W, W, W),
    ],
    # Minimal level: who, when and what action only (an event's reason is sensitive).
    "intake": ALL_WITHHELD,
    "dpo": ALL_WITHHELD,
}
RESTRICTED_CANARIES = ["Canary reason security notes", "Canary reason proceeding"]
# The kind of record and the fields, as the history words them.
RESTRICTED_CANARIES += ["Canary reason note", "Legal proceeding", "security notes"]


def _shown(value):
    return value if isinstance(value, list) else str(value)


@pytest.mark.parametrize("persona", sorted(HISTORY))
def test_history_shows_why_only_at_the_level_of_what_was_touched(world, login, persona):
    _history_of_case_a(world)
    response = login(world.personas()[persona]).get(f"/persons/{world.case_a.public_id}/")
    assert response.status_code == 200
    rows = [
        (r["actor_label"], r["action"], _shown(r["object_type"]), _shown(r["fields"]))
        + (_shown(r["reason"]),)
        for r in response.context["history"]
    ]
    assert rows == HISTORY[persona]
    history_html = response.content.decode().split('id="person-history"', 1)[1]
    history_html = history_html.split("</table>", 1)[0]
    for canary in RESTRICTED_CANARIES:
        assert (canary in history_html) == (persona == "supervisor"), canary
    shown_reasons = {reason for *_, reason in HISTORY[persona] if reason not in ("", W)}
    for *_, reason in HISTORY_IN_FULL:
        if reason:
            assert (reason in history_html) == (reason in shown_reasons), reason
    withheld = sum(1 for row in HISTORY[persona] if row[2] == W)
    assert history_html.count('class="withheld"') == withheld


def test_history_of_another_team_stays_hidden(world, login):
    _history_of_case_a(world)
    response = login(world.other_team_caseworker).get(f"/persons/{world.case_a.public_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("object_type", "fields", "level"),
    [
        ("Person", ["status"], "SENSITIVE"),  # the reason is sensitive, whatever was touched
        ("Person", ["team_id", "birthplace"], "SENSITIVE"),  # an attname is its field's
        ("Person", ["security_notes"], "RESTRICTED"),
        ("Person", ["not_a_field"], "RESTRICTED"),  # could be any field: the most sensitive
        ("PersonName", ["name", "kind"], "SENSITIVE"),
        ("LegalProceeding", [], "RESTRICTED"),
        ("", [], "RESTRICTED"),  # no record kind to judge by
        ("SomethingNew", ["status"], "RESTRICTED"),
    ],
)
def test_the_level_an_events_details_need(object_type, fields, level):
    from casework.models import AuditEvent
    from casework.permissions import Level
    from casework.presenters import event_details_level

    event = AuditEvent(object_type=object_type, fields=fields, action="update")
    assert event_details_level(event) == Level[level]


# --- Ordering by birth year: by the year alone ---------------------------------------------------


def _born_in_2015(world):
    """Two persons born in 2015, the one later in the alphabet born first, and one of 2014."""

    def born(name, date):
        return PersonFactory(
            organisation=world.north,
            team=world.team_a,
            display_name=name,
            birth_precision="exact",
            birth_date=date,
            birth_earliest=date,
            birth_latest=date,
        )

    return (
        born("Abdulova Dec", dt.date(2015, 12, 30)),
        born("Bisultanova Jan", dt.date(2015, 1, 2)),
        born("Chaeva Older", dt.date(2014, 6, 1)),
    )


BIRTH_YEAR_ORDER = {
    # case_a and case_b (no birth known) come last either way.
    "birth_year": [
        "Chaeva Older",
        "Abdulova Dec",
        "Bisultanova Jan",
        "Alieva Madina",
        "Bekova Zaira",
    ],
    "-birth_year": [
        "Abdulova Dec",
        "Bisultanova Jan",
        "Chaeva Older",
        "Alieva Madina",
        "Bekova Zaira",
    ],
}


@pytest.mark.parametrize("ordering", sorted(BIRTH_YEAR_ORDER))
def test_ordering_by_birth_year_reveals_no_order_within_the_year(world, login, ordering):
    _born_in_2015(world)
    response = login(world.intake).get("/persons/", {"ordering": ordering})
    assert response.status_code == 200
    names = [row["person"].display_name for row in response.context["rows"]]
    assert names == BIRTH_YEAR_ORDER[ordering]


def test_a_placement_known_to_the_month_shows_no_made_up_day(world, login):
    import datetime as dt

    from casework.models import Placement

    Placement.objects.create(
        person=world.case_a,
        place_text="A camp in the north-east",
        start_date=dt.date(2019, 5, 1),
        start_precision="month",
        source="letter",
        reliability="confirmed",
    )
    page = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/").content.decode()
    assert "May 2019" in page and "2019-05-01" not in page


def test_a_known_candidate_is_one_click_away_with_why_it_matches(world, login):
    refresh_name_keys(world.case_a)
    data = _new(**{"names-0-family_name": "Alieva", "names-0-given_name": "Madina"})
    response = login(world.caseworker).post("/persons/new/", data)
    html = response.content.decode()
    assert f'class="btn btn-sm btn-primary" href="/persons/{world.case_a.public_id}/"' in html
    assert "This is the person: open the record" in html
    assert 'class="candidate-why"' in html  # the fields that agree or differ, no values
    assert Person.objects.filter(display_name="Alieva Madina").count() == 1


def test_a_relative_is_named_by_sex_only_where_their_sex_may_be_shown(world, login):
    brother = PersonFactory(
        organisation=world.north, team=world.team_a, display_name="Brotherov Adam", sex="M"
    )
    relationship_link(actor=world.supervisor, person=world.case_a, relative=brother, kind="sibling")
    # Known to the other team only: its caseworker sees neither the boy's record nor his sex.
    hidden = PersonFactory(organisation=world.north, team=world.team_b, sex="M")
    relationship_link(actor=world.supervisor, person=world.case_a, relative=hidden, kind="spouse")
    relatives = login(world.caseworker).get(f"/persons/{world.case_a.public_id}/")
    kinds = {
        (r["person"].display_name if r["person"] else None): str(r["kind"])
        for r in relatives.context["relatives"]
    }
    assert kinds == {"Brotherov Adam": "brother", None: "spouse"}
