"""Reads built on the read gates (`Model.objects.visible_to(user)`): a record's history, a report's
entries, who may be put on a flight, a flight's passengers counted. Each takes the acting user and
starts from a gate."""

from collections.abc import Iterable

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import (
    AuditEvent,
    AuditEventSubject,
    FamilyReport,
    ManifestEntry,
    ManifestRole,
    Membership,
    PartnerToken,
    Person,
    PersonStatus,
    Placement,
    RepatriationFlight,
    ReportEntry,
    ReportStatus,
    Sensitivity,
    SharingAgreement,
    Team,
    User,
)
from casework.permissions import (
    Action,
    active_agreements,
    may,
    may_see_reporters,
    partner_accounts_managed_by,
)
from casework.services.placements import current_placements


def history_for(user, person, *, gated: bool = False) -> QuerySet:
    """A record's own history, for those who may see the record (none for anyone else), with the
    history of the records merged into it (a merge carries history over; an undo takes it back).
    `gated`: the caller read `person` through `Person.objects.visible_to(user)` itself."""
    if not gated and not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return AuditEvent.objects.none()
    own_and_merged = Person.objects.filter(Q(pk=person.pk) | Q(merged_into=person)).values(
        "public_id"
    )
    # The person's events found first, each side off its own index, then gated one by one: an
    # OR of the two sides let PostgreSQL walk the whole trail newest first instead.
    about = (
        AuditEvent.objects.filter(person_id__in=own_and_merged)
        .order_by()
        .values("pk")
        .union(
            AuditEventSubject.objects.filter(person_id__in=own_and_merged)
            .order_by()
            .values("event_id"),
            all=True,
        )
    )
    return AuditEvent.objects.visible_to(user).filter(pk__in=about)


def record_history(
    user, gated: QuerySet, record, *, parts: Iterable = (), through_gate: bool = False
) -> QuerySet:
    """The history of a record that is not a person (a report, a flight, a list): its own events
    and those of its `parts` (a report's entries), for those the record's read gate `gated` lets
    see it; none for anyone else. Newest first. `through_gate`: the caller read `record` through
    `gated` itself in this request (the gate is not asked again)."""
    if not through_gate and not gated.filter(pk=record.pk).exists():
        return AuditEvent.objects.none()
    ids = [record.public_id, *(part.public_id for part in parts)]
    return AuditEvent.objects.filter(
        organisation_id=record.organisation_id, object_id__in=ids
    ).order_by("-at", "-id")


def may_see_reporter(user, report, *, gated: bool = False) -> bool:
    """Who reported and how to reach them, the family's account, their files, each entry's
    aliases and last known place: the organisation's report staff only (intake, caseworkers,
    supervisors), and only on a report the gate lets them see. `gated`: the caller read `report`
    through `FamilyReport.objects.visible_to(user)` itself in this request."""
    return (
        may_see_reporters(user)
        and report.organisation_id == user.organisation_id
        and (gated or FamilyReport.objects.visible_to(user).filter(pk=report.pk).exists())
    )


def report_entries_for(user, report) -> QuerySet:
    return ReportEntry.objects.visible_to(user).filter(report=report).select_related("person")


def proposable_persons(user, flight) -> QuerySet:
    """Persons the user sees who are cleared to fly and not yet on this flight."""
    return (
        Person.objects.visible_to(user)
        .filter(
            organisation_id=flight.organisation_id,
            status__in=[PersonStatus.CLEARED_FOR_RETURN, PersonStatus.ON_MANIFEST],
        )
        .exclude(manifest_entries__flight=flight)
        .order_by("display_name", "id")
    )


def persons_now_at(user, place) -> QuerySet:
    """Who is known to be at `place` now (`services.placements.current_placements`), of the
    persons whose whereabouts the user may see; a merged record is counted once, as its survivor."""
    here = current_placements(Placement.objects.visible_to(user).filter(location=place))
    return (
        Person.objects.visible_to(user)
        .filter(pk__in=here.values("person_id"), merged_into__isnull=True)
        .order_by("display_name", "id")
    )


class _CountOf(Subquery):
    """How many rows a subquery returns (at most its slice), as a scalar: counted where they are
    read, not looked up again by key."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _capped_count(rows: QuerySet, limit: int) -> _CountOf:
    """How many of `rows` there are, counting at most `limit` + 1 of them."""
    return _CountOf(rows.order_by().values("pk")[: limit + 1])


def overview_counts(user, *, limit: int) -> tuple[dict[str, int], int]:
    """The persons the user may see by status, and the reports waiting for triage (new), each
    counted up to `limit` + 1 (a count above `limit` means "more than `limit`"): one query, in
    which each count reads at most `limit` + 1 rows off an index, however many the user sees."""
    persons = Person.objects.visible_to(user)
    waiting = FamilyReport.objects.visible_to(user).filter(status=ReportStatus.NEW)
    counts = {}
    if not persons.query.is_empty():
        for status in PersonStatus.values:
            counts[f"persons_{status}"] = _capped_count(persons.filter(status=status), limit)
    if not waiting.query.is_empty():
        counts["reports_waiting"] = _capped_count(waiting, limit)
    row = {}
    if counts:
        # One row to hang the counts on: the user's own.
        row = User.objects.filter(pk=user.pk).annotate(**counts).values(*counts).get()
    by_status = {status: row.get(f"persons_{status}", 0) for status in PersonStatus.values}
    return by_status, row.get("reports_waiting", 0)


# --- The organisation's administration (issue 12) ---------------------------------------------


def organisation_users(user) -> QuerySet:
    """The accounts of the user's organisation, for whoever keeps them (none for anyone else),
    each with its teams and whether it has enrolled a second factor."""
    if not may(user, Action.MANAGE_USERS):
        return User.objects.none()
    enrolled = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    memberships = Membership.objects.select_related("team").order_by("team__name")
    return (
        User.objects.filter(organisation_id=user.organisation_id)
        .annotate(second_factor=Exists(enrolled))
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )


def organisation_teams(user) -> QuerySet:
    """The teams of the user's organisation, for whoever keeps them, with their member count."""
    if not may(user, Action.MANAGE_TEAMS):
        return Team.objects.none()
    return (
        Team.objects.filter(organisation_id=user.organisation_id)
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def agreements_given(user) -> QuerySet:
    """The sharing agreements the user's organisation gives, for whoever keeps them, each with
    its partner and how many cases it shares."""
    if not may(user, Action.MANAGE_AGREEMENTS):
        return SharingAgreement.objects.none()
    return (
        SharingAgreement.objects.visible_to(user)
        .filter(owner_id=user.organisation_id)
        .select_related("partner")
        .annotate(case_count=Count("shared_cases"))
        .order_by("-valid_from", "title")
    )


def partner_accounts(user) -> QuerySet:
    """The partner systems' accounts the user issues tokens to, each with its tokens (newest
    first); none for anyone who may not."""
    if not may(user, Action.MANAGE_USERS):
        return User.objects.none()
    return (
        partner_accounts_managed_by(user)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("api_tokens", queryset=PartnerToken.objects.order_by("-created_at"))
        )
        .order_by("organisation__name", "username")
    )


def partner_tokens(user) -> QuerySet:
    """The tokens of the partner accounts the user issues tokens to."""
    if not may(user, Action.MANAGE_USERS):
        return PartnerToken.objects.none()
    return PartnerToken.objects.filter(user__in=partner_accounts_managed_by(user)).select_related(
        "user"
    )


def agreements_to_share_under(user) -> QuerySet:
    """The agreements in force the user's organisation gives, to whoever shares its cases (a
    supervisor, who sees the persons; the administrator keeps the terms and sees none)."""
    if not may(user, Action.SHARE_CASE):
        return SharingAgreement.objects.none()
    return active_agreements().filter(owner_id=user.organisation_id).select_related("partner")


def shared_persons(user, agreement) -> QuerySet:
    """The persons shared under `agreement` that the user sees."""
    return (
        Person.objects.visible_to(user)
        .filter(shares__agreement=agreement)
        .order_by("display_name", "id")
    )


def shareable_persons(user, agreement) -> QuerySet:
    """Who the user may still share under `agreement`: the owner's own persons the user sees,
    not yet shared under it, never a protected or merged-away one (the service refuses those)."""
    if not may(user, Action.SHARE_CASE):
        return Person.objects.none()
    return (
        Person.objects.visible_to(user)
        .filter(organisation_id=agreement.owner_id, merged_into__isnull=True)
        .exclude(sensitivity=Sensitivity.PROTECTED)
        .exclude(shares__agreement=agreement)
        .order_by("display_name", "id")
    )


def flights_with_passenger_counts(user) -> QuerySet:
    """The flights the user sees, each with `passenger_count`: every passenger on its manifest,
    whoever they are. A manifest shows only the rows its reader may see (a partner, its own
    persons'); the count says how many others there are without naming any."""
    passengers = ManifestEntry.objects.filter(
        flight_id=OuterRef("pk"), role=ManifestRole.PASSENGER
    ).values("pk")
    return RepatriationFlight.objects.visible_to(user).annotate(
        passenger_count=_CountOf(passengers)
    )
