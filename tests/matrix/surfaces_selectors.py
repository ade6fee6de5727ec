"""The selectors, called as each persona: the exact set of records each returns (by the world's
names for them, see `tests.matrix.labels`), or the exact answer of each yes/no gate."""

from django.apps import apps

from casework import selectors
from casework.models import Organisation, RepatriationFlight
from tests.factories import LocationFactory
from tests.matrix import Call, expect, labels, sets
from tests.matrix.records import grant
from tests.matrix.surfaces_account_audit import _audit_world, _grants
from tests.matrix.surfaces_api import REPORTS, _all_reports
from tests.matrix.surfaces_flights import _flights
from tests.matrix.surfaces_imports import _north, _south
from tests.matrix.surfaces_review import _merge, _pairs

PERSONS = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "intake": {"case_a", "case_b"},
    "supervisor": {"case_a", "case_b", "protected_a"},
    "dpo": {"case_a", "case_b"},
    "partner": {"case_a"},
}
NORTH = {"case_a", "case_b", "protected_a"}
REPORT_STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor")
PLANNERS = ("caseworker", "other_team_caseworker", "supervisor")
STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin")


def _selected(function, *args):
    """Run `selectors.<function>(user, *args(world))`, or the read gate `<Model>.<gate>` as
    `Model.objects.<gate>(user)`, and name what it returned."""

    def run(world, user):
        if "." in function:
            model, gate = function.split(".")
            result = getattr(apps.get_model("casework", model).objects, gate)(user)
        else:
            result = getattr(selectors, function)(user, *(arg(world) for arg in args))
        if isinstance(result, bool):
            return result
        return labels(world, result)

    return run


def _overview(world, user):
    """What the home page counts for `user`: each status with anyone in it, and the reports
    waiting (counted up to 1,000), as "status=n"."""
    by_status, waiting = selectors.overview_counts(user, limit=1000)
    counted = {f"{status}={n}" for status, n in by_status.items() if n}
    return counted | ({f"reports_waiting={waiting}"} if waiting else set())


def _caseworkers_may_break_glass(w):
    Organisation.objects.filter(pk=w.north.pk).update(caseworkers_may_break_glass=True)
    w.north.refresh_from_db()
    for user in (w.caseworker, w.other_team_caseworker):
        user.refresh_from_db()
        user.organisation  # noqa: B018 - the fresh organisation, as a request would load it


def _flight_with_history(w):
    from casework import audit

    _flights(w)
    if not hasattr(w, "flight_events"):
        w.flight_events = [
            audit.record(w.supervisor, "update", w.north_flight, reason="north flight moved"),
            audit.record(w.south_supervisor, "update", w.south_flight, reason="south flight moved"),
        ]
    return w


def _flight_history(flight_name):
    """The reasons of the events `record_history` returns for the flight, through its gate."""

    def run(world, user):
        flight = getattr(world, flight_name)
        gated = RepatriationFlight.objects.visible_to(user)
        return {e.reason for e in selectors.record_history(user, gated, flight)}

    return run


def _location(w):
    if not hasattr(w, "location"):
        w.location = LocationFactory(name="Matrix Camp", country="SY")
    return w


def _entries_of(report_name):
    def run(world, user):
        _all_reports(world)
        report = getattr(world, report_name)
        return {e.family_name for e in selectors.report_entries_for(user, report)}

    return run


def _reporter_of(report_name):
    def run(world, user):
        _all_reports(world)
        return selectors.may_see_reporter(user, getattr(world, report_name))

    return run


def _caseworker_grant(expires_in_past=False):
    def build(w):
        g = grant(w, w.caseworker, w.case_b)
        if expires_in_past:
            from django.utils import timezone

            type(g).objects.filter(pk=g.pk).update(expires_at=timezone.now())
        return w

    return build


def _assigned_protected(w):
    type(w.protected_a).objects.filter(pk=w.protected_a.pk).update(assigned_to=w.caseworker)


CALLS = [
    Call(name="gate:Person.visible_to", run=_selected("Person.visible_to"), expect=sets(**PERSONS)),
    Call(
        name="gate:Person.visible_to",
        label="with a break-glass grant",
        setup=_caseworker_grant(),
        run=_selected("Person.visible_to"),
        expect=sets(**{**PERSONS, "caseworker": {"case_a", "case_b"}}),
    ),
    Call(
        name="gate:Person.visible_to",
        label="with an expired grant",
        setup=_caseworker_grant(expires_in_past=True),
        run=_selected("Person.visible_to"),
        expect=sets(**PERSONS),
    ),
    Call(
        name="gate:Person.visible_to",
        label="protected person assigned to the caseworker",
        setup=_assigned_protected,
        run=_selected("Person.visible_to"),
        expect=sets(**{**PERSONS, "caseworker": {"case_a", "protected_a"}}),
    ),
    Call(
        name="gate:FamilyReport.visible_to",
        setup=_all_reports,
        run=_selected("FamilyReport.visible_to"),
        expect=sets(**REPORTS),
    ),
    # Subject-access requests: the DPO gathers every subject of the organisation, whatever its
    # level; nobody else any.
    Call(
        name="gate:Person.open_to_subject_access",
        run=_selected("Person.open_to_subject_access"),
        expect=sets(dpo=NORTH),
    ),
    Call(
        name="gate:FamilyReport.open_to_subject_access",
        setup=_all_reports,
        run=_selected("FamilyReport.open_to_subject_access"),
        expect=sets(dpo=REPORTS["supervisor"]),
    ),
    Call(
        name="gate:AuditEvent.visible_to",
        setup=_audit_world,
        run=_selected("AuditEvent.visible_to"),
        expect=sets(
            caseworker={"event_case_a"},
            other_team_caseworker={"event_case_b"},
            intake={"event_case_a", "event_case_b"},
            supervisor={"event_case_a", "event_case_b", "event_protected"},
            dpo={"event_case_a", "event_case_b", "event_protected", "event_north"},
        ),
    ),
    Call(
        name="selector:history_for",
        setup=_audit_world,
        run=_selected("history_for", lambda w: w.case_a),
        expect=sets(
            **{p: {"event_case_a"} for p in ("caseworker", "intake", "supervisor", "dpo")}
        ),  # fmt: skip
    ),
    Call(
        name="selector:history_for",
        label="protected",
        setup=_audit_world,
        run=_selected("history_for", lambda w: w.protected_a),
        expect=sets(supervisor={"event_protected"}),
    ),
    Call(
        name="selector:record_history",
        label="north's flight",
        setup=_flight_with_history,
        run=_flight_history("north_flight"),
        expect=sets(**dict.fromkeys(PLANNERS, {"north flight moved"})),
    ),
    Call(
        name="selector:record_history",
        label="south's flight",
        setup=_flight_with_history,
        run=_flight_history("south_flight"),
        expect=sets(),
    ),
    Call(
        name="gate:Person.openable_by_break_glass",
        run=_selected("Person.openable_by_break_glass"),
        expect=sets(supervisor=NORTH),
    ),
    Call(
        name="gate:Person.openable_by_break_glass",
        label="caseworkers allowed",
        setup=_caseworkers_may_break_glass,
        run=_selected("Person.openable_by_break_glass"),
        expect=sets(supervisor=NORTH, caseworker=NORTH, other_team_caseworker=NORTH),
    ),
    Call(
        name="gate:BreakGlassGrant.visible_to",
        setup=_grants,
        run=_selected("BreakGlassGrant.visible_to"),
        expect=sets(dpo={"grant_north"}),
    ),
    Call(
        name="selector:may_see_reporter",
        setup=_all_reports,
        run=_reporter_of("north_report"),
        expect=expect(False, **dict.fromkeys(REPORT_STAFF, True)),
    ),
    Call(
        name="selector:may_see_reporter",
        label="linked to team B's case",
        setup=_all_reports,
        run=_reporter_of("team_b_report"),
        expect=expect(False, other_team_caseworker=True, intake=True, supervisor=True),
    ),
    Call(
        name="selector:may_see_reporter",
        label="linked to the protected person",
        setup=_all_reports,
        run=_reporter_of("protected_report"),
        expect=expect(False, supervisor=True),
    ),
    Call(
        name="selector:may_see_reporter",
        label="a partner's report",
        setup=_all_reports,
        run=_reporter_of("partner_report"),
        # North's report staff read who reported; the partner reads no reporter (nor the API).
        expect=expect(False, **dict.fromkeys(REPORT_STAFF, True)),
    ),
    Call(
        name="selector:may_see_reporter",
        label="other organisation",
        setup=_all_reports,
        run=_reporter_of("south_report"),
        expect=expect(False),
    ),
    Call(
        name="selector:report_entries_for",
        setup=_all_reports,
        run=_entries_of("team_b_report"),
        expect=sets(
            **{p: {"Linkova", "Waitova"} for p in ("other_team_caseworker", "intake", "supervisor")}
        ),  # fmt: skip
    ),
    Call(
        name="selector:report_entries_for",
        label="a partner's report",
        setup=lambda w: _all_reports(w).partner_report.entries.create(
            position=1, family_name="Partnerova"
        ),
        run=_entries_of("partner_report"),
        expect=sets(**{p: {"Partnerova"} for p in ("partner", *REPORT_STAFF)}),
    ),
    Call(
        name="selector:report_entries_for",
        label="other organisation",
        setup=_all_reports,
        run=_entries_of("south_report"),
        expect=sets(),
    ),
    Call(
        name="gate:RepatriationFlight.visible_to",
        setup=_flights,
        run=_selected("RepatriationFlight.visible_to"),
        expect=sets(**dict.fromkeys(PLANNERS, {"north_flight"})),
    ),
    Call(
        name="selector:flights_with_passenger_counts",
        setup=_flights,
        run=_selected("flights_with_passenger_counts"),
        # The flights' own gate, each flight with its passengers counted.
        expect=sets(**dict.fromkeys(PLANNERS, {"north_flight"})),
    ),
    Call(
        name="selector:overview_counts",
        run=_overview,
        # Persons by status as each persona sees them (the world's four are all reported); the
        # partner's count is of the persons shared with it.
        expect=sets(
            caseworker={"reported=1"},
            other_team_caseworker={"reported=1"},
            intake={"reported=2"},
            supervisor={"reported=3"},
            dpo={"reported=2"},
            partner={"reported=1"},
        ),
    ),
    Call(
        name="selector:proposable_persons",
        setup=_flights,
        run=_selected("proposable_persons", lambda w: w.north_flight),
        # Persons the user sees who are cleared to fly and not on the flight yet (the flight
        # pages ask for the planner's role first).
        expect=sets(**dict.fromkeys(("caseworker", "intake", "supervisor", "dpo"), {"ready_a"})),
    ),
    Call(
        name="gate:ListImport.visible_to",
        setup=lambda w: (_north(w), _south(w)),
        run=_selected("ListImport.visible_to"),
        expect=sets(**dict.fromkeys(PLANNERS, {"north_import"})),
    ),
    Call(
        name="gate:MatchSuggestion.visible_to",
        setup=_pairs,
        run=_selected("MatchSuggestion.visible_to"),
        expect=sets(
            caseworker={"pair_a"}, other_team_caseworker={"pair_b"}, supervisor={"pair_a", "pair_b"}
        ),  # fmt: skip
    ),
    Call(
        name="gate:PersonMerge.visible_to",
        setup=_merge,
        run=_selected("PersonMerge.visible_to"),
        # Merges of two persons the user may both see (the merge pages are the supervisor's).
        expect=sets(**dict.fromkeys(("caseworker", "intake", "supervisor", "dpo"), {"merge"})),
    ),
    Call(
        name="gate:DetentionLocation.visible_to",
        setup=_location,
        run=_selected("DetentionLocation.visible_to"),
        expect=sets(**dict.fromkeys(STAFF, {"location"})),
    ),
]
