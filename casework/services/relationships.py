"""Linking relatives. One row says "from is the <kind> of to"; the page reads it both ways.

A child's name keys carry the names of their parents (`casework.services.names`): linking or
unlinking a parent stores the keys of both persons again, in the same transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from casework import audit
from casework.audit import AuditAction
from casework.models import Confidence, Person, Relationship, RelationshipKind
from casework.models.sync import ChangeKind, note_person_changes
from casework.permissions import Action, Hidden, require
from casework.services._common import recheck_scope
from casework.services.errors import ServiceError
from casework.services.names import refresh_name_keys_of
from casework.services.text_input import clean_input

# What `to` is of `from` when `from` is the <kind> of `to`.
RECIPROCAL = {
    RelationshipKind.MOTHER: RelationshipKind.CHILD,
    RelationshipKind.FATHER: RelationshipKind.CHILD,
    RelationshipKind.CHILD: None,  # mother or father: depends on the parent's sex
    RelationshipKind.SIBLING: RelationshipKind.SIBLING,
    RelationshipKind.SPOUSE: RelationshipKind.SPOUSE,
    RelationshipKind.GRANDPARENT: RelationshipKind.GRANDCHILD,
    RelationshipKind.GRANDCHILD: RelationshipKind.GRANDPARENT,
    RelationshipKind.GUARDIAN: RelationshipKind.WARD,
    RelationshipKind.WARD: RelationshipKind.GUARDIAN,
}


def reciprocal(kind: str, *, other_sex: str = "U") -> str:
    """What the other person is to the first one, seen from the other side.

    `other_sex` is the sex of the person the reciprocal describes (needed for a parent)."""
    if kind == RelationshipKind.CHILD:
        return {"F": RelationshipKind.MOTHER, "M": RelationshipKind.FATHER}.get(other_sex, "parent")
    return RECIPROCAL[RelationshipKind(kind)]


# A caseworker says "grandmother", not "grandparent", when the relative's sex is known.
_BY_SEX = {
    (RelationshipKind.CHILD, "F"): gettext_lazy("daughter"),
    (RelationshipKind.CHILD, "M"): gettext_lazy("son"),
    (RelationshipKind.SIBLING, "F"): gettext_lazy("sister"),
    (RelationshipKind.SIBLING, "M"): gettext_lazy("brother"),
    (RelationshipKind.SPOUSE, "F"): gettext_lazy("wife"),
    (RelationshipKind.SPOUSE, "M"): gettext_lazy("husband"),
    (RelationshipKind.GRANDPARENT, "F"): gettext_lazy("grandmother"),
    (RelationshipKind.GRANDPARENT, "M"): gettext_lazy("grandfather"),
    (RelationshipKind.GRANDCHILD, "F"): gettext_lazy("granddaughter"),
    (RelationshipKind.GRANDCHILD, "M"): gettext_lazy("grandson"),
}


def relation_word(kind, sex: str | None) -> str:
    """How a caseworker names what a relative is (`kind`, or "parent" from `reciprocal`) in the
    user's language: by the relative's sex when it may be shown (`sex` None when it may not)."""
    if not isinstance(kind, RelationshipKind):
        return gettext("parent")
    return str(_BY_SEX.get((kind, sex), kind.label))


def relationship_link(
    *,
    actor,
    person,
    relative,
    kind: str,
    source: str = "",
    confidence: str = Confidence.PROBABLE,
) -> Relationship:
    """Record that `relative` is the `kind` of `person` (e.g. kind=mother: relative is the mother).

    Both must be persons the actor may work on; a relative outside the actor's scope is answered
    like a missing one."""
    require(actor, Action.LINK_RELATIVE, person)
    if not Person.objects.visible_to(actor).filter(pk=relative.pk).exists():
        raise Hidden()
    if relative.pk == person.pk:
        raise ServiceError({"relative": [gettext("A person cannot be their own relative.")]})
    if kind not in RelationshipKind.values:
        raise ServiceError({"kind": [gettext("Unknown kind %(kind)r.") % {"kind": kind}]})
    if confidence not in Confidence.values:
        raise ServiceError(
            {
                "confidence": [
                    gettext("Unknown confidence %(confidence)r.") % {"confidence": confidence}
                ]
            }
        )
    source = clean_input("source", source, max_length=200)
    existing = Relationship.objects.filter(
        from_person=relative, to_person=person, kind=kind
    ).exists()
    if existing:
        raise ServiceError({"relative": [gettext("This relationship is already recorded.")]})
    try:
        with transaction.atomic():
            link = Relationship.objects.create(
                from_person=relative,
                to_person=person,
                kind=kind,
                source=source,
                confidence=confidence,
            )
            recheck_scope(actor, person, relative)
            refresh_name_keys_of([person.pk, relative.pk])
            # A partner whose agreement shares relationships reads them on both persons.
            note_person_changes([person.pk, relative.pk], ChangeKind.EDITED)
            audit.record(
                actor,
                AuditAction.CREATE,
                link,
                person=person,
                fields=["from_person", "to_person", "kind", "source", "confidence"],
            )
    except IntegrityError as exc:  # a concurrent identical link
        raise ServiceError(
            {"relative": [gettext("This relationship is already recorded.")]}
        ) from exc
    return link


def relationship_unlink(*, actor, relationship: Relationship, reason: str) -> None:
    """Remove a relationship recorded in error, with why. The actor must be able to link
    relatives on both persons; the keys of both are stored again (a parent's name leaves the
    child's keys)."""
    person, relative = relationship.to_person, relationship.from_person
    require(actor, Action.LINK_RELATIVE, person)
    require(actor, Action.LINK_RELATIVE, relative)
    reason = clean_input("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        locked = Relationship.objects.select_for_update().filter(pk=relationship.pk).first()
        if locked is None:
            raise ServiceError(
                {"relationship": [gettext("This relationship was already removed.")]}
            )
        audit.record(
            actor,
            AuditAction.DELETE,
            locked,
            person=person,
            fields=["from_person", "to_person", "kind", "source", "confidence"],
            reason=reason,
        )
        locked.delete()
        refresh_name_keys_of([person.pk, relative.pk])
        note_person_changes([person.pk, relative.pk], ChangeKind.EDITED)
