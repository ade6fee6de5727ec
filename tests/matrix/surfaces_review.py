"""The review area: the queue shows exactly the pairs whose persons the user may see; deciding is
for those who work on both persons; finding duplicates, merging and undoing a merge are a
supervisor's."""

import datetime as dt

from casework.models import MatchSuggestion, PersonMerge
from tests.factories import PersonFactory
from tests.matrix import PAGES, Surface, expect
from tests.matrix.records import audited, fresh

DECIDERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}
QUEUES = {
    "caseworker": {"pair_a"},
    "other_team_caseworker": {"pair_b"},
    "supervisor": {"pair_a", "pair_b"},
}


def _pairs(w):
    """A pending pair inside team A, and one inside team B."""
    if not hasattr(w, "pair_a"):
        w.twin_a = PersonFactory(organisation=w.north, team=w.team_a, display_name="Alieva Madina")
        w.twin_b = PersonFactory(organisation=w.north, team=w.team_b, display_name="Bekova Zaira")
        explanation = {"prior": -10, "total": 3, "probability": 0.8, "fields": []}
        w.pair_a, w.pair_b = (
            MatchSuggestion.objects.create(
                organisation=w.north, kind="person_person", person=first,
                other_person=second, probability=0.8, explanation=explanation,
            )
            for first, second in ((w.case_a, w.twin_a), (w.case_b, w.twin_b))
        )  # fmt: skip
    return w.pair_a, w.pair_b


def _merge(w):
    if not hasattr(w, "merge"):
        from casework.services.merge import persons_merge

        _pairs(w)
        w.merge = persons_merge(
            actor=w.supervisor, survivor=w.case_a, absorbed=w.twin_a, reason="matrix"
        )
        w.twin_a.refresh_from_db()
    return w.merge


def _duplicates(w):
    """Two records of one girl in team A, with their name keys: a pair for find-duplicates."""
    if not hasattr(w, "dupe_1"):
        from casework.services.names import refresh_name_keys

        w.dupe_1, w.dupe_2 = (
            PersonFactory(
                organisation=w.north, team=w.team_a, display_name="Duplova Asiya",
                birth_date=dt.date(2012, 5, 3), birth_precision="exact",
                birth_earliest=dt.date(2012, 5, 3), birth_latest=dt.date(2012, 5, 3),
            )
            for _ in range(2)
        )  # fmt: skip
        for person in (w.dupe_1, w.dupe_2):
            refresh_name_keys(person)
    return w


def _queue(w):
    _pairs(w)
    return "/review/"


def _pairs_are(expected):
    def check(world, persona, response):
        known = {world.pair_a.pk: "pair_a", world.pair_b.pk: "pair_b"}
        shown = {known.get(s.pk, str(s.pk)) for s in response.context["page"]}
        assert shown == expected.get(persona, set()), shown

    return check


def _decided(w, persona):
    suggestion = fresh(w.pair_a)
    assert suggestion.decision == "rejected"
    assert suggestion.decided_by == w.personas()[persona]
    assert audited(w.personas()[persona], "decide_match", object_id=suggestion.public_id)


def _found(w, persona):
    assert MatchSuggestion.objects.filter(
        person__in=[w.dupe_1, w.dupe_2], other_person__in=[w.dupe_1, w.dupe_2]
    ).exists()


def _merged(w, persona):
    merge = PersonMerge.objects.get(survivor=w.case_a, absorbed=w.twin_a)
    assert merge.performed_by == w.supervisor and fresh(w.twin_a).merged_into_id == w.case_a.pk
    assert audited(w.supervisor, "merge")


def _unmerged(w, persona):
    assert fresh(w.merge).undone_at is not None
    assert fresh(w.twin_a).merged_into_id is None
    assert audited(w.supervisor, "unmerge")


def _merge_page(w, persona, response):
    assert response.context["survivor"]["person"] == w.case_a
    assert response.context["absorbed"]["person"] == w.twin_a


def _merge_record(w, persona, response):
    merge = response.context["merge"]
    assert (merge.survivor, merge.absorbed) == (w.case_a, w.twin_a)


def _shows_both(w, persona, response):
    body = response.content.decode()
    assert w.case_a.display_name in body and "Bekova Zaira" not in body


SURFACES = [
    Surface(
        name="review_queue",
        path=_queue,
        expect=expect(403, **DECIDERS, **PAGES),
        check=_pairs_are(QUEUES),
    ),
    Surface(
        name="review_queue",
        method="POST",
        path=_queue,
        data=lambda w: {},
        expect=expect(403, **DECIDERS, **PAGES),
        check=_pairs_are(QUEUES),
    ),
    Surface(
        name="review_queue",
        label="?kind=row_person",
        path=lambda w: _queue(w) + "?kind=row_person",
        expect=expect(403, **DECIDERS, **PAGES),
        check=_pairs_are({}),
    ),
    Surface(
        name="review_queue",
        label="?decision=rejected",
        path=lambda w: _queue(w) + "?decision=rejected",
        expect=expect(403, **DECIDERS, **PAGES),
        check=_pairs_are({}),
    ),
    Surface(
        name="review_queue",
        label="?min_probability=0.5",
        path=lambda w: _queue(w) + "?min_probability=0.5",
        expect=expect(403, **DECIDERS, **PAGES),
        check=_pairs_are(QUEUES),
    ),
    Surface(
        name="review_suggestion",
        path=lambda w: f"/review/{_pairs(w)[0].public_id}/",
        expect=expect(403, caseworker=200, other_team_caseworker=404, supervisor=200, **PAGES),
        check=_shows_both,
    ),
    Surface(
        name="review_suggestion",
        label="team B's pair",
        path=lambda w: f"/review/{_pairs(w)[1].public_id}/",
        expect=expect(403, caseworker=404, other_team_caseworker=200, supervisor=200, **PAGES),
    ),
    Surface(
        name="review_suggestion",
        method="POST",
        path=lambda w: f"/review/{_pairs(w)[0].public_id}/",
        data=lambda w: {"decision": "rejected", "reason": "different mothers"},
        expect=expect(403, caseworker=302, other_team_caseworker=404, supervisor=302, **PAGES),
        writes={"caseworker", "supervisor"},
        wrote=_decided,
    ),
    Surface(
        name="review_find_duplicates",
        method="POST",
        path=lambda w: (_duplicates(w), "/review/find-duplicates/")[1],
        data=lambda w: {},
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_found,
    ),
    Surface(
        name="review_merge",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{_pairs(w) and w.twin_a.public_id}/",
        expect=expect(403, supervisor=200, **PAGES),
        check=_merge_page,
    ),
    Surface(
        name="review_merge",
        label="other organisation",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{w.south_case.public_id}/",
        expect=expect(403, supervisor=404, **PAGES),
    ),
    Surface(
        name="review_merge",
        method="POST",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{_pairs(w) and w.twin_a.public_id}/",
        data=lambda w: {"reason": "same birth certificate"},
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_merged,
    ),
    Surface(
        name="review_merge",
        method="POST",
        label="other organisation",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{w.south_case.public_id}/",
        data=lambda w: {"reason": "same birth certificate"},
        expect=expect(403, supervisor=404, **PAGES),
    ),
    Surface(
        name="review_merge_detail",
        path=lambda w: f"/review/merges/{_merge(w).public_id}/",
        expect=expect(403, supervisor=200, **PAGES),
        check=_merge_record,
    ),
    Surface(
        name="review_merge_detail",
        method="POST",
        path=lambda w: f"/review/merges/{_merge(w).public_id}/",
        data=lambda w: {},
        expect=expect(403, supervisor=200, **PAGES),
        check=_merge_record,
    ),
    Surface(
        name="review_unmerge",
        method="POST",
        path=lambda w: f"/review/merges/{_merge(w).public_id}/undo/",
        data=lambda w: {"reason": "different fathers"},
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=_unmerged,
    ),
]
