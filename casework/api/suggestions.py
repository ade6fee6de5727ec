"""Match suggestions a partner may read (`permissions.records.partner_suggestions`: every person of
it shared with the partner, the other side a shared person or what the partner sent), with their
explanation in the words of the staff's review page, and the partner's opinion on one where its
agreement allows (`may_decide_suggestions`), through `services.match_opinions`. An opinion is for
the staff to read: it merges, links and decides nothing."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from casework import audit
from casework.api.base import ApiViewSet, parse_uuid
from casework.api.conditional import (
    check_if_match,
    conditional_response,
    etag_for,
    required_if_match,
)
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import IF_MATCH, StrictSerializer
from casework.models import (
    Decision,
    MatchSuggestion,
    PartnerOpinion,
    SuggestionKind,
    SuggestionOpinion,
)
from casework.permissions import (
    Action,
    Denied,
    is_partner_system,
    may_give_match_opinion,
)
from casework.services.match_opinions import suggestion_give_opinion
from casework.services.text_input import MAX_TEXT
from casework.templatetags.casework_ui import agreement, field_label, percent, weighs

KINDS = {
    SuggestionKind.PERSON_PERSON: "two_persons",
    SuggestionKind.ROW_PERSON: "list_row",
    SuggestionKind.ENTRY_PERSON: "report_entry",
}
# The staff's decision in the words of a partner's opinion.
STATUSES = {
    Decision.PENDING: "waiting",
    Decision.CONFIRMED: PartnerOpinion.SAME,
    Decision.REJECTED: PartnerOpinion.NOT_SAME,
    Decision.NEEDS_INFO: PartnerOpinion.NEEDS_MORE_INFORMATION,
}


def explanation_in_words(explanation: dict) -> dict:
    """The explanation as the review page shows it, field by field in words, without the values
    compared (the persons themselves are read through `/persons/`, as shared)."""
    return {
        "summary": gettext("All together: the same person with a likelihood of %(likelihood)s")
        % {"likelihood": percent(explanation.get("probability", 0))},
        "fields": [
            {
                "field": f["field"],
                "label": str(field_label(f["field"])),
                "compared": str(agreement(f["level"])),
                "weighs": str(weighs(f["weight"])),
            }
            for f in explanation.get("fields", [])
        ],
    }


def present(suggestion: MatchSuggestion) -> dict:
    persons = [suggestion.person]
    if suggestion.other_person_id:
        persons.append(suggestion.other_person)
    row = suggestion.list_row if suggestion.list_row_id else None
    entry = suggestion.report_entry if suggestion.report_entry_id else None
    mine = suggestion.mine[0] if suggestion.mine else None
    return {
        "id": str(suggestion.public_id),
        "kind": KINDS[suggestion.kind],
        "persons": [str(p.public_id) for p in persons],
        "list_import": str(row.list_import.public_id) if row else None,
        "row": row.row_number if row else None,
        "report": str(entry.report.public_id) if entry else None,
        "likelihood": round(suggestion.probability, 3),
        "status": STATUSES[suggestion.decision],
        "explanation": explanation_in_words(suggestion.explanation),
        "your_opinion": (
            {
                "decision": mine.opinion,
                "note": mine.note,
                "given_at": mine.updated_at.isoformat().replace("+00:00", "Z"),
            }
            if mine
            else None
        ),
        "created_at": suggestion.created_at.isoformat().replace("+00:00", "Z"),
    }


class ExplanationFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    compared = serializers.CharField(help_text="agrees, partly agrees, differs, missing")
    weighs = serializers.CharField(help_text="How much the field weighs for the same person.")


class OpinionReadSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=PartnerOpinion.values)
    note = serializers.CharField(allow_blank=True)
    given_at = serializers.DateTimeField()


class SuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=list(KINDS.values()))
    persons = serializers.ListField(
        child=serializers.UUIDField(), help_text="The shared persons it is about."
    )
    list_import = serializers.UUIDField(allow_null=True, help_text="Your list, for a list row.")
    row = serializers.IntegerField(allow_null=True)
    report = serializers.UUIDField(allow_null=True, help_text="Your report, for a report entry.")
    likelihood = serializers.FloatField()
    status = serializers.ChoiceField(
        choices=["waiting", *PartnerOpinion.values], help_text="The staff's decision."
    )
    explanation = inline_serializer(
        "SuggestionExplanation",
        {
            "summary": serializers.CharField(),
            "fields": ExplanationFieldSerializer(many=True),
        },
    )
    your_opinion = OpinionReadSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class OpinionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=PartnerOpinion.values)
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


def suggestion_etag(data: dict) -> str:
    return etag_for(data)


@extend_schema_view(
    list=extend_schema(responses=SuggestionSerializer(many=True)),
    retrieve=extend_schema(responses=SuggestionSerializer),
)
class SuggestionViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = SuggestionSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]
    http_method_names = ["get", "post", "head"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not is_partner_system(request.user):
            # Staff decide in the review queue; this is the partner's reading of it.
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        if self.action == "decision":
            return is_partner_system(user) and may_give_match_opinion(user)
        return is_partner_system(user)

    def get_queryset(self):
        user = self.request.user
        return (
            MatchSuggestion.objects.visible_to(user)
            .select_related(
                "person",
                "other_person",
                "list_row__list_import",
                "report_entry__report",
            )
            .prefetch_related(
                Prefetch(
                    "partner_opinions",
                    queryset=SuggestionOpinion.objects.visible_to(user),
                    to_attr="mine",
                )
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([present(s) for s in page])

    def retrieve(self, request, *args, **kwargs):
        data = present(self.get_object())
        return conditional_response(request, data, suggestion_etag(data))

    @extend_schema(
        request=OpinionSerializer,
        responses={200: SuggestionSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="decision", url_name="decision")
    def decision(self, request, *args, **kwargs):
        parse_uuid(kwargs[self.lookup_url_kwarg])
        suggestion = self.get_object()
        user = request.user
        if not may_give_match_opinion(user, suggestion.organisation_id):
            refusal = Denied()
            audit.record_denial(
                user, Action.GIVE_MATCH_OPINION, suggestion, hidden=False, exc=refusal
            )
            raise refusal

        def perform():
            tags = required_if_match(request)
            checked = OpinionSerializer(data=request.data)
            checked.is_valid(raise_exception=True)
            check_if_match(tags, suggestion_etag(present(suggestion)))
            suggestion_give_opinion(
                actor=user,
                suggestion=suggestion,
                opinion=checked.validated_data["decision"],
                note=checked.validated_data.get("note", ""),
                expected_updated_at=suggestion.updated_at,
            )
            data = present(self.get_queryset().get(pk=suggestion.pk))
            return status.HTTP_200_OK, data, {"ETag": suggestion_etag(data)}

        return self.idempotent(request, perform)
