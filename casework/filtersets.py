"""One FilterSet per model, shared by the UI lists, the API and exports.

Each filters only on fields its callers may see; the queryset it filters always comes from a gate.
"""

import django_filters
import django_filters.constants
from django import forms
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from casework.audit import AuditAction
from casework.forms.fields import DayField
from casework.models import (
    AuditEvent,
    Channel,
    Decision,
    FamilyReport,
    FlightStatus,
    ImportStatus,
    ListImport,
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
            self.filters["team"].queryset = Team.objects.filter(organisation_id=org_id)
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

    def filter_name(self, queryset, name, value):
        from casework.models import NameKey, PersonName
        from casework.services.names import search_keys

        value = value.strip()[:200]
        if not value:
            return queryset
        # The persons whose display name, any name or any name key matches, as one union of ids:
        # OR-ing these conditions across joined names and keys makes PostgreSQL build
        # person x names x keys (millions of rows) before testing any, and even OR-ed subqueries
        # force a scan of every person. On PostgreSQL the LIKEs use trigram indexes (migration
        # 0005) and the keys their b-tree index.
        matching = Person.objects.filter(display_name__icontains=value).order_by().values("pk")
        matching = matching.union(
            PersonName.objects.filter(
                Q(family_name__icontains=value)
                | Q(given_name__icontains=value)
                | Q(patronymic__icontains=value)
                | Q(full_text__icontains=value)
            )
            .order_by()
            .values("person_id")
        )
        keys = search_keys(value)
        if keys:
            matching = matching.union(
                NameKey.objects.filter(key__in=keys).order_by().values("person_id")
            )
        # The gated queryset is only narrowed: the ids never widen it.
        return queryset.filter(pk__in=matching)


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


class MatchSuggestionFilterSet(django_filters.FilterSet):
    """Filters `MatchSuggestion.objects.visible_to(user)`: kind, decision, least probability.
    Names are not searchable here (a search would answer questions about persons beyond the
    queue)."""

    kind = django_filters.ChoiceFilter(
        choices=SuggestionKind.choices,
        label=_("Kind"),
    )
    decision = django_filters.ChoiceFilter(
        choices=Decision.choices,
        label=_("Decision"),
    )
    min_probability = django_filters.NumberFilter(
        field_name="probability", lookup_expr="gte", label=_("Least probability"), min_value=0
    )

    class Meta:
        model = MatchSuggestion
        fields = ["kind", "decision", "min_probability"]
