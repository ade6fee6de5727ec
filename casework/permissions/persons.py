"""How far each user may look into each person: the person scope, the level on one person or many,
and what sharing agreements let partners see.

A user's teams and break-glass grants are read once per request (kept in the request's context,
never beyond it): a page asks the policy about many persons and records.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from casework import request_context
from casework.levels import Action, Level
from casework.models import (
    BreakGlassGrant,
    Membership,
    Organisation,
    Person,
    Role,
    Sensitivity,
    SharedCase,
    SharingAgreement,
    User,
)
from casework.permissions.roles import (
    ACTION_LEVEL,
    may_break_glass_at_all,
    role_of,
    users_who_may,
)

# --- What a caseworker's scope is made of (read once per request) ------------------------------


def _grants_in_force() -> QuerySet:
    return BreakGlassGrant.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def _active_grants(user) -> QuerySet:
    return _grants_in_force().filter(user=user)


def _scope_facts(user) -> tuple[frozenset[int], frozenset[int]]:
    """The user's team ids and the person ids of their break-glass grants in force."""

    def read() -> tuple[frozenset[int], frozenset[int]]:
        # One query for both: every page of a caseworker asks.
        teams = Membership.objects.filter(user=user).annotate(kind=Value("team"))
        grants = _active_grants(user).annotate(kind=Value("grant"))
        rows = (
            teams.values_list("kind", "team_id")
            .order_by()
            .union(grants.values_list("kind", "person_id").order_by(), all=True)
        )
        facts: dict[str, set[int]] = {"team": set(), "grant": set()}
        for kind, pk in rows:
            facts[kind].add(pk)
        return frozenset(facts["team"]), frozenset(facts["grant"])

    return request_context.remembered(("scope_facts", user.pk), read)


def forget_scope_facts(user) -> None:
    """After a write that changes the user's teams or grants, within the same request."""
    request_context.forget(("scope_facts", user.pk))


# --- Sharing agreements -------------------------------------------------------------------------


def active_agreements() -> QuerySet:
    """Sharing agreements in force today: not revoked, begun, not ended."""
    today = timezone.localdate()
    return SharingAgreement.objects.filter(revoked_at__isnull=True, valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def active_agreements_between(owner_id, partner_id) -> QuerySet:
    return active_agreements().filter(owner_id=owner_id, partner_id=partner_id)


def agreements_in_force_for(user) -> QuerySet:
    """The agreements in force under which the user's organisation is the partner."""
    return active_agreements().filter(partner_id=user.organisation_id)


def agreements_taking_lists(user) -> QuerySet:
    """The agreements in force under which the user's organisation may send lists to the owner."""
    return agreements_in_force_for(user).filter(may_submit_list_rows=True)


def may_give_match_opinion(user, organisation_id=None) -> bool:
    """Whether the partner's agreement with the organisation holding a suggestion (with any, when
    None) lets it give its opinion (the persons' own gate is `require(GIVE_MATCH_OPINION, ...)`)."""
    agreements = agreements_in_force_for(user).filter(may_decide_suggestions=True)
    if organisation_id is not None:
        agreements = agreements.filter(owner_id=organisation_id)
    return agreements.exists()


def sharing_partners(owner_id) -> QuerySet:
    """The partner organisations `owner_id` has a sharing agreement in force with: the only ones
    a family's consent, a share or a report can name."""
    partner_ids = active_agreements().filter(owner_id=owner_id).values("partner_id")
    return Organisation.objects.filter(pk__in=partner_ids)


def partner_accounts_managed_by(user) -> QuerySet:
    """The partner systems' accounts an administrator of the user's organisation issues tokens
    to: the partners it has an agreement in force with (what `services.accounts` allows)."""
    partner_ids = active_agreements().filter(owner_id=user.organisation_id).values("partner_id")
    return User.objects.filter(role=Role.PARTNER, organisation_id__in=partner_ids)


def partner_shares(user) -> QuerySet:
    """The shares a partner reads through: under an agreement in force with the partner, of a
    person the agreement's owner holds, never a protected one. A row that breaks these (written
    around the sharing service) shares nothing."""
    return (
        SharedCase.objects.filter(agreement__in=agreements_in_force_for(user))
        .filter(person__organisation_id=F("agreement__owner_id"))
        .exclude(person__sensitivity=Sensitivity.PROTECTED)
    )


def partner_shares_naming(user, kind: str) -> QuerySet:
    """The partner's shares (`partner_shares`) under agreements naming `kind`, one of the records
    an agreement may share besides the person's fields (`classification.SHAREABLE_PERSON_RECORDS`):
    nothing of that kind is shared unless the agreement says so."""
    agreements = [
        agreement.pk
        for agreement in agreements_in_force_for(user).only("pk", "shared_fields")
        if kind in (agreement.shared_fields or ())
    ]
    return partner_shares(user).filter(agreement_id__in=agreements)


# --- The person scope -------------------------------------------------------------------------


def person_scope_condition(user, prefix: str = "", *, at_least: Level = Level.PARTNER) -> Q | None:
    """The persons the user may see at `at_least` or deeper, as a condition on a person reached
    from another model through `prefix` (e.g. "person__" on report entries), or None when the user
    sees no one at that level. Another model's rows are tested against the person they point at,
    instead of against the list of every visible person's id (tens of thousands of them)."""
    role = role_of(user)
    if role is None or role == Role.ADMIN:
        return None

    def on(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    # Each branch that depends on another table is an id subquery, never a join: a join would
    # repeat a person per matching row and need DISTINCT, which PostgreSQL pays for on every
    # list page (a sort of every visible row before the first page of 50).
    if role == Role.PARTNER:
        if at_least > Level.PARTNER:
            return None
        # The share is looked up from the person (its owner and sensitivity read off the person
        # itself), not the persons of every share joined back to the persons table: that join
        # made PostgreSQL read all 100,000 persons for each page of a partner's list.
        shared = SharedCase.objects.filter(
            agreement__in=agreements_in_force_for(user),
            person_id=OuterRef(f"{prefix}pk"),
            agreement__owner_id=OuterRef(f"{prefix}organisation_id"),
        )
        return Q(Exists(shared)) & ~on(sensitivity=Sensitivity.PROTECTED)
    in_org = on(organisation_id=user.organisation_id)
    not_protected = ~on(sensitivity=Sensitivity.PROTECTED)
    if role == Role.SUPERVISOR:
        return in_org
    if role in (Role.INTAKE, Role.DPO):
        return in_org & not_protected if at_least <= Level.MINIMAL else None
    if role == Role.CASEWORKER:
        # The caseworker's few teams and grants are written into the condition as values:
        # PostgreSQL then combines the team and assignee indexes (and the primary key) instead of
        # testing two subqueries on every person of the organisation.
        team_ids, granted_ids = _scope_facts(user)
        own = on(assigned_to_id=user.pk)
        if at_least <= Level.SENSITIVE:
            own |= on(team_id__in=sorted(team_ids)) & not_protected
        if granted_ids:
            own |= on(pk__in=sorted(granted_ids))
        return in_org & own
    return None


def person_scope(user, qs: QuerySet | None = None, *, at_least: Level = Level.PARTNER) -> QuerySet:
    """Every person the user may see at `at_least` or deeper (by default at any level: the read
    gate, `Person.objects.visible_to(user)`)."""
    qs = Person.objects.all() if qs is None else qs
    condition = person_scope_condition(user, at_least=at_least)
    return qs.none() if condition is None else qs.filter(condition)


def duplicate_check_scope(user, qs: QuerySet | None = None) -> QuerySet:
    """Persons the user may be told about when checking for a duplicate: minimal fields only.

    Intake and caseworkers must see that a person is already known in their organisation even
    when the case belongs to another team; protected persons are never revealed this way.
    """
    qs = Person.objects.all() if qs is None else qs
    role = role_of(user)
    if role not in (Role.INTAKE, Role.CASEWORKER, Role.SUPERVISOR):
        return qs.none()
    qs = qs.filter(organisation_id=user.organisation_id)
    if role != Role.SUPERVISOR:
        qs = qs.exclude(sensitivity=Sensitivity.PROTECTED)
    return qs


def triage_link_scope(user, qs: QuerySet | None = None) -> QuerySet:
    """Persons a report entry may be linked to: those the user sees, and those the duplicate check
    may show them (another team's case), never a protected one they cannot see."""
    qs = Person.objects.all() if qs is None else qs
    return qs.filter(
        Q(pk__in=person_scope(user).values("pk"))
        | Q(pk__in=duplicate_check_scope(user).values("pk"))
    )


def break_glass_scope(user, qs: QuerySet | None = None) -> QuerySet:
    """Persons the user may open by break-glass (a supervisor: their organisation; a caseworker:
    theirs, when it allows caseworkers to)."""
    qs = Person.objects.all() if qs is None else qs
    if not may_break_glass_at_all(user):
        return qs.none()
    return qs.filter(organisation_id=user.organisation_id)


def may_break_glass(user, person: Person) -> bool:
    role = role_of(user)
    if role == Role.SUPERVISOR:
        return person.organisation_id == user.organisation_id
    if role == Role.CASEWORKER:
        return (
            person.organisation_id == user.organisation_id
            and user.organisation.caseworkers_may_break_glass
        )
    return False


# --- Levels -----------------------------------------------------------------------------------


def _staff_level(role, user, person, team_ids, granted_ids) -> Level:
    if person.organisation_id != user.organisation_id:
        return Level.NONE
    protected = person.sensitivity == Sensitivity.PROTECTED
    if role == Role.SUPERVISOR:
        return Level.RESTRICTED
    if role in (Role.INTAKE, Role.DPO):
        return Level.NONE if protected else Level.MINIMAL
    if role == Role.CASEWORKER:
        if person.assigned_to_id == user.pk or person.pk in granted_ids:
            return Level.RESTRICTED
        if not protected and person.team_id in team_ids:
            return Level.SENSITIVE
    return Level.NONE


def person_levels(user, persons) -> dict[int, Level]:
    """How far the user may look into each person (NONE for those they may not see at all), in a
    constant number of queries (pages, exports, the API)."""
    persons = list(persons)
    role = role_of(user)
    if role is None or role == Role.ADMIN or not persons:
        return {p.pk: Level.NONE for p in persons}
    if role == Role.PARTNER:
        shared = set(
            person_scope(user).filter(pk__in=[p.pk for p in persons]).values_list("pk", flat=True)
        )
        return {p.pk: Level.PARTNER if p.pk in shared else Level.NONE for p in persons}
    team_ids, granted_ids = (
        _scope_facts(user) if role == Role.CASEWORKER else (frozenset(), frozenset())
    )
    return {p.pk: _staff_level(role, user, p, team_ids, granted_ids) for p in persons}


def person_level(user, person: Person) -> Level:
    """How far the user may look into this person (NONE when they may not see them at all)."""
    return person_levels(user, [person])[person.pk]


def partner_fields(user, person: Person) -> set[str]:
    """The person fields the user's sharing agreements name for this person."""
    fields: set[str] = set()
    shares = partner_shares(user).filter(person=person).select_related("agreement")
    for share in shares:
        fields.update(share.agreement.shared_fields)
    return fields


def person_list_level(user) -> tuple[Level, set[str] | None]:
    """The least level the user has on any person of their list, and for a partner the fields
    every agreement of theirs names: what list filters and orderings may use."""
    role = role_of(user)
    if role in (Role.CASEWORKER, Role.SUPERVISOR):
        return Level.SENSITIVE, None
    if role in (Role.INTAKE, Role.DPO):
        return Level.MINIMAL, None
    if role == Role.PARTNER:
        named = [set(a.shared_fields) for a in agreements_in_force_for(user)]
        return Level.PARTNER, (set.intersection(*named) if named else set())
    return Level.NONE, None


def task_assignees(person: Person) -> list:
    """Who a task on this person may be given to: the active users of the person's organisation
    who keep tasks and see the person's working record (the task names the case), by username.
    Each one's level as `person_levels` gives it, from their teams and grants read for all of
    them at once: three queries however many colleagues."""
    candidates = list(users_who_may(person.organisation_id, Action.KEEP_TASKS).order_by("username"))
    teams: dict[int, set[int]] = {user.pk: set() for user in candidates}
    for user_id, team_id in Membership.objects.filter(user__in=candidates).values_list(
        "user_id", "team_id"
    ):
        teams[user_id].add(team_id)
    granted = set(
        _grants_in_force()
        .filter(user__in=candidates, person=person)
        .values_list("user_id", flat=True)
    )
    needed = ACTION_LEVEL[Action.KEEP_TASKS]
    return [
        user
        for user in candidates
        if _staff_level(
            role_of(user),
            user,
            person,
            frozenset(teams[user.pk]),
            frozenset({person.pk} if user.pk in granted else ()),
        )
        >= needed
    ]
