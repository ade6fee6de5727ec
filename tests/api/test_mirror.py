"""A partner's copy, built from nothing through the change feed while the host works, ends
identical to what the database shares with it and to a fresh pull of the list: the list and the
feed tell the same persons, and a merged person as the same tombstone."""

from casework.models import Person, PersonMerge, SharedCase
from casework.services.merge import persons_merge, persons_unmerge
from casework.services.persons import NameInput, person_change_status, person_create, person_update
from casework.services.sharing import person_share
from tests.api.feed import drain, share

LIST = "/api/v1/persons/"


def _apply(mirror: dict, items: list[dict]) -> None:
    for item in items:
        if item.get("deleted"):
            mirror.pop(item["id"], None)
        else:
            mirror[item["id"]] = item


def _fresh_list(client) -> dict:
    pulled, url = {}, f"{LIST}?page_size=2"
    while url:
        body = client.get(url).json()
        pulled.update({item["id"]: item for item in body["results"]})
        url = body["next"]
    return pulled


def _expected(world) -> dict:
    """What the database shares with the partner: each person it sees, a merged one by the
    survivor it sees (a person merged into one it does not see is gone to it)."""
    visible = {p.pk: p for p in Person.objects.visible_to(world.partner)}
    expected = {}
    for person in visible.values():
        if person.merged_into_id is None:
            expected[str(person.public_id)] = ("record", person.display_name, person.status)
        elif person.merged_into_id in visible:
            survivor = visible[person.merged_into_id]
            expected[str(person.public_id)] = ("merged_into", str(survivor.public_id))
    return expected


def _as_expected(mirror: dict) -> dict:
    return {
        id_: ("merged_into", item["merged_into"])
        if item.get("tombstone")
        else ("record", item["display_name"], item["status"])
        for id_, item in mirror.items()
    }


def test_a_mirror_from_the_feed_ends_identical_to_the_database_and_to_a_fresh_list(world, api):
    boss = world.supervisor
    persons = [share(world, display_name=f"Testova Mirror {n}") for n in range(8)]
    client = api(world.partner)
    mirror: dict = {}
    state: dict = {}

    def fresh(person):
        return Person.objects.get(pk=person.pk)

    def work(number, body):
        # The host's day, between the partner's pages.
        if number == 1:
            created = person_create(actor=boss, names=[NameInput(full_text="Testova Nova")])
            person_share(actor=boss, person=created, agreement=world.agreement, reason="Trace")
            state["created"] = created
            person = fresh(persons[0])
            person_update(
                actor=boss, person=person, expected_version=person.version, birthplace="Raqqa"
            )
            person_change_status(actor=boss, person=persons[1], to="verifying", reason="Letter")
        if number == 2:
            # Merged into a shared person, and into one the partner does not see.
            persons_merge(actor=boss, survivor=persons[2], absorbed=persons[3], reason="Same")
            persons_merge(actor=boss, survivor=world.case_b, absorbed=persons[4], reason="Same")
            state["undone"] = persons_merge(
                actor=boss, survivor=persons[5], absorbed=persons[6], reason="Same"
            )
        if number == 3:
            persons_unmerge(actor=boss, merge=state["undone"], reason="Not the same after all")
            person_share(
                actor=boss,
                person=fresh(persons[7]),
                agreement=world.agreement,
                share=False,
                reason="Consent withdrawn",
            )
            fresh(persons[1]).delete()

    items, cursor = drain(client, page_size=3, between=work)
    _apply(mirror, items)
    # Everything happened while the partner read; a last poll brings the copy up to date.
    items, cursor = drain(client, cursor, page_size=3)
    _apply(mirror, items)

    assert PersonMerge.objects.filter(undone_at__isnull=True).count() == 2
    assert not SharedCase.objects.filter(person=persons[7]).exists()
    assert _as_expected(mirror) == _expected(world)
    assert mirror == _fresh_list(client)
    # What the work did is in the copy: the new person, the status, the merged tombstone.
    assert str(state["created"].public_id) in mirror
    assert mirror[str(persons[3].public_id)]["merged_into"] == str(persons[2].public_id)
    assert str(persons[4].public_id) not in mirror
    assert str(persons[1].public_id) not in mirror
    assert mirror[str(persons[6].public_id)]["status"] == "reported"
