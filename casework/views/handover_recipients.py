"""Whom a child can be handed to, as the handover form offers them: the child's known relatives
(from the family links the user may see, each with how they are related to the child and their
birth year as the presenter shows it), the persons a name search finds among those the user may
see (the relative picker's own search and rows), and "someone not in the records".

A link is recorded in one direction ("Z is the grandparent of C", or "C is the grandchild of Z"):
the relation offered is always the relative's, seen from the child. Links come from
`Relationship.objects.visible_to` and persons from `Person.objects.visible_to`, so a relative the
user may not see is not offered, and not named; a page that printed relatives is one read in the
audit trail naming each of them."""

from __future__ import annotations

from django.db.models import Q

from casework import audit
from casework.filtersets import PersonFilterSet
from casework.models import Person, Relationship, RelationshipKind, Sex
from casework.presenters import DERIVED, WITHHELD, present_persons
from casework.services.relationships import reciprocal, relation_word
from casework.views.person_picker import PRINTED_LINK_FIELDS, candidate_rows, search_candidates

RELATIVE_FIELDS = ("display_name", "birth_year", "sex")


def _relation_of(sex: str | None, link: Relationship, child: Person) -> str:
    """What the other person of `link`, of sex `sex` (None: not shown), is to `child`, as a word
    in the user's language."""
    if link.to_person_id == child.pk:
        return relation_word(RelationshipKind(link.kind), sex)
    # The child is the <kind> of the relative: the relative is its reciprocal.
    return relation_word(reciprocal(link.kind, other_sex=sex or Sex.UNKNOWN), sex)


def known_relatives(user, child: Person) -> list[dict]:
    """The child's relatives the user may see, each once ({"person", "view", "relations"}), in
    name order. A page that prints them records it (`record_relatives_read`)."""
    visible = Person.objects.visible_to(user).filter(merged_into__isnull=True)
    links = list(
        Relationship.objects.visible_to(user)
        .filter(
            Q(to_person=child, from_person__in=visible)
            | Q(from_person=child, to_person__in=visible)
        )
        .select_related("from_person", "to_person")
        .order_by("id")
    )
    relatives: dict[int, dict] = {}
    for link in links:
        relative = link.from_person if link.to_person_id == child.pk else link.to_person
        relatives.setdefault(relative.pk, {"person": relative, "links": []})["links"].append(link)
    persons = sorted(
        (entry["person"] for entry in relatives.values()), key=lambda p: (p.display_name, p.pk)
    )
    rows = []
    for view in present_persons(user, persons, RELATIVE_FIELDS, read=None):
        # The relation is worded by sex only when the user is shown the relative's sex.
        sex = None if view["sex"] is WITHHELD else view["sex"]
        relations = []
        for link in relatives[view.person.pk]["links"]:
            relation = _relation_of(sex, link, child)
            if relation not in relations:
                relations.append(relation)
        rows.append({"person": view.person, "view": view, "relations": relations})
    return rows


def record_relatives_read(user, relatives: list[dict]) -> None:
    """The page printed these relatives (`known_relatives`) and their links: one read event,
    naming the model fields shown as the presenter's own reads do. Only a page shown is a read;
    a handover recorded at once printed none of them."""
    reads = []
    for row in relatives:
        view = row["view"]
        shown = [
            field
            for name in RELATIVE_FIELDS
            if view[name] is not WITHHELD
            for field in DERIVED.get(name, (name,))
        ]
        reads.append((row["person"], view.level, (*shown, *PRINTED_LINK_FIELDS)))
    audit.record_reads(user, "handover_new", reads)


def relation_labels(rows: list[dict]) -> dict[str, str]:
    """{public id: "grandparent, guardian"} of the known relatives: what the handover records as
    the relationship when the caseworker chooses one of them and types none."""
    return {str(row["person"].public_id): ", ".join(map(str, row["relations"])) for row in rows}


def recipient_choices(request, child: Person, relatives: list[dict]):
    """The search among the persons the user may see (the relative picker's own) and what the
    form offers: (filterset, page, status, found rows, id of the "not in the records" choice).
    Each row of `relatives` and of the found gets the `radio` id of its choice, numbered across
    both lists and the "not in the records" choice last, so that the first is always
    `id_recipient_0`, where the form's error summary points."""
    candidates = (
        Person.objects.visible_to(request.user)
        .filter(merged_into__isnull=True)
        .exclude(pk=child.pk)
        .exclude(pk__in=[row["person"].pk for row in relatives])
        .order_by("display_name", "id")
    )
    if request.GET.get("q"):
        filterset, page, status = search_candidates(request, candidates)
        found = candidate_rows(request.user, page, read="handover_new")
    else:  # nothing searched: the search field only, no page of everyone
        filterset = PersonFilterSet(None, queryset=candidates, user=request.user)
        page, status, found = None, 200, []
    offered = [*relatives, *found]
    for number, row in enumerate(offered):
        row["radio"] = f"id_recipient_{number}"
    return filterset, page, status, found, f"id_recipient_{len(offered)}"
