"""Factories with invented data only. Never a real person's name."""

import datetime as dt

import factory
from django.utils import timezone

from casework import models
from casework.models import Role

TEST_PASSWORD = "correct horse battery staple 42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tracing Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CASEWORKER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        self.save()
        for team in extracted or ():
            models.Membership.objects.get_or_create(user=self, team=team)


class PersonFactory(factory.django.DjangoModelFactory):
    """A person written straight to the table: for setting up state, not for testing services."""

    class Meta:
        model = models.Person
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    display_name = factory.Sequence(lambda n: f"Testova Amina {n}")
    sex = "F"

    @factory.post_generation
    def name(self, create, extracted, **kwargs):
        family, _, given = (extracted or self.display_name).partition(" ")
        models.PersonName.objects.create(
            person=self, family_name=family, given_name=given, script="latn", is_primary=True
        )


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DetentionLocation

    name = factory.Sequence(lambda n: f"Test Facility {n}")
    kind = "camp"
    country = "SY"


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FamilyReport

    organisation = factory.SubFactory(OrganisationFactory)
    channel = "letter"
    received_at = factory.LazyFunction(timezone.now)
    reference = factory.Sequence(lambda n: f"R{n:07d}")
    reporter_name = "Testova Zarema"
    reporter_contact = "+7 900 000 00 00"


class FlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RepatriationFlight

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"FL-{n:03d}")
    date = dt.date(2026, 12, 1)
    origin = "Erbil"
    destination = "Grozny"
    capacity = 40
