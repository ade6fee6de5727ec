"""The person (the case), their names in every script and form, and their relatives."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.models.base import DatePrecision, GatedQuerySet, PublicModel


class PersonStatus(models.TextChoices):
    REPORTED = "reported", _("reported")
    VERIFYING = "verifying", _("verifying")
    LOCATED = "located", _("located")
    IDENTITY_CONFIRMED = "identity_confirmed", _("identity confirmed")
    CLEARED_FOR_RETURN = "cleared_for_return", _("cleared for return")
    ON_MANIFEST = "on_manifest", _("on manifest")
    RETURNED = "returned", _("returned")
    REUNITED = "reunited", _("reunited")
    DECEASED = "deceased", _("deceased")
    NOT_TRACEABLE = "not_traceable", _("not traceable")
    CLOSED_DUPLICATE = "closed_duplicate", _("closed (duplicate)")
    CLOSED_OTHER = "closed_other", _("closed (other)")


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNKNOWN = "U", _("unknown")


class DocumentsHeld(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    NONE = "none", _("none")
    ARMED_GROUP = "armed_group", _("issued by the armed group (not recognised)")
    NATIONAL = "national", _("national documents")
    FOREIGN = "foreign", _("foreign documents")


class Sensitivity(models.TextChoices):
    NORMAL = "normal", _("normal")
    PROTECTED = "protected", _("protected (restricted record)")


class PersonQuerySet(GatedQuerySet):
    """Besides the read gate, the narrower ways the policy lets a user reach persons they may not
    read in full."""

    def known_to(self, user):
        """Persons the user may be told of when checking for a duplicate (minimal fields only)."""
        return self._through("known_to", user)

    def linkable_by(self, user):
        """Persons a report entry may be linked to by the user at triage."""
        return self._through("linkable_by", user)

    def openable_by_break_glass(self, user):
        """Persons the user may open for a while by break-glass, stating a reason."""
        return self._through("openable_by_break_glass", user)


class Person(PublicModel):
    organisation = models.ForeignKey(
        "casework.Organisation",
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        "casework.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="persons",
        verbose_name=_("team"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_persons",
        verbose_name=_("assigned to"),
    )
    # The display name is derived from the primary name on save, so lists need no join.
    display_name = models.CharField(max_length=300, blank=True, verbose_name=_("name"))
    sex = models.CharField(
        max_length=1, choices=Sex.choices, default=Sex.UNKNOWN, verbose_name=_("sex")
    )
    birth_date = models.DateField(null=True, blank=True, verbose_name=_("birth date"))
    birth_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
        verbose_name=_("birth date precision"),
    )
    age_stated = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("age stated")
    )
    age_stated_on = models.DateField(null=True, blank=True, verbose_name=_("age stated on"))
    # The range the birth date certainly lies in, derived from date + precision or age + date.
    birth_earliest = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("earliest birth date")
    )
    birth_latest = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("latest birth date")
    )
    birthplace = models.CharField(max_length=200, blank=True, verbose_name=_("birthplace"))
    citizenship = models.CharField(max_length=100, blank=True, verbose_name=_("citizenship"))
    region_of_origin = models.CharField(
        max_length=100, blank=True, verbose_name=_("region of origin")
    )
    languages = models.JSONField(default=list, blank=True, verbose_name=_("languages"))
    documents_held = models.CharField(
        max_length=20,
        choices=DocumentsHeld.choices,
        default=DocumentsHeld.UNKNOWN,
        verbose_name=_("documents held"),
    )
    vulnerabilities = models.JSONField(default=list, blank=True, verbose_name=_("vulnerabilities"))
    sensitivity = models.CharField(
        max_length=10,
        choices=Sensitivity.choices,
        default=Sensitivity.NORMAL,
        verbose_name=_("sensitivity"),
    )
    security_notes = models.TextField(blank=True, verbose_name=_("security notes"))
    status = models.CharField(
        max_length=24,
        choices=PersonStatus.choices,
        default=PersonStatus.REPORTED,
        verbose_name=_("status"),
    )
    status_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("status changed at")
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    # Optimistic locking: every service write checks and bumps it.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="person_org_status"),
            models.Index(fields=["organisation", "team"], name="person_org_team"),
            # The list's order: a page of 50 is read off the index instead of sorting every
            # visible person first.
            models.Index(fields=["organisation", "display_name", "id"], name="person_org_name"),
            # The API's cursor order (created, then public id): the same for a page of the API.
            models.Index(
                fields=["organisation", "created_at", "public_id"], name="person_org_created"
            ),
            models.Index(fields=["birth_earliest", "birth_latest"], name="person_birth_range"),
            # A caseworker's scope by status (their team's cases, those assigned to them): the
            # home page counts each status off these, up to its limit, instead of reading every
            # person in scope.
            models.Index(fields=["team", "status"], name="person_team_status"),
            models.Index(fields=["assigned_to", "status"], name="person_assignee_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PersonStatus]),
                name="person_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=[s.value for s in Sex]), name="person_sex_valid"
            ),
            # Also keeps birth_precision to the five values of DatePrecision.
            models.CheckConstraint(
                condition=(
                    Q(birth_precision=DatePrecision.UNKNOWN, birth_date__isnull=True)
                    | Q(
                        birth_precision__in=[
                            DatePrecision.EXACT,
                            DatePrecision.MONTH,
                            DatePrecision.YEAR,
                        ],
                        birth_date__isnull=False,
                    )
                    | Q(
                        birth_precision=DatePrecision.AGE_ESTIMATE,
                        age_stated__isnull=False,
                        age_stated_on__isnull=False,
                    )
                ),
                name="person_birth_precision_consistent",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_date__gte="1900-01-01"),
                name="person_birth_after_1900",
            ),
            models.CheckConstraint(
                condition=Q(age_stated__isnull=True) | Q(age_stated__lte=120),
                name="person_age_plausible",
            ),
            models.CheckConstraint(
                condition=Q(birth_earliest__isnull=True)
                | Q(birth_latest__isnull=True)
                | Q(birth_earliest__lte=F("birth_latest")),
                name="person_birth_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="person_not_merged_into_itself"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="person_version_positive"),
            models.CheckConstraint(
                condition=Q(documents_held__in=DocumentsHeld.values),
                name="person_documents_held_valid",
            ),
            models.CheckConstraint(
                condition=Q(sensitivity__in=Sensitivity.values), name="person_sensitivity_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or str(self.public_id)

    @property
    def birth_year(self) -> int | None:
        if self.birth_earliest and self.birth_latest:
            if self.birth_earliest.year == self.birth_latest.year:
                return self.birth_earliest.year
            return round((self.birth_earliest.year + self.birth_latest.year) / 2)
        return None


class Script(models.TextChoices):
    # In context: the same words name languages elsewhere ("Arabic" in the language switch).
    CYRILLIC = "cyrl", pgettext_lazy("script", "Cyrillic")
    LATIN = "latn", pgettext_lazy("script", "Latin")
    ARABIC = "arab", pgettext_lazy("script", "Arabic")
    OTHER = "other", pgettext_lazy("script", "other")


class NameKind(models.TextChoices):
    LEGAL = "legal", _("legal name")
    TRANSLITERATION = "translit", _("transliteration")
    ALIAS = "alias", _("alias")
    KUNYA = "kunya", _("kunya")
    NICKNAME = "nickname", _("nickname")


class PersonName(PublicModel):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="names", verbose_name=_("person")
    )
    family_name = models.CharField(max_length=150, blank=True, verbose_name=_("family name"))
    given_name = models.CharField(max_length=150, blank=True, verbose_name=_("given name"))
    patronymic = models.CharField(max_length=150, blank=True, verbose_name=_("patronymic"))
    full_text = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("The name as written, when not split into parts."),
        verbose_name=_("full text"),
    )
    script = models.CharField(
        max_length=6, choices=Script.choices, default=Script.LATIN, verbose_name=_("script")
    )
    kind = models.CharField(
        max_length=10, choices=NameKind.choices, default=NameKind.LEGAL, verbose_name=_("kind")
    )
    source = models.CharField(max_length=200, blank=True, verbose_name=_("source"))
    is_primary = models.BooleanField(default=False, verbose_name=_("primary name"))

    class Meta:
        verbose_name = _("name")
        verbose_name_plural = _("names")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(family_name="", given_name="", full_text=""),
                name="person_name_not_empty",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(is_primary=True),
                name="person_one_primary_name",
            ),
            models.CheckConstraint(
                condition=Q(script__in=Script.values), name="person_name_script_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NameKind.values), name="person_name_kind_valid"
            ),
        ]

    def as_text(self) -> str:
        if self.full_text:
            return self.full_text
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)

    def __str__(self) -> str:
        return self.as_text()


class NameKey(models.Model):
    """A normalised key of one of a person's names: candidates are found by index on these."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="name_keys", verbose_name=_("person")
    )
    key = models.CharField(max_length=80, verbose_name=_("key"))
    kind = models.CharField(max_length=12, verbose_name=_("kind"))

    class Meta:
        verbose_name = _("name key")
        verbose_name_plural = _("name keys")
        # (key, person): a look-up by key and the name search's rank read the index alone
        indexes = [models.Index(fields=["key", "person"], name="namekey_key_person")]
        constraints = [
            models.UniqueConstraint(fields=["person", "key", "kind"], name="namekey_unique")
        ]


class RelationshipKind(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    CHILD = "child", _("child")
    SIBLING = "sibling", _("sibling")
    SPOUSE = "spouse", _("spouse")
    GRANDPARENT = "grandparent", _("grandparent")
    GRANDCHILD = "grandchild", _("grandchild")
    GUARDIAN = "guardian", _("guardian")
    WARD = "ward", _("ward")


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    PROBABLE = "probable", _("probable")
    POSSIBLE = "possible", _("possible")


class Relationship(PublicModel):
    """`from_person` is the `kind` of `to_person` (from is the mother of to)."""

    from_person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="relations_out",
        verbose_name=_("from person"),
    )
    to_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relations_in", verbose_name=_("to person")
    )
    kind = models.CharField(max_length=12, choices=RelationshipKind.choices, verbose_name=_("kind"))
    source = models.CharField(max_length=200, blank=True, verbose_name=_("source"))
    confidence = models.CharField(
        max_length=10,
        choices=Confidence.choices,
        default=Confidence.PROBABLE,
        verbose_name=_("confidence"),
    )

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_person=F("to_person")), name="relationship_not_to_self"
            ),
            models.UniqueConstraint(
                fields=["from_person", "to_person", "kind"], name="relationship_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in RelationshipKind]),
                name="relationship_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values),
                name="relationship_confidence_valid",
            ),
        ]
