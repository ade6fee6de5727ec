"""The organisation's administration through its services (issue 12): accounts, roles, teams, a
second factor reset, sharing agreements; each checked by the policy and audited in the same
transaction."""

import datetime as dt

import pytest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import AuditAction
from casework.models import AuditEvent, Membership, SharingAgreement, Team, User
from casework.permissions import Denied, Hidden
from casework.services import accounts, agreements, organisation_admin
from casework.services.errors import ServiceError
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

STRONG = "Quiet-harbour-1947-lanterns"


def _events(obj, action):
    return AuditEvent.objects.filter(object_id=obj.public_id, action=action)


def test_admin_creates_an_account_in_their_organisation_with_teams(world):
    user = organisation_admin.user_create(
        actor=world.admin,
        username="n.tagirova",
        first_name="Nura",
        last_name="Tagirova",
        email="n.tagirova@example.org",
        role="caseworker",
        password=STRONG,
        teams=[world.team_a],
    )
    assert user.organisation_id == world.north.pk and user.role == "caseworker"
    assert user.check_password(STRONG)
    assert list(user.teams.all()) == [world.team_a]
    event = _events(user, AuditAction.CREATE).get()
    assert event.actor == world.admin
    assert event.changes == {
        "username": "n.tagirova",
        "role": "caseworker",
        "teams": [str(world.team_a.public_id)],
    }
    # The password is named as set, never given.
    assert STRONG not in str(event.changes) and "password" in event.fields


def test_account_creation_names_every_bad_field(world):
    other_team = TeamFactory(organisation=world.south, name="South team")
    with pytest.raises(ServiceError) as caught:
        organisation_admin.user_create(
            actor=world.admin,
            username="CASEWORKER",
            email="not an address",
            role="partner",
            password="short",
            teams=[other_team],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"username", "email", "role", "password", "teams"}
    assert not User.objects.filter(email="not an address").exists()


@pytest.mark.parametrize("persona", ["supervisor", "caseworker", "dpo", "intake"])
def test_only_the_administrator_creates_accounts(world, persona):
    with pytest.raises(Denied):
        organisation_admin.user_create(
            actor=getattr(world, persona), username="x.new", role="intake", password=STRONG
        )


def test_admin_changes_role_and_teams(world):
    user = organisation_admin.user_update(
        actor=world.admin, user=world.caseworker, role="supervisor", teams=[world.team_b]
    )
    assert user.role == "supervisor"
    assert set(Membership.objects.filter(user=user).values_list("team", flat=True)) == {
        world.team_b.pk
    }
    event = _events(user, AuditAction.UPDATE).get()
    assert event.changes["role"] == ["caseworker", "supervisor"]
    assert event.changes["teams"] == {
        "joined": [str(world.team_b.public_id)],
        "left": [str(world.team_a.public_id)],
    }


def test_an_administrator_cannot_take_away_their_own_administration(world):
    with pytest.raises(ServiceError) as caught:
        organisation_admin.user_update(actor=world.admin, user=world.admin, role="supervisor")
    assert "role" in caught.value.message_dict
    world.admin.refresh_from_db()
    assert world.admin.role == "admin"


def test_another_organisations_account_does_not_exist_for_the_admin(world):
    with pytest.raises(Hidden):
        organisation_admin.user_update(
            actor=world.admin, user=world.south_supervisor, role="intake"
        )
    with pytest.raises(Hidden):
        organisation_admin.user_second_factor_reset(actor=world.admin, user=world.south_supervisor)


def test_second_factor_reset_removes_devices_and_ends_sessions(world):
    TOTPDevice.objects.create(user=world.caseworker, name="authenticator", confirmed=True)
    StaticDevice.objects.create(user=world.caseworker, name="recovery codes", confirmed=True)
    epoch = world.caseworker.session_epoch
    organisation_admin.user_second_factor_reset(
        actor=world.admin, user=world.caseworker, reason="Phone lost"
    )
    assert not TOTPDevice.objects.filter(user=world.caseworker).exists()
    assert not StaticDevice.objects.filter(user=world.caseworker).exists()
    world.caseworker.refresh_from_db()
    assert world.caseworker.session_epoch == epoch + 1
    assert _events(world.caseworker, AuditAction.SECOND_FACTOR).get().reason == "Phone lost"
    assert _events(world.caseworker, AuditAction.SESSION_ENDED).exists()


def test_second_factor_reset_of_oneself_is_refused(world):
    with pytest.raises(ServiceError):
        organisation_admin.user_second_factor_reset(actor=world.admin, user=world.admin)


def test_deactivating_oneself_is_refused(world):
    with pytest.raises(ServiceError):
        accounts.user_deactivate(actor=world.admin, user=world.admin)


def test_teams_created_renamed_and_members_changed_with_audit(world):
    team = organisation_admin.team_create(actor=world.admin, name="Returns")
    assert team.organisation_id == world.north.pk
    organisation_admin.team_rename(actor=world.admin, team=team, name="Returns and reunions")
    assert Team.objects.get(pk=team.pk).name == "Returns and reunions"
    organisation_admin.team_member_set(actor=world.admin, team=team, user=world.caseworker)
    assert Membership.objects.filter(team=team, user=world.caseworker).exists()
    organisation_admin.team_member_set(
        actor=world.admin, team=team, user=world.caseworker, member=False
    )
    assert not Membership.objects.filter(team=team).exists()
    assert _events(team, AuditAction.CREATE).count() == 1
    assert _events(team, AuditAction.UPDATE).count() == 3


def test_team_names_are_unique_in_the_organisation(world):
    with pytest.raises(ServiceError) as caught:
        organisation_admin.team_create(actor=world.admin, name="a")
    assert "name" in caught.value.message_dict


def test_another_organisations_team_or_member_does_not_exist(world):
    south_team = TeamFactory(organisation=world.south, name="South team")
    with pytest.raises(Hidden):
        organisation_admin.team_rename(actor=world.admin, team=south_team, name="Mine")
    with pytest.raises(Hidden):
        organisation_admin.team_member_set(
            actor=world.admin, team=world.team_a, user=world.south_supervisor
        )


def _terms(**overrides):
    return {
        "title": "North shares with Stranger NGO",
        "shared_fields": ["display_name", "status"],
        "valid_from": dt.date(2025, 1, 1),
        "valid_until": None,
        "may_submit_reports": True,
        **overrides,
    }


def test_agreement_made_edited_and_revoked_with_audit(world):
    agreement = agreements.agreement_create(
        actor=world.admin, partner=world.stranger_org, **_terms()
    )
    assert agreement.owner_id == world.north.pk and agreement.may_submit_reports
    assert agreement.shared_fields == ["display_name", "status"]
    agreements.agreement_update(
        actor=world.admin, agreement=agreement, **_terms(shared_fields=["status"])
    )
    assert SharingAgreement.objects.get(pk=agreement.pk).shared_fields == ["status"]
    agreements.agreement_revoke(actor=world.admin, agreement=agreement, reason="Project ended")
    assert SharingAgreement.objects.get(pk=agreement.pk).revoked_at is not None
    assert _events(agreement, AuditAction.CREATE).count() == 1
    changes = [e.changes for e in _events(agreement, AuditAction.UPDATE).order_by("id")]
    assert changes == [
        {"shared_fields": [["display_name", "status"], ["status"]]},
        {"revoked": True},
    ]


def test_an_agreement_naming_a_field_outside_the_closed_list_is_refused(world):
    with pytest.raises(ServiceError) as caught:
        agreements.agreement_create(
            actor=world.admin,
            partner=world.stranger_org,
            **_terms(shared_fields=["display_name", "security_notes"]),
        )
    assert "security_notes" in str(caught.value.message_dict["shared_fields"])
    assert not SharingAgreement.objects.filter(partner=world.stranger_org).exists()


def test_agreement_period_and_partner_are_checked(world):
    with pytest.raises(ServiceError) as caught:
        agreements.agreement_create(
            actor=world.admin,
            partner=world.north,
            **_terms(valid_until=dt.date(2024, 1, 1)),
        )
    assert "partner" in caught.value.message_dict
    with pytest.raises(ServiceError) as caught:
        agreements.agreement_create(
            actor=world.admin, partner=world.stranger_org, **_terms(valid_until=dt.date(2024, 1, 1))
        )
    assert "valid_until" in caught.value.message_dict


def test_revoking_needs_a_reason_and_another_organisations_agreement_is_hidden(world):
    with pytest.raises(ServiceError):
        agreements.agreement_revoke(actor=world.admin, agreement=world.agreement, reason="")
    south_agreement = SharingAgreement.objects.create(
        owner=world.south,
        partner=world.partner_org,
        title="South shares",
        valid_from=dt.date(2025, 1, 1),
    )
    with pytest.raises(Hidden):
        agreements.agreement_revoke(actor=world.admin, agreement=south_agreement, reason="Mine")


@pytest.mark.parametrize("persona", ["supervisor", "caseworker", "dpo"])
def test_only_the_administrator_keeps_agreements(world, persona):
    with pytest.raises(Denied):
        agreements.agreement_create(
            actor=getattr(world, persona), partner=world.stranger_org, **_terms()
        )


def test_only_the_administrator_keeps_teams_and_agreements(world):
    from casework.permissions import Action, may

    for action in (Action.MANAGE_USERS, Action.MANAGE_TEAMS, Action.MANAGE_AGREEMENTS):
        keepers = {name for name, user in world.personas().items() if may(user, action)}
        assert keepers == {"admin"}, action
