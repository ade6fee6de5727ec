"""A partner's opinion on a match suggestion (same person, not the same, needs more information),
given where its agreement allows (`may_decide_suggestions`) and shown to the owner's staff in
the review queue. The sibling of `matching.suggestion_decide`, which stays the staff's: an opinion
decides, links and merges nothing, and leaves the suggestion waiting as it was."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import Decision, MatchSuggestion, PartnerOpinion, SuggestionOpinion
from casework.permissions import Action, Denied, Hidden, may_give_match_opinion, require
from casework.services.errors import Conflict, ServiceError
from casework.services.text_input import MAX_TEXT, clean_input


class SuggestionChanged(Conflict):
    """The suggestion changed (a staff decision, another opinion) since the partner read it."""

    def __init__(self):
        Exception.__init__(
            self, gettext("This suggestion changed since you read it: read it again.")
        )


def _refuse(actor, suggestion, exc):
    audit.record_denial(
        actor, Action.GIVE_MATCH_OPINION, suggestion, hidden=isinstance(exc, Hidden), exc=exc
    )
    raise exc


def suggestion_give_opinion(
    *, actor, suggestion: MatchSuggestion, opinion: str, note: str, expected_updated_at=None
) -> SuggestionOpinion:
    """Record (or replace) the actor's organisation's opinion on `suggestion`, audited.
    `expected_updated_at`: the version the partner read; another one is a `Conflict`."""
    # The suggestion itself must be one the partner reads (both persons shared, or its own row or
    # entry on the other side), not only its person.
    if not MatchSuggestion.objects.visible_to(actor).filter(pk=suggestion.pk).exists():
        _refuse(actor, suggestion, Hidden())
    require(actor, Action.GIVE_MATCH_OPINION, suggestion.person)
    if not may_give_match_opinion(actor, suggestion.organisation_id):
        _refuse(actor, suggestion, Denied())
    if opinion not in PartnerOpinion.values:
        raise ServiceError(
            {"decision": [gettext("Unknown decision %(decision)r.") % {"decision": opinion}]}
        )
    note = clean_input("note", note, max_length=MAX_TEXT, multiline=True)
    with transaction.atomic():
        locked = MatchSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise SuggestionChanged()
        if locked.decision in (Decision.CONFIRMED, Decision.REJECTED):
            raise ServiceError(
                {
                    "decision": [
                        gettext("The staff already decided this pair (%(decision)s).")
                        % {"decision": locked.get_decision_display()}
                    ]
                }
            )
        given = SuggestionOpinion.objects.filter(
            suggestion=locked, partner_id=actor.organisation_id
        ).first()
        before = given.opinion if given else None
        if given is None:
            given = SuggestionOpinion(suggestion=locked, partner_id=actor.organisation_id)
        given.opinion = opinion
        given.note = note
        given.given_by = actor
        given.save()
        # The suggestion's own version moves (its ETag with it): a partner editing an older
        # reading gets a 412.
        locked.save(update_fields=["updated_at"])
        audit.record(
            actor,
            AuditAction.DECIDE_MATCH,
            locked,
            fields=["partner_opinion"],
            changes={"partner_opinion": [before, opinion], "decision": locked.decision},
            reason=note,
        )
    return given
