"""The database itself refuses dishonest data, whatever code path writes it."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from casework import models
from tests.factories import (
    FlightFactory,
    LocationFactory,
    OrganisationFactory,
    PersonFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_it_refuses_a_person_twice_on_one_flights_manifest():
    org = OrganisationFactory()
    flight = FlightFactory(organisation=org)
    person = PersonFactory(organisation=org)
    models.ManifestEntry.objects.create(flight=flight, person=person)
    refused(lambda: models.ManifestEntry.objects.create(flight=flight, person=person))


def test_it_refuses_a_placement_that_ends_before_it_starts():
    person = PersonFactory()
    location = LocationFactory()
    refused(
        lambda: models.Placement.objects.create(
            person=person,
            location=location,
            start_date=dt.date(2020, 5, 1),
            end_date=dt.date(2020, 4, 30),
            source="letter",
            reliability="probable",
        )
    )


def test_it_accepts_a_placement_of_one_day():
    placement = models.Placement.objects.create(
        person=PersonFactory(),
        place_text="Mosul, orphanage",
        start_date=dt.date(2020, 5, 1),
        end_date=dt.date(2020, 5, 1),
        source="letter",
        reliability="probable",
    )
    assert placement.pk


def test_it_refuses_a_placement_with_no_place():
    refused(
        lambda: models.Placement.objects.create(
            person=PersonFactory(),
            start_date=dt.date(2020, 5, 1),
            source="letter",
            reliability="probable",
        )
    )


def test_it_refuses_a_flight_with_negative_capacity():
    refused(lambda: FlightFactory(capacity=-1))


def test_it_refuses_the_same_flight_reference_twice_in_one_organisation():
    org = OrganisationFactory()
    FlightFactory(organisation=org, reference="FL-1")
    refused(lambda: FlightFactory(organisation=org, reference="FL-1"))


def test_it_refuses_an_escort_without_a_name_and_a_passenger_without_a_person():
    flight = FlightFactory()
    refused(lambda: models.ManifestEntry.objects.create(flight=flight, role="escort"))
    refused(lambda: models.ManifestEntry.objects.create(flight=flight, role="passenger"))


def test_it_refuses_an_approved_manifest_entry_nobody_approved():
    flight = FlightFactory()
    person = PersonFactory(organisation=flight.organisation)
    refused(
        lambda: models.ManifestEntry.objects.create(flight=flight, person=person, status="approved")
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "lost"},
        {"sex": "X"},
        {"birth_precision": "exact"},  # an exact birth date with no date
        {"birth_precision": "unknown", "birth_date": dt.date(2015, 4, 1)},
        {"birth_precision": "age"},  # an estimate from an age with no age
        {"birth_precision": "year", "birth_date": dt.date(1850, 1, 1)},
        {"birth_precision": "age", "age_stated": 200, "age_stated_on": dt.date(2020, 1, 1)},
        {"birth_earliest": dt.date(2016, 1, 1), "birth_latest": dt.date(2015, 1, 1)},
        {"version": 0},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()),
)
def test_it_refuses_a_dishonest_person(fields):
    org = OrganisationFactory()
    refused(lambda: models.Person.objects.create(organisation=org, **fields))


def test_it_refuses_a_person_merged_into_itself():
    person = PersonFactory()
    person.merged_into_id = person.pk
    refused(lambda: person.save())


def test_it_refuses_two_primary_names_and_an_empty_name():
    person = PersonFactory()  # has a primary name already
    refused(
        lambda: models.PersonName.objects.create(
            person=person, given_name="Aminat", is_primary=True
        )
    )
    refused(lambda: models.PersonName.objects.create(person=person))


def test_it_refuses_a_relationship_to_oneself_and_the_same_one_twice():
    mother, child = PersonFactory(), PersonFactory()
    refused(
        lambda: models.Relationship.objects.create(
            from_person=mother, to_person=mother, kind="mother"
        )
    )
    models.Relationship.objects.create(from_person=mother, to_person=child, kind="mother")
    refused(
        lambda: models.Relationship.objects.create(
            from_person=mother, to_person=child, kind="mother"
        )
    )


def test_it_refuses_a_report_entry_that_names_nobody_or_links_no_person():
    report = ReportFactory()
    refused(lambda: models.ReportEntry.objects.create(report=report, position=1))
    refused(
        lambda: models.ReportEntry.objects.create(
            report=report, position=1, given_name="Bilal", outcome="linked"
        )
    )


def test_it_refuses_the_same_consent_purpose_twice():
    report = ReportFactory()
    models.ReportConsent.objects.create(report=report, purpose="contact", given=True)
    refused(
        lambda: models.ReportConsent.objects.create(report=report, purpose="contact", given=False)
    )
    partner = OrganisationFactory()
    refused(
        lambda: models.ReportConsent.objects.create(
            report=report, purpose="contact", partner=partner, given=True
        )
    )


def test_it_refuses_a_match_probability_outside_zero_and_one_and_a_pair_out_of_order():
    org = OrganisationFactory()
    a, b = PersonFactory(organisation=org), PersonFactory(organisation=org)
    low, high = sorted([a, b], key=lambda p: p.pk)
    refused(
        lambda: models.MatchSuggestion.objects.create(
            organisation=org, kind="person_person", person=low, other_person=high, probability=1.5
        )
    )
    refused(
        lambda: models.MatchSuggestion.objects.create(
            organisation=org, kind="person_person", person=high, other_person=low, probability=0.5
        )
    )


def test_it_refuses_a_rejected_list_row_without_a_reason():
    org = OrganisationFactory()
    list_import = models.ListImport.objects.create(organisation=org, source="test", sha256="0" * 64)
    refused(
        lambda: models.ListImportRow.objects.create(
            list_import=list_import, row_number=1, data={}, outcome="rejected"
        )
    )


def test_it_refuses_the_same_list_file_committed_twice():
    org = OrganisationFactory()
    models.ListImport.objects.create(
        organisation=org, source="x", sha256="a" * 64, status="committed"
    )
    refused(
        lambda: models.ListImport.objects.create(
            organisation=org, source="x", sha256="a" * 64, status="committed"
        )
    )


def test_it_refuses_coordinates_off_the_globe_and_a_population_without_a_date():
    refused(lambda: LocationFactory(latitude=91))
    refused(lambda: LocationFactory(longitude=-181))
    refused(lambda: LocationFactory(reported_population=1200))


def test_it_refuses_a_sharing_agreement_with_oneself():
    org = OrganisationFactory()
    refused(
        lambda: models.SharingAgreement.objects.create(
            owner=org, partner=org, title="self", valid_from=dt.date(2025, 1, 1)
        )
    )


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
