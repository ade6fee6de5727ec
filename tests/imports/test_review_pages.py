"""The review queue and merge pages: explanations shown, decisions recorded, merge and undo."""

import datetime as dt

from casework.models import MatchSuggestion, PersonMerge
from casework.services.imports import list_import_commit, list_import_upload
from casework.services.matching import suggestions_find_duplicates
from casework.services.persons import NameInput, person_create


def _twins(world):
    for names in (("Tagirov", "Bilal"), ("Тагиров", "Билал")):
        person_create(
            actor=world.supervisor,
            names=[NameInput(family_name=names[0], given_name=names[1])],
            birth_precision="year", birth_date=dt.date(2015, 1, 1), team=world.team_a,
        )  # fmt: skip
    suggestions_find_duplicates(actor=world.supervisor)
    return MatchSuggestion.objects.get()


def test_the_queue_shows_each_pair_with_its_explanation(world, login):
    suggestion = _twins(world)
    page = login(world.caseworker).get("/review/")
    html = page.content.decode()
    assert page.status_code == 200 and str(suggestion.public_id) in html
    assert "Family name" in html and "Тагиров" in html and "Tagirov" in html
    assert "Prior" not in html and "Weight (bits)" not in html and "agrees" in html


def test_confirming_a_pair_leads_a_supervisor_to_the_merge_page_and_undo_works(world, login):
    suggestion = _twins(world)
    client = login(world.supervisor)
    detail = client.get(f"/review/{suggestion.public_id}/")
    assert detail.status_code == 200
    response = client.post(
        f"/review/{suggestion.public_id}/", {"decision": "confirmed", "reason": "Same birth"}
    )
    assert response.status_code == 302 and "/review/merge/" in response["Location"]
    merged = client.post(response["Location"], {"reason": "Same birth certificate"})
    merge = PersonMerge.objects.get()
    assert merged["Location"] == f"/review/merges/{merge.public_id}/"
    assert client.get(merged["Location"]).status_code == 200
    undone = client.post(f"/review/merges/{merge.public_id}/undo/", {"reason": "Two boys"})
    assert undone.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None


def test_a_decision_without_a_reason_is_a_form_error(world, login):
    suggestion = _twins(world)
    response = login(world.caseworker).post(
        f"/review/{suggestion.public_id}/", {"decision": "rejected", "reason": ""}
    )
    assert response.status_code == 400
    suggestion.refresh_from_db()
    assert suggestion.decision == "pending"


def test_a_row_waiting_for_review_is_confirmed_from_the_queue(world, login):
    person_create(
        actor=world.supervisor, names=[NameInput(family_name="Хасиев", given_name="Магомед")]
    )
    upload = list_import_upload(
        actor=world.supervisor, source="Ministry", as_of=None, filename="l.csv",
        data=b"family_name,given_name\nKhasiev,Muhammad\n",
    )  # fmt: skip
    done = list_import_commit(actor=world.supervisor, list_import=upload)
    suggestion = MatchSuggestion.objects.get(list_row__list_import=done)
    client = login(world.supervisor)
    assert "Khasiev" in client.get(f"/review/{suggestion.public_id}/").content.decode()
    client.post(f"/review/{suggestion.public_id}/", {"decision": "confirmed", "reason": "Mother"})
    row = suggestion.list_row
    row.refresh_from_db()
    assert row.outcome == "linked" and row.person == suggestion.person
