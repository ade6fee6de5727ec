"""The sample lists a.csv (Cyrillic) then b.csv (Latin) through the import service, against the
truth about them."""

import csv
import datetime as dt
from pathlib import Path

from casework.models import ListImportRow, MatchSuggestion, Person
from casework.services.imports import list_import_commit, list_import_upload

SAMPLES = Path("/work/shared/samples/lists")


def _truth(name):
    with open(SAMPLES / name, encoding="utf-8") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


def _import(actor, name, source):
    upload = list_import_upload(
        actor=actor,
        source=source,
        as_of=dt.date(2026, 10, 1),
        filename=name,
        data=(SAMPLES / name).read_bytes(),
    )
    return list_import_commit(actor=actor, list_import=upload)


def test_it_links_most_true_pairs_of_the_sample_lists_and_few_false_ones(world):
    first = _import(world.supervisor, "a.csv", "relatives' list")
    second = _import(world.supervisor, "b.csv", "authorities' list")
    truth = _truth("truth_ab.csv")
    a_dupes = _truth("truth_a_dupes.csv")
    a_rows = ListImportRow.objects.filter(list_import=first)
    person_of_a = {}
    for row in a_rows:
        person_of_a.setdefault(row.person_id, set()).add(row.record_id)
    b_rows = ListImportRow.objects.filter(list_import=second)
    linked = ambiguous = false_links = 0
    for row in b_rows:
        lefts = {left for left, right in truth if right == row.record_id}
        if row.outcome == "linked":
            mine = person_of_a.get(row.person_id, set())
            if lefts & mine:
                linked += 1
            elif mine:
                false_links += 1
        elif row.outcome == "ambiguous" and lefts:
            suggested = set()
            for s in MatchSuggestion.objects.filter(list_row=row):
                suggested |= person_of_a.get(s.person_id, set())
            if lefts & suggested:
                ambiguous += 1
    counts = second.stats["counts"]
    print(first.stats["counts"], counts, linked, ambiguous, false_links, len(truth))
    true_b = {right for _, right in truth}
    assert linked + ambiguous >= 0.8 * len(true_b)
    assert false_links <= 0.05 * max(linked, 1)
    assert len(a_dupes) and Person.objects.filter(organisation=world.north).count() < 304 + 355
