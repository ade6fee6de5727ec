"""Every staff form that creates something is safe to send again (a retry after a timeout, a double
click): the same form posted twice makes one record and one audit trail, and the second post is
sent where the first one's result is. A refused form keeps nothing, so it can be corrected and sent
again; a forged, missing or borrowed token is refused."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from casework.audit import AuditAction
from casework.models import (
    AuditEvent,
    BreakGlassGrant,
    CaseNote,
    Handover,
    IdempotencyRecord,
    ListImport,
    ManifestEntry,
    Person,
    PersonName,
    PersonStatus,
    Placement,
    Relationship,
    RepatriationFlight,
    SharedCase,
)
from casework.services.form_tokens import form_submit_once, new_form_token
from casework.services.notes import note_add
from tests.factories import FlightFactory, PersonFactory

ALREADY_SAVED = "This form was already saved: nothing was saved twice."


@dataclass(frozen=True)
class CreateForm:
    name: str
    persona: str
    path: Callable  # (world) -> the form's address
    data: Callable  # (world) -> the fields, without the token
    rows: Callable  # (world) -> the records the form creates

    def __str__(self):
        return self.name


def _case_a(w, tail):
    return f"/persons/{w.case_a.public_id}/{tail}"


def _flight(w):
    if not hasattr(w, "flight"):
        w.flight = FlightFactory(organisation=w.north, date=timezone.localdate())
    return w.flight


def _cleared(w):
    if not hasattr(w, "cleared"):
        w.cleared = PersonFactory(
            organisation=w.north, team=w.team_a, status=PersonStatus.CLEARED_FOR_RETURN
        )
    return w.cleared


def _boarded_child(w):
    if not hasattr(w, "child_entry"):
        child = PersonFactory(
            organisation=w.north,
            team=w.team_a,
            status=PersonStatus.ON_MANIFEST,
            birth_precision="year",
            birth_date=dt.date(2017, 1, 1),
            birth_earliest=dt.date(2017, 1, 1),
            birth_latest=dt.date(2017, 12, 31),
        )
        w.child_entry = ManifestEntry.objects.create(
            flight=_flight(w), person=child, status="boarded", approved_by=w.supervisor
        )
    return w.child_entry


def _mother(w):
    if not hasattr(w, "mother"):
        w.mother = PersonFactory(organisation=w.north, team=w.team_a, display_name="Materova Ana")
    return w.mother


FORMS = [
    CreateForm(
        "person",
        "caseworker",
        lambda w: "/persons/new/",
        lambda w: {
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "0",
            "names-0-family_name": "Onceva",
            "names-0-given_name": "Leyla",
            "names-0-kind": "legal",
            "sex": "F",
            "birth_precision": "unknown",
            "documents_held": "unknown",
        },
        lambda w: Person.objects.filter(display_name="Onceva Leyla"),
    ),
    CreateForm(
        "placement",
        "caseworker",
        lambda w: _case_a(w, "placements/new/"),
        lambda w: {
            "place_text": "Hasakah, women's section",
            "start_date": "2024-03",
            "source": "visit",
            "reliability": "probable",
        },
        lambda w: Placement.objects.filter(person=w.case_a),
    ),
    CreateForm(
        "relationship",
        "caseworker",
        lambda w: _case_a(w, "relatives/new/"),
        lambda w: {
            "kind": "mother",
            "relative": str(_mother(w).public_id),
            "confidence": "confirmed",
        },
        lambda w: Relationship.objects.all(),
    ),
    CreateForm(
        "note",
        "caseworker",
        lambda w: _case_a(w, "notes/new/"),
        lambda w: {"text": "Called the family; they will send a photo."},
        lambda w: CaseNote.objects.filter(person=w.case_a),
    ),
    CreateForm(
        "name",
        "caseworker",
        lambda w: _case_a(w, "names/new/"),
        lambda w: {"full_text": "Umm Bilal", "kind": "kunya"},
        lambda w: PersonName.objects.filter(person=w.case_a, full_text="Umm Bilal"),
    ),
    CreateForm(
        "share",
        "supervisor",
        lambda w: f"/persons/{w.case_b.public_id}/share/",
        lambda w: {"agreement": str(w.agreement.public_id), "share": "1", "reason": "Tracing"},
        lambda w: SharedCase.objects.filter(person=w.case_b),
    ),
    CreateForm(
        "break-glass",
        "supervisor",
        lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        lambda w: {"reason": "The family called; the team B caseworker is away today."},
        lambda w: BreakGlassGrant.objects.all(),
    ),
    CreateForm(
        "flight",
        "caseworker",
        lambda w: "/flights/new/",
        lambda w: {
            "reference": "ONCE-1",
            "date": "2026-12-24",
            "origin": "Erbil",
            "destination": "Grozny",
            "capacity": "10",
            "status": "planned",
            "time_zone": "Asia/Baghdad",
        },
        lambda w: RepatriationFlight.objects.filter(reference="ONCE-1"),
    ),
    CreateForm(
        "manifest proposal",
        "caseworker",
        lambda w: f"/flights/{_flight(w).public_id}/manifest/add/",
        lambda w: {"persons": [str(_cleared(w).public_id)]},
        lambda w: ManifestEntry.objects.filter(person=_cleared(w)),
    ),
    CreateForm(
        "escort",
        "caseworker",
        lambda w: f"/flights/{_flight(w).public_id}/escorts/",
        lambda w: {"escort_name": "Staff Escort"},
        lambda w: ManifestEntry.objects.filter(escort_name="Staff Escort"),
    ),
    CreateForm(
        "handover",
        "caseworker",
        lambda w: (
            f"/flights/{_flight(w).public_id}/manifest/{_boarded_child(w).public_id}/handover/"
        ),
        lambda w: {
            "recipient_kind": "relative",
            "recipient_name": "Childova Khava",
            "recipient_relationship": "aunt",
            "handed_at": timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "place": "Grozny airport",
        },
        lambda w: Handover.objects.all(),
    ),
    CreateForm(
        "list upload",
        "caseworker",
        lambda w: "/imports/new/",
        lambda w: {
            "source": "Camp list",
            # A fresh file object each time: the browser sends the file again with the form.
            "file": SimpleUploadedFile("l.csv", b"family_name,given_name\nTestova,Seda\n"),
        },
        lambda w: ListImport.objects.all(),
    ),
]


@pytest.mark.parametrize("form", FORMS, ids=str)
def test_the_same_form_sent_twice_creates_once(world, login, form):
    client = login(getattr(world, form.persona))
    path = form.path(world)
    token = new_form_token()
    events = AuditEvent.objects.count()
    first = client.post(path, {**form.data(world), "form_token": token})
    assert first.status_code == 302, first.content.decode()[:2000]
    assert form.rows(world).count() == 1
    events_of_first = AuditEvent.objects.count()
    assert events_of_first > events
    second = client.post(path, {**form.data(world), "form_token": token})
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert form.rows(world).count() == 1
    assert AuditEvent.objects.count() == events_of_first
    assert ALREADY_SAVED in client.get(second["Location"]).content.decode()


def test_each_form_shown_carries_a_fresh_token(world, login):
    client = login(world.caseworker)
    first, second = (client.get(_case_a(world, "notes/new/")) for _ in range(2))
    tokens = [page.context["form"]["form_token"].value() for page in (first, second)]
    assert tokens[0] != tokens[1]
    assert f'name="form_token" value="{tokens[0]}"' in first.content.decode()


def test_the_flight_page_and_the_picker_give_their_forms_a_token(world, login):
    client = login(world.caseworker)
    flight = _flight(world)
    page = client.get(f"/flights/{flight.public_id}/").content.decode()
    assert page.count('name="form_token"') == 1  # the escort's form
    _cleared(world)
    picker = client.get(f"/flights/{flight.public_id}/manifest/add/").content.decode()
    assert picker.count('name="form_token"') == 1


def test_a_refused_form_keeps_nothing_and_corrected_is_saved_with_the_same_token(world, login):
    FlightFactory(organisation=world.north, reference="TAKEN-1")
    client = login(world.caseworker)
    url = "/flights/new/"
    form = dict(FORMS[7].data(world), form_token=new_form_token())
    refused = client.post(url, {**form, "reference": "TAKEN-1"})
    assert refused.status_code == 400
    assert "already exists" in refused.content.decode()
    assert not IdempotencyRecord.objects.exists()
    saved = client.post(url, form)
    assert saved.status_code == 302
    assert RepatriationFlight.objects.filter(reference="ONCE-1").count() == 1


@pytest.mark.parametrize("kind", ["missing", "forged", "altered", "expired"])
def test_a_missing_forged_or_expired_token_is_refused_and_nothing_is_written(
    world, login, monkeypatch, kind
):
    token = {"missing": "", "forged": "forged", "altered": new_form_token() + "x"}.get(kind)
    if kind == "expired":
        token = new_form_token()
        monkeypatch.setattr("casework.services.form_tokens.MAX_AGE_SECONDS", -1)
    url = _case_a(world, "notes/new/")
    response = login(world.caseworker).post(url, {"text": "A note.", "form_token": token})
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert not CaseNote.objects.exists()


def test_a_token_used_on_one_form_is_no_token_of_another(world, login):
    client = login(world.caseworker)
    token = new_form_token()
    assert client.post(_case_a(world, "notes/new/"), {"text": "A note.", "form_token": token})
    names = {"full_text": "Umm Bilal", "kind": "kunya", "form_token": token}
    response = client.post(_case_a(world, "names/new/"), names)
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    assert not world.case_a.names.filter(full_text="Umm Bilal").exists()


def test_a_token_is_its_users_own(world, login):
    token = new_form_token()
    url = _case_a(world, "notes/new/")
    for user in (world.caseworker, world.supervisor):
        assert login(user).post(url, {"text": "A note.", "form_token": token}).status_code == 302
    assert CaseNote.objects.filter(person=world.case_a).count() == 2


def test_a_form_whose_first_post_changed_what_it_accepts_still_finds_its_result(world, login):
    # Once proposed, the person may not be proposed again (the service refuses it): the second
    # post is answered from its token before the form and the service see it again.
    client = login(world.caseworker)
    url = f"/flights/{_flight(world).public_id}/manifest/add/"
    form = {"persons": [str(_cleared(world).public_id)], "form_token": new_form_token()}
    client.post(url, form)
    again = client.post(url, form, follow=True)
    page = again.content.decode()
    assert ALREADY_SAVED in page and "already on this flight" not in page


# A refusal beyond the daily limit is written outside any transaction: the page must not wrap the
# service in one of its own.
@pytest.mark.django_db(transaction=True)
def test_a_break_glass_beyond_the_daily_limit_stays_on_the_trail_and_frees_its_token(
    world, login, settings
):
    settings.BREAK_GLASS_PER_DAY = 1
    reason = "The family called; the south office is closed today."
    world.north.caseworkers_may_break_glass = True
    world.north.save()
    client = login(world.caseworker)
    others = [PersonFactory(organisation=world.north, team=world.team_b) for _ in range(2)]
    opened = client.post(
        f"/persons/{others[0].public_id}/break-glass/",
        {"reason": reason, "form_token": new_form_token()},
    )
    assert opened.status_code == 302
    token = new_form_token()
    refused = client.post(
        f"/persons/{others[1].public_id}/break-glass/", {"reason": reason, "form_token": token}
    )
    assert refused.status_code == 400
    assert "the most allowed" in refused.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, actor=world.caseworker, person_id=others[1].public_id
    ).exists()
    refused_path = f"/persons/{others[1].public_id}/break-glass/"
    assert not IdempotencyRecord.objects.filter(path=refused_path).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_once_create_once(world):
    token = new_form_token()
    path = _case_a(world, "notes/new/")
    started, release = threading.Event(), threading.Event()
    created = []

    def write(text):
        def perform():
            started.set()
            release.wait(10)
            created.append(note_add(actor=world.caseworker, person=world.case_a, text=text))
            return f"/persons/{world.case_a.public_id}/"

        try:
            return form_submit_once(user=world.caseworker, token=token, path=path, perform=perform)
        except Exception as exc:  # reported by the assertion below, not lost in the thread
            return exc
        finally:
            connection.close()

    results = []
    first = threading.Thread(target=lambda: results.append(write("first")))
    first.start()
    started.wait(10)
    # The second post waits on the first one's token until that commits, then finds its result.
    second = threading.Thread(target=lambda: results.append(write("second")))
    second.start()
    time.sleep(0.5)  # let it reach the token's row (whether it did changes no assertion)
    release.set()
    first.join(20)
    second.join(20)
    assert len(results) == 2, results
    assert sorted(created_now for _location, created_now in results) == [False, True]
    assert len(created) == 1
    assert CaseNote.objects.filter(person=world.case_a).count() == 1
