"""Checks shared by the services of the persons area."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

from casework.models import Person
from casework.permissions import Hidden
from casework.services.errors import ServiceError


def recheck_scope(actor, *persons: Person) -> None:
    # A write must leave the records inside the actor's scope, or it rolls back with its audit
    # rows: one query however many records the write made.
    ids = {person.pk for person in persons}
    if Person.objects.visible_to(actor).filter(pk__in=ids).count() != len(ids):
        raise Hidden()


def not_in_future(field: str, day) -> None:
    if day is not None and day > timezone.localdate():
        raise ServiceError({field: [gettext("This date is in the future.")]})
