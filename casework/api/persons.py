"""Persons over the API: each field the caller may see, every other one `{"withheld": true}`.

The queryset always comes from `Person.objects.visible_to(user)`; what of each person shows, and
the record of the read, is `presenters.present_persons`: this module only writes it as JSON.
Restricted fields (security notes, legal proceedings) are not part of the API at all, so neither a
response nor the schema can carry them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from casework.api.base import ApiViewSet
from casework.api.conditional import (
    check_if_match,
    conditional_response,
    etag_for,
    required_if_match,
)
from casework.api.errors import ProblemSerializer, problem, title_of
from casework.api.feeds import change_feed, feed_page_size
from casework.api.filters import PersonFilterBackend, UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.sync import changes_since, deleted_tombstone, merged_tombstones
from casework.matching import MATCH_THRESHOLD
from casework.models import (
    Confidence,
    DatePrecision,
    DocumentsHeld,
    NameKind,
    Person,
    PersonName,
    PersonStatus,
    RelationshipKind,
    Script,
    Sex,
    Team,
)
from casework.models.locations import PLACEMENT_START_PRECISIONS
from casework.permissions import Action, is_partner_system, may, require
from casework.presenters import WITHHELD, PersonView, present_person, present_persons
from casework.services.matching import intake_candidates_for_input
from casework.services.persons import NameInput, person_change_status, person_create, person_update

WITHHELD_JSON = {"withheld": True}
WITHHELD_DESCRIPTION = (
    'Each field except `id` is either its value or `{"withheld": true}` when the caller may not '
    "see it on this record (never null or left out for that reason). Partners see only the fields "
    "their sharing agreement names."
)


# --- Output -----------------------------------------------------------------------------------


class PersonNameSerializer(serializers.Serializer):
    text = serializers.CharField(source="as_text")
    script = serializers.ChoiceField(choices=Script.choices)
    kind = serializers.ChoiceField(
        choices=NameKind.choices, help_text='Or {"withheld": true} (an alias says much).'
    )


class WhereaboutsSerializer(serializers.Serializer):
    """Where the person is now: the current placement (the latest confirmed one, not a sighting),
    its place and since when, the date as precise as it is known (`since_precision`)."""

    placement = serializers.UUIDField(help_text="The placement, in /api/v1/placements/.")
    location = serializers.UUIDField(
        allow_null=True,
        help_text="The detention location, in /api/v1/locations/; null for a "
        "place known only as written.",
    )
    place = serializers.CharField()
    since = serializers.DateField()
    since_precision = serializers.ChoiceField(choices=PLACEMENT_START_PRECISIONS)


class RelationshipSerializer(serializers.Serializer):
    """A family link: `from_person` is the `kind` of `to_person` (the mother of, ...). Only links
    whose both ends the caller sees are listed."""

    id = serializers.UUIDField()
    from_person = serializers.UUIDField()
    to_person = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RelationshipKind.choices)
    confidence = serializers.ChoiceField(choices=Confidence.choices)


def _working_record_json(name: str, value):
    if name == "whereabouts":
        return (
            None
            if value is None
            else {
                "placement": str(value.placement),
                "location": str(value.location) if value.location else None,
                "place": value.place,
                "since": value.since.isoformat(),
                "since_precision": value.since_precision,
            }
        )
    return [
        {
            "id": str(link.id),
            "from_person": str(link.from_person),
            "to_person": str(link.to_person),
            "kind": link.kind,
            "confidence": link.confidence,
        }
        for link in value
    ]


class PersonSerializer(serializers.Serializer):
    """A person as one caller may see them (see the description of withheld fields)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    display_name = serializers.CharField()
    names = PersonNameSerializer(many=True)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_year = serializers.IntegerField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    birth_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    age_stated = serializers.IntegerField(allow_null=True)
    age_stated_on = serializers.DateField(allow_null=True)
    birth_earliest = serializers.DateField(allow_null=True)
    birth_latest = serializers.DateField(allow_null=True)
    birthplace = serializers.CharField()
    citizenship = serializers.CharField()
    region_of_origin = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    documents_held = serializers.ChoiceField(choices=DocumentsHeld.choices)
    vulnerabilities = serializers.ListField(child=serializers.CharField())
    sensitivity = serializers.CharField()
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.UUIDField(allow_null=True)
    organisation = serializers.UUIDField(source="organisation.public_id")
    team = serializers.UUIDField(source="team.public_id", allow_null=True)
    assigned_to = serializers.UUIDField(source="assigned_to.public_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    whereabouts = WhereaboutsSerializer(allow_null=True)
    relationships = RelationshipSerializer(many=True)

    def to_representation(self, view: PersonView):
        """A person as the presenter gave them (`presenters.present_persons`): each value
        written as JSON, each withheld one as {"withheld": true}."""
        out = {"id": str(view.person.public_id)}
        for name, field in self.fields.items():
            if name == "id":
                continue
            value = view[name]
            if value is WITHHELD:
                out[name] = WITHHELD_JSON
            elif name in ("whereabouts", "relationships"):
                out[name] = _working_record_json(name, value)
            elif value is None:
                out[name] = None
            elif name == "names":
                out[name] = [
                    {
                        "text": n.text,
                        "script": n.script,
                        "kind": WITHHELD_JSON if n.kind is WITHHELD else n.kind,
                    }
                    for n in value
                ]
            else:
                # A related record (organisation, team, assignee, survivor) by its public id.
                out[name] = field.to_representation(getattr(value, "public_id", value))
        return out


# What the API asks the presenter for: every output field but the id.
API_FIELDS = [name for name in PersonSerializer().fields if name != "id"]
# The records a person points at, which the API shows by their public id alone.
RELATED_SHOWN = ("organisation", "team", "assigned_to")
PERSON_COLUMNS = [field.name for field in Person._meta.concrete_fields]
# What the presenter reads of a name (`presenters.NameView`, `PersonName.as_text`).
NAME_COLUMNS = [
    "person",
    "is_primary",
    "family_name",
    "given_name",
    "patronymic",
    "full_text",
    "script",
    "kind",
    "source",
]


class PersonSchemaExtension(OpenApiSerializerExtension):
    """Types every person field as "its value or {withheld: true}" in the schema."""

    target_class = PersonSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        withheld = {
            "type": "object",
            "properties": {"withheld": {"type": "boolean", "enum": [True]}},
            "required": ["withheld"],
        }
        for name, prop in list(schema.get("properties", {}).items()):
            if name != "id":
                schema["properties"][name] = {"oneOf": [prop, withheld]}
        schema["description"] = WITHHELD_DESCRIPTION
        return schema


class PersonTombstoneSerializer(serializers.Serializer):
    """A person who is no longer a record to the caller: merged into another one they see
    (`merged_into`, in the list and the change feed alike), or, in the change feed, gone from their
    view (`deleted`: unshared, deleted, agreement ended, merged into one they do not see)."""

    id = serializers.UUIDField()
    tombstone = serializers.BooleanField(help_text="Always true.")
    merged_into = serializers.UUIDField(required=False)
    deleted = serializers.BooleanField(required=False, help_text="Always true when present.")


def _person_or_tombstone(**kwargs) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="PersonOrTombstone",
        serializers=[PersonSerializer, PersonTombstoneSerializer],
        resource_type_field_name=None,
        **kwargs,
    )


# --- Input ------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know: a smuggled `organisation` or `status` is an error, never
    applied and never silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Not a field you can write here."] for name in unknown}
                )
        return super().to_internal_value(data)


class NameInputSerializer(StrictSerializer):
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    patronymic = serializers.CharField(max_length=150, required=False, allow_blank=True)
    full_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    script = serializers.ChoiceField(choices=Script.choices, required=False)
    kind = serializers.ChoiceField(choices=NameKind.choices, required=False)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True)


class _DetailsSerializer(StrictSerializer):
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    age_stated = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=120
    )
    age_stated_on = serializers.DateField(required=False, allow_null=True)
    birthplace = serializers.CharField(max_length=200, required=False, allow_blank=True)
    citizenship = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region_of_origin = serializers.CharField(max_length=100, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False
    )
    documents_held = serializers.ChoiceField(choices=DocumentsHeld.choices, required=False)
    vulnerabilities = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=20, required=False
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


CONFIRM_NEW_HELP = (
    "Every new person is first checked against the persons already known, as the intake form "
    "does. When some may be the same person (likelihood at or above the review threshold, "
    f"{MATCH_THRESHOLD}), nothing is created and the answer is 409 with those candidates (only "
    "what you may see of each: name, birth year, status, likelihood; the id only of a record you "
    "may open). Look at them first; if none is this person, send the same body again with "
    '`"confirm_new": true` to create it anyway.'
)


class PersonCreateSerializer(_DetailsSerializer):
    names = NameInputSerializer(many=True, allow_empty=False, max_length=20)
    team = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Team.objects.none(), required=False, allow_null=True
    )
    confirm_new = serializers.BooleanField(
        required=False, default=False, help_text=CONFIRM_NEW_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the caller's own teams: another organisation's team is as unknown as a missing one.
        request = self.context.get("request")
        org_id = getattr(getattr(request, "user", None), "organisation_id", None)
        self.fields["team"].queryset = Team.objects.filter(organisation_id=org_id)


class PersonUpdateSerializer(_DetailsSerializer):
    pass


class DuplicateCandidateSerializer(serializers.Serializer):
    """A known person who may be the one being created: what the duplicate check may show."""

    id = serializers.UUIDField(help_text='Or {"withheld": true}: a record you may not open.')
    display_name = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text="One of the values of a person's `status`.")
    likelihood = serializers.FloatField(help_text="Calibrated: 0.9 is about nine in ten.")


class PossibleDuplicatesSerializer(ProblemSerializer):
    """The 409 of a create: a problem with the `candidates` to look at first."""

    candidates = DuplicateCandidateSerializer(many=True)


class StatusChangeSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    reason = serializers.CharField(max_length=500)


# --- Views ------------------------------------------------------------------------------------


def person_etag(data: dict, person: Person) -> str:
    """The tag of a person as presented (`data`) at their version."""
    return etag_for(data, version=person.version)


def current_etag(user, person: Person) -> str:
    """The tag of the version `user` would read now (presented without a read event)."""
    view = present_person(user, person, API_FIELDS, record=False)
    return person_etag(PersonSerializer(view).data, person)


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The `ETag` of the version you edited: 428 without it (`*` is not enough), 412 when the "
        "record has changed since (read it again)."
    ),
)


LIST_DESCRIPTION = (
    "Every person the caller may see, oldest first. A person merged into another one the caller "
    'sees is its tombstone, {"id", "tombstone": true, "merged_into"}, as in the change feed; one '
    "merged into a person the caller does not see is not listed. " + WITHHELD_DESCRIPTION
)


class PersonPagination(KeysetPagination):
    # A partner's mirror reads every shared person: large pages spare it a request, a token
    # check, a gate and an audit event per 200 persons (bench/api_mirror.py).
    max_page_size = 1000


@extend_schema_view(
    list=extend_schema(description=LIST_DESCRIPTION, responses=_person_or_tombstone(many=True)),
    retrieve=extend_schema(description=WITHHELD_DESCRIPTION),
)
class PersonViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = PersonSerializer
    pagination_class = PersonPagination
    filter_backends = [PersonFilterBackend, UpdatedSinceFilter]
    http_method_names = ["get", "post", "patch", "head"]

    def get_queryset(self):
        # Of the related records only what the answer shows: whole rows of the organisation, team
        # and assignee (and every column of each name) were most of a page's Python (building
        # instances, parsing their timestamps) at 200 persons a page (bench/api_mirror.py).
        return (
            Person.objects.visible_to(self.request.user)
            .select_related("organisation", "team", "assigned_to")
            .only(*PERSON_COLUMNS, *(f"{name}__public_id" for name in RELATED_SHOWN))
            .prefetch_related(
                Prefetch(
                    "names",
                    queryset=PersonName.objects.order_by("-is_primary", "id").only(*NAME_COLUMNS),
                )
            )
        )

    def offered_to(self, user) -> bool:
        if self.action == "create":
            return may(user, Action.CREATE_PERSON)
        if self.action == "partial_update":
            return may(user, Action.EDIT_PERSON)
        if self.action == "change_status":
            return may(user, Action.CHANGE_STATUS)
        if self.action == "changes":
            return is_partner_system(user)
        return True

    def _present(self, person, *, read_audit=True) -> dict:
        view = present_person(self.request.user, person, API_FIELDS, record=read_audit)
        return PersonSerializer(view).data

    def _written(self, person, headers=None) -> tuple[dict, dict]:
        """A written person as the writer now reads them, and the headers naming that version."""
        person = self.get_queryset().get(pk=person.pk)
        data = self._present(person, read_audit=False)
        return data, {"ETag": person_etag(data, person), **(headers or {})}

    def list(self, request, *args, **kwargs):
        queryset = _without_lost_merges(request.user, self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        entries = _entries(request.user, page, read="api_person_list")
        return self.get_paginated_response([entries[person.pk] for person in page])

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        data = self._present(person)
        return conditional_response(request, data, person_etag(data, person))

    @extend_schema(
        request=PersonCreateSerializer,
        responses={201: PersonSerializer, 409: PossibleDuplicatesSerializer},
        description=CONFIRM_NEW_HELP,
    )
    def create(self, request, *args, **kwargs):
        require(request.user, Action.CREATE_PERSON)

        def perform():
            serializer = PersonCreateSerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
            confirm_new = values.pop("confirm_new", False)
            names = [NameInput(**name) for name in values.pop("names")]
            if not confirm_new:
                likely = _likely_duplicates(request.user, names, values)
                if likely:
                    # Nothing written, and no Idempotency-Key kept: the same key may confirm.
                    return status.HTTP_409_CONFLICT, _duplicates_answer(request.user, likely), {}
            person = person_create(actor=request.user, names=names, **values)
            data, headers = self._written(
                person, {"Location": f"{request.path}{person.public_id}/"}
            )
            return status.HTTP_201_CREATED, data, headers

        return self.idempotent(request, perform)

    @extend_schema(
        request=PersonUpdateSerializer, responses={200: PersonSerializer}, parameters=[IF_MATCH]
    )
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        require(request.user, Action.EDIT_PERSON, person)
        tags = required_if_match(request)
        serializer = PersonUpdateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        check_if_match(tags, current_etag(request.user, person))
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "")
        # The version checked above: a write between the check and the locked row is a 412 too.
        updated = person_update(
            actor=request.user,
            person=person,
            expected_version=person.version,
            reason=reason,
            **changes,
        )
        data, headers = self._written(updated)
        return Response(data, headers=headers)

    @extend_schema(
        request=StatusChangeSerializer, responses={200: PersonSerializer}, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, *args, **kwargs):
        person = self.get_object()
        require(request.user, Action.CHANGE_STATUS, person)

        def perform():
            tags = required_if_match(request)
            serializer = StatusChangeSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            check_if_match(tags, current_etag(request.user, person))
            changed = person_change_status(
                actor=request.user,
                person=person,
                to=serializer.validated_data["status"],
                reason=serializer.validated_data["reason"],
                expected_version=person.version,
            )
            data, headers = self._written(changed)
            return status.HTTP_200_OK, data, headers

        return self.idempotent(request, perform)

    @change_feed(
        name="PersonChanges",
        results=_person_or_tombstone(many=True),
        description=(
            "A partner's change feed: every shared person changed since `cursor`, oldest first "
            "(pass back `next_cursor`; poll again with it when `has_more` is false). Persons it "
            'can no longer see come as {"id", "tombstone": true, "deleted": true}, persons merged '
            'into one it sees as {"id", "tombstone": true, "merged_into"}, as in the list. A '
            "change is delivered once no transaction that began before it is still running, so "
            "none can commit behind a cursor. " + WITHHELD_DESCRIPTION
        ),
    )
    def changes(self, request, *args, **kwargs):
        user = request.user
        if not is_partner_system(user):
            # Staff work on the records themselves; the feed is a partner's copy kept in step.
            raise PermissionDenied
        page, next_cursor, has_more = changes_since(
            user, request.query_params.get("cursor"), feed_page_size(request)
        )
        entries = _entries(
            user, [c.person for c in page if c.person is not None], read="api_person_changes"
        )
        results = [
            entries[c.person.pk] if c.person is not None else deleted_tombstone(c.public_id)
            for c in page
        ]
        return Response({"results": results, "next_cursor": next_cursor, "has_more": has_more})


def _without_lost_merges(user, persons):
    """A person merged into one the caller cannot see is gone to them (the feed says deleted)."""
    survivor_seen = Exists(Person.objects.visible_to(user).filter(pk=OuterRef("merged_into_id")))
    return persons.filter(Q(merged_into__isnull=True) | survivor_seen)


def _entries(user, persons, *, read: str) -> dict[int, dict]:
    """Each person as the list and the feed give them, by pk: a merged one as its tombstone, any
    other as its record, whose reads are one event named `read`."""
    merged = merged_tombstones(user, persons)
    live = [person for person in persons if person.pk not in merged]
    views = present_persons(user, live, API_FIELDS, read=read)
    # One serializer for the page: a serializer's fields are deep-copied when it is made, which for
    # 100 persons was most of the list's time (bench/README.md).
    write = PersonSerializer().to_representation
    return {**merged, **{view.person.pk: write(view) for view in views}}


def _likely_duplicates(user, names: list[NameInput], values: dict) -> list:
    """The intake check of the person form, keeping the candidates at or above the review
    threshold."""
    found = intake_candidates_for_input(actor=user, names=names, values=values)
    return [c for c in found if c.probability >= MATCH_THRESHOLD]


def _duplicates_answer(user, candidates) -> dict:
    """The 409 body, in the API's error shape: each candidate as the person form shows it."""
    visible = set(
        Person.objects.visible_to(user)
        .filter(pk__in=[c.person.pk for c in candidates])
        .values_list("pk", flat=True)
    )
    return problem(
        status.HTTP_409_CONFLICT,
        "possible_duplicates",
        title_of(status.HTTP_409_CONFLICT),
        gettext(
            "This person may already be known. Check these records; to create a new one "
            'anyway, send the same body with "confirm_new": true.'
        ),
        candidates=[
            {
                "id": str(c.public_id) if c.person.pk in visible else WITHHELD_JSON,
                "display_name": c.display_name,
                "birth_year": c.birth_year,
                "status": c.status,
                "likelihood": round(c.probability, 2),
            }
            for c in candidates
        ],
    )
