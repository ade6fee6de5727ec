"""Choosing a person by searching for them, never from a list of every person: the manifest
picker and the "link a relative" page. The search is the persons list's own (its FilterSet's name
search); each row shows what tells two of one name apart (birth year and sex as the presenter
shows them, mother, current place), so that a caseworker picks the right one of two namesakes.

Mothers come from `Relationship.objects.visible_to` and places from `Placement.objects.visible_to`:
what the user may not see of a candidate is shown as withheld, never as unknown. A page that
printed a mother or a place is one read in the audit trail naming each candidate it showed them of.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework import audit
from casework.filtersets import PersonFilterSet
from casework.models import Placement, Relationship, RelationshipKind, Sex
from casework.permissions import Level
from casework.presenters import WITHHELD, present_persons
from casework.services.placements import current_whereabouts_of
from casework.views.listing import filtered, page_of

# What a picker prints of a candidate's family links and places: sensitive, so a page that
# prints any is a read in the audit trail.
PRINTED_LINK_FIELDS = ("from_person", "to_person", "kind")
PRINTED_PLACE_FIELDS = ("location", "place_text", "start_date", "start_precision")
# What a row prints of the candidate themself, through the presenter.
ROW_FIELDS = ("display_name", "birth_year", "sex", "status")


def _mothers(user, persons) -> tuple[dict[int, list], list]:
    """Each person's mothers (by person id) from the family links the user may see, recorded
    either way round ("M is the mother of P", "P is the child of M" for a woman M); and the links
    read."""
    ids = [person.pk for person in persons]
    links = list(
        Relationship.objects.visible_to(user)
        .filter(
            Q(to_person__in=ids, kind=RelationshipKind.MOTHER)
            | Q(from_person__in=ids, kind=RelationshipKind.CHILD, to_person__sex=Sex.FEMALE)
        )
        .select_related("from_person", "to_person")
        .order_by("id")
    )
    mothers: dict[int, list] = {}
    for link in links:
        if link.kind == RelationshipKind.MOTHER:
            child, mother = link.to_person, link.from_person
        else:
            child, mother = link.from_person, link.to_person
        known = mothers.setdefault(child.pk, [])
        if mother not in known:
            known.append(mother)
    return mothers, links


def candidate_rows(user, persons, *, read: str) -> list[dict]:
    """One row per candidate, in a constant number of queries, with its read recorded under the
    page name `read`: the mother and current place are the working record (sensitive), withheld
    below that level; `view` is the candidate as the presenter shows them to the user."""
    persons = list(persons)
    if not persons:
        return []
    views = present_persons(user, persons, ROW_FIELDS, read=None)
    mothers, _links = _mothers(user, persons)
    places = current_whereabouts_of(Placement.objects.visible_to(user).filter(person__in=persons))
    rows = []
    for view in views:
        person = view.person
        sensitive = view.level >= Level.SENSITIVE
        rows.append(
            {
                "person": person,
                "view": view,
                "mothers": mothers.get(person.pk, []) if sensitive else WITHHELD,
                "place": places.get(person.pk) if sensitive else WITHHELD,
            }
        )
    # The gates return links and places only at the sensitive level: a candidate whose mother or
    # place was printed was read, and the page's one event names each of them (found from them).
    reads = [
        (
            row["person"],
            row["view"].level,
            (PRINTED_LINK_FIELDS if row["mothers"] else ())
            + (PRINTED_PLACE_FIELDS if row["place"] else ()),
        )
        for row in rows
        if row["mothers"] or row["place"]
    ]
    audit.record_reads(user, read, reads)
    return rows


def search_candidates(request, candidates: QuerySet):
    """The filterset (its name search only, the persons list's own) over `candidates` (a read
    gate's queryset, ordered), a page of them and the HTTP status of the search."""
    query = request.GET.get("q", "")
    filterset = PersonFilterSet(
        {"q": query} if query else None, queryset=candidates, user=request.user
    )
    persons, status = filtered(filterset)
    return filterset, page_of(request, persons), status
