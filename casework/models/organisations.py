"""Tenants, teams, people who log in, and the agreements that let cases cross organisations."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import GatedQuerySet, PublicModel


class Organisation(PublicModel):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    is_partner_only = models.BooleanField(
        default=False, help_text=_("A partner system's organisation: it holds no cases of its own.")
    )
    caseworkers_may_break_glass = models.BooleanField(default=False)
    # The organisation that receives what families send through this instance's public form.
    receives_public_reports = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["receives_public_reports"],
                condition=Q(receives_public_reports=True),
                name="one_organisation_receives_public_reports",
            ),
            models.CheckConstraint(
                condition=Q(receives_public_reports=False) | Q(is_partner_only=False),
                name="public_reports_not_to_partner_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(PublicModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.slug}/{self.name}"


class Role(models.TextChoices):
    INTAKE = "intake", _("intake volunteer")
    CASEWORKER = "caseworker", _("caseworker")
    SUPERVISOR = "supervisor", _("supervisor")
    DPO = "dpo", _("data-protection officer")
    ADMIN = "admin", _("administrator")
    PARTNER = "partner", _("partner system")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.INTAKE)
    teams = models.ManyToManyField(Team, through="Membership", related_name="members", blank=True)
    # Bumped to end every session and token at once (deactivation, password change, logout-all).
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(organisation__isnull=False),
                name="user_has_organisation_unless_superuser",
            ),
        ]

    def __str__(self) -> str:
        return self.username


class Membership(PublicModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_unique")]


class SharingAgreement(PublicModel):
    """Cases of `owner` that `partner` may see, which fields, and whether it may write."""

    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements_given"
    )
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements_received"
    )
    title = models.CharField(max_length=200)
    shared_fields = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Names from the closed list of shareable person fields."),
    )
    may_submit_reports = models.BooleanField(default=False)
    may_submit_list_rows = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(owner=models.F("partner")), name="agreement_between_two_orgs"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="agreement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SharedCase(models.Model):
    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.CASCADE, related_name="shared_cases"
    )
    person = models.ForeignKey("casework.Person", on_delete=models.CASCADE, related_name="shares")
    shared_at = models.DateTimeField(auto_now_add=True)

    objects = GatedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "person"], name="shared_case_unique")
        ]


class PartnerToken(PublicModel):
    """An API key for a partner system. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=128)
    scopes = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]


class BreakGlassGrant(PublicModel):
    """Time-limited access to one restricted record outside one's scope, given with a reason."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_grants")
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    reason = models.TextField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The data-protection officer's look at it: when, who, and what they concluded.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="break_glass_has_reason"),
        ]


class IdempotencyRecord(models.Model):
    """An API write's Idempotency-Key: the same key and body give the same response, once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    body_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
