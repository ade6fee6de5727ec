"""The database itself refuses dishonest data, whatever code path writes it.

Every constraint of every casework model (`Meta.constraints`) has a case below, registered under
its name: the case writes what the constraint must refuse, and where it is natural an honest row
it must let through. A refusal counts only when the database names that very constraint (or, for
a unique constraint on SQLite, which names columns instead, its columns), so a case cannot pass on
another rule's refusal. A meta-test fails when a constraint has no case.
"""

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db import models as db_models
from django.db.models import Q
from django.utils import timezone

from casework import models
from tests.factories import (
    FlightFactory,
    LocationFactory,
    OrganisationFactory,
    PersonFactory,
    ReportFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _all_constraints() -> dict[str, tuple[type[db_models.Model], db_models.BaseConstraint]]:
    found = {}
    for model in apps.get_app_config("casework").get_models():
        for constraint in model._meta.constraints:
            assert constraint.name not in found, f"two constraints named {constraint.name}"
            found[constraint.name] = (model, constraint)
    return found


CONSTRAINTS = _all_constraints()


class Check:
    """What one case may say of its constraint: it refuses this, it accepts that."""

    def __init__(self, name: str):
        self.name = name
        self.model, self.constraint = CONSTRAINTS[name]
        self.refusals = 0

    def _signatures(self) -> list[str]:
        # PostgreSQL and SQLite name a violated check constraint; SQLite names a violated unique
        # constraint (or partial unique index) by its columns: "table.a, table.b".
        signatures = [self.name]
        if isinstance(self.constraint, db_models.UniqueConstraint) and self.constraint.fields:
            table = self.model._meta.db_table
            columns = [self.model._meta.get_field(f).column for f in self.constraint.fields]
            signatures.append(", ".join(f"{table}.{c}" for c in columns))
        return signatures

    def refuses(self, write: Callable[[], object]) -> None:
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            write()
        message = str(refused.value)
        assert any(s in message for s in self._signatures()), (
            f"refused, but not by {self.name}: {message}"
        )
        self.refusals += 1

    def accepts(self, write: Callable[[], object]) -> None:
        with transaction.atomic():
            obj = write()
        assert obj is None or obj.pk is not None


CASES: dict[str, Callable[[Check], None]] = {}


def case(*names: str):
    def register(fn):
        for name in names:
            assert name not in CASES, f"two cases for {name}"
            CASES[name] = fn
        return fn

    return register


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_the_database_enforces(name):
    assert name in CASES, f"the constraint {name} has no case in {__name__}"
    check = Check(name)
    CASES[name](check)
    assert check.refusals, f"the case for {name} shows it refusing nothing"


def test_every_constraint_has_a_case_and_every_case_a_constraint():
    missing = sorted(set(CONSTRAINTS) - set(CASES))
    stale = sorted(set(CASES) - set(CONSTRAINTS))
    assert not missing, f"constraints with no case: {missing}"
    assert not stale, f"cases for constraints no model has: {stale}"


def _condition_fields(node) -> set[str]:
    names = set()
    for child in node.children if isinstance(node, Q) else [node]:
        if isinstance(child, Q):
            names |= _condition_fields(child)
        elif isinstance(child, tuple):
            names.add(child[0].split("__")[0])
        else:
            names |= {e.name for e in child.flatten() if isinstance(e, db_models.F)}
    return names


def test_every_choice_field_is_held_to_its_choices_by_a_check_constraint():
    unchecked = []
    for model in apps.get_app_config("casework").get_models():
        checked = set()
        for constraint in model._meta.constraints:
            if isinstance(constraint, db_models.CheckConstraint):
                checked |= _condition_fields(constraint.condition)
        unchecked += [
            f"{model.__name__}.{field.name}"
            for field in model._meta.concrete_fields
            if field.choices and field.name not in checked
        ]
    assert not unchecked, f"choice fields no check constraint holds: {unchecked}"


# --- helpers -----------------------------------------------------------------------------------


def _placement(person, **fields):
    values = {
        "place_text": "Roj camp, annex",
        "start_date": dt.date(2020, 5, 1),
        "source": "letter",
        "reliability": "probable",
    }
    return lambda: models.Placement.objects.create(person=person, **{**values, **fields})


def _entry(flight, **fields):
    person = PersonFactory(organisation=flight.organisation)
    return models.ManifestEntry.objects.create(flight=flight, person=person, **fields)


def _handover(flight, **fields):
    values = {
        "recipient_kind": "child_services",
        "recipient_name": "Child services of Testograd",
        "handed_at": timezone.now(),
    }
    return lambda: models.Handover.objects.create(
        manifest_entry=_entry(flight), **{**values, **fields}
    )


def _list_import(org=None, **fields):
    values = {"source": "Camp administration", "sha256": uuid.uuid4().hex * 2}
    return models.ListImport.objects.create(
        organisation=org or OrganisationFactory(), **{**values, **fields}
    )


def _row(list_import, row_number=1, **fields):
    values = {"data": {}, "outcome": "ambiguous"}
    return lambda: models.ListImportRow.objects.create(
        list_import=list_import, row_number=row_number, **{**values, **fields}
    )


def _proceeding(**fields):
    values = {"country": "IQ", "charge": "Illegal entry", "status": "trial"}
    person = PersonFactory()
    return lambda: models.LegalProceeding.objects.create(person=person, **{**values, **fields})


def _report_entry(report, position=1, **fields):
    values = {"given_name": "Testov Bilal"}
    return lambda: models.ReportEntry.objects.create(
        report=report, position=position, **{**values, **fields}
    )


def _ordered_pair(org):
    a, b = PersonFactory(organisation=org), PersonFactory(organisation=org)
    return sorted([a, b], key=lambda p: p.pk)


def _suggestion(org, person, **fields):
    values = {"kind": "person_person", "probability": 0.5}
    return lambda: models.MatchSuggestion.objects.create(
        organisation=org, person=person, **{**values, **fields}
    )


# --- flights -----------------------------------------------------------------------------------


@case("flight_reference_unique")
def _(check):
    org = OrganisationFactory()
    FlightFactory(organisation=org, reference="FL-1")
    check.refuses(lambda: FlightFactory(organisation=org, reference="FL-1"))
    check.accepts(lambda: FlightFactory(reference="FL-1"))  # another organisation's FL-1


@case("flight_capacity_not_negative")
def _(check):
    check.refuses(lambda: FlightFactory(capacity=-1))
    check.accepts(lambda: FlightFactory(capacity=0))


@case("flight_status_valid")
def _(check):
    check.refuses(lambda: FlightFactory(status="delayed"))
    check.accepts(lambda: FlightFactory(status="cancelled"))


@case("manifest_person_once")
def _(check):
    flight = FlightFactory()
    person = PersonFactory(organisation=flight.organisation)
    models.ManifestEntry.objects.create(flight=flight, person=person)
    check.refuses(lambda: models.ManifestEntry.objects.create(flight=flight, person=person))
    check.accepts(
        lambda: models.ManifestEntry.objects.create(flight=FlightFactory(), person=person)
    )
    # Escorts have no person: two of them on one flight are not "the same person twice".
    for name in ("Testov Escort", "Testova Escort"):
        check.accepts(
            lambda name=name: models.ManifestEntry.objects.create(
                flight=flight, role="escort", escort_name=name
            )
        )


@case("manifest_passenger_or_named_escort")
def _(check):
    flight = FlightFactory()
    person = PersonFactory(organisation=flight.organisation)
    create = models.ManifestEntry.objects.create
    check.refuses(lambda: create(flight=flight, role="escort"))
    check.refuses(lambda: create(flight=flight, role="passenger"))
    check.refuses(lambda: create(flight=flight, role="escort", person=person, escort_name="X"))
    check.refuses(lambda: create(flight=flight, role="pilot", person=person))  # not a role
    check.accepts(lambda: create(flight=flight, role="escort", escort_name="Testova Escort"))
    check.accepts(lambda: create(flight=flight, role="passenger", person=person))


@case("manifest_approved_by_someone")
def _(check):
    flight = FlightFactory()
    approver = UserFactory(organisation=flight.organisation)
    check.refuses(lambda: _entry(flight, status="approved"))
    check.refuses(lambda: _entry(flight, status="boarded"))
    check.accepts(lambda: _entry(flight, status="approved", approved_by=approver))
    check.accepts(lambda: _entry(flight, status="not_boarded"))


@case("manifest_status_valid")
def _(check):
    flight = FlightFactory()
    approver = UserFactory(organisation=flight.organisation)
    check.refuses(lambda: _entry(flight, status="lost", approved_by=approver))
    check.accepts(lambda: _entry(flight, status="boarded", approved_by=approver))


@case("handover_names_recipient")
def _(check):
    flight = FlightFactory()
    check.refuses(_handover(flight, recipient_name=""))
    check.accepts(_handover(flight))


@case("handover_recipient_kind_valid")
def _(check):
    flight = FlightFactory()
    check.refuses(_handover(flight, recipient_kind="neighbour"))
    check.accepts(_handover(flight, recipient_kind="other"))


@case("handover_relative_says_how_related")
def _(check):
    flight = FlightFactory()
    check.refuses(_handover(flight, recipient_kind="relative", recipient_name="Testova Khadizhat"))
    check.accepts(
        _handover(
            flight,
            recipient_kind="relative",
            recipient_name="Testova Khadizhat",
            recipient_relationship="grandmother",
        )
    )
    check.accepts(_handover(flight, recipient_kind="child_services"))


# --- list imports ------------------------------------------------------------------------------


@case("list_import_file_once")
def _(check):
    org = OrganisationFactory()
    _list_import(org, sha256="a" * 64, status="committed")
    check.refuses(lambda: _list_import(org, sha256="a" * 64, status="committed"))
    # A previewed or failed file may be tried again; another organisation may commit it too.
    check.accepts(lambda: _list_import(org, sha256="a" * 64, status="previewed"))
    check.accepts(lambda: _list_import(org, sha256="a" * 64, status="failed"))
    check.accepts(lambda: _list_import(sha256="a" * 64, status="committed"))


@case("partner_list_once")
def _(check):
    org, partner, other = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    _list_import(org, sha256="b" * 64, status="committed", submitted_by_partner=partner)
    check.refuses(
        lambda: _list_import(org, sha256="b" * 64, status="committed", submitted_by_partner=partner)
    )
    # Another partner may send the same list, and the organisation may hold it itself: a partner
    # is told only of its own lists.
    check.accepts(
        lambda: _list_import(org, sha256="b" * 64, status="committed", submitted_by_partner=other)
    )
    check.accepts(lambda: _list_import(org, sha256="b" * 64, status="committed"))


@case("list_import_status_valid")
def _(check):
    check.refuses(lambda: _list_import(status="done"))
    check.accepts(lambda: _list_import(status="failed"))


def _job(**fields):
    values = {"kind": "export", "action": "export_pseudonymised"}
    return lambda: models.BackgroundJob.objects.create(
        organisation=OrganisationFactory(), **{**values, **fields}
    )


@case("job_kind_valid")
def _(check):
    check.refuses(_job(kind="backup"))
    check.accepts(_job(kind="find_duplicates"))


@case("job_state_valid")
def _(check):
    check.refuses(_job(state="paused"))
    check.accepts(_job(state="running"))


@case("job_progress_within_total")
def _(check):
    check.refuses(_job(progress_done=11, progress_total=10))
    check.accepts(_job(progress_done=10, progress_total=10))
    check.accepts(_job(progress_done=0, progress_total=0))


@case("job_finished_only_when_done_or_failed")
def _(check):
    check.refuses(_job(state="running", finished_at=timezone.now()))
    check.accepts(_job(state="failed", finished_at=timezone.now()))


@case("row_number_unique")
def _(check):
    list_import = _list_import()
    _row(list_import, 1)()
    check.refuses(_row(list_import, 1))
    check.accepts(_row(list_import, 2))
    check.accepts(_row(_list_import(), 1))


@case("row_outcome_has_person")
def _(check):
    list_import = _list_import()
    person = PersonFactory(organisation=list_import.organisation)
    check.refuses(_row(list_import, 1, outcome="linked"))
    check.refuses(_row(list_import, 2, outcome="created"))
    check.refuses(_row(list_import, 3, outcome="skipped"))  # not an outcome
    check.accepts(_row(list_import, 4, outcome="linked", person=person))
    check.accepts(_row(list_import, 5, outcome="ambiguous"))


@case("row_rejection_has_reason")
def _(check):
    list_import = _list_import()
    check.refuses(_row(list_import, 1, outcome="rejected"))
    check.accepts(_row(list_import, 2, outcome="rejected", reason="No name given."))


def test_list_rows_and_consents_each_get_their_own_public_id():
    list_import = _list_import()
    rows = models.ListImportRow.objects.bulk_create(
        [
            models.ListImportRow(
                list_import=list_import, row_number=n, data={}, outcome="ambiguous"
            )
            for n in range(1, 4)
        ]
    )
    report = ReportFactory()
    consents = [
        models.ReportConsent.objects.create(report=report, purpose=purpose, given=True)
        for purpose in ("process", "contact")
    ]
    ids = [r.public_id for r in rows] + [c.public_id for c in consents]
    assert all(isinstance(i, uuid.UUID) for i in ids)
    assert len(set(ids)) == len(ids)
    stored = set(models.ListImportRow.objects.values_list("public_id", flat=True))
    assert stored == {r.public_id for r in rows}


# --- legal -------------------------------------------------------------------------------------


@case("proceeding_status_valid")
def _(check):
    check.refuses(_proceeding(status="pardoned"))
    check.accepts(_proceeding(status="investigation"))


@case("proceeding_charge_stated")
def _(check):
    check.refuses(_proceeding(charge=""))
    check.accepts(_proceeding(charge="Membership of a terrorist organisation"))


@case("proceeding_country_code")
def _(check):
    check.refuses(_proceeding(country="iq"))
    check.refuses(_proceeding(country="I"))
    check.refuses(_proceeding(country=""))
    check.accepts(_proceeding(country="SY"))


@case("proceeding_sentence_only_after_conviction")
def _(check):
    for status in ("investigation", "trial", "acquitted"):
        check.refuses(_proceeding(status=status, sentence="15 years"))
    for status in ("sentenced", "appeal", "released"):
        check.accepts(_proceeding(status=status, sentence="15 years"))
    check.accepts(_proceeding(status="sentenced", sentence=""))  # sentenced, term not known yet


# --- locations ---------------------------------------------------------------------------------


@case("location_name_unique")
def _(check):
    LocationFactory(name="Testograd prison", country="IQ")
    check.refuses(lambda: LocationFactory(name="Testograd prison", country="IQ"))
    check.accepts(lambda: LocationFactory(name="Testograd prison", country="SY"))


@case("location_latitude_range")
def _(check):
    check.refuses(lambda: LocationFactory(latitude=91))
    check.refuses(lambda: LocationFactory(latitude=-90.5))
    check.accepts(lambda: LocationFactory(latitude=36.5))


@case("location_longitude_range")
def _(check):
    check.refuses(lambda: LocationFactory(longitude=-181))
    check.refuses(lambda: LocationFactory(longitude=180.5))
    check.accepts(lambda: LocationFactory(longitude=41.2))


@case("location_population_has_date")
def _(check):
    check.refuses(lambda: LocationFactory(reported_population=1200))
    check.accepts(
        lambda: LocationFactory(reported_population=1200, population_as_of=dt.date(2024, 3, 1))
    )


@case("location_kind_valid")
def _(check):
    check.refuses(lambda: LocationFactory(kind="hotel"))
    check.accepts(lambda: LocationFactory(kind="detention_centre"))


@case("placement_ends_after_start")
def _(check):
    person = PersonFactory()
    check.refuses(_placement(person, end_date=dt.date(2020, 4, 30)))
    check.accepts(_placement(person, end_date=dt.date(2020, 5, 1)))  # one day
    check.accepts(_placement(person, end_date=None))  # still there


@case("placement_has_a_place")
def _(check):
    person = PersonFactory()
    check.refuses(_placement(person, place_text=""))
    check.accepts(_placement(person, place_text="", location=LocationFactory()))
    check.accepts(_placement(person, place_text="Mosul, orphanage"))


@case("placement_source_valid")
def _(check):
    person = PersonFactory()
    check.refuses(_placement(person, source="rumour"))
    check.accepts(_placement(person, source="voice_message"))


@case("placement_reliability_valid")
def _(check):
    person = PersonFactory()
    check.refuses(_placement(person, reliability="certain"))
    check.accepts(_placement(person, reliability="doubtful"))


@case("placement_start_precision_valid")
def _(check):
    person = PersonFactory()
    for precision in ("unknown", "age", "decade"):
        check.refuses(_placement(person, start_precision=precision))
    for precision in ("exact", "month", "year"):
        check.accepts(_placement(person, start_precision=precision))


# --- matching ----------------------------------------------------------------------------------


@case("suggestion_probability_range")
def _(check):
    org = OrganisationFactory()
    low, high = _ordered_pair(org)
    check.refuses(_suggestion(org, low, other_person=high, probability=1.5))
    check.refuses(_suggestion(org, low, other_person=high, probability=-0.1))
    check.accepts(_suggestion(org, low, other_person=high, probability=1.0))


@case("suggestion_pair_well_formed")
def _(check):
    org = OrganisationFactory()
    low, high = _ordered_pair(org)
    check.refuses(_suggestion(org, high, other_person=low))  # a pair out of order
    check.refuses(_suggestion(org, low))  # a pair of one
    check.refuses(_suggestion(org, low, kind="row_person"))
    check.refuses(_suggestion(org, low, kind="entry_person"))
    check.refuses(_suggestion(org, low, kind="hunch", other_person=high))  # not a kind
    check.accepts(_suggestion(org, low, other_person=high))


@case("suggestion_person_pair_once")
def _(check):
    org = OrganisationFactory()
    low, high = _ordered_pair(org)
    _suggestion(org, low, other_person=high)()
    check.refuses(_suggestion(org, low, other_person=high, probability=0.9))


@case("suggestion_row_pair_once")
def _(check):
    list_import = _list_import()
    org = list_import.organisation
    row = _row(list_import)()
    person = PersonFactory(organisation=org)
    _suggestion(org, person, kind="row_person", list_row=row)()
    check.refuses(_suggestion(org, person, kind="row_person", list_row=row, probability=0.9))
    check.accepts(
        _suggestion(org, PersonFactory(organisation=org), kind="row_person", list_row=row)
    )


@case("suggestion_entry_pair_once")
def _(check):
    report = ReportFactory()
    org = report.organisation
    entry = _report_entry(report)()
    person = PersonFactory(organisation=org)
    _suggestion(org, person, kind="entry_person", report_entry=entry)()
    check.refuses(_suggestion(org, person, kind="entry_person", report_entry=entry))
    check.accepts(
        _suggestion(org, PersonFactory(organisation=org), kind="entry_person", report_entry=entry)
    )


@case("suggestion_decided_by_someone")
def _(check):
    org = OrganisationFactory()
    reviewer = UserFactory(organisation=org)
    for decision in ("confirmed", "rejected", "needs_info"):
        low, high = _ordered_pair(org)
        check.refuses(_suggestion(org, low, other_person=high, decision=decision))
        check.accepts(
            _suggestion(org, low, other_person=high, decision=decision, decided_by=reviewer)
        )


@case("suggestion_decision_valid")
def _(check):
    org = OrganisationFactory()
    reviewer = UserFactory(organisation=org)
    low, high = _ordered_pair(org)
    check.refuses(_suggestion(org, low, other_person=high, decision="maybe", decided_by=reviewer))
    check.accepts(_suggestion(org, low, other_person=high, decision="pending"))


def _opinion(suggestion, partner, **fields):
    return lambda: models.SuggestionOpinion.objects.create(
        suggestion=suggestion, partner=partner, **{"opinion": "same", **fields}
    )


@case("suggestion_opinion_once_per_partner")
def _(check):
    org, partner, other = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    low, high = _ordered_pair(org)
    suggestion = _suggestion(org, low, other_person=high)()
    _opinion(suggestion, partner)()
    check.refuses(_opinion(suggestion, partner, opinion="not_same"))
    check.accepts(_opinion(suggestion, other))


@case("suggestion_opinion_valid")
def _(check):
    org, partner = OrganisationFactory(), OrganisationFactory()
    low, high = _ordered_pair(org)
    suggestion = _suggestion(org, low, other_person=high)()
    check.refuses(_opinion(suggestion, partner, opinion="merge"))
    check.accepts(_opinion(suggestion, partner, opinion="needs_more_information"))


@case("merge_two_different_persons")
def _(check):
    person, other = PersonFactory(), PersonFactory()
    actor = UserFactory()

    def merge(survivor, absorbed):
        return lambda: models.PersonMerge.objects.create(
            survivor=survivor, absorbed=absorbed, performed_by=actor, reason="Same DNA result."
        )

    check.refuses(merge(person, person))
    check.accepts(merge(person, other))


# --- notes -------------------------------------------------------------------------------------


@case("note_not_empty")
def _(check):
    person = PersonFactory()
    author = UserFactory(organisation=person.organisation)
    check.refuses(lambda: models.CaseNote.objects.create(person=person, author=author, text=""))
    check.accepts(
        lambda: models.CaseNote.objects.create(person=person, author=author, text="Called back.")
    )


# --- organisations -----------------------------------------------------------------------------


@case("team_name_unique_in_org")
def _(check):
    org = OrganisationFactory()
    TeamFactory(organisation=org, name="A")
    check.refuses(lambda: TeamFactory(organisation=org, name="A"))
    check.accepts(lambda: TeamFactory(name="A"))


@case("user_role_valid")
def _(check):
    org = OrganisationFactory()
    create = models.User.objects.create
    check.refuses(lambda: create(username="boss", organisation=org, role="boss"))
    check.accepts(lambda: create(username="dpo-2", organisation=org, role="dpo"))


@case("user_has_organisation_unless_superuser")
def _(check):
    create = models.User.objects.create
    check.refuses(lambda: create(username="nowhere"))
    check.refuses(lambda: create(username="nowhere-staff", is_staff=True))
    check.accepts(lambda: create(username="root", is_superuser=True, is_staff=True))


@case("membership_unique")
def _(check):
    team = TeamFactory()
    user = UserFactory(organisation=team.organisation)
    models.Membership.objects.create(user=user, team=team)
    check.refuses(lambda: models.Membership.objects.create(user=user, team=team))
    other = TeamFactory(organisation=team.organisation)
    check.accepts(lambda: models.Membership.objects.create(user=user, team=other))


@case("agreement_between_two_orgs", "agreement_period_ordered")
def _(check):
    owner, partner = OrganisationFactory(), OrganisationFactory()

    def agreement(owner, partner, valid_until=None):
        return lambda: models.SharingAgreement.objects.create(
            owner=owner,
            partner=partner,
            title="Test agreement",
            valid_from=dt.date(2025, 1, 1),
            valid_until=valid_until,
        )

    if check.name == "agreement_between_two_orgs":
        check.refuses(agreement(owner, owner))
    else:
        check.refuses(agreement(owner, partner, valid_until=dt.date(2024, 12, 31)))
        check.accepts(agreement(owner, partner, valid_until=dt.date(2025, 1, 1)))
    check.accepts(agreement(owner, partner))


@case("shared_case_unique")
def _(check):
    owner, partner = OrganisationFactory(), OrganisationFactory()
    agreement = models.SharingAgreement.objects.create(
        owner=owner, partner=partner, title="Test agreement", valid_from=dt.date(2025, 1, 1)
    )
    person = PersonFactory(organisation=owner)
    models.SharedCase.objects.create(agreement=agreement, person=person)
    check.refuses(lambda: models.SharedCase.objects.create(agreement=agreement, person=person))
    check.accepts(
        lambda: models.SharedCase.objects.create(
            agreement=agreement, person=PersonFactory(organisation=owner)
        )
    )


@case("break_glass_has_reason")
def _(check):
    person = PersonFactory(sensitivity="protected")
    user = UserFactory(organisation=person.organisation)

    def grant(reason):
        return lambda: models.BreakGlassGrant.objects.create(
            user=user,
            person=person,
            reason=reason,
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )

    check.refuses(grant(""))
    check.accepts(grant("The family is at the border crossing now."))


@case("idempotency_key_once_per_user")
def _(check):
    first, second = UserFactory(), UserFactory()

    def record(user):
        return lambda: models.IdempotencyRecord.objects.create(
            user=user,
            key="key-1",
            method="POST",
            path="/api/v1/reports/",
            body_sha256="0" * 64,
            status_code=201,
            response_body={},
        )

    record(first)()
    check.refuses(record(first))
    check.accepts(record(second))


# --- persons -----------------------------------------------------------------------------------


def _person(**fields):
    org = OrganisationFactory()
    return lambda: models.Person.objects.create(organisation=org, **fields)


@case("person_status_valid")
def _(check):
    check.refuses(_person(status="lost"))
    check.accepts(_person(status="not_traceable"))


@case("person_sex_valid")
def _(check):
    check.refuses(_person(sex="X"))
    check.refuses(_person(sex=""))
    check.accepts(_person(sex="U"))


@case("person_birth_precision_consistent")
def _(check):
    check.refuses(_person(birth_precision="exact"))  # an exact birth date with no date
    check.refuses(_person(birth_precision="unknown", birth_date=dt.date(2015, 4, 1)))
    check.refuses(_person(birth_precision="age"))  # an estimate from an age with no age
    check.refuses(_person(birth_precision="age", age_stated=5))  # an age stated on no date
    check.refuses(_person(birth_precision="decade", birth_date=dt.date(2010, 1, 1)))
    check.accepts(_person(birth_precision="month", birth_date=dt.date(2015, 4, 1)))
    check.accepts(_person(birth_precision="age", age_stated=5, age_stated_on=dt.date(2020, 1, 1)))
    check.accepts(_person())


@case("person_birth_after_1900")
def _(check):
    check.refuses(_person(birth_precision="year", birth_date=dt.date(1850, 1, 1)))
    check.accepts(_person(birth_precision="year", birth_date=dt.date(1900, 1, 1)))


@case("person_age_plausible")
def _(check):
    on = dt.date(2020, 1, 1)
    check.refuses(_person(birth_precision="age", age_stated=200, age_stated_on=on))
    check.accepts(_person(birth_precision="age", age_stated=120, age_stated_on=on))


@case("person_birth_range_ordered")
def _(check):
    check.refuses(_person(birth_earliest=dt.date(2016, 1, 1), birth_latest=dt.date(2015, 1, 1)))
    check.accepts(_person(birth_earliest=dt.date(2015, 1, 1), birth_latest=dt.date(2015, 1, 1)))


@case("person_not_merged_into_itself")
def _(check):
    person, survivor = PersonFactory(), PersonFactory()
    person.merged_into_id = person.pk
    check.refuses(person.save)
    person.merged_into_id = survivor.pk
    check.accepts(person.save)


@case("person_version_positive")
def _(check):
    check.refuses(_person(version=0))
    check.accepts(_person(version=7))


@case("person_documents_held_valid")
def _(check):
    check.refuses(_person(documents_held="stolen"))
    check.accepts(_person(documents_held="armed_group"))


@case("person_sensitivity_valid")
def _(check):
    check.refuses(_person(sensitivity="secret"))
    check.accepts(_person(sensitivity="protected"))


def _name(person, **fields):
    return lambda: models.PersonName.objects.create(person=person, **fields)


@case("person_name_not_empty")
def _(check):
    person = PersonFactory()
    check.refuses(_name(person))
    check.refuses(_name(person, patronymic="Testovna"))  # a patronymic alone names nobody
    check.accepts(_name(person, full_text="Umm Bilal", kind="kunya"))


@case("person_one_primary_name")
def _(check):
    person = PersonFactory()  # has a primary name already
    check.refuses(_name(person, given_name="Aminat", is_primary=True))
    check.accepts(_name(person, given_name="Aminat"))
    models.PersonName.objects.filter(person=person).update(is_primary=False)
    check.accepts(_name(person, given_name="Aminat", is_primary=True))


@case("person_name_script_valid")
def _(check):
    person = PersonFactory()
    check.refuses(_name(person, given_name="Amina", script="runic"))
    check.accepts(_name(person, given_name="Амина", script="cyrl"))


@case("person_name_kind_valid")
def _(check):
    person = PersonFactory()
    check.refuses(_name(person, given_name="Amina", kind="title"))
    check.accepts(_name(person, given_name="Aminka", kind="nickname"))


@case("namekey_unique")
def _(check):
    person = PersonFactory()
    models.NameKey.objects.create(person=person, key="tstv", kind="sur")
    check.refuses(lambda: models.NameKey.objects.create(person=person, key="tstv", kind="sur"))
    check.accepts(lambda: models.NameKey.objects.create(person=person, key="tstv", kind="giv"))


def _relationship(from_person, to_person, **fields):
    values = {"kind": "mother"}
    return lambda: models.Relationship.objects.create(
        from_person=from_person, to_person=to_person, **{**values, **fields}
    )


@case("relationship_not_to_self")
def _(check):
    mother, child = PersonFactory(), PersonFactory()
    check.refuses(_relationship(mother, mother))
    check.accepts(_relationship(mother, child))


@case("relationship_unique")
def _(check):
    mother, child = PersonFactory(), PersonFactory()
    _relationship(mother, child)()
    check.refuses(_relationship(mother, child, confidence="confirmed"))
    check.accepts(_relationship(mother, child, kind="guardian"))


@case("relationship_kind_valid")
def _(check):
    a, b = PersonFactory(), PersonFactory()
    check.refuses(_relationship(a, b, kind="cousin"))
    check.accepts(_relationship(a, b, kind="sibling"))


@case("relationship_confidence_valid")
def _(check):
    a, b = PersonFactory(), PersonFactory()
    check.refuses(_relationship(a, b, confidence="certain"))
    check.accepts(_relationship(a, b, confidence="possible"))


# --- reports -----------------------------------------------------------------------------------


@case("report_channel_valid")
def _(check):
    check.refuses(lambda: ReportFactory(channel="pigeon"))
    check.accepts(lambda: ReportFactory(channel="internet_board"))


@case("report_status_valid")
def _(check):
    check.refuses(lambda: ReportFactory(status="lost"))
    check.accepts(lambda: ReportFactory(status="spam"))


@case("report_public_status_note_valid")
def _(check):
    check.refuses(lambda: ReportFactory(public_status_note="deceased"))
    check.accepts(lambda: ReportFactory(public_status_note="contact_us"))


@case("entry_last_known_precision_valid")
def _(check):
    report = ReportFactory()
    day = dt.date(2019, 3, 1)
    # A last-seen date is never an age, and a date always says how precise it is.
    check.refuses(_report_entry(report, 1, last_known_date=day, last_known_precision="age"))
    check.refuses(_report_entry(report, 2, last_known_date=day, last_known_precision="unknown"))
    check.accepts(_report_entry(report, 3, last_known_date=day, last_known_precision="month"))
    check.accepts(_report_entry(report, 4))


@case("follow_up_adds_something")
def _(check):
    report = ReportFactory()
    now = timezone.now()
    check.refuses(lambda: models.ReportFollowUp.objects.create(report=report, received_at=now))
    check.accepts(
        lambda: models.ReportFollowUp.objects.create(report=report, received_at=now, text="more")
    )
    check.accepts(
        lambda: models.ReportFollowUp.objects.create(
            report=report, received_at=now, attachments_added=1
        )
    )


@case("one_organisation_receives_public_reports")
def _(check):
    check.accepts(lambda: OrganisationFactory(receives_public_reports=True))
    check.refuses(lambda: OrganisationFactory(receives_public_reports=True))
    check.accepts(lambda: OrganisationFactory(receives_public_reports=False))


@case("public_reports_not_to_partner_only")
def _(check):
    check.refuses(lambda: OrganisationFactory(receives_public_reports=True, is_partner_only=True))
    check.accepts(lambda: OrganisationFactory(is_partner_only=True))


def _consent(report, purpose, partner=None, given=True):
    return lambda: models.ReportConsent.objects.create(
        report=report, purpose=purpose, partner=partner, given=given
    )


@case("consent_once_per_purpose")
def _(check):
    report = ReportFactory()
    _consent(report, "contact")()
    check.refuses(_consent(report, "contact", given=False))
    check.accepts(_consent(report, "process"))
    check.accepts(_consent(ReportFactory(), "contact"))


@case("consent_once_per_partner")
def _(check):
    report = ReportFactory()
    partner = OrganisationFactory()
    _consent(report, "share_partner", partner)()
    check.refuses(_consent(report, "share_partner", partner, given=False))
    check.accepts(_consent(report, "share_partner", OrganisationFactory()))


@case("consent_partner_only_for_partner_sharing")
def _(check):
    report = ReportFactory()
    check.refuses(_consent(report, "share_partner"))
    check.refuses(_consent(report, "contact", OrganisationFactory()))
    check.accepts(_consent(report, "share_partner", OrganisationFactory()))


@case("consent_purpose_valid")
def _(check):
    report = ReportFactory()
    check.refuses(_consent(report, "marketing"))
    check.accepts(_consent(report, "share_authority"))


def _attachment(report, **fields):
    values = {
        "kind": "photo",
        "file": "attachments/2026/01/test.jpg",
        "content_type": "image/jpeg",
        "size": 1024,
        "sha256": "0" * 64,
    }
    return lambda: models.ReportAttachment.objects.create(report=report, **{**values, **fields})


@case("attachment_not_empty")
def _(check):
    report = ReportFactory()
    check.refuses(_attachment(report, size=0))
    check.accepts(_attachment(report, size=1))


@case("attachment_kind_valid")
def _(check):
    report = ReportFactory()
    check.refuses(_attachment(report, kind="video"))
    check.accepts(_attachment(report, kind="document", content_type="application/pdf"))


@case("entry_position_unique")
def _(check):
    report = ReportFactory()
    _report_entry(report, 1)()
    check.refuses(_report_entry(report, 1, given_name="Testova Aminat"))
    check.accepts(_report_entry(report, 2, given_name="Testova Aminat"))


@case("entry_names_someone")
def _(check):
    report = ReportFactory()
    check.refuses(_report_entry(report, 1, given_name=""))
    check.refuses(_report_entry(report, 2, given_name="", patronymic="Testovich"))
    check.accepts(_report_entry(report, 3, given_name="", aliases="Abu Testov"))


@case("entry_linked_outcome_has_person")
def _(check):
    report = ReportFactory()
    person = PersonFactory(organisation=report.organisation)
    check.refuses(_report_entry(report, 1, outcome="linked"))
    check.refuses(_report_entry(report, 2, outcome="created"))
    check.refuses(_report_entry(report, 3, outcome="lost"))  # not an outcome
    check.accepts(_report_entry(report, 4, outcome="linked", person=person))
    check.accepts(_report_entry(report, 5, outcome="not_a_person"))


@case("entry_age_plausible")
def _(check):
    report = ReportFactory()
    check.refuses(_report_entry(report, 1, age_stated=121, birth_precision="age"))
    check.accepts(_report_entry(report, 2, age_stated=7, birth_precision="age"))


@case("entry_birth_precision_valid")
def _(check):
    report = ReportFactory()
    check.refuses(_report_entry(report, 1, birth_precision="decade"))
    check.accepts(_report_entry(report, 2, birth_precision="year", birth_date=dt.date(2016, 1, 1)))


@case("entry_sex_valid")
def _(check):
    report = ReportFactory()
    check.refuses(_report_entry(report, 1, sex="X"))
    check.accepts(_report_entry(report, 2, sex=""))  # the family did not say
    check.accepts(_report_entry(report, 3, sex="F"))


# --- audit -------------------------------------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm():
    event = models.AuditEvent.objects.create(action="login")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        models.AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        models.AuditEvent.objects.filter(pk=event.pk).delete()


@case("audit_subject_unique")
def _(check):
    event = models.AuditEvent.objects.create(action="read_sensitive")
    person_id = uuid.uuid4()
    subjects = models.AuditEventSubject.objects
    subjects.create(event=event, person_id=person_id)
    check.refuses(lambda: subjects.create(event=event, person_id=person_id))
    check.accepts(lambda: subjects.create(event=event, person_id=uuid.uuid4()))


@case("outbox_kind_valid")
def _(check):
    org = OrganisationFactory()
    outbox = models.ChangeOutbox.objects
    check.refuses(lambda: outbox.create(partner=org, person_public_id=uuid.uuid4(), kind="read"))
    check.accepts(lambda: outbox.create(partner=org, person_public_id=uuid.uuid4(), kind="edited"))


@case("outbox_record_valid")
def _(check):
    org = OrganisationFactory()
    outbox = models.ChangeOutbox.objects
    row = {"partner": org, "kind": "report"}
    check.refuses(lambda: outbox.create(person_public_id=uuid.uuid4(), record="note", **row))
    check.accepts(lambda: outbox.create(person_public_id=uuid.uuid4(), record="report", **row))


@case("audit_chain_position")
def _(check):
    # The chain's trigger (PostgreSQL) and the app (SQLite) number every event; only a writer that
    # switches the trigger off can try to put a second event on a taken place in the chain.
    first = models.AuditEvent.objects.create(action="read_sensitive")
    first.refresh_from_db()
    table = models.AuditEvent._meta.db_table

    def forged_at(position):
        def write():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    f"INSERT INTO {table} (public_id, at, actor_label, action, object_type,"  # noqa: S608
                    " fields, changes, reason, request_id, subjects_digest, chain_position,"
                    " chain_hash) SELECT %s, at, actor_label, action, object_type, fields, changes,"
                    " reason, request_id, subjects_digest, %s, chain_hash"
                    f" FROM {table} WHERE id = %s",
                    [
                        uuid.uuid4().hex if connection.vendor == "sqlite" else uuid.uuid4(),
                        position,
                        first.pk,
                    ],
                )

        return write

    check.refuses(forged_at(first.chain_position))
    check.accepts(forged_at(first.chain_position + 1000))


@case(
    "population_report_has_a_figure",
    "population_report_range_ordered",
    "population_report_estimate_in_range",
    "population_report_sourced",
)
def _(check):
    place = LocationFactory()
    reports = models.PopulationReport.objects

    def report(**values):
        return lambda: reports.create(
            location=place, as_of=dt.date(2024, 3, 1), **{"source": "a visit", **values}
        )

    refused = {
        "population_report_has_a_figure": report(low=1200),
        "population_report_range_ordered": report(low=2600, high=2000),
        "population_report_estimate_in_range": report(estimate=3000, low=2000, high=2600),
        "population_report_sourced": report(estimate=2400, source=""),
    }
    check.refuses(refused[check.name])
    check.accepts(report(estimate=2400, low=2000, high=2600))


@case("place_alias_unique", "place_alias_has_key")
def _(check):
    place = LocationFactory()
    aliases = models.PlaceAlias.objects
    aliases.create(location=place, name="Test camp", key="test camp")
    refused = {
        "place_alias_unique": lambda: aliases.create(location=place, name="Test camp", key="x"),
        "place_alias_has_key": lambda: aliases.create(location=place, name="Лагерь", key=""),
    }
    check.refuses(refused[check.name])
    check.accepts(lambda: aliases.create(location=place, name="Тестовый лагерь", key="test camp"))


@case(
    "place_name_unique_key",
    "place_name_has_key",
    "place_name_status_valid",
    "place_name_mapped_has_place",
)
def _(check):
    org = OrganisationFactory()
    names = models.PlaceName.objects
    names.create(organisation=org, name="Camp Test", key="camp test")
    refused = {
        "place_name_unique_key": lambda: names.create(
            organisation=org, name="Kamp", key="camp test"
        ),
        "place_name_has_key": lambda: names.create(organisation=org, name="?", key=""),
        "place_name_status_valid": lambda: names.create(
            organisation=org, name="Elsewhere", key="elsewhere", status="lost"
        ),
        "place_name_mapped_has_place": lambda: names.create(
            organisation=org, name="Somewhere", key="somewhere", status="mapped"
        ),
    }
    check.refuses(refused[check.name])
    check.accepts(
        lambda: names.create(
            organisation=org,
            name="Mapped",
            key="mapped",
            status="mapped",
            location=LocationFactory(),
        )
    )


def test_an_events_subjects_cannot_be_changed_or_deleted_through_the_orm():
    event = models.AuditEvent.objects.create(action="read_sensitive")
    subject = models.AuditEventSubject.objects.create(event=event, person_id=uuid.uuid4())
    with pytest.raises(PermissionError):
        subject.save()
    with pytest.raises(PermissionError):
        subject.delete()
    with pytest.raises(PermissionError):
        models.AuditEventSubject.objects.filter(pk=subject.pk).update(person_id=uuid.uuid4())
    with pytest.raises(PermissionError):
        models.AuditEventSubject.objects.filter(pk=subject.pk).delete()
