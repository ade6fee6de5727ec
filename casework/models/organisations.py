"""Tenants, teams, people who log in, and the agreements that let cases cross organisations."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import GatedQuerySet, PublicModel


class Organisation(PublicModel):
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    is_partner_only = models.BooleanField(
        default=False,
        help_text=_("A partner system's organisation: it holds no cases of its own."),
        verbose_name=_("partner only"),
    )
    caseworkers_may_break_glass = models.BooleanField(
        default=False, verbose_name=_("caseworkers may break glass")
    )
    # The organisation that receives what families send through this instance's public form.
    receives_public_reports = models.BooleanField(
        default=False, verbose_name=_("receives public reports")
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
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
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="teams", verbose_name=_("organisation")
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
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
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        max_length=20, choices=Role.choices, default=Role.INTAKE, verbose_name=_("role")
    )
    teams = models.ManyToManyField(
        Team, through="Membership", related_name="members", blank=True, verbose_name=_("teams")
    )
    # Bumped to end every session and token at once (deactivation, password change, logout-all).
    session_epoch = models.PositiveIntegerField(default=0, verbose_name=_("session epoch"))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_unique")]


class SharingAgreement(PublicModel):
    """Cases of `owner` that `partner` may see, which fields, and whether it may write."""

    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_given",
        verbose_name=_("owner"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_received",
        verbose_name=_("partner"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    shared_fields = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Names from the closed list of shareable person fields."),
        verbose_name=_("shared fields"),
    )
    may_submit_reports = models.BooleanField(default=False, verbose_name=_("may submit reports"))
    may_submit_list_rows = models.BooleanField(
        default=False, verbose_name=_("may submit list rows")
    )
    # A partner's decision is an opinion the owner's staff read in the review queue: it never
    # merges or links anything itself.
    may_decide_suggestions = models.BooleanField(
        default=False, verbose_name=_("may give its opinion on match suggestions")
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("sharing agreement")
        verbose_name_plural = _("sharing agreements")
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
        SharingAgreement,
        on_delete=models.CASCADE,
        related_name="shared_cases",
        verbose_name=_("agreement"),
    )
    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="shares", verbose_name=_("person")
    )
    shared_at = models.DateTimeField(auto_now_add=True, verbose_name=_("shared at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shared case")
        verbose_name_plural = _("shared cases")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "person"], name="shared_case_unique")
        ]


class PartnerToken(PublicModel):
    """An API key for a partner system. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=120, verbose_name=_("name"))
    prefix = models.CharField(max_length=12, unique=True, verbose_name=_("key prefix"))
    key_hash = models.CharField(max_length=128, verbose_name=_("key"))
    scopes = models.JSONField(default=list, blank=True, verbose_name=_("scopes"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    session_epoch = models.PositiveIntegerField(default=0, verbose_name=_("session epoch"))

    class Meta:
        verbose_name = _("partner token")
        verbose_name_plural = _("partner tokens")
        ordering = ["-created_at"]


class BreakGlassGrant(PublicModel):
    """Time-limited access to one restricted record outside one's scope, given with a reason."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="break_glass_grants", verbose_name=_("user")
    )
    person = models.ForeignKey(
        "casework.Person",
        on_delete=models.CASCADE,
        related_name="break_glass_grants",
        verbose_name=_("person"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    # The data-protection officer's look at it: when, who, and what they concluded.
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    reviewed_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_note = models.CharField(max_length=500, blank=True, verbose_name=_("review note"))

    class Meta:
        verbose_name = _("break-glass grant")
        verbose_name_plural = _("break-glass grants")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="break_glass_has_reason"),
        ]


class IdempotencyRecord(models.Model):
    """An API write's Idempotency-Key: the same key and body give the same response, once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(max_length=200, verbose_name=_("key"))
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=300, verbose_name=_("path"))
    body_sha256 = models.CharField(max_length=64, verbose_name=_("body checksum"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    response_body = models.JSONField(verbose_name=_("response body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]
