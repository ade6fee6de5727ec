"""Changes to many persons at once from the persons list: assign them, or move them to another
status, with one reason. Each person goes through the same service as one at a time (its own
permission check and audit event), all in one transaction: one refusal and nothing is changed."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext

from casework.models import Person
from casework.services.errors import ServiceError
from casework.services.persons import person_assign, person_change_status
from casework.services.text_input import MAX_TEXT, clean_input

# One page of the persons list at most: a larger change is a list import's work.
MAX_BULK = 100


def _checked(persons: Iterable[Person], reason: str, required: str) -> tuple[list[Person], str]:
    persons = list(persons)
    if not persons:
        raise ServiceError({"persons": [gettext("Choose at least one person.")]})
    if len(persons) > MAX_BULK:
        raise ServiceError(
            {
                "persons": [
                    ngettext(
                        "Choose at most %(most)s person at a time.",
                        "Choose at most %(most)s persons at a time.",
                        MAX_BULK,
                    )
                    % {"most": MAX_BULK}
                ]
            }
        )
    return persons, clean_input("reason", reason, max_length=MAX_TEXT, required=required)


def _each(persons: list[Person], change) -> list[Person]:
    """Apply `change` to each person in one transaction; a refusal names the person it is about
    (to the user making the change, who sees them) and undoes every change before it."""
    done = []
    with transaction.atomic():
        for person in persons:
            try:
                done.append(change(person))
            except ValidationError as error:
                messages = [str(m) for m in error.messages]
                raise ServiceError(
                    {
                        "persons": [
                            gettext("%(person)s: %(problem)s")
                            % {"person": person.display_name, "problem": " ".join(messages)}
                        ]
                    }
                ) from error
    return done


def persons_assign(*, actor, persons: Iterable[Person], assigned_to, reason: str) -> list[Person]:
    """Assign every person to `assigned_to` (None: to no one), each keeping their team."""
    persons, reason = _checked(persons, reason, gettext("Say why the cases are assigned."))
    return _each(
        persons,
        lambda person: person_assign(
            actor=actor,
            person=person,
            team=person.team,
            assigned_to=assigned_to,
            reason=reason,
        ),
    )


def persons_change_status(*, actor, persons: Iterable[Person], to: str, reason: str):
    """Move every person to the status `to`, each move checked as one at a time would be."""
    persons, reason = _checked(persons, reason, gettext("Say why the status changes."))
    return _each(
        persons,
        lambda person: person_change_status(actor=actor, person=person, to=to, reason=reason),
    )
