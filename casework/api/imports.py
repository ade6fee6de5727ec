"""Lists a partner sends under its agreement (`may_submit_list_rows`), through
`services.partner_lists.list_import_submit`: a CSV or XLSX file (multipart) or rows as JSON. The
list is the receiving organisation's, in its review queue; the partner follows it and reads what
became of each row, told a person's id only when that person is shared with it."""

from __future__ import annotations

import hashlib
from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from casework import audit
from casework.api.base import ApiViewSet, ConditionalRetrieveMixin, parse_uuid
from casework.api.conditional import etag_for, none_match
from casework.api.exceptions import PayloadTooLarge
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination, RowNumberPagination
from casework.api.parsers import SafeJSONParser
from casework.api.persons import StrictSerializer
from casework.imports.columns import FIELDS
from casework.imports.messages import translated
from casework.models import ListImport, ListImportRow, Organisation, Person, RowOutcome
from casework.permissions import (
    Action,
    Denied,
    agreements_taking_lists,
    is_partner_system,
    may,
    require,
)
from casework.services.partner_lists import (
    MAX_SUBMITTED_BYTES,
    MAX_SUBMITTED_ROWS,
    ListTooLarge,
    list_import_submit,
)

# What a partner is told of a row (never more than whether the person it named is shared).
MATCHED = "matched"
NEW_CANDIDATE = "new_candidate"
NEEDS_REVIEW = "needs_review"
REFUSED = "refused"
OUTCOMES = (MATCHED, NEW_CANDIDATE, NEEDS_REVIEW, REFUSED)
IN_REVIEW, DONE = "in_review", "done"


def row_outcome(outcome: str, suggested: bool) -> str:
    """A stored row outcome in the partner's words: linked by the staff (or at once) is matched;
    a new person, or a row no known person matches, is a new candidate; a row with candidates
    waiting for the staff needs review; an invalid row kept as such is refused."""
    if outcome == RowOutcome.LINKED:
        return MATCHED
    if outcome == RowOutcome.REJECTED:
        return REFUSED
    if outcome == RowOutcome.AMBIGUOUS and suggested:
        return NEEDS_REVIEW
    return NEW_CANDIDATE


def _progress(user, imports) -> dict[int, tuple[str, dict[str, int]]]:
    """Each import's status and counts in the partner's words, in one query for all of them."""
    rows = (
        ListImportRow.objects.visible_to(user)
        .filter(list_import__in=[i.pk for i in imports])
        .annotate(suggested=Count("suggestions"))
        .values_list("list_import_id", "outcome", "suggested")
        .order_by()
    )
    counts: dict[int, Counter] = {i.pk: Counter() for i in imports}
    waiting: Counter = Counter()
    for import_id, outcome, suggested in rows:
        counts[import_id][row_outcome(outcome, bool(suggested))] += 1
        waiting[import_id] += outcome == RowOutcome.AMBIGUOUS
    return {
        pk: (IN_REVIEW if waiting[pk] else DONE, {name: found[name] for name in OUTCOMES})
        for pk, found in counts.items()
    }


class OutcomeCountsSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    new_candidate = serializers.IntegerField()
    needs_review = serializers.IntegerField()
    refused = serializers.IntegerField()


class ListImportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    organisation = serializers.UUIDField(source="organisation.public_id")
    source = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    received_at = serializers.DateTimeField(source="created_at")
    status = serializers.ChoiceField(
        choices=[IN_REVIEW, DONE],
        source="progress_status",
        help_text="`in_review` while a row waits for the receiving organisation's staff.",
    )
    rows = serializers.IntegerField(source="row_count")
    counts = OutcomeCountsSerializer(source="progress_counts")


class ListRowSerializer(StrictSerializer):
    """One row of a list: the import's field names, each a text value."""

    def get_fields(self):
        return {
            name: serializers.CharField(required=False, allow_blank=True, allow_null=True)
            for name in FIELDS
        }


class ListSubmissionSerializer(StrictSerializer):
    organisation = serializers.UUIDField(
        required=False,
        help_text="Partners with agreements with several organisations name the one it is for.",
    )
    source = serializers.CharField(help_text="Who compiled the list.")
    as_of = serializers.DateField(required=False, allow_null=True, help_text="The list's date.")
    reject_invalid = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep invalid rows as refused, with their reasons, instead of refusing the list.",
    )
    rows = ListRowSerializer(many=True, allow_empty=False, max_length=MAX_SUBMITTED_ROWS)


class ListUploadSerializer(StrictSerializer):
    organisation = serializers.UUIDField(required=False)
    source = serializers.CharField()
    as_of = serializers.DateField(required=False, allow_null=True)
    reject_invalid = serializers.BooleanField(required=False, default=False)
    file = serializers.FileField(help_text="A CSV (UTF-8) or XLSX file with a header row.")


class RowOutcomeSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="In a file, its row (the header is row 1); sent as JSON, its place from 1."
    )
    record_id = serializers.CharField(help_text="The row's own record id, if it had one.")
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    person = serializers.UUIDField(
        allow_null=True, help_text="The person the row became or was matched to, if shared."
    )
    reason = serializers.CharField(allow_null=True, help_text="Why a row was refused.")


def _unknown_organisation():
    return serializers.ValidationError({"organisation": ["Unknown organisation."]})


def _receiving(user, requested) -> Organisation | None:
    if requested is None:
        return None
    found = Organisation.objects.filter(
        public_id=requested, pk__in=agreements_taking_lists(user).values("owner_id")
    ).first()
    if found is None:
        raise _unknown_organisation()
    return found


@extend_schema_view(
    list=extend_schema(responses=ListImportSerializer(many=True)),
    retrieve=extend_schema(responses=ListImportSerializer),
)
class ListImportViewSet(mixins.ListModelMixin, ConditionalRetrieveMixin, ApiViewSet):
    serializer_class = ListImportSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]
    parser_classes = [SafeJSONParser, MultiPartParser]
    http_method_names = ["get", "post", "head"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if not is_partner_system(user) and not may(user, Action.IMPORT_LIST):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        if self.action == "create":
            return may(user, Action.SUBMIT_LIST) and agreements_taking_lists(user).exists()
        return is_partner_system(user) or may(user, Action.IMPORT_LIST)

    def get_queryset(self):
        return ListImport.objects.visible_to(self.request.user).select_related("organisation")

    def _with_progress(self, imports):
        progress = _progress(self.request.user, imports)
        for list_import in imports:
            list_import.progress_status, list_import.progress_counts = progress[list_import.pk]
        return imports

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            self.get_serializer(self._with_progress(page), many=True).data
        )

    def get_object(self):
        return self._with_progress([super().get_object()])[0]

    @extend_schema(
        request={
            "application/json": ListSubmissionSerializer,
            "multipart/form-data": ListUploadSerializer,
        },
        responses={201: ListImportSerializer},
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        require(user, Action.SUBMIT_LIST)
        if not agreements_taking_lists(user).exists():
            refusal = Denied()
            audit.record_denial(user, Action.SUBMIT_LIST, None, hidden=False, exc=refusal)
            raise refusal
        upload = request.FILES.get("file")
        content = None
        payload = None
        if upload is not None:
            if upload.size > MAX_SUBMITTED_BYTES:
                raise PayloadTooLarge(_too_large())
            content = upload.read()
            fields = {k: request.data.get(k) for k in request.data if k != "file"}
            payload = {**fields, "file_sha256": hashlib.sha256(content).hexdigest()}

        def perform():
            checked = (ListUploadSerializer if upload is not None else ListSubmissionSerializer)(
                data=request.data
            )
            checked.is_valid(raise_exception=True)
            values = checked.validated_data
            try:
                list_import = list_import_submit(
                    actor=user,
                    organisation=_receiving(user, values.get("organisation")),
                    source=values["source"],
                    as_of=values.get("as_of"),
                    filename=upload.name if upload is not None else "",
                    data=content,
                    rows=[dict(row) for row in values["rows"]] if upload is None else None,
                    reject_invalid=values["reject_invalid"],
                )
            except ListTooLarge:
                raise PayloadTooLarge(_too_large()) from None
            data = self.get_serializer(self._with_progress([list_import])[0]).data
            return (
                status.HTTP_201_CREATED,
                data,
                {"Location": f"{request.path}{list_import.public_id}/"},
            )

        return self.idempotent(request, perform, payload)

    @extend_schema(
        responses={200: RowOutcomeSerializer(many=True)},
        description=(
            "What became of each row of the list, by row number. `person` is given only for a "
            "person shared with you; a row that may match a person not shared with you says "
            "`needs_review`, without the person."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="rows",
        url_name="rows",
        pagination_class=RowNumberPagination,
        filter_backends=[UpdatedSinceFilter],
    )
    def rows(self, request, *args, **kwargs):
        list_import = super().get_object()
        rows = self.filter_queryset(
            ListImportRow.objects.visible_to(request.user)
            .filter(list_import=list_import)
            .annotate(suggested=Count("suggestions"))
        )
        page = self.paginate_queryset(rows)
        shared = dict(
            Person.objects.visible_to(request.user)
            .filter(pk__in=[row.person_id for row in page if row.person_id])
            .values_list("pk", "public_id")
        )
        results = [
            {
                "row": row.row_number,
                "record_id": row.record_id,
                "outcome": row_outcome(row.outcome, bool(row.suggested)),
                "person": str(shared[row.person_id]) if row.person_id in shared else None,
                "reason": translated(row.reason) if row.outcome == RowOutcome.REJECTED else None,
            }
            for row in page
        ]
        response = self.get_paginated_response(results)
        etag = etag_for(response.data)
        if none_match(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response["ETag"] = etag
        return response

    def retrieve(self, request, *args, **kwargs):
        parse_uuid(kwargs[self.lookup_url_kwarg])
        return super().retrieve(request, *args, **kwargs)


def _too_large() -> str:
    return gettext("A list may be at most %(mb)s MB.") % {
        "mb": MAX_SUBMITTED_BYTES // (1024 * 1024)
    }
