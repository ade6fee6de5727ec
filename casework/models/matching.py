"""Candidate pairs, the decisions people took on them, and merges (which can be undone)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import PublicModel


class SuggestionKind(models.TextChoices):
    PERSON_PERSON = "person_person", _("two persons")
    ROW_PERSON = "row_person", _("a list row and a person")
    ENTRY_PERSON = "entry_person", _("a report entry and a person")


class Decision(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    CONFIRMED = "confirmed", _("the same person")
    REJECTED = "rejected", _("not the same person")
    NEEDS_INFO = "needs_info", _("needs more information")


class MatchSuggestion(PublicModel):
    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="match_suggestions",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(max_length=14, choices=SuggestionKind.choices, verbose_name=_("kind"))
    person = models.ForeignKey(
        "casework.Person",
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("person"),
    )
    other_person = models.ForeignKey(
        "casework.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions_as_other",
        verbose_name=_("other person"),
    )
    list_row = models.ForeignKey(
        "casework.ListImportRow",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("list row"),
    )
    report_entry = models.ForeignKey(
        "casework.ReportEntry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="suggestions",
        verbose_name=_("report entry"),
    )
    probability = models.FloatField(verbose_name=_("probability"))
    explanation = models.JSONField(default=dict, verbose_name=_("explanation"))
    decision = models.CharField(
        max_length=12, choices=Decision.choices, default="pending", verbose_name=_("decision")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_reason = models.TextField(blank=True, verbose_name=_("decision reason"))

    class Meta:
        verbose_name = _("match suggestion")
        verbose_name_plural = _("match suggestions")
        ordering = ["-probability", "id"]
        indexes = [models.Index(fields=["organisation", "decision"], name="suggestion_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1),
                name="suggestion_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(kind="person_person", other_person__isnull=False)
                & Q(person__lt=F("other_person"))
                | Q(kind="row_person", list_row__isnull=False)
                | Q(kind="entry_person", report_entry__isnull=False),
                name="suggestion_pair_well_formed",
            ),
            models.UniqueConstraint(
                fields=["person", "other_person"],
                condition=Q(kind="person_person"),
                name="suggestion_person_pair_once",
            ),
            models.UniqueConstraint(
                fields=["person", "list_row"],
                condition=Q(kind="row_person"),
                name="suggestion_row_pair_once",
            ),
            models.UniqueConstraint(
                fields=["person", "report_entry"],
                condition=Q(kind="entry_person"),
                name="suggestion_entry_pair_once",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_by__isnull=False),
                name="suggestion_decided_by_someone",
            ),
            # The kind is kept to its three values by suggestion_pair_well_formed.
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="suggestion_decision_valid"
            ),
        ]


class PartnerOpinion(models.TextChoices):
    SAME = "same", _("the same person")
    NOT_SAME = "not_same", _("not the same person")
    NEEDS_MORE_INFORMATION = "needs_more_information", _("needs more information")


class SuggestionOpinion(PublicModel):
    """A partner's opinion on a suggestion it may see, for the owner's staff to read: one per
    partner, replaced when it gives another. It decides nothing."""

    suggestion = models.ForeignKey(
        MatchSuggestion,
        on_delete=models.CASCADE,
        related_name="partner_opinions",
        verbose_name=_("match suggestion"),
    )
    partner = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    opinion = models.CharField(
        max_length=22, choices=PartnerOpinion.choices, verbose_name=_("opinion")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("given by"),
    )

    class Meta:
        verbose_name = _("partner's opinion")
        verbose_name_plural = _("partners' opinions")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "partner"], name="suggestion_opinion_once_per_partner"
            ),
            models.CheckConstraint(
                condition=Q(opinion__in=PartnerOpinion.values), name="suggestion_opinion_valid"
            ),
        ]


class PersonMerge(PublicModel):
    """`absorbed` was folded into `survivor`; `moved` lists what moved, so it can be undone."""

    survivor = models.ForeignKey(
        "casework.Person",
        on_delete=models.PROTECT,
        related_name="merges_kept",
        verbose_name=_("survivor"),
    )
    absorbed = models.ForeignKey(
        "casework.Person",
        on_delete=models.PROTECT,
        related_name="merges_absorbed",
        verbose_name=_("absorbed"),
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("performed by"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    moved = models.JSONField(default=dict, verbose_name=_("records moved"))
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=_("undone at"))
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(survivor=F("absorbed")), name="merge_two_different_persons"
            ),
        ]
