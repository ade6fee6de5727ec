"""What every casework record shares: an integer key for the database and a UUID for the world."""

import uuid
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

# The read gates, by model label and gate name, each a function (user, queryset) -> queryset.
# The access policy (`casework.permissions`) fills this when the app starts: models reach the
# policy through it without importing it, so the policy may import the models.
_READ_GATES: dict[tuple[str, str], Callable] = {}


def register_read_gate(model: type[models.Model], name: str, gate: Callable) -> None:
    _READ_GATES[(model._meta.label, name)] = gate


def registered_read_gates() -> set[tuple[str, str]]:
    return set(_READ_GATES)


class GatedQuerySet(models.QuerySet):
    """Rows reached through the access policy: `Model.objects.visible_to(user)` is the one way any
    surface reads a model that holds case data."""

    def _through(self, name: str, user):
        gate = _READ_GATES.get((self.model._meta.label, name))
        if gate is None:
            raise ImproperlyConfigured(
                f"{self.model._meta.label} has no read gate {name!r}: casework.permissions "
                "registers them when the app starts"
            )
        return gate(user, self)

    def visible_to(self, user):
        """The rows the user may see at all; anything else does not exist for them."""
        return self._through("visible_to", user)

    def open_to_subject_access(self, user):
        """The subjects (persons, reporters' reports) whose every record the user may gather for
        a subject-access request: the data-protection officer's, of their organisation."""
        return self._through("open_to_subject_access", user)


class PublicModel(models.Model):
    """A record addressed by a random UUID in URLs and the API, never by its integer key."""

    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = GatedQuerySet.as_manager()

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("exact day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    AGE_ESTIMATE = "age", _("estimated from an age stated on a date")
    UNKNOWN = "unknown", _("unknown")
