"""One FilterSet per model, shared by the UI lists, the API and exports.

Each filters only on fields its callers may see; the queryset it filters always comes from a gate.
"""

from collections import defaultdict

import django_filters
import django_filters.constants
from django import forms
from django.db.models import Case, FilteredRelation, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from casework.audit import AuditAction
from casework.forms.fields import DayField
from casework.models import (
    AuditEvent,
    Channel,
    Decision,
    DetentionLocation,
    FamilyReport,
    FlightStatus,
    ImportStatus,
    ListImport,
    LocationKind,
    MatchSuggestion,
    Person,
    PersonStatus,
    RepatriationFlight,
    ReportStatus,
    Sex,
    SuggestionKind,
    Team,
)

# --- Audit events ------------------------------------------------------------------------------


class DayFilter(django_filters.DateFilter):
    """A day as every date field reads it (casework.dates: day before month), never the locale's
    guess."""

    field_class = DayField


class AuditEventFilterSet(django_filters.FilterSet):
    """Who, which record (its id, or the person it belongs to), which action, when. Filters the
    queryset of `AuditEvent.objects.visible_to(user)`, never more."""

    who = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label=_("Who"))
    record = django_filters.UUIDFilter(method="filter_record", label=_("Record or person id"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    date_from = DayFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = DayFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["who", "record", "action", "date_from", "date_to"]

    def filter_record(self, queryset, name, value):
        # A person's own events and those naming them among several (a page's read, an export).
        return queryset.filter(object_id=value) | queryset.about([value])


# --- Persons -----------------------------------------------------------------------------------


def person_list_fields(user) -> set[str]:
    """Person fields a user may filter or order their list on: those shown at the least level
    they have on any person of the list, so no filter answers a question about a hidden field."""
    from casework.classification import shown_at
    from casework.permissions import Level, person_list_level

    level, common = person_list_level(user)
    if level == Level.NONE:
        return set()
    return shown_at("Person", level, partner_fields=common)


# (name in the query string, the Person field it reveals, label); a field ordered through an
# expression is in PERSON_ORDERING_EXPRESSIONS.
PERSON_ORDERINGS = [
    ("name", "display_name", _("Name")),
    ("status", "status", _("Status")),
    ("updated", "updated_at", _("Last updated")),
    ("birth_year", "birth_earliest", _("Birth year")),
    ("region", "region_of_origin", _("Region of origin")),
    ("birthplace", "birthplace", _("Birthplace")),
]


# Person fields an ordering may use only through an expression that reveals no more than the
# staff level shows: birth_earliest is shown as a birth year, so it orders by the year alone
# (ordering by the date would tell intake who of two born in 2015 is the elder).
PERSON_ORDERING_EXPRESSIONS = {"birth_earliest": lambda: ExtractYear("birth_earliest")}
# After the chosen ordering, so that equal keys come back in the same order for everyone.
PERSON_ORDERING_TIE_BREAK = ("display_name", "id")


class PersonOrderingFilter(django_filters.OrderingFilter):
    """An OrderingFilter whose keys are what the user may see (PERSON_ORDERING_EXPRESSIONS), each
    followed by the name and id as tie-breakers. The list page, the API and exports share it."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = param[1:] if descending else param
        field = self.param_map.get(name)
        make = PERSON_ORDERING_EXPRESSIONS.get(field)
        if make is None:
            return super().get_ordering_value(param)
        expression = make()
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        chosen = [
            self.get_ordering_value(param)
            for param in value
            if param not in django_filters.constants.EMPTY_VALUES
        ]
        return qs.order_by(*chosen, *PERSON_ORDERING_TIE_BREAK)


class YearFilter(django_filters.NumberFilter):
    """A year of birth: a whole number from 1900 on. Year 0 or 10000 has no date to compare with
    (it was a server error); anything else is a clear error on the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.UUID)
class PublicIdChoiceFilter(django_filters.ModelChoiceFilter):
    """A record chosen by its public id, filtered by a method: the API's schema says it is a
    UUID (it cannot read that from a model field of the same name)."""


class PersonFilterSet(django_filters.FilterSet):
    """Filters `Person.objects.visible_to(user)`, never more. Pass `user=`: filters and orderings
    on fields the user may not see are removed, so a value for them is ignored like an unknown
    parameter (the list is the same as without it)."""

    q = django_filters.CharFilter(method="filter_name", label=_("Name"))
    # distinct=False: a status is a column of the person, no join can repeat a row.
    status = django_filters.MultipleChoiceFilter(
        choices=PersonStatus.choices, label=_("Status"), distinct=False
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("Sex"))
    born_from = YearFilter(
        field_name="birth_latest", lookup_expr="year__gte", label=_("Born from (year)")
    )
    born_to = YearFilter(
        field_name="birth_earliest", lookup_expr="year__lte", label=_("Born until (year)")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(), to_field_name="public_id", label=_("Team")
    )
    region = django_filters.CharFilter(
        field_name="region_of_origin", lookup_expr="icontains", label=_("Region of origin")
    )
    birthplace = django_filters.CharFilter(
        field_name="birthplace", lookup_expr="icontains", label=_("Birthplace")
    )
    # "me" alone: whose cases someone else has is the supervisor's team filter, not a search.
    assigned = django_filters.ChoiceFilter(
        choices=[("me", _("Assigned to me"))],
        method="filter_assigned",
        label=_("Assigned"),
    )
    place = PublicIdChoiceFilter(
        queryset=DetentionLocation.objects.none(),
        to_field_name="public_id",
        method="filter_place",
        label=_("Current place"),
    )
    ordering = PersonOrderingFilter(
        fields=[(field, name) for name, field, _ in PERSON_ORDERINGS],
        field_labels={field: label for _, field, label in PERSON_ORDERINGS},
        label=_("Order by"),
    )

    # The Person field each filter reveals something about.
    FILTER_FIELDS = {
        "q": "display_name",
        "status": "status",
        "sex": "sex",
        "born_from": "birth_latest",
        "born_to": "birth_earliest",
        "team": "team",
        "region": "region_of_origin",
        "birthplace": "birthplace",
        "assigned": "assigned_to",
    }

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        allowed = person_list_fields(user)
        for name, field in self.FILTER_FIELDS.items():
            if field not in allowed:
                del self.filters[name]
        if "team" in self.filters:
            org_id = getattr(user, "organisation_id", None)
            # A team's label names its organisation: read with it, not once per option.
            self.filters["team"].queryset = Team.objects.filter(
                organisation_id=org_id
            ).select_related("organisation")
        self._user = user
        from casework.permissions import may_filter_by_place

        if may_filter_by_place(user):
            self.filters["place"].queryset = DetentionLocation.objects.visible_to(user)
        else:
            del self.filters["place"]
        ordering = self.filters["ordering"]
        visible = [(f, n) for n, f, _ in PERSON_ORDERINGS if f in allowed]
        ordering.param_map = {n: f for f, n in visible}
        ordering.extra["choices"] = ordering.build_choices(
            dict(visible), {f: label for _, f, label in PERSON_ORDERINGS}
        )
        # A filter caches its form field on first use, and the copies made for this instance may
        # carry one built from the class-level filters (the API schema builds them): drop it so
        # the field is rebuilt from this user's choices and querysets.
        for active in self.filters.values():
            active.__dict__.pop("_field", None)

    def filter_assigned(self, queryset, name, value):
        user = self._user
        if value != "me" or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(assigned_to=user)

    def filter_place(self, queryset, name, value):
        """Persons known to be at the place now, through the placements' own gate: the filter
        never tells where someone is whose whereabouts the user may not see."""
        from casework.models import Placement
        from casework.services.placements import current_placements

        here = current_placements(Placement.objects.visible_to(self._user).filter(location=value))
        return queryset.filter(pk__in=here.values("person_id"))

    def filter_name(self, queryset, name, value):
        from casework.models import NameKey
        from casework.services.names import search_weights

        value = value.strip()[:200]
        if not value:
            return queryset
        # The persons whose display name, any name or any name key matches, as one union of ids:
        # OR-ing these conditions across joined names and keys makes PostgreSQL build
        # person x names x keys (millions of rows) before testing any, and even OR-ed subqueries
        # force a scan of every person. On PostgreSQL the LIKEs use trigram indexes (migration
        # 0005) and the keys their b-tree index.
        matching = _text_matches(value)
        weights = search_weights(value)
        if weights:
            matching = matching.union(
                NameKey.objects.filter(key__in=weights).order_by().values("person_id")
            )
        # The gated queryset is only narrowed: the ids never widen it. The rank is summed over
        # the person's keys the search shares, joined once (a subquery per person cost 0.1 ms
        # times every match: half a second for a common given name at 100,000 persons).
        found = queryset.filter(pk__in=matching)
        if weights:
            hits = FilteredRelation("name_keys", condition=Q(name_keys__key__in=list(weights)))
            found = found.annotate(search_hits=hits)
        return found.annotate(search_rank=search_rank(value, weights))


def _text_matches(value: str):
    """Ids of the persons with the text as typed in their display name or one of their names.
    A text of several words is looked for only where several words are written (a family name
    never holds "Magomedov Magomed"): the trigram look-ups of the single parts are the search's
    dearest."""
    from casework.models import PersonName

    several = len(value.split()) > 1
    parts = (
        ("full_text", "given_name")
        if several
        else ("family_name", "given_name", "patronymic", "full_text")
    )
    condition = Q()
    for part in parts:
        condition |= Q(**{f"{part}__icontains": value})
    by_display = Person.objects.filter(display_name__icontains=value).order_by().values("pk")
    return by_display.union(PersonName.objects.filter(condition).order_by().values("person_id"))


def person_name_search(user, text: str, queryset=None):
    """The persons list's name search for another surface (a picker of relatives or passengers):
    `queryset` (by default `Person.objects.visible_to(user)`, and always a gated one) narrowed to
    the persons whose names match `text`, best match first. Nothing for an empty text or for a
    user who may not search names."""
    from casework.permissions import may_search_person_names

    queryset = Person.objects.visible_to(user) if queryset is None else queryset
    if not text.strip() or not may_search_person_names(user):
        return queryset.none()
    filterset = PersonFilterSet({"q": text}, queryset=queryset, user=user)
    if "q" not in filterset.filters or not filterset.is_valid():
        return queryset.none()
    return filterset.qs.order_by("-search_rank", *PERSON_ORDERING_TIE_BREAK)


# What the text as typed, found in the display name, adds to a person's rank: as much as a given
# name (the same script, written the same way).
TEXT_MATCH_WEIGHT = 3


def search_rank(value: str, weights: dict[str, int]):
    """How well a person matches a name search, in SQL: the weights of the stored keys they share
    with the searched text (`casework.matching.keys.SEARCH_WEIGHTS`, over the `search_hits` join
    of `filter_name`), and the text as typed in their display name."""
    text = Max(
        Case(
            When(display_name__icontains=value, then=Value(TEXT_MATCH_WEIGHT)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    if not weights:
        return text
    by_weight: dict[int, list[str]] = defaultdict(list)
    for key, weight in weights.items():
        by_weight[weight].append(key)
    shared = Sum(
        Case(
            *(
                When(search_hits__key__in=keys, then=Value(w))
                for w, keys in sorted(by_weight.items())
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    return Coalesce(shared, Value(0)) + text


# --- Family reports and flights ------------------------------------------------------------------


class ReportFilterSet(django_filters.FilterSet):
    """Status, channel, when received; `q` searches the reference, and the reporter's name and
    contact only for those who may see them (`selectors.may_see_reporter`). It filters the
    queryset of `FamilyReport.objects.visible_to(user)` and only ever narrows it: no filter or
    search answers a question about a report outside it."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=100)
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    received_from = DayFilter(
        field_name="received_at", lookup_expr="date__gte", label=_("Received from")
    )
    received_to = DayFilter(
        field_name="received_at", lookup_expr="date__lte", label=_("Received until")
    )

    class Meta:
        model = FamilyReport
        fields = ["q", "status", "channel", "received_from", "received_to"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(reference__iexact=value.replace(" ", "").upper())
        from casework.permissions import may_see_reporters

        user = getattr(self.request, "user", None)
        if user is not None and may_see_reporters(user):
            condition |= Q(reporter_name__icontains=value) | Q(reporter_contact__icontains=value)
        return queryset.filter(condition)


class FlightFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="reference", lookup_expr="icontains", label=_("Reference"), max_length=40
    )
    status = django_filters.ChoiceFilter(choices=FlightStatus.choices, label=_("Status"))
    date_from = DayFilter(field_name="date", lookup_expr="gte", label=_("From"))
    date_to = DayFilter(field_name="date", lookup_expr="lte", label=_("To"))

    class Meta:
        model = RepatriationFlight
        fields = ["q", "status", "date_from", "date_to"]


class PlaceFilterSet(django_filters.FilterSet):
    """Filters `DetentionLocation.objects.visible_to(user)`: a name (its own or another it is
    known by, in any script), the kind of place, the country."""

    q = django_filters.CharFilter(method="filter_q", label=_("Name"), max_length=100)
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices, label=_("Kind"))
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", label=_("Country"), max_length=2
    )

    class Meta:
        model = DetentionLocation
        fields = ["q", "kind", "country"]

    def filter_q(self, queryset, name, value):
        from casework.services.place_names import PlaceIndex

        value = value.strip()
        if not value:
            return queryset
        condition = Q(name__icontains=value) | Q(aliases__name__icontains=value)
        # "Лагерь Рож" finds Roj camp: the name as the matcher reads it, in any script.
        match = PlaceIndex.build().match(value)
        if match.place is not None:
            condition |= Q(pk=match.place.pk)
        return queryset.filter(pk__in=queryset.filter(condition).values("pk"))


# --- List imports and match suggestions (imports/review area) ----------------------------------


class ListImportFilterSet(django_filters.FilterSet):
    """Filters `ListImport.objects.visible_to(user)`: who compiled the list, its state, its date."""

    source = django_filters.CharFilter(
        field_name="source", lookup_expr="icontains", label=_("Source"), max_length=100
    )
    status = django_filters.ChoiceFilter(
        choices=ImportStatus.choices,
        label=_("Status"),
    )
    as_of_from = DayFilter(field_name="as_of", lookup_expr="gte", label=_("From"))
    as_of_to = DayFilter(field_name="as_of", lookup_expr="lte", label=_("To"))

    class Meta:
        model = ListImport
        fields = ["source", "status", "as_of_from", "as_of_to"]


# The queue's two states besides a decision: a pair still waits while it is undecided, and while
# it was decided "the same person" but its records are not merged yet (a supervisor has not, or
# the merge was refused: both on one manifest).
QUEUE_OPEN = "open"
QUEUE_NOT_MERGED = "not_merged"
NOT_MERGED = Q(
    kind=SuggestionKind.PERSON_PERSON,
    decision=Decision.CONFIRMED,
    person__merged_into__isnull=True,
    other_person__merged_into__isnull=True,
)


class MatchSuggestionFilterSet(django_filters.FilterSet):
    """Filters `MatchSuggestion.objects.visible_to(user)`: kind, decision, least probability.
    Names are not searchable here (a search would answer questions about persons beyond the
    queue)."""

    kind = django_filters.ChoiceFilter(
        choices=SuggestionKind.choices,
        label=_("Kind"),
    )
    decision = django_filters.ChoiceFilter(
        choices=[
            (QUEUE_OPEN, _("waiting: to decide or to merge")),
            *Decision.choices,
            (QUEUE_NOT_MERGED, _("the same person, not yet merged")),
        ],
        method="filter_decision",
        label=_("Decision"),
    )
    min_probability = django_filters.NumberFilter(
        field_name="probability", lookup_expr="gte", label=_("Least probability"), min_value=0
    )

    class Meta:
        model = MatchSuggestion
        fields = ["kind", "decision", "min_probability"]

    def filter_decision(self, queryset, name, value):
        if value == QUEUE_NOT_MERGED:
            return queryset.filter(NOT_MERGED)
        if value == QUEUE_OPEN:
            return queryset.filter(Q(decision=Decision.PENDING) | NOT_MERGED)
        return queryset.filter(decision=value)
