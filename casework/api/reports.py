"""Family reports over the API: partners (whose agreement allows it) and report staff submit them
through `services.reports.report_submit`; a partner lists only the reports it sent, with a coarse
status, each with its entries as they were sent and whether each is processed (not the outcome,
nor who processed it). Who reported, how to reach them and their account never leave through the
API. A report's `updated_at` moves with each entry processed: `updated_since` finds them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from casework import audit
from casework.api.base import ApiViewSet, ConditionalRetrieveMixin, parse_uuid
from casework.api.feeds import change_feed, feed_page_size
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON, StrictSerializer
from casework.api.sync import deleted_tombstone, feed_page
from casework.family_status import family_status
from casework.models import (
    Channel,
    ConsentPurpose,
    DatePrecision,
    FamilyReport,
    Organisation,
    ReportEntry,
    Sex,
    TriageOutcome,
)
from casework.models.sync import FeedRecord
from casework.permissions import (
    Action,
    Denied,
    agreements_in_force_for,
    is_partner_system,
    may,
    require,
    sharing_partners,
)
from casework.services.reports import (
    ENTRY_FIELDS,
    ENTRY_TEXT_FIELDS,
    LAST_KNOWN_PRECISIONS,
    STAFF_CHANNELS,
    report_submit,
)


def coarse_status(report: FamilyReport) -> str:
    """What a partner is told of a report's progress: no more than the family is."""
    return family_status(report).value


class ConsentSerializer(StrictSerializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField()
    partner = serializers.UUIDField(required=False, allow_null=True)


class ReportSubmitSerializer(StrictSerializer):
    organisation = serializers.UUIDField(
        required=False,
        help_text="Partners with agreements with several organisations name the one it is for.",
    )
    channel = serializers.ChoiceField(
        choices=sorted(STAFF_CHANNELS | {Channel.PARTNER}), required=False
    )
    received_at = serializers.DateTimeField(required=False)
    reporter = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    account = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    consents = ConsentSerializer(many=True, required=False, max_length=10)
    entries = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=50)


class ReportEntrySerializer(StrictSerializer):
    """One person a report describes. At least one of family_name, given_name, full_name or
    aliases; a date is YYYY-MM-DD, with its precision saying how much of it is known."""

    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    age_stated = serializers.IntegerField(min_value=0, max_value=120, required=False)
    last_known_date = serializers.DateField(required=False, allow_null=True)
    last_known_precision = serializers.ChoiceField(
        choices=[(p.value, p.label) for p in LAST_KNOWN_PRECISIONS], required=False
    )

    def get_fields(self):
        fields = super().get_fields()
        for name, limit in ENTRY_TEXT_FIELDS.items():
            fields[name] = serializers.CharField(max_length=limit, required=False, allow_blank=True)
        return fields


class ReportEntryReadSerializer(serializers.Serializer):
    """One person a report describes, read back: what was sent (`sent`: the members given, as
    they were stored) and how far it is processed. Never who processed it or the host's notes;
    a partner is not told the outcome (`{"withheld": true}`), only whether it is processed."""

    id = serializers.UUIDField()
    position = serializers.IntegerField(help_text="1 for the report's first entry.")
    sent = ReportEntrySerializer()
    processed = serializers.BooleanField(help_text="Triaged by the receiving organisation.")
    outcome = serializers.ChoiceField(
        choices=TriageOutcome.choices, help_text='Or {"withheld": true} for a partner.'
    )


def _entry(entry: ReportEntry, told_outcome: bool) -> dict:
    sent = {}
    for name in sorted(ENTRY_FIELDS):
        field = ReportEntry._meta.get_field(name)
        value = getattr(entry, name)
        if value in (None, "") or (field.has_default() and value == field.get_default()):
            continue
        sent[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return {
        "id": str(entry.public_id),
        "position": entry.position,
        "sent": sent,
        "processed": entry.outcome != TriageOutcome.PENDING,
        "outcome": entry.outcome if told_outcome else WITHHELD_JSON,
    }


class ReportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.SerializerMethodField(
        help_text="Partners see a coarse status: received, being traced, please contact us."
    )
    entries = serializers.SerializerMethodField(
        help_text="The persons the report describes, each as it was sent and how far it is "
        "processed."
    )

    class Meta:
        model = FamilyReport
        fields = ["id", "reference", "channel", "received_at", "updated_at", "status", "entries"]

    def get_status(self, report) -> str:
        user = self.context["request"].user
        return coarse_status(report) if is_partner_system(user) else report.status

    @extend_schema_field(ReportEntryReadSerializer(many=True))
    def get_entries(self, report) -> list[dict]:
        told_outcome = not is_partner_system(self.context["request"].user)
        return [_entry(entry, told_outcome) for entry in report.entries.all()]


class ReportSubmissionSerializer(ReportSubmitSerializer):
    """A family report to submit: who it is for, the consents given, the persons it describes."""

    entries = ReportEntrySerializer(many=True, allow_empty=False, max_length=50)


def _unknown(field: str):
    return serializers.ValidationError({field: ["Unknown organisation."]})


def _submitting_agreements(user):
    return agreements_in_force_for(user).filter(may_submit_reports=True)


def _organisation_for(user, requested) -> Organisation:
    if not is_partner_system(user):
        if requested is not None and requested != user.organisation.public_id:
            raise _unknown("organisation")
        return user.organisation
    owner_ids = set(_submitting_agreements(user).values_list("owner_id", flat=True))
    owners = Organisation.objects.filter(pk__in=owner_ids)
    if requested is not None:
        owner = owners.filter(public_id=requested).first()
        if owner is None:
            raise _unknown("organisation")
        return owner
    if len(owner_ids) != 1:
        raise serializers.ValidationError(
            {"organisation": ["Name the organisation the report is for."]}
        )
    return owners.get()


def _consent_partners(consents, organisation) -> list[dict]:
    resolved = []
    for consent in consents:
        consent = dict(consent)
        partner_id = consent.pop("partner", None)
        partner = None
        if partner_id is not None:
            # Only partners the organisation shares with now: any other id is unknown, as if
            # missing (a revoked or ended agreement names no one).
            partner = sharing_partners(organisation.pk).filter(public_id=partner_id).first()
            if partner is None:
                raise _unknown("consents")
        resolved.append({**consent, "partner": partner})
    return resolved


class ReportViewSet(mixins.ListModelMixin, ConditionalRetrieveMixin, ApiViewSet):
    serializer_class = ReportSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]
    http_method_names = ["get", "post", "head"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if not is_partner_system(user) and not may(user, Action.VIEW_REPORT):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        if self.action == "changes":
            return is_partner_system(user)
        if self.action == "create":
            return may(user, Action.ENTER_REPORT) and (
                not is_partner_system(user) or _submitting_agreements(user).exists()
            )
        return is_partner_system(user) or may(user, Action.VIEW_REPORT)

    def get_queryset(self):
        # A report reads back with its entries as sent (and each one's person for the coarse
        # status): the entries and their persons in one query.
        entries = ReportEntry.objects.select_related("person")
        return FamilyReport.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("entries", queryset=entries)
        )

    # The entries are checked by the service (`report_submit`), which knows their rules; the schema
    # types them with what it checks.
    @extend_schema(request=ReportSubmissionSerializer, responses={201: ReportSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        require(user, Action.ENTER_REPORT)
        if is_partner_system(user) and not _submitting_agreements(user).exists():
            refusal = Denied()
            audit.record_denial(user, Action.ENTER_REPORT, None, hidden=False, exc=refusal)
            raise refusal

        def perform():
            serializer = ReportSubmitSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = serializer.validated_data
            organisation = _organisation_for(user, values.get("organisation"))
            report, _secret = report_submit(
                actor=user,
                organisation=organisation,
                channel=values.get("channel"),
                reporter=values.get("reporter") or {},
                account=values.get("account", ""),
                consents=_consent_partners(values.get("consents") or [], organisation),
                entries=values["entries"],
                received_at=values.get("received_at"),
            )
            data = ReportSerializer(report, context=self.get_serializer_context()).data
            headers = {"Location": f"{request.path}{report.public_id}/"}
            return status.HTTP_201_CREATED, data, headers

        return self.idempotent(request, perform)

    def retrieve(self, request, *args, **kwargs):
        parse_uuid(kwargs[self.lookup_url_kwarg])
        return super().retrieve(request, *args, **kwargs)

    @change_feed(
        name="ReportChanges",
        results=ReportSerializer(many=True),
        description=(
            "The change feed of the reports you sent: every report that changed since `cursor` "
            "(sent, processed, set aside, erased), oldest change first, as it reads now. Pass "
            "back `next_cursor`; poll again with it when `has_more` is false. A change is "
            "delivered once no transaction that began before it is still running, so none can "
            "commit behind a cursor."
        ),
    )
    def changes(self, request, *args, **kwargs):
        user = request.user
        if not is_partner_system(user):
            # Staff work on the reports themselves; the feed keeps a partner's copy in step.
            raise PermissionDenied
        order, next_cursor, has_more = feed_page(
            user, request.query_params.get("cursor"), feed_page_size(request), FeedRecord.REPORT
        )
        reports = {r.public_id: r for r in self.get_queryset().filter(public_id__in=order)}
        context = self.get_serializer_context()
        results = [
            ReportSerializer(reports[public_id], context=context).data
            if public_id in reports
            else deleted_tombstone(public_id)
            for public_id in order
        ]
        return Response({"results": results, "next_cursor": next_cursor, "has_more": has_more})
