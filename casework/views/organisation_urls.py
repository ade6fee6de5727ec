"""URL patterns of the organisation's administration."""

from django.urls import path

from casework.views import organisation, organisation_sharing

urlpatterns = [
    path("", organisation.user_list, name="org_user_list"),
    path("users/new/", organisation.user_new, name="org_user_new"),
    path("users/<uuid:user_id>/", organisation.user_edit, name="org_user_edit"),
    path(
        "users/<uuid:user_id>/deactivate/",
        organisation.user_deactivate,
        name="org_user_deactivate",
    ),
    path(
        "users/<uuid:user_id>/second-factor/reset/",
        organisation.user_second_factor_reset,
        name="org_user_second_factor_reset",
    ),
    path("users/<uuid:user_id>/password/", organisation.user_password, name="org_user_password"),
    path("teams/", organisation.team_list, name="org_team_list"),
    path("teams/new/", organisation.team_new, name="org_team_new"),
    path("teams/<uuid:team_id>/", organisation.team_edit, name="org_team_edit"),
    path("teams/<uuid:team_id>/members/", organisation.team_members, name="org_team_members"),
    path("agreements/", organisation_sharing.agreement_list, name="org_agreement_list"),
    path("agreements/new/", organisation_sharing.agreement_new, name="org_agreement_new"),
    path(
        "agreements/<uuid:agreement_id>/",
        organisation_sharing.agreement_edit,
        name="org_agreement_edit",
    ),
    path(
        "agreements/<uuid:agreement_id>/revoke/",
        organisation_sharing.agreement_revoke,
        name="org_agreement_revoke",
    ),
    path(
        "agreements/<uuid:agreement_id>/cases/",
        organisation_sharing.agreement_cases,
        name="org_agreement_cases",
    ),
    path("tokens/", organisation_sharing.token_list, name="org_token_list"),
    path(
        "partners/<uuid:user_id>/tokens/new/",
        organisation_sharing.token_new,
        name="org_token_new",
    ),
    path(
        "tokens/<uuid:token_id>/revoke/",
        organisation_sharing.token_revoke,
        name="org_token_revoke",
    ),
]
