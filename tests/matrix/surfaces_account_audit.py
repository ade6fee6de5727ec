"""Account, second-factor, audit and break-glass pages."""

from tests.matrix import LOGIN, Surface, expect

PAGES_NEED_LOGIN = {"anonymous": LOGIN, "partner": LOGIN, "partner_without_agreement": LOGIN}
DPO_ONLY = expect(403, dpo=200, **PAGES_NEED_LOGIN)


def _audit_lists_exactly_the_visible_events(world, persona, response):
    from casework.selectors import audit_events_visible_to

    user = world.personas()[persona]
    listed = {event.pk for event in response.context["page"]}
    visible = set(audit_events_visible_to(user).values_list("pk", flat=True)[:50])
    assert listed == visible


def _grants_of_the_organisation_only(world, persona, response):
    user = world.personas()[persona]
    for grant in response.context["page"]:
        assert grant.person.organisation_id == user.organisation_id


SURFACES = [
    # Anyone may see the login form; a logged-in user is sent on to the home page.
    Surface(
        name="login",
        path=lambda w: "/account/login/",
        expect=expect(302, anonymous=200, partner=200, partner_without_agreement=200),
    ),
    Surface(name="logout", path=lambda w: "/account/logout/", method="POST", expect=expect(302)),
    # Already verified: the verify page sends the user on.
    Surface(
        name="second_factor",
        path=lambda w: "/account/2fa/",
        expect=expect(302, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="second_factor_setup",
        path=lambda w: "/account/2fa/setup/",
        expect=expect(200, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="recovery_codes",
        path=lambda w: "/account/recovery-codes/",
        expect=expect(200, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="password_change",
        path=lambda w: "/account/password/",
        expect=expect(200, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="end_other_sessions",
        path=lambda w: "/account/sessions/end/",
        expect=expect(200, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="audit_events",
        path=lambda w: "/audit/",
        expect=DPO_ONLY,
        check=_audit_lists_exactly_the_visible_events,
    ),
    Surface(
        name="audit_break_glass",
        path=lambda w: "/audit/break-glass/",
        expect=DPO_ONLY,
        check=_grants_of_the_organisation_only,
    ),
    # North does not let caseworkers break glass: for them the page is missing (404); roles that
    # never break glass are refused whatever the record (403).
    Surface(
        name="person_break_glass",
        path=lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        expect=expect(404, supervisor=200, intake=403, dpo=403, admin=403, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="person_break_glass",
        path=lambda w: f"/persons/{w.south_case.public_id}/break-glass/",
        expect=expect(404, intake=403, dpo=403, admin=403, **PAGES_NEED_LOGIN),
    ),
    Surface(
        name="person_break_glass",
        path=lambda w: f"/persons/{w.case_b.public_id}/break-glass/",
        method="POST",
        data=lambda w: {"reason": "The family called; the team B caseworker is away today."},
        expect=expect(404, supervisor=302, intake=403, dpo=403, admin=403, **PAGES_NEED_LOGIN),
    ),
]
