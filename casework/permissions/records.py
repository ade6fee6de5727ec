"""The read gate of every model that holds case data: `Model.objects.visible_to(user)`.

Each gate narrows the queryset it is given (so `Model.objects.filter(...).visible_to(user)` works)
and is registered on the model's queryset when the app starts (`install_read_gates`): the models
reach the policy without importing it. A record that depends on a person is as closed as that
person at the level its kind of record needs (a note: sensitive; a legal proceeding: restricted);
a part of a record (a report's entry, a flight's manifest) as closed as the record.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from casework.levels import Action, Level
from casework.models import (
    AuditEvent,
    AuditEventSubject,
    BackgroundJob,
    BreakGlassGrant,
    CaseNote,
    CaseTask,
    ChangeOutbox,
    DetentionLocation,
    FamilyReport,
    Handover,
    LegalProceeding,
    ListImport,
    ListImportRow,
    ManifestEntry,
    MatchSuggestion,
    Person,
    PersonMerge,
    PersonName,
    PlaceAlias,
    Placement,
    PlaceName,
    PopulationReport,
    Relationship,
    RepatriationFlight,
    ReportAttachment,
    ReportConsent,
    ReportEntry,
    ReportFollowUp,
    ReportStatus,
    Role,
    SharedCase,
    SharingAgreement,
    SuggestionKind,
    SuggestionOpinion,
    TriageOutcome,
)
from casework.models.base import register_read_gate
from casework.models.locations import is_latest_confirmed
from casework.permissions.persons import (
    agreements_in_force_for,
    break_glass_scope,
    duplicate_check_scope,
    partner_shares,
    partner_shares_naming,
    person_scope,
    person_scope_condition,
    triage_link_scope,
)
from casework.permissions.roles import (
    STAFF_ROLES,
    is_active_user,
    is_partner_system,
    may,
    may_see_reporters,
    role_of,
)


def _through_person(qs: QuerySet, user, prefix: str, at_least: Level) -> QuerySet:
    condition = person_scope_condition(user, prefix, at_least=at_least)
    return qs.none() if condition is None else qs.filter(condition)


# --- A person's own records ----------------------------------------------------------------


def person_names_visible_to(user, qs: QuerySet) -> QuerySet:
    """A person's names, to staff who see the person (a partner reads the name its agreement
    shares, `display_name`, never the aliases)."""
    if is_partner_system(user):
        return qs.none()
    return _through_person(qs, user, "person__", Level.MINIMAL)


def _shared_persons(user, kind: str) -> QuerySet:
    """The ids of the persons shared with a partner under agreements naming `kind`."""
    return partner_shares_naming(user, kind).values("person_id")


def relationships_visible_to(user, qs: QuerySet) -> QuerySet:
    """A family link, when the user may read the working record of both ends; a partner, when
    both ends are shared with it under agreements that share relationships (a link never names
    a person outside the share)."""
    if is_partner_system(user):
        shared = _shared_persons(user, "relationships")
        return qs.filter(from_person_id__in=shared, to_person_id__in=shared)
    qs = _through_person(qs, user, "from_person__", Level.SENSITIVE)
    return _through_person(qs, user, "to_person__", Level.SENSITIVE)


def placements_visible_to(user, qs: QuerySet) -> QuerySet:
    """Where a person was seen or held: the working record. A partner: every placement and
    sighting of the persons shared under agreements that share placements, and the current
    whereabouts alone of those shared under agreements that share whereabouts."""
    if is_partner_system(user):
        every = Q(person_id__in=_shared_persons(user, "placements"))
        current = Q(person_id__in=_shared_persons(user, "whereabouts")) & is_latest_confirmed()
        return qs.filter(every | current)
    return _through_person(qs, user, "person__", Level.SENSITIVE)


def notes_visible_to(user, qs: QuerySet) -> QuerySet:
    """Case notes: the working record; a security note only at the restricted level."""
    sensitive = person_scope_condition(user, "person__", at_least=Level.SENSITIVE)
    restricted = person_scope_condition(user, "person__", at_least=Level.RESTRICTED)
    if sensitive is None:
        return qs.none()
    condition = Q(is_security_note=False) & sensitive
    if restricted is not None:
        condition |= restricted
    return qs.filter(condition)


def tasks_visible_to(user, qs: QuerySet) -> QuerySet:
    return _through_person(qs, user, "person__", Level.SENSITIVE)


def proceedings_visible_to(user, qs: QuerySet) -> QuerySet:
    """Legal proceedings are restricted throughout, their very existence included."""
    return _through_person(qs, user, "person__", Level.RESTRICTED)


# --- Family reports ---------------------------------------------------------------------------

# The report queue: reports nobody has started on, or still describing someone not yet triaged.
_QUEUE_STATUSES = (ReportStatus.NEW, ReportStatus.IN_TRIAGE)


def reports_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """The family reports the user may see (the read gate of reports: lists, counts, the API).

    - supervisors: every report of their organisation;
    - intake and caseworkers: the queue they work (a report waiting for triage, or with an entry
      not yet triaged), and for a caseworker the reports about their own cases, but never a
      report any of whose entries is linked to a person outside their person scope (for intake
      no protected person, for a caseworker their team's, assigned and break-glass persons). A
      report tells who the family is and what they said about the person: it is as closed as the
      most closed person it is linked to;
    - partners: the reports they sent; everyone else (the DPO, administrators): none.

    Each condition on the entries is tested report by report, through a subquery that names the
    first such entry (a scalar subquery: PostgreSQL runs it per report on the entries' index and
    never turns it into a join that would first collect every entry linked beyond the scope, a set
    as large as the organisation's history). A page of the list then reads a page of reports in
    order, and a count reads each report once; no DISTINCT, no GROUP BY.
    """
    qs = FamilyReport.objects.all() if qs is None else qs
    if not is_active_user(user):
        return qs.none()
    if is_partner_system(user):
        # A partner sees the reports it sent, and no one else's.
        return qs.filter(source_partner_id=user.organisation_id)
    if not may_see_reporters(user):  # the report staff: intake, caseworkers, supervisors
        return qs.none()
    reports = qs.filter(organisation_id=user.organisation_id)
    if role_of(user) == Role.SUPERVISOR:
        return reports

    def first_entry(entries: QuerySet) -> Subquery:
        """The id of the first of `entries` of the report at hand (NULL when it has none)."""
        return Subquery(entries.filter(report_id=OuterRef("pk")).order_by().values("pk")[:1])

    in_scope = person_scope_condition(user, "person__")
    linked = ReportEntry.objects.filter(person_id__isnull=False)
    beyond_scope = linked if in_scope is None else linked.exclude(in_scope)
    worked_on = Q(outcome=TriageOutcome.PENDING)
    if role_of(user) == Role.CASEWORKER:
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


def _of_visible_report(user, qs: QuerySet) -> QuerySet:
    return qs.filter(report__in=reports_visible_to(user).values("pk"))


def report_entries_visible_to(user, qs: QuerySet) -> QuerySet:
    return _of_visible_report(user, qs)


def report_consents_visible_to(user, qs: QuerySet) -> QuerySet:
    return _of_visible_report(user, qs)


def reporter_records_visible_to(user, qs: QuerySet) -> QuerySet:
    """A report's files and the family's follow-ups: the report staff's, on reports they see."""
    if not may_see_reporters(user):
        return qs.none()
    return _of_visible_report(user, qs)


# --- Flights ----------------------------------------------------------------------------------


def _partner_passengers(user) -> QuerySet:
    return ManifestEntry.objects.filter(person_id__in=_shared_persons(user, "flights"))


def flights_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Flights of the user's organisation, for those who plan them (caseworkers, supervisors); a
    partner's, those with a passenger shared with it under agreements that share flights."""
    qs = RepatriationFlight.objects.all() if qs is None else qs
    if is_partner_system(user):
        return qs.filter(pk__in=_partner_passengers(user).values("flight_id"))
    if not may(user, Action.MANAGE_FLIGHT):
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


def manifest_entries_visible_to(user, qs: QuerySet) -> QuerySet:
    """A flight's manifest, to those who plan the flight (a passenger the user may not see is
    masked where the manifest is shown, never left out: the seat is taken). A partner: only the
    rows of its passengers (the others are counted where the manifest is shown, never named)."""
    if is_partner_system(user):
        return qs.filter(pk__in=_partner_passengers(user).values("pk"))
    return qs.filter(flight__in=flights_visible_to(user).values("pk"))


def handovers_visible_to(user, qs: QuerySet) -> QuerySet:
    """Who received a passenger: the planners' record, never a partner's."""
    if is_partner_system(user):
        return qs.none()
    return qs.filter(manifest_entry__flight__in=flights_visible_to(user).values("pk"))


# --- Lists, suggestions, merges ---------------------------------------------------------------


def list_imports_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """The organisation's list imports, for those who may import lists."""
    qs = ListImport.objects.all() if qs is None else qs
    if is_partner_system(user):
        # A partner sees the lists it sent (held by the organisations it sent them to), no other.
        return qs.filter(submitted_by_partner_id=user.organisation_id)
    if not may(user, Action.IMPORT_LIST):
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


def list_rows_visible_to(user, qs: QuerySet) -> QuerySet:
    return qs.filter(list_import__in=list_imports_visible_to(user).values("pk"))


def jobs_visible_to(user, qs: QuerySet) -> QuerySet:
    """Background jobs: one's own, and the organisation's shared work (finding duplicates, a list
    import) to those who may do the same action. An export's file holds the rows its requester
    may see, so it stays theirs alone."""
    if not is_active_user(user) or is_partner_system(user):
        return qs.none()
    mine = Q(requested_by_id=user.pk)
    shared_actions = [action.value for action in Action if may(user, action)]
    shared = Q(private=False, action__in=shared_actions)
    return qs.filter(mine | shared, organisation_id=user.organisation_id)


def suggestions_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Match suggestions of the user's organisation whose persons the user may all see.

    Each suggestion's persons are tested through their own rows (the scope as a condition on the
    joined person), so a page of the review queue reads its suggestions and their persons only,
    never the list of every person in scope (tens of thousands) to test them against."""
    qs = MatchSuggestion.objects.all() if qs is None else qs
    if is_partner_system(user):
        return partner_suggestions(user, qs)
    if not may(user, Action.DECIDE_MATCH):
        return qs.none()
    person = person_scope_condition(user, "person__")
    other = person_scope_condition(user, "other_person__")
    if person is None or other is None:
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id).filter(
        person, Q(other_person__isnull=True) | other
    )


def partner_suggestions(user, qs: QuerySet) -> QuerySet:
    """The suggestions a partner may read: of an organisation it has an agreement in force with,
    whose every person is shared with it. The other side is a second shared person, or what the
    partner itself sent (a row of its list, an entry of its report): it already knows that. A
    suggestion on a person not shared with it does not exist for it, whoever is on the other side.
    """
    shared = partner_shares(user).values("person_id")
    own = user.organisation_id
    second_side = (
        Q(kind=SuggestionKind.PERSON_PERSON, other_person_id__in=shared)
        | Q(kind=SuggestionKind.ROW_PERSON, list_row__list_import__submitted_by_partner_id=own)
        | Q(kind=SuggestionKind.ENTRY_PERSON, report_entry__report__source_partner_id=own)
    )
    return qs.filter(
        organisation_id__in=agreements_in_force_for(user).values("owner_id"),
        person_id__in=shared,
    ).filter(second_side)


def suggestion_opinions_visible_to(user, qs: QuerySet) -> QuerySet:
    """A partner's opinions: the partner's own; staff: those on the suggestions they see."""
    if is_partner_system(user):
        qs = qs.filter(partner_id=user.organisation_id)
    return qs.filter(suggestion__in=suggestions_visible_to(user).values("pk"))


def merges_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Merges of two persons the user may both see (each tested through its own row, as above)."""
    qs = PersonMerge.objects.all() if qs is None else qs
    if not is_active_user(user):
        return qs.none()
    survivor = person_scope_condition(user, "survivor__")
    absorbed = person_scope_condition(user, "absorbed__")
    if survivor is None or absorbed is None:
        return qs.none()
    return qs.filter(survivor, absorbed)


def locations_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Detention locations are reference data: every staff member sees them; a partner, the
    places its shared persons are or were at, as far as it sees their placements."""
    qs = DetentionLocation.objects.all() if qs is None else qs
    if is_partner_system(user):
        seen = placements_visible_to(user, Placement.objects.all())
        return qs.filter(pk__in=seen.values("location_id"))
    if role_of(user) not in STAFF_ROLES:
        return qs.none()
    return qs


def place_records_visible_to(user, qs: QuerySet) -> QuerySet:
    """A place's population reports and other names: reference data for staff."""
    if role_of(user) not in STAFF_ROLES:
        return qs.none()
    return qs.filter(location__in=locations_visible_to(user).values("pk"))


def place_names_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Place names of the organisation's lists waiting to be matched, for those who keep the
    registry of places."""
    qs = PlaceName.objects.all() if qs is None else qs
    if not may(user, Action.MANAGE_PLACES) or role_of(user) not in STAFF_ROLES:
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


# --- The audit trail, break-glass and sharing -------------------------------------------------


def audit_events_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """One sees audit rows only of records one may see. The data-protection officer (whoever may
    view the audit trail) sees every event of their organisation; other staff see the events of
    the persons in their scope (an event naming several persons, as a page's read does, when one
    of them is); everyone else, nothing."""
    qs = AuditEvent.objects.all() if qs is None else qs
    if not is_active_user(user) or is_partner_system(user):
        return qs.none()
    if may(user, Action.VIEW_AUDIT):
        return qs.filter(organisation_id=user.organisation_id)
    condition = person_scope_condition(user)
    if condition is None:
        return qs.none()

    # An event about one person names them; one about several (a page's read) has its subjects.
    # Each event's persons are looked up in the scope one by one (EXISTS on the person's unique
    # public id), never the scope's every person first: a person's history reads a few dozen
    # events, and a hash of the caseworker's 34,000 persons cost more than the whole page.
    def in_scope(ref: str) -> Exists:
        return Exists(Person.objects.filter(condition, public_id=OuterRef(ref)))

    named = AuditEventSubject.objects.filter(event_id=OuterRef("pk")).filter(in_scope("person_id"))
    return qs.filter(in_scope("person_id") | Exists(named))


def break_glass_grants_visible_to(user, qs: QuerySet | None = None) -> QuerySet:
    """Every break-glass grant on the organisation's persons, for the data-protection officer."""
    qs = BreakGlassGrant.objects.all() if qs is None else qs
    if not may(user, Action.VIEW_AUDIT):
        return qs.none()
    return qs.filter(person__organisation_id=user.organisation_id)


def shares_visible_to(user, qs: QuerySet) -> QuerySet:
    """A partner: the shares it reads through; staff: the shares of persons they see."""
    if is_partner_system(user):
        return qs.filter(pk__in=partner_shares(user).values("pk"))
    if not is_active_user(user):
        return qs.none()
    return qs.filter(
        agreement__owner_id=user.organisation_id,
        person__in=person_scope(user).values("pk"),
    )


def agreements_visible_to(user, qs: QuerySet) -> QuerySet:
    """The agreements the user's organisation is a party to."""
    if not is_active_user(user):
        return qs.none()
    return qs.filter(Q(owner_id=user.organisation_id) | Q(partner_id=user.organisation_id))


def outbox_visible_to(user, qs: QuerySet) -> QuerySet:
    """What a partner's change feed delivers: the rows written for that partner alone."""
    if not is_partner_system(user):
        return qs.none()
    return qs.filter(partner_id=user.organisation_id)


def subject_access_scope(user, qs: QuerySet) -> QuerySet:
    """A subject-access request answers with everything held about one person or one reporter:
    for whoever may answer them (the data-protection officer), every subject of their own
    organisation, whatever its level; for everyone else, none."""
    if not may(user, Action.SUBJECT_ACCESS):
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


READ_GATES = {
    (Person, "visible_to"): lambda user, qs: person_scope(user, qs),
    (Person, "known_to"): lambda user, qs: duplicate_check_scope(user, qs),
    (Person, "linkable_by"): lambda user, qs: triage_link_scope(user, qs),
    (Person, "openable_by_break_glass"): lambda user, qs: break_glass_scope(user, qs),
    (Person, "open_to_subject_access"): subject_access_scope,
    (FamilyReport, "open_to_subject_access"): subject_access_scope,
    (PersonName, "visible_to"): person_names_visible_to,
    (Relationship, "visible_to"): relationships_visible_to,
    (Placement, "visible_to"): placements_visible_to,
    (CaseNote, "visible_to"): notes_visible_to,
    (CaseTask, "visible_to"): tasks_visible_to,
    (LegalProceeding, "visible_to"): proceedings_visible_to,
    (FamilyReport, "visible_to"): reports_visible_to,
    (ReportEntry, "visible_to"): report_entries_visible_to,
    (ReportConsent, "visible_to"): report_consents_visible_to,
    (ReportAttachment, "visible_to"): reporter_records_visible_to,
    (ReportFollowUp, "visible_to"): reporter_records_visible_to,
    (RepatriationFlight, "visible_to"): flights_visible_to,
    (ManifestEntry, "visible_to"): manifest_entries_visible_to,
    (Handover, "visible_to"): handovers_visible_to,
    (ListImport, "visible_to"): list_imports_visible_to,
    (ListImportRow, "visible_to"): list_rows_visible_to,
    (MatchSuggestion, "visible_to"): suggestions_visible_to,
    (SuggestionOpinion, "visible_to"): suggestion_opinions_visible_to,
    (BackgroundJob, "visible_to"): jobs_visible_to,
    (PersonMerge, "visible_to"): merges_visible_to,
    (DetentionLocation, "visible_to"): locations_visible_to,
    (PopulationReport, "visible_to"): place_records_visible_to,
    (PlaceAlias, "visible_to"): place_records_visible_to,
    (PlaceName, "visible_to"): place_names_visible_to,
    (AuditEvent, "visible_to"): audit_events_visible_to,
    (BreakGlassGrant, "visible_to"): break_glass_grants_visible_to,
    (SharedCase, "visible_to"): shares_visible_to,
    (SharingAgreement, "visible_to"): agreements_visible_to,
    (ChangeOutbox, "visible_to"): outbox_visible_to,
}


def install_read_gates() -> None:
    """Give every gated model its read gates (called once, when the app starts)."""
    for (model, name), gate in READ_GATES.items():
        register_read_gate(model, name, gate)
