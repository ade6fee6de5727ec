"""The partner's lists and match suggestions over the API (/api/v1/imports/, /api/v1/suggestions/),
their services and the read gate of partners' opinions: every persona."""

from casework.api.suggestions import present, suggestion_etag
from casework.models import (
    ListImport,
    MatchSuggestion,
    SharedCase,
    SharingAgreement,
    SuggestionOpinion,
)
from casework.services.match_opinions import suggestion_give_opinion
from casework.services.partner_lists import list_import_submit, partner_row_record
from tests.factories import PersonFactory
from tests.matrix import ALLOWED, DENIED, HIDDEN, PAGES, Call, Surface, expect, sets
from tests.matrix.records import audited
from tests.matrix.surfaces_selectors import _selected

A = ALLOWED
LIST_READERS = ("caseworker", "other_team_caseworker", "supervisor")


def _partner_list(w):
    """A list the partner sent to north (one row, no known person: a new candidate)."""
    if not hasattr(w, "partner_list"):
        w.partner_list = list_import_submit(
            actor=w.partner, source="Matrix partner list", rows=[{"family_name": "Listova"}]
        )
    return w.partner_list


def _lists_are(expected):
    def check(world, persona, response):
        ids = {item["id"] for item in response.json()["results"]}
        assert ids == ({str(world.partner_list.public_id)} if persona in expected else set())

    return check


def _list_sent(w, persona):
    sent = ListImport.objects.get(source="Sent through the matrix")
    assert (sent.organisation, sent.submitted_by_partner) == (w.north, w.partner_org)
    assert audited(w.partner, "import", object_id=str(sent.public_id))


def _shared_pair(w):
    """A pending pair of two persons of team A, both shared with the partner, whose agreement
    takes its opinion."""
    if not hasattr(w, "shared_pair"):
        SharingAgreement.objects.filter(pk=w.agreement.pk).update(may_decide_suggestions=True)
        w.shared_twin = PersonFactory(organisation=w.north, team=w.team_a, display_name="Twinova")
        SharedCase.objects.create(agreement=w.agreement, person=w.shared_twin)
        low, high = sorted((w.case_a, w.shared_twin), key=lambda p: p.pk)
        w.shared_pair = MatchSuggestion.objects.create(
            organisation=w.north,
            kind="person_person",
            person=low,
            other_person=high,
            probability=0.9,
            explanation={"probability": 0.9, "fields": []},
        )
    return w.shared_pair


def _opinion(w):
    if not hasattr(w, "opinion"):
        w.opinion = suggestion_give_opinion(
            actor=w.partner, suggestion=_shared_pair(w), opinion="same", note="matrix"
        )
    return w.opinion


def _suggestion_if_match(w, persona):
    user = w.personas().get(persona)
    if persona != "partner":
        return {"If-Match": '"unseen"'}
    suggestion = (
        MatchSuggestion.objects.visible_to(user)
        .select_related("person", "other_person")
        .get(pk=_shared_pair(w).pk)
    )
    suggestion.mine = list(SuggestionOpinion.objects.visible_to(user).filter(suggestion=suggestion))
    return {"If-Match": suggestion_etag(present(suggestion))}


def _opinion_given(w, persona):
    opinion = SuggestionOpinion.objects.get(suggestion=w.shared_pair)
    assert (opinion.partner, opinion.opinion) == (w.partner_org, "not_same")
    assert MatchSuggestion.objects.get(pk=w.shared_pair.pk).decision == "pending"
    assert audited(w.partner, "decide_match", object_id=str(w.shared_pair.public_id))


def _suggestions_are(world, persona, response):
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == ({str(world.shared_pair.public_id)} if persona == "partner" else set())


def _one_new_candidate(response):
    [row] = response.json()["results"]
    assert (row["row"], row["outcome"], row["person"]) == (1, "new_candidate", None)


def _row_recorded(w, persona):
    row = w.partner_list.rows.get()
    assert row.outcome == "created" and row.person.organisation == w.north
    assert audited(w.personas()[persona], "update", object_id=str(w.partner_list.public_id))


def _record_path(w):
    sent = _partner_list(w)
    return f"/imports/{sent.public_id}/rows/{sent.rows.get().public_id}/record/"


SURFACES = [
    Surface(
        # The staff's side of a partner's list: a new candidate recorded as a new person.
        name="import_row_record",
        method="POST",
        path=_record_path,
        expect=expect(403, intake=404, **dict.fromkeys(LIST_READERS, 302), **PAGES),
        writes=set(LIST_READERS),
        wrote=_row_recorded,
    ),
    Surface(
        name="api-import-list",
        path=lambda w: (_partner_list(w), "/api/v1/imports/")[1],
        expect=expect(200, intake=403, dpo=403, admin=403, anonymous=401),
        check=_lists_are({"partner", *LIST_READERS}),
    ),
    Surface(
        name="api-import-list",
        method="POST",
        path=lambda w: "/api/v1/imports/",
        data=lambda w: {"source": "Sent through the matrix", "rows": [{"family_name": "Sentova"}]},
        json=True,
        expect=expect(403, partner=201, anonymous=401),
        writes={"partner"},
        wrote=_list_sent,
    ),
    Surface(
        name="api-import-detail",
        path=lambda w: f"/api/v1/imports/{_partner_list(w).public_id}/",
        expect=expect(
            403,
            partner=200,
            partner_without_agreement=404,
            anonymous=401,
            **dict.fromkeys(LIST_READERS, 200),
        ),  # fmt: skip
    ),
    Surface(
        name="api-import-rows",
        path=lambda w: f"/api/v1/imports/{_partner_list(w).public_id}/rows/",
        expect=expect(
            403,
            partner=200,
            partner_without_agreement=404,
            anonymous=401,
            **dict.fromkeys(LIST_READERS, 200),
        ),  # fmt: skip
        check=lambda w, persona, response: _one_new_candidate(response),
    ),
    Surface(
        name="api-suggestion-list",
        path=lambda w: (_shared_pair(w), "/api/v1/suggestions/")[1],
        expect=expect(403, partner=200, partner_without_agreement=200, anonymous=401),
        check=_suggestions_are,
    ),
    Surface(
        name="api-suggestion-detail",
        path=lambda w: f"/api/v1/suggestions/{_shared_pair(w).public_id}/",
        expect=expect(403, partner=200, partner_without_agreement=404, anonymous=401),
    ),
    Surface(
        name="api-suggestion-decision",
        method="POST",
        path=lambda w: f"/api/v1/suggestions/{_shared_pair(w).public_id}/decision/",
        data=lambda w: {"decision": "not_same", "note": "Different mothers."},
        headers=_suggestion_if_match,
        json=True,
        expect=expect(403, partner=200, partner_without_agreement=404, anonymous=401),
        writes={"partner"},
        wrote=_opinion_given,
    ),
]

CALLS = [
    Call(
        name="service:partner_row_record",
        setup=_partner_list,
        run=lambda w, user: partner_row_record(actor=user, row=w.partner_list.rows.get()),
        expect=expect(
            DENIED,
            partner=HIDDEN,
            partner_without_agreement=HIDDEN,
            anonymous=HIDDEN,
            **dict.fromkeys(LIST_READERS, A),
        ),
        wrote=_row_recorded,
    ),
    Call(
        name="service:list_import_submit",
        run=lambda w, user: list_import_submit(
            actor=user, source="Sent through the matrix", rows=[{"family_name": "Callova"}]
        ),
        expect=expect(DENIED, partner=A),
        wrote=_list_sent,
    ),
    Call(
        name="service:suggestion_give_opinion",
        setup=_shared_pair,
        run=lambda w, user: suggestion_give_opinion(
            actor=user, suggestion=w.shared_pair, opinion="not_same", note="Different mothers."
        ),
        # Staff who see the pair may decide it in the review queue, not give a partner's opinion.
        expect=expect(HIDDEN, partner=A, caseworker=DENIED, supervisor=DENIED),
        wrote=_opinion_given,
    ),
    Call(
        name="gate:SuggestionOpinion.visible_to",
        setup=_opinion,
        run=_selected("SuggestionOpinion.visible_to"),
        expect=sets(**dict.fromkeys(("partner", "caseworker", "supervisor"), {"opinion"})),
    ),
]
