"""The organisation's administration pages (issue 12), as its administrator uses them: accounts,
teams, sharing agreements and partner tokens; everyone else refused; another organisation's
records 404; a token's key shown once and only its hash kept."""

import datetime as dt
import logging

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit import AuditAction
from casework.models import AuditEvent, PartnerToken, SharingAgreement, Team, User
from casework.services.accounts import partner_token_issue
from casework.services.form_tokens import new_form_token
from casework.tokens import hash_token_secret
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

STRONG = "Quiet-harbour-1947-lanterns"
PAGES = [
    "/organisation/",
    "/organisation/users/new/",
    "/organisation/teams/",
    "/organisation/teams/new/",
    "/organisation/agreements/",
    "/organisation/agreements/new/",
    "/organisation/tokens/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_for_the_administrator(world, login, path):
    assert login(world.admin).get(path).status_code == 200


@pytest.mark.parametrize("persona", ["supervisor", "caseworker", "dpo", "intake"])
@pytest.mark.parametrize("path", PAGES)
def test_other_staff_are_refused(world, login, persona, path):
    assert login(getattr(world, persona)).get(path).status_code == 403


def test_anonymous_goes_to_the_login_page_and_a_partner_session_is_refused(world, login):
    response = login(None).get("/organisation/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert login(world.partner).get("/organisation/").status_code == 403


def test_the_navigation_offers_the_organisation_to_its_administrator_only(world, login):
    assert 'href="/organisation/"' in login(world.admin).get("/").content.decode()
    assert 'href="/organisation/"' not in login(world.supervisor).get("/").content.decode()


def test_the_account_list_shows_role_teams_and_second_factor(world, login):
    TOTPDevice.objects.create(user=world.caseworker, name="authenticator", confirmed=True)
    body = login(world.admin).get("/organisation/").content.decode()
    table = body.split('id="org-users"')[1].split("</table>")[0]
    row = table.split(">caseworker</a>")[1].split("</tr>")[0]
    assert '"Role">caseworker<' in row and '"Teams">A<' in row
    assert '"Second factor">enrolled<' in row and '"Active">yes<' in row
    assert "south_supervisor" not in table


def test_an_account_is_created_once_from_its_form(world, login):
    client = login(world.admin)
    data = {
        "form_token": new_form_token(),
        "username": "m.yusupova",
        "first_name": "Madina",
        "role": "caseworker",
        "teams": [str(world.team_a.public_id)],
        "password": STRONG,
        "password_again": STRONG,
    }
    first = client.post("/organisation/users/new/", data)
    again = client.post("/organisation/users/new/", data)
    created = User.objects.get(username="m.yusupova")
    assert first.status_code == 302 and again["Location"] == first["Location"]
    assert created.organisation_id == world.north.pk and created.check_password(STRONG)
    assert AuditEvent.objects.filter(object_id=created.public_id, action="create").count() == 1


def test_a_bad_account_form_names_its_fields(world, login):
    response = login(world.admin).post(
        "/organisation/users/new/",
        {
            "form_token": new_form_token(),
            "username": "caseworker",
            "role": "caseworker",
            "password": STRONG,
            "password_again": STRONG + "x",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"password_again"}
    body = response.content.decode()
    assert "error-summary" in body and "aria-describedby" in body


def test_the_password_never_reaches_the_log(world, login, caplog):
    caplog.set_level(logging.DEBUG)
    login(world.admin).post(
        "/organisation/users/new/",
        {
            "form_token": new_form_token(),
            "username": "l.khasanova",
            "role": "intake",
            "password": STRONG,
            "password_again": STRONG,
        },
    )
    assert STRONG not in caplog.text
    assert not AuditEvent.objects.filter(changes__icontains=STRONG).exists()


def test_the_administrator_cannot_demote_themselves_on_the_page(world, login):
    response = login(world.admin).post(
        f"/organisation/users/{world.admin.public_id}/", {"role": "supervisor"}
    )
    assert response.status_code == 400
    assert "another administrator" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.role == "admin"


def test_role_and_teams_changed_on_the_page(world, login):
    response = login(world.admin).post(
        f"/organisation/users/{world.intake.public_id}/",
        {"role": "caseworker", "teams": [str(world.team_b.public_id)]},
    )
    assert response.status_code == 302
    world.intake.refresh_from_db()
    assert world.intake.role == "caseworker"
    assert list(world.intake.teams.all()) == [world.team_b]


def test_another_organisations_account_is_404(world, login):
    client = login(world.admin)
    south = world.south_supervisor.public_id
    assert client.get(f"/organisation/users/{south}/").status_code == 404
    assert client.post(f"/organisation/users/{south}/deactivate/").status_code == 404
    world.south_supervisor.refresh_from_db()
    assert world.south_supervisor.is_active


def test_deactivation_ends_the_users_sessions(world, login):
    victim = login(world.caseworker)
    assert victim.get("/").status_code == 200
    response = login(world.admin).post(
        f"/organisation/users/{world.caseworker.public_id}/deactivate/", {"reason": "Left"}
    )
    assert response.status_code == 302
    world.caseworker.refresh_from_db()
    assert not world.caseworker.is_active
    assert victim.get("/persons/").status_code == 302  # to the login page


def test_deactivating_oneself_shows_the_refusal(world, login):
    client = login(world.admin)
    response = client.post(f"/organisation/users/{world.admin.public_id}/deactivate/", follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.is_active


def test_second_factor_reset_ends_the_sessions(world, login):
    victim = login(world.caseworker)
    response = login(world.admin).post(
        f"/organisation/users/{world.caseworker.public_id}/second-factor/reset/",
        {"reason": "Phone lost"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.caseworker).exists()
    assert victim.get("/persons/").status_code == 302
    assert AuditEvent.objects.filter(
        object_id=world.caseworker.public_id, action=AuditAction.SECOND_FACTOR
    ).exists()


def test_password_reset_through_the_account_service(world, login):
    victim = login(world.caseworker)
    client = login(world.admin)
    path = f"/organisation/users/{world.caseworker.public_id}/password/"
    weak = client.post(path, {"password": "abc", "password_again": "abc"})
    assert weak.status_code == 400 and weak.context["password_form"].errors["password"]
    done = client.post(path, {"password": STRONG, "password_again": STRONG})
    assert done.status_code == 302
    world.caseworker.refresh_from_db()
    assert world.caseworker.check_password(STRONG)
    assert victim.get("/persons/").status_code == 302


def test_teams_created_renamed_and_members_added_and_taken_out(world, login):
    client = login(world.admin)
    response = client.post(
        "/organisation/teams/new/", {"name": "Reunions", "form_token": new_form_token()}
    )
    team = Team.objects.get(organisation=world.north, name="Reunions")
    assert response.status_code == 302
    members = f"/organisation/teams/{team.public_id}/members/"
    client.post(members, {"user": str(world.intake.public_id), "member": "1"})
    assert list(team.members.all()) == [world.intake]
    client.post(members, {"user": str(world.intake.public_id)})
    assert not team.members.exists()
    client.post(f"/organisation/teams/{team.public_id}/", {"name": "Reunions north"})
    team.refresh_from_db()
    assert team.name == "Reunions north"
    south_team = TeamFactory(organisation=world.south, name="South team")
    assert client.get(f"/organisation/teams/{south_team.public_id}/").status_code == 404


def test_an_agreement_is_made_with_fields_as_checkboxes(world, login):
    client = login(world.admin)
    page = client.get("/organisation/agreements/new/").content.decode()
    assert 'type="checkbox" name="shared_fields" value="display_name"' in page
    response = client.post(
        "/organisation/agreements/new/",
        {
            "form_token": new_form_token(),
            "partner": str(world.stranger_org.public_id),
            "title": "North shares with Stranger NGO",
            "shared_fields": ["display_name", "status"],
            "may_submit_reports": "on",
            "valid_from": "2025-01-01",
        },
    )
    assert response.status_code == 302
    made = SharingAgreement.objects.get(partner=world.stranger_org)
    assert made.owner_id == world.north.pk and made.shared_fields == ["display_name", "status"]


def test_an_agreement_with_a_field_outside_the_list_is_refused_on_the_page(world, login):
    response = login(world.admin).post(
        f"/organisation/agreements/{world.agreement.public_id}/",
        {"title": "x", "shared_fields": ["security_notes"], "valid_from": "2025-01-01"},
    )
    assert response.status_code == 400
    assert "shared_fields" in response.context["form"].errors


def test_revoking_an_agreement_with_a_reason(world, login):
    client = login(world.admin)
    path = f"/organisation/agreements/{world.agreement.public_id}/revoke/"
    assert client.post(path, {"reason": ""}).status_code == 400
    assert client.post(path, {"reason": "Project ended"}).status_code == 302
    world.agreement.refresh_from_db()
    assert world.agreement.revoked_at is not None


def test_another_organisations_agreement_is_404(world, login):
    south_agreement = SharingAgreement.objects.create(
        owner=world.south, partner=world.partner_org, title="South", valid_from=dt.date(2025, 1, 1)
    )
    client = login(world.admin)
    assert client.get(f"/organisation/agreements/{south_agreement.public_id}/").status_code == 404
    # The partner's side of north's agreement is not north's partner's to keep either.
    assert login(world.partner).get("/organisation/agreements/").status_code == 403


def test_a_tokens_key_is_shown_once_and_only_its_hash_is_kept(world, login):
    client = login(world.admin)
    data = {"form_token": new_form_token(), "name": "Partner's server", "days": "30"}
    path = f"/organisation/partners/{world.partner.public_id}/tokens/new/"
    response = client.post(path, data)
    assert response.status_code == 200
    key = response.context["key"]
    prefix, secret = key.split(".")
    token = PartnerToken.objects.get(prefix=prefix)
    assert token.key_hash == hash_token_secret(secret) and secret not in token.key_hash
    assert key in response.content.decode()
    again = client.post(path, data)
    assert again.status_code == 302 and PartnerToken.objects.filter(user=world.partner).count() == 1
    listing = client.get("/organisation/tokens/").content.decode()
    assert prefix in listing and secret not in listing


def test_a_token_of_a_partner_without_agreement_cannot_be_issued(world, login):
    path = f"/organisation/partners/{world.partner_without_agreement.public_id}/tokens/new/"
    assert login(world.admin).get(path).status_code == 404


def test_revoking_a_token(world, login):
    issued = partner_token_issue(actor=world.admin, user=world.partner, name="Old server")
    client = login(world.admin)
    path = f"/organisation/tokens/{issued.token.public_id}/revoke/"
    assert client.post(path, {"reason": "Server retired"}).status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


def test_the_pages_read_in_russian(world, russian):
    client = russian(world.admin)
    users = client.get("/organisation/").content.decode()
    assert "Учётные записи" in users and "Последний вход" in users
    agreements = client.get("/organisation/agreements/new/").content.decode()
    assert "Передаваемые поля" in agreements and "Организация-партнёр" in agreements


@pytest.mark.parametrize(
    "url",
    [
        *PAGES,
        "/organisation/users/{caseworker}/",
        "/organisation/teams/{team}/",
        "/organisation/agreements/{agreement}/",
    ],
)
def test_the_pages_have_unique_ids_and_no_dangling_references(world, login, url):
    from tests.test_accessible_forms import _check_references, _parse

    issue_a_token = partner_token_issue(actor=world.admin, user=world.partner, name="Server")
    assert issue_a_token.token.pk
    url = url.format(
        caseworker=world.caseworker.public_id,
        team=world.team_a.public_id,
        agreement=world.agreement.public_id,
    )
    response = login(world.admin).get(url)
    assert response.status_code == 200
    _check_references(_parse(response.content.decode()))


def test_a_refused_account_page_ties_each_error_to_its_field(world, login):
    from tests.test_accessible_forms import _check_references, _parse

    response = login(world.admin).post(
        f"/organisation/users/{world.caseworker.public_id}/password/",
        {"password": "abc", "password_again": "abd"},
    )
    assert response.status_code == 400
    page = _parse(response.content.decode())
    _check_references(page)
    described = [a for _tag, a in page.described if a.get("name") == "password_again"]
    assert described and "error" in described[0]["aria-describedby"]


def test_a_supervisor_shares_and_unshares_under_the_agreement(world, login):
    client = login(world.supervisor)
    path = f"/organisation/agreements/{world.agreement.public_id}/cases/"
    page = client.get(path)
    assert page.status_code == 200
    assert "Alieva Madina" in page.content.decode().split('id="shared-persons"')[1]
    found = client.get(path, {"q": "Bekova"}).content.decode()
    candidates = found.split('id="candidates"')[1].split("</table>")[0]
    assert "Bekova Zaira" in candidates and "Protected Aminat" not in candidates
    shared = client.post(
        path, {"person": str(world.case_b.public_id), "share": "1", "reason": "Family asked"}
    )
    assert shared.status_code == 302
    assert world.agreement.shared_cases.filter(person=world.case_b).exists()
    refused = client.post(path, {"person": str(world.case_a.public_id), "reason": ""})
    assert refused.status_code == 400
    unshared = client.post(path, {"person": str(world.case_a.public_id), "reason": "Returned"})
    assert unshared.status_code == 302
    assert not world.agreement.shared_cases.filter(person=world.case_a).exists()
    assert AuditEvent.objects.filter(
        actor=world.supervisor, object_id=world.case_a.public_id, changes__has_key="unshared"
    ).exists()


def test_a_protected_person_is_refused_with_a_clear_error(world, login):
    response = login(world.supervisor).post(
        f"/organisation/agreements/{world.agreement.public_id}/cases/",
        {"person": str(world.protected_a.public_id), "share": "1", "reason": "Asked"},
    )
    assert response.status_code == 400
    assert "never shared" in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "caseworker", "dpo"])
def test_who_may_not_share_cases_is_refused_the_cases_page(world, login, persona):
    path = f"/organisation/agreements/{world.agreement.public_id}/cases/"
    assert login(getattr(world, persona)).get(path).status_code == 403


def test_the_account_page_offers_the_teams_by_name(world, login):
    body = login(world.admin).get(f"/organisation/users/{world.caseworker.public_id}/")
    teams = body.content.decode().split('name="teams"')
    assert len(teams) == 3  # team A and team B
    assert "north/A" not in body.content.decode()


def test_every_shareable_name_of_the_closed_list_is_offered_in_words():
    from casework.classification import SHAREABLE_PERSON_FIELDS, SHAREABLE_PERSON_RECORDS
    from casework.forms.organisation import shared_field_choices

    choices = dict(shared_field_choices())
    assert list(choices) == list(SHAREABLE_PERSON_FIELDS)
    for record in SHAREABLE_PERSON_RECORDS:
        assert str(choices[record]) != record


def test_every_shared_person_is_reached_a_page_at_a_time(world, login):
    """More shared persons than a page: the rest are on the next pages, none left out."""
    from casework.models import SharedCase
    from casework.views.listing import PAGE_SIZE
    from tests.factories import PersonFactory

    for i in range(PAGE_SIZE):
        person = PersonFactory(
            organisation=world.north, team=world.team_a, display_name=f"Sharedova {i:03}"
        )
        SharedCase.objects.create(agreement=world.agreement, person=person)
    client = login(world.supervisor)
    path = f"/organisation/agreements/{world.agreement.public_id}/cases/"
    first = client.get(path).content.decode().split('id="shared-persons"')[1]
    second = client.get(path, {"page": 2}).content.decode().split('id="shared-persons"')[1]
    shown = {f"Sharedova {i:03}" for i in range(PAGE_SIZE) if f"Sharedova {i:03}" in first + second}
    assert len(shown) == PAGE_SIZE
    assert "page=2" in first
