"""Named personas shared by the whole suite.

Organisation "north" has teams A and B; "south" is another tenant; "partner-ngo" is a partner
organisation with a sharing agreement covering one of north's cases; "stranger-ngo" is a partner
with no agreement.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import models
from casework.models import PersonStatus, Role
from casework.services.names import person_add_name
from casework.services.notes import note_add
from casework.services.persons import person_change_status, person_update
from casework.services.placements import placement_record
from casework.services.relationships import relationship_link
from tests.factories import (
    LocationFactory,
    OrganisationFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)


@dataclass
class World:
    north: models.Organisation
    south: models.Organisation
    partner_org: models.Organisation
    stranger_org: models.Organisation
    team_a: models.Team
    team_b: models.Team
    caseworker: models.User
    other_team_caseworker: models.User
    intake: models.User
    supervisor: models.User
    dpo: models.User
    admin: models.User
    partner: models.User
    partner_without_agreement: models.User
    south_supervisor: models.User
    # Persons: one case of team A, one of team B, one protected case of team A assigned to the
    # supervisor, one of the other organisation, one shared with the partner.
    case_a: models.Person
    case_b: models.Person
    protected_a: models.Person
    south_case: models.Person
    agreement: models.SharingAgreement

    def personas(self) -> dict[str, models.User | None]:
        return {
            "caseworker": self.caseworker,
            "other_team_caseworker": self.other_team_caseworker,
            "intake": self.intake,
            "supervisor": self.supervisor,
            "dpo": self.dpo,
            "admin": self.admin,
            "partner": self.partner,
            "partner_without_agreement": self.partner_without_agreement,
            "anonymous": None,
        }


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in Russian leaves Russian
    active in the test's thread (Django activates a request's language and leaves it so), and
    messages made outside a request (a list's file errors) speak the active language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db) -> World:
    north = OrganisationFactory(name="North Tracing", slug="north")
    south = OrganisationFactory(name="South Tracing", slug="south")
    partner_org = OrganisationFactory(name="Partner NGO", slug="partner-ngo", is_partner_only=True)
    stranger_org = OrganisationFactory(
        name="Stranger NGO", slug="stranger-ngo", is_partner_only=True
    )
    team_a = TeamFactory(organisation=north, name="A")
    team_b = TeamFactory(organisation=north, name="B")
    caseworker = UserFactory(username="caseworker", organisation=north, teams=[team_a])
    other = UserFactory(username="other_team_caseworker", organisation=north, teams=[team_b])
    intake = UserFactory(username="intake", organisation=north, role=Role.INTAKE)
    supervisor = UserFactory(username="supervisor", organisation=north, role=Role.SUPERVISOR)
    dpo = UserFactory(username="dpo", organisation=north, role=Role.DPO)
    admin = UserFactory(username="admin", organisation=north, role=Role.ADMIN)
    partner = UserFactory(username="partner", organisation=partner_org, role=Role.PARTNER)
    stranger = UserFactory(
        username="partner_without_agreement", organisation=stranger_org, role=Role.PARTNER
    )
    south_supervisor = UserFactory(
        username="south_supervisor", organisation=south, role=Role.SUPERVISOR
    )
    case_a = PersonFactory(organisation=north, team=team_a, display_name="Alieva Madina")
    case_b = PersonFactory(organisation=north, team=team_b, display_name="Bekova Zaira")
    protected_a = PersonFactory(
        organisation=north,
        team=team_a,
        assigned_to=supervisor,
        display_name="Protected Aminat",
        sensitivity="protected",
    )
    south_case = PersonFactory(organisation=south, display_name="Southova Kheda")
    agreement = models.SharingAgreement.objects.create(
        owner=north,
        partner=partner_org,
        title="North shares with Partner NGO",
        shared_fields=["display_name", "sex", "status"],
        may_submit_reports=True,
        may_submit_list_rows=True,
        valid_from=dt.date(2025, 1, 1),
    )
    models.SharedCase.objects.create(agreement=agreement, person=case_a)
    return World(
        north=north,
        south=south,
        partner_org=partner_org,
        stranger_org=stranger_org,
        team_a=team_a,
        team_b=team_b,
        caseworker=caseworker,
        other_team_caseworker=other,
        intake=intake,
        supervisor=supervisor,
        dpo=dpo,
        admin=admin,
        partner=partner,
        partner_without_agreement=stranger,
        south_supervisor=south_supervisor,
        case_a=case_a,
        case_b=case_b,
        protected_a=protected_a,
        south_case=south_case,
        agreement=agreement,
    )


def verified_client(user, *, enforce_csrf_checks: bool = False) -> Client:
    """A browser session for `user` that has passed the second factor."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login():
    """`login(user)` → a verified browser client; `login(None)` → an anonymous one."""

    def _login(user, **kwargs):
        return Client(**kwargs) if user is None else verified_client(user, **kwargs)

    return _login


# --- Pages in Russian, and a case with every label a person's page can show ---------------


@pytest.fixture
def staff(world):
    """The personas with user names that read as no English label: "caseworker" and
    "supervisor" are also the labels of those roles, and the header names the user."""
    for user, name in ((world.caseworker, "k.umarova"), (world.supervisor, "s.dudaeva")):
        user.username = name
        user.save(update_fields=["username"])
    return world


@pytest.fixture
def russian(login):
    def _russian(user):
        client = login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
        return client

    return _russian


@pytest.fixture
def rich_case(staff):
    """Case A with names in every script and of every kind, relatives both ways, a placement
    and a sighting, a note, an edit and a status change: every label the person page can show."""
    case, actor = staff.case_a, staff.caseworker
    person_add_name(
        actor=actor, person=case, family_name="Алиева", given_name="Мадина", kind="legal"
    )
    person_add_name(actor=actor, person=case, full_text="أم بلال", kind="kunya")
    person_add_name(actor=actor, person=case, full_text="Madina Aliyeva", kind="translit")
    person_add_name(actor=actor, person=case, full_text="Dina", kind="nickname", script="other")
    mother = PersonFactory(organisation=staff.north, team=staff.team_a, display_name="Alieva Zulay")
    child = PersonFactory(
        organisation=staff.north, team=staff.team_a, display_name="Aliev Bilal", sex="M"
    )
    relationship_link(actor=actor, person=case, relative=mother, kind="mother")
    relationship_link(
        actor=actor, person=child, relative=case, kind="mother", confidence="confirmed"
    )
    placement_record(
        actor=actor,
        person=case,
        start_date=dt.date(2019, 5, 1),
        start_precision="month",
        source="voice_message",
        reliability="probable",
        location=LocationFactory(kind="detention_centre"),
    )
    placement_record(
        actor=actor,
        person=case,
        start_date=dt.date(2021, 1, 1),
        start_precision="year",
        source="authority_list",
        reliability="doubtful",
        place_text="Roj",
        is_sighting=True,
    )
    note_add(actor=actor, person=case, text="Голосовое сообщение от сестры.")
    case.refresh_from_db()
    person_update(
        actor=actor,
        person=case,
        expected_version=case.version,
        birth_precision="year",
        birth_date=dt.date(1994, 1, 1),
        documents_held="armed_group",
    )
    person_change_status(
        actor=actor, person=case, to=PersonStatus.VERIFYING, reason="Сестра прислала фото."
    )
    person_change_status(
        actor=actor, person=case, to=PersonStatus.LOCATED, reason="Подтверждено списком."
    )
    case.refresh_from_db()
    return case
