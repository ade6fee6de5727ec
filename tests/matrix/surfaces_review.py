"""The review area in the permission matrix: the queue shows only pairs whose persons the user
may see; merging (and undoing a merge) is a supervisor's."""

from tests.factories import PersonFactory
from tests.matrix import LOGIN, Surface, expect

PAGES = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}
DECIDERS = {"caseworker": 200, "other_team_caseworker": 200, "supervisor": 200}


def _pairs(w):
    """A pending pair inside team A, and one inside team B."""
    if not hasattr(w, "pair_a"):
        from casework.models import MatchSuggestion

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
    return w.merge


def _queue(w):
    _pairs(w)
    return "/review/"


def _only_visible_pairs(world, persona, response):
    from casework.selectors import suggestions_visible_to

    shown = {s.pk for s in response.context["page"]}
    user = world.personas()[persona]
    assert shown == set(suggestions_visible_to(user).values_list("pk", flat=True))
    if persona == "caseworker":
        assert shown == {world.pair_a.pk}


SURFACES = [
    Surface(
        name="review_queue",
        path=_queue,
        expect=expect(403, **DECIDERS, **PAGES),
        check=_only_visible_pairs,
    ),
    Surface(
        name="review_suggestion",
        path=lambda w: f"/review/{_pairs(w)[0].public_id}/",
        expect=expect(403, caseworker=200, other_team_caseworker=404, supervisor=200, **PAGES),
    ),
    Surface(
        name="review_suggestion",
        method="POST",
        path=lambda w: f"/review/{_pairs(w)[0].public_id}/",
        data=lambda w: {"decision": "rejected", "reason": "different mothers"},
        expect=expect(403, caseworker=302, other_team_caseworker=404, supervisor=302, **PAGES),
    ),
    Surface(
        name="review_find_duplicates",
        method="POST",
        path=lambda w: "/review/find-duplicates/",
        data=lambda w: {},
        expect=expect(403, supervisor=302, **PAGES),
    ),
    Surface(
        name="review_merge",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{_pairs(w) and w.twin_a.public_id}/",
        expect=expect(403, supervisor=200, **PAGES),
    ),
    Surface(
        name="review_merge",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{w.south_case.public_id}/",
        expect=expect(403, supervisor=404, **PAGES),
    ),
    Surface(
        name="review_merge",
        method="POST",
        path=lambda w: f"/review/merge/{w.case_a.public_id}/{_pairs(w) and w.twin_a.public_id}/",
        data=lambda w: {"reason": "same birth certificate"},
        expect=expect(403, supervisor=302, **PAGES),
    ),
    Surface(
        name="review_merge_detail",
        path=lambda w: f"/review/merges/{_merge(w).public_id}/",
        expect=expect(403, supervisor=200, **PAGES),
    ),
    Surface(
        name="review_unmerge",
        method="POST",
        path=lambda w: f"/review/merges/{_merge(w).public_id}/undo/",
        data=lambda w: {"reason": "different fathers"},
        expect=expect(403, supervisor=302, **PAGES),
    ),
]
