"""The organisation's administration (issue 12): its administrator keeps north's accounts, teams,
sharing agreements and the tokens of its partners' accounts; every other persona is refused (403
at the door for other staff, the login page for partners and anonymous visitors); the services
hide another organisation's records and refuse everyone but the administrator."""

import datetime as dt

from casework.models import Membership, PartnerToken, SharingAgreement, Team, User
from casework.services import accounts, agreements, organisation_admin
from casework.services.form_tokens import new_form_token
from tests.matrix import ALLOWED, DENIED, HIDDEN, PAGES, Call, Surface, expect, sets
from tests.matrix.records import audited, fresh
from tests.matrix.surfaces_selectors import _selected

A = ALLOWED
ADMIN = {"admin"}
NORTH_STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin")
PAGE = expect(403, admin=200, **PAGES)
POST = expect(403, admin=302, **PAGES)
STRONG = "Quiet-harbour-1947-lanterns"
# North's own: the administrator's alone; everyone outside north does not see it.
NORTHS = expect(HIDDEN, **{p: A if p == "admin" else DENIED for p in NORTH_STAFF})
# Nothing of anyone's yet: refused to all but the administrator.
NEW = expect(DENIED, admin=A)


def _token(w):
    if not hasattr(w, "token"):
        w.token = accounts.partner_token_issue(actor=w.admin, user=w.partner, name="Matrix").token
    return w.token


def _user(suffix=""):
    return lambda w: f"/organisation/users/{w.intake.public_id}/{suffix}"


def _team(suffix=""):
    return lambda w: f"/organisation/teams/{w.team_a.public_id}/{suffix}"


def _agreement(suffix=""):
    return lambda w: f"/organisation/agreements/{w.agreement.public_id}/{suffix}"


def _account_data(w):
    return {
        "form_token": new_form_token(),
        "username": "matrix.new",
        "role": "intake",
        "password": STRONG,
        "password_again": STRONG,
    }


def _account_created(w, persona):
    user = User.objects.get(username="matrix.new")
    assert user.organisation_id == w.north.pk
    assert audited(w.admin, "create", object_id=user.public_id)


def _role_changed(w, persona):
    assert fresh(w.intake).role == "caseworker"


def _deactivated(w, persona):
    assert fresh(w.intake).is_active is False


def _second_factor_reset(w, persona):
    assert fresh(w.intake).session_epoch == w.intake.session_epoch + 1
    assert audited(w.admin, "second_factor", object_id=w.intake.public_id)


def _password_set(w, persona):
    assert fresh(w.intake).check_password(STRONG)


def _team_created(w, persona):
    assert Team.objects.filter(organisation=w.north, name="Matrix team").exists()


def _team_renamed(w, persona):
    assert fresh(w.team_a).name == "Matrix A"


def _member_added(w, persona):
    assert Membership.objects.filter(team=w.team_a, user=w.intake).exists()


def _agreement_data(w):
    return {
        "form_token": new_form_token(),
        "partner": str(w.stranger_org.public_id),
        "title": "Matrix agreement",
        "shared_fields": ["display_name"],
        "valid_from": "2025-01-01",
    }


def _agreement_made(w, persona):
    made = SharingAgreement.objects.get(title="Matrix agreement")
    assert made.owner_id == w.north.pk and made.partner_id == w.stranger_org.pk


def _terms_data(w):
    return {"title": "Matrix terms", "shared_fields": ["status"], "valid_from": "2024-01-01"}


def _terms_changed(w, persona):
    assert fresh(w.agreement).shared_fields == ["status"]


def _agreement_revoked(w, persona):
    assert fresh(w.agreement).revoked_at is not None


def _token_issued(w, persona):
    assert PartnerToken.objects.filter(user=w.partner, name="Matrix issued").exists()


def _token_revoked(w, persona):
    assert fresh(w.token).revoked_at is not None


SURFACES = [
    Surface(name="org_user_list", path=lambda w: "/organisation/", expect=PAGE),
    Surface(name="org_user_new", path=lambda w: "/organisation/users/new/", expect=PAGE),
    Surface(
        name="org_user_new",
        method="POST",
        path=lambda w: "/organisation/users/new/",
        data=_account_data,
        expect=POST,
        writes=ADMIN,
        wrote=_account_created,
    ),
    Surface(name="org_user_edit", path=_user(), expect=PAGE),
    Surface(
        name="org_user_edit",
        method="POST",
        path=_user(),
        data=lambda w: {"role": "caseworker"},
        expect=POST,
        writes=ADMIN,
        wrote=_role_changed,
    ),
    Surface(
        name="org_user_deactivate",
        method="POST",
        path=_user("deactivate/"),
        data=lambda w: {"reason": "Left"},
        expect=POST,
        writes=ADMIN,
        wrote=_deactivated,
    ),
    Surface(
        name="org_user_second_factor_reset",
        method="POST",
        path=_user("second-factor/reset/"),
        data=lambda w: {"reason": "Phone lost"},
        expect=POST,
        writes=ADMIN,
        wrote=_second_factor_reset,
    ),
    Surface(
        name="org_user_password",
        method="POST",
        path=_user("password/"),
        data=lambda w: {"password": STRONG, "password_again": STRONG},
        expect=POST,
        writes=ADMIN,
        wrote=_password_set,
    ),
    Surface(name="org_team_list", path=lambda w: "/organisation/teams/", expect=PAGE),
    Surface(name="org_team_new", path=lambda w: "/organisation/teams/new/", expect=PAGE),
    Surface(
        name="org_team_new",
        method="POST",
        path=lambda w: "/organisation/teams/new/",
        data=lambda w: {"name": "Matrix team", "form_token": new_form_token()},
        expect=POST,
        writes=ADMIN,
        wrote=_team_created,
    ),
    Surface(name="org_team_edit", path=_team(), expect=PAGE),
    Surface(
        name="org_team_edit",
        method="POST",
        path=_team(),
        data=lambda w: {"name": "Matrix A"},
        expect=POST,
        writes=ADMIN,
        wrote=_team_renamed,
    ),
    Surface(
        name="org_team_members",
        method="POST",
        path=_team("members/"),
        data=lambda w: {"user": str(w.intake.public_id), "member": "1"},
        expect=POST,
        writes=ADMIN,
        wrote=_member_added,
    ),
    Surface(name="org_agreement_list", path=lambda w: "/organisation/agreements/", expect=PAGE),
    Surface(name="org_agreement_new", path=lambda w: "/organisation/agreements/new/", expect=PAGE),
    Surface(
        name="org_agreement_new",
        method="POST",
        path=lambda w: "/organisation/agreements/new/",
        data=_agreement_data,
        expect=POST,
        writes=ADMIN,
        wrote=_agreement_made,
    ),
    Surface(name="org_agreement_edit", path=_agreement(), expect=PAGE),
    Surface(
        name="org_agreement_edit",
        method="POST",
        path=_agreement(),
        data=_terms_data,
        expect=POST,
        writes=ADMIN,
        wrote=_terms_changed,
    ),
    Surface(
        name="org_agreement_revoke",
        method="POST",
        path=_agreement("revoke/"),
        data=lambda w: {"reason": "Project ended"},
        expect=POST,
        writes=ADMIN,
        wrote=_agreement_revoked,
    ),
    # The cases under an agreement: a supervisor's, who sees the persons and shares them.
    Surface(
        name="org_agreement_cases",
        path=_agreement("cases/"),
        expect=expect(403, supervisor=200, **PAGES),
    ),
    Surface(
        name="org_agreement_cases",
        method="POST",
        path=_agreement("cases/"),
        data=lambda w: {"person": str(w.case_b.public_id), "share": "1", "reason": "Asked"},
        expect=expect(403, supervisor=302, **PAGES),
        writes={"supervisor"},
        wrote=lambda w, persona: w.agreement.shared_cases.get(person=w.case_b),
    ),
    Surface(
        name="org_token_list",
        path=lambda w: (_token(w), "/organisation/tokens/")[1],
        expect=PAGE,
    ),
    Surface(
        name="org_token_new",
        path=lambda w: f"/organisation/partners/{w.partner.public_id}/tokens/new/",
        expect=PAGE,
    ),
    # The key is shown on the page that answers the issue (200), never on a redirect.
    Surface(
        name="org_token_new",
        method="POST",
        path=lambda w: f"/organisation/partners/{w.partner.public_id}/tokens/new/",
        data=lambda w: {"form_token": new_form_token(), "name": "Matrix issued", "days": "30"},
        expect=expect(403, admin=200, **PAGES),
        writes=ADMIN,
        wrote=_token_issued,
    ),
    Surface(
        name="org_token_revoke",
        method="POST",
        path=lambda w: f"/organisation/tokens/{_token(w).public_id}/revoke/",
        data=lambda w: {"reason": "Server retired"},
        expect=POST,
        writes=ADMIN,
        wrote=_token_revoked,
    ),
]


def _create_user(w, user):
    return organisation_admin.user_create(
        actor=user, username="matrix.call", role="intake", password=STRONG
    )


def _created_user(w, persona):
    assert User.objects.filter(username="matrix.call", organisation=w.north).exists()


def _update_user(w, user):
    return organisation_admin.user_update(actor=user, user=fresh(w.intake), role="caseworker")


def _reset_second_factor(w, user):
    return organisation_admin.user_second_factor_reset(actor=user, user=fresh(w.intake))


def _create_team(w, user):
    return organisation_admin.team_create(actor=user, name="Matrix team")


def _rename_team(w, user):
    return organisation_admin.team_rename(actor=user, team=fresh(w.team_a), name="Matrix A")


def _add_member(w, user):
    return organisation_admin.team_member_set(actor=user, team=fresh(w.team_a), user=w.intake)


def _terms(**more):
    return {
        "title": "Matrix agreement",
        "shared_fields": ["status"],
        "valid_from": dt.date(2025, 1, 1),
        "valid_until": None,
        **more,
    }


def _make_agreement(w, user):
    return agreements.agreement_create(actor=user, partner=w.stranger_org, **_terms())


def _update_agreement(w, user):
    return agreements.agreement_update(actor=user, agreement=fresh(w.agreement), **_terms())


def _revoke_agreement(w, user):
    return agreements.agreement_revoke(actor=user, agreement=fresh(w.agreement), reason="Ended")


CALLS = [
    Call(name="service:user_create", run=_create_user, expect=NEW, wrote=_created_user),
    Call(name="service:user_update", run=_update_user, expect=NORTHS, wrote=_role_changed),
    Call(
        name="service:user_second_factor_reset",
        run=_reset_second_factor,
        expect=NORTHS,
        wrote=_second_factor_reset,
    ),
    Call(name="service:team_create", run=_create_team, expect=NEW, wrote=_team_created),
    Call(name="service:team_rename", run=_rename_team, expect=NORTHS, wrote=_team_renamed),
    Call(name="service:team_member_set", run=_add_member, expect=NORTHS, wrote=_member_added),
    Call(
        name="service:agreement_create",
        run=_make_agreement,
        expect=NEW,
        wrote=lambda w, persona: SharingAgreement.objects.get(title="Matrix agreement"),
    ),
    Call(
        name="service:agreement_update",
        run=_update_agreement,
        expect=NORTHS,
        wrote=_terms_changed,
    ),
    Call(
        name="service:agreement_revoke",
        run=_revoke_agreement,
        expect=NORTHS,
        wrote=_agreement_revoked,
    ),
    Call(
        name="selector:organisation_users",
        run=_selected("organisation_users"),
        expect=sets(admin=set(NORTH_STAFF)),
        writes=False,
    ),
    Call(
        name="selector:organisation_teams",
        run=_selected("organisation_teams"),
        expect=sets(admin={"team_a", "team_b"}),
        writes=False,
    ),
    Call(
        name="selector:agreements_given",
        run=_selected("agreements_given"),
        expect=sets(admin={"agreement"}),
        writes=False,
    ),
    Call(
        name="selector:partner_accounts",
        run=_selected("partner_accounts"),
        expect=sets(admin={"partner"}),
        writes=False,
    ),
    Call(
        name="selector:agreements_to_share_under",
        run=_selected("agreements_to_share_under"),
        expect=sets(supervisor={"agreement"}),
        writes=False,
    ),
    # What each sees of the persons the agreement shares (case_a): as their read gate lets them.
    Call(
        name="selector:shared_persons",
        run=_selected("shared_persons", lambda w: w.agreement),
        expect=sets(
            {"case_a"},
            other_team_caseworker=set(),
            admin=set(),
            partner_without_agreement=set(),
            anonymous=set(),
        ),  # fmt: skip
        writes=False,
    ),
    Call(
        name="selector:shareable_persons",
        run=_selected("shareable_persons", lambda w: w.agreement),
        expect=sets(supervisor={"case_b"}),
        writes=False,
    ),
    Call(
        name="selector:partner_tokens",
        setup=_token,
        run=_selected("partner_tokens"),
        expect=sets(admin={"token"}),
        writes=False,
    ),
]
