"""The review queue (issue 9): a pair decided "the same person" whose merge is refused stays in
the queue, saying what blocks the merge, and is merged once the block is gone; explanations in
plain words in the user's language."""

import datetime as dt
import re

import pytest

from casework.models import ManifestEntry, MatchSuggestion, Person
from casework.services.matching import suggestion_decide, suggestions_find_duplicates
from casework.services.persons import NameInput, person_create
from tests.factories import FlightFactory


@pytest.fixture
def twins(world):
    persons = [
        person_create(
            actor=world.supervisor,
            names=[NameInput(family_name=family, given_name=given, patronymic=patronymic)],
            birth_precision="year",
            birth_date=dt.date(2015, 1, 1),
            team=world.team_a,
            region_of_origin="Чечня",
            sex="M",
        )  # fmt: skip
        for family, given, patronymic in (
            ("Tagirov", "Bilal", "Umarovich"),
            ("Тагиров", "Билал", "Умарович"),
        )
    ]
    suggestions_find_duplicates(actor=world.supervisor)
    return MatchSuggestion.objects.get(), persons


@pytest.fixture
def refused(world, login, twins):
    """The pair decided the same person, its merge refused: both are on one manifest."""
    suggestion, persons = twins
    flight = FlightFactory(organisation=world.north, reference="FL-777")
    entries = [ManifestEntry.objects.create(flight=flight, person=p) for p in persons]
    client = login(world.supervisor)
    decided = client.post(
        f"/review/{suggestion.public_id}/", {"decision": "confirmed", "reason": "Same mother"}
    )
    merge = client.post(decided["Location"], {"reason": "Same birth record"})
    assert merge.status_code == 400 and "FL-777" in merge.content.decode()
    return suggestion, entries, client


def test_a_pair_whose_merge_was_refused_stays_in_the_queue_with_its_block(world, refused):
    suggestion, _, client = refused
    page = client.get("/review/")
    html = page.content.decode()
    assert [s.pk for s in page.context["page"]] == [suggestion.pk]
    assert "The same person, not yet merged." in html
    assert "FL-777" in html and "settle the manifest first" in html
    assert "Merge the two records" not in html
    only = client.get("/review/", {"decision": "not_merged"})
    assert [s.pk for s in only.context["page"]] == [suggestion.pk]
    assert [s.pk for s in client.get("/review/", {"decision": "pending"}).context["page"]] == []


def test_once_the_block_is_gone_the_pair_is_merged_from_the_queue(world, refused):
    suggestion, entries, client = refused
    entries[0].delete()
    html = client.get(f"/review/{suggestion.public_id}/").content.decode()
    assert "Merge the two records" in html
    merge_url = f"/review/merge/{suggestion.person.public_id}/{suggestion.other_person.public_id}/"
    assert merge_url in html
    assert client.post(merge_url, {"reason": "Same birth record"}).status_code == 302
    assert Person.objects.get(pk=suggestion.other_person.pk).merged_into_id == suggestion.person.pk
    assert list(client.get("/review/").context["page"]) == []


def test_a_caseworkers_same_person_waits_for_a_supervisor_in_the_queue(world, login, twins):
    suggestion, _ = twins
    suggestion_decide(
        actor=world.caseworker, suggestion=suggestion, decision="confirmed", reason="Same mother"
    )
    html = login(world.caseworker).get("/review/").content.decode()
    assert "The same person, not yet merged." in html
    assert "a supervisor will merge the two records" in html


def test_the_explanation_speaks_plain_words(world, login, twins):
    suggestion, _ = twins
    html = login(world.caseworker).get(f"/review/{suggestion.public_id}/").content.decode()
    for code in ("Prior", "Weight (bits)", "bits", "hehnia", "p = ", "(year)", "2015-01-01.."):
        assert code not in html
    assert "Family name" in html and "Patronymic" in html and "agrees" in html
    assert "Чечня" in html
    assert "strongly for" in html or "for" in html
    assert "All together: the same person with a likelihood of" in html


def test_the_explanation_and_the_block_are_in_russian(world, russian, refused):
    suggestion, _, _ = refused
    client = russian(world.supervisor)
    html = client.get("/review/").content.decode()
    assert "The same person, not yet merged." not in html
    assert "Тот же человек, ещё не объединён." in html
    html = client.get(f"/review/{suggestion.public_id}/").content.decode()
    assert "agrees" not in html and "совпадает" in html


def test_the_side_by_side_shows_a_birth_known_to_the_year_as_a_year(world, login, twins):
    suggestion, persons = twins
    client = login(world.supervisor)
    pages = [
        client.get(f"/review/{suggestion.public_id}/"),
        client.get(f"/review/merge/{persons[0].public_id}/{persons[1].public_id}/"),
    ]
    for page in pages:
        html = page.content.decode()
        births = re.findall(r"Birth date</dt><dd[^>]*>([^<]*)</dd>", html)
        assert births == ["2015", "2015"], births


def test_the_explanation_names_the_sex_in_words(world, login, twins):
    suggestion, _ = twins
    for language, word in (("en", "male"), ("ru", "мужской")):
        client = login(world.caseworker)
        client.cookies["django_language"] = language
        html = client.get(f"/review/{suggestion.public_id}/").content.decode()
        row = re.search(r'<tr class="field-sex">(.*?)</tr>', html, re.S).group(1)
        values = re.findall(r'<td dir="auto"[^>]*>([^<]*)</td>', row)
        assert values == [word, word], row
