"""Reads. Every one starts from a gate in `casework.permissions` and takes the acting user."""

from collections.abc import Iterable

from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When

from casework.models import FamilyReport, ReportEntry, ReportStatus, Role, TriageOutcome
from casework.permissions import (
    is_active_user,
    may_see_reporters,
    person_scope,
    person_scope_condition,
)

__all__ = ["person_scope", "reports_visible_to"]

# The report queue: reports nobody has started on, or still describing someone not yet triaged.
_QUEUE_STATUSES = (ReportStatus.NEW, ReportStatus.IN_TRIAGE)


def reports_visible_to(user) -> QuerySet:
    """The family reports the user may see (the read gate of reports: lists, counts, the API).

    - supervisors: every report of their organisation;
    - intake and caseworkers: the queue they work (a report waiting for triage, or with an entry
      not yet triaged), and for a caseworker the reports about their own cases, but never a
      report any of whose entries is linked to a person outside
      their person scope (`person_scope`: for intake no protected person, for a caseworker their
      team's, assigned and break-glass persons). A report tells who the family is and what they
      said about the person: it is as closed as the most closed person it is linked to;
    - partners: the reports they sent; everyone else (the DPO, administrators): none.

    Each condition on the entries is tested report by report, through a subquery that names the
    first such entry (a scalar subquery: PostgreSQL runs it per report on the entries' index and
    never turns it into a join that would first collect every entry linked beyond the scope, a set
    as large as the organisation's history). A page of the list then reads a page of reports in
    order, and a count reads each report once; no DISTINCT, no GROUP BY.
    """
    if not is_active_user(user):
        return FamilyReport.objects.none()
    if user.role == Role.PARTNER:
        # A partner sees the reports it sent, and no one else's.
        return FamilyReport.objects.filter(source_partner_id=user.organisation_id)
    if not may_see_reporters(user):  # the report staff: intake, caseworkers, supervisors
        return FamilyReport.objects.none()
    reports = FamilyReport.objects.filter(organisation_id=user.organisation_id)
    if user.role == Role.SUPERVISOR:
        return reports

    def first_entry(entries: QuerySet) -> Subquery:
        """The id of the first of `entries` of the report at hand (NULL when it has none)."""
        return Subquery(entries.filter(report_id=OuterRef("pk")).order_by().values("pk")[:1])

    in_scope = person_scope_condition(user, "person__")
    linked = ReportEntry.objects.filter(person_id__isnull=False)
    beyond_scope = linked if in_scope is None else linked.exclude(in_scope)
    worked_on = Q(outcome=TriageOutcome.PENDING)
    if user.role == Role.CASEWORKER:
        # A caseworker keeps the families' reports about their own cases once triaged: they are
        # the case's first source. "An entry linked to a person in scope" is "an entry linked"
        # here, since a report with an entry linked beyond the scope is hidden anyway.
        worked_on |= Q(person_id__isnull=False)
    # "No entry beyond the scope" is put as a CASE: PostgreSQL then guesses it true of half the
    # reports. Written as "subquery IS NULL" it guesses 0.5 %, and sorts every report of a
    # status (thousands, each tested) rather than reading the first ones in the list's order.
    within_scope = Case(
        When(beyond_scope_entry__isnull=True, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        reports.alias(
            worked_entry=first_entry(ReportEntry.objects.filter(worked_on)),
            beyond_scope_entry=first_entry(beyond_scope),
        )
        .filter(Q(status__in=_QUEUE_STATUSES) | Q(worked_entry__isnull=False))
        .filter(within_scope)
    )


# --- Audit trail and break-glass (account/audit area) -----------------------------------------


def audit_events_visible_to(user) -> QuerySet:
    """One sees audit rows only of records one may see. The data-protection officer (whoever may
    view the audit trail) sees every event of their organisation; other staff see the events of
    the persons in their scope; everyone else, nothing."""
    from casework.models import AuditEvent
    from casework.permissions import Action, may

    if not is_active_user(user) or user.role == Role.PARTNER:
        return AuditEvent.objects.none()
    if may(user, Action.VIEW_AUDIT):
        return AuditEvent.objects.filter(organisation_id=user.organisation_id)
    return AuditEvent.objects.filter(
        person_id__isnull=False,
        person_id__in=person_scope(user).values("public_id"),
    )


def history_for(user, person) -> QuerySet:
    """A record's own history, for those who may see the record (none for anyone else), with the
    history of the records merged into it (a merge carries history over; an undo takes it back)."""
    from casework.models import AuditEvent, Person

    if not person_scope(user).filter(pk=person.pk).exists():
        return AuditEvent.objects.none()
    merged = Person.objects.filter(merged_into=person).values_list("public_id", flat=True)
    return audit_events_visible_to(user).filter(person_id__in=[person.public_id, *merged])


def record_history(user, gated: QuerySet, record, *, parts: Iterable = ()) -> QuerySet:
    """The history of a record that is not a person (a report, a flight, a list): its own events
    and those of its `parts` (a report's entries), for those the record's read gate `gated` lets
    see it; none for anyone else. Newest first."""
    from casework.models import AuditEvent

    if not gated.filter(pk=record.pk).exists():
        return AuditEvent.objects.none()
    ids = [record.public_id, *(part.public_id for part in parts)]
    return AuditEvent.objects.filter(
        organisation_id=record.organisation_id, object_id__in=ids
    ).order_by("-at", "-id")


def break_glass_scope(user) -> QuerySet:
    """Persons the user may open by break-glass (a supervisor: their organisation; a caseworker:
    theirs, when it allows caseworkers to)."""
    from casework.models import Person

    if not may_break_glass_at_all(user):
        return Person.objects.none()
    return Person.objects.filter(organisation_id=user.organisation_id)


def may_break_glass_at_all(user) -> bool:
    """Whether the user's role, and for a caseworker their organisation, allows break-glass."""
    from casework.permissions import Action, may, role_of

    if not may(user, Action.BREAK_GLASS):
        return False
    if role_of(user) == Role.CASEWORKER:
        return bool(user.organisation.caseworkers_may_break_glass)
    return True


def break_glass_grants_visible_to(user) -> QuerySet:
    """Every break-glass grant on the organisation's persons, for the data-protection officer."""
    from casework.models import BreakGlassGrant
    from casework.permissions import Action, may

    if not may(user, Action.VIEW_AUDIT):
        return BreakGlassGrant.objects.none()
    return BreakGlassGrant.objects.filter(
        person__organisation_id=user.organisation_id
    ).select_related("user", "person")


# --- Reports and flights (reports/flights area) -----------------------------------------------


def may_see_reporter(user, report) -> bool:
    """Who reported and how to reach them, the family's account, their files, each entry's
    aliases and last known place: the organisation's report staff only (intake, caseworkers,
    supervisors), and only on a report the gate lets them see."""
    return (
        may_see_reporters(user)
        and report.organisation_id == user.organisation_id
        and reports_visible_to(user).filter(pk=report.pk).exists()
    )


def report_entries_for(user, report) -> QuerySet:
    if not reports_visible_to(user).filter(pk=report.pk).exists():
        return ReportEntry.objects.none()
    return ReportEntry.objects.filter(report=report).select_related("person")


def flights_visible_to(user) -> QuerySet:
    """Flights of the user's organisation, for those who plan them (caseworkers, supervisors)."""
    from casework.models import RepatriationFlight
    from casework.permissions import Action, may

    if not may(user, Action.MANAGE_FLIGHT):
        return RepatriationFlight.objects.none()
    return RepatriationFlight.objects.filter(organisation_id=user.organisation_id)


def proposable_persons(user, flight) -> QuerySet:
    """Persons the user sees who are cleared to fly and not yet on this flight."""
    from casework.models import PersonStatus

    return (
        person_scope(user)
        .filter(
            organisation_id=flight.organisation_id,
            status__in=[PersonStatus.CLEARED_FOR_RETURN, PersonStatus.ON_MANIFEST],
        )
        .exclude(manifest_entries__flight=flight)
        .order_by("display_name", "id")
    )


# --- List imports, match suggestions and merges (imports/review area) --------------------------


def list_imports_visible_to(user) -> QuerySet:
    """The organisation's list imports, for those who may import lists."""
    from casework.models import ListImport
    from casework.permissions import Action, may

    if not is_active_user(user) or not may(user, Action.IMPORT_LIST):
        return ListImport.objects.none()
    return ListImport.objects.filter(organisation_id=user.organisation_id)


def suggestions_visible_to(user) -> QuerySet:
    """Match suggestions of the user's organisation whose persons the user may all see."""
    from django.db.models import Q

    from casework.models import MatchSuggestion
    from casework.permissions import Action, may

    if not is_active_user(user) or not may(user, Action.DECIDE_MATCH):
        return MatchSuggestion.objects.none()
    scope = person_scope(user).values("pk")
    return MatchSuggestion.objects.filter(
        organisation_id=user.organisation_id, person__in=scope
    ).filter(Q(other_person__isnull=True) | Q(other_person__in=scope))


def merges_visible_to(user) -> QuerySet:
    """Merges of two persons the user may both see."""
    from casework.models import PersonMerge

    if not is_active_user(user):
        return PersonMerge.objects.none()
    scope = person_scope(user).values("pk")
    return PersonMerge.objects.filter(survivor__in=scope, absorbed__in=scope)


def locations_visible_to(user) -> QuerySet:
    """Detention locations are reference data: every staff member sees them, partners none."""
    from casework.models import DetentionLocation
    from casework.permissions import STAFF_ROLES, role_of

    if role_of(user) not in STAFF_ROLES:
        return DetentionLocation.objects.none()
    return DetentionLocation.objects.all()
