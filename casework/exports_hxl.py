"""The aggregate export in HXL (the Humanitarian Exchange Language): how many persons by current
place, status, sex and age band, never a name or an id.

A group of fewer than `SUPPRESS_UNDER` persons is left out altogether (not written as a blank,
which would still say that such a group exists, nor folded into a remainder that the other rows
would give away): one girl aged 0-4 in one orphanage cannot be singled out. The persons are those
of the persons list (`PersonFilterSet` over the read gate); their current place comes only from
the placements the exporter may see (`Placement.objects.visible_to`), else the place is unknown.
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.audit import AuditAction
from casework.exports import Table, audited_filters, filtered_persons
from casework.models import Placement
from casework.permissions import Action, require
from casework.services.placements import current_placements

SUPPRESS_UNDER = 5
# (lowest age, band): the bands humanitarian data uses for children and adults.
AGE_BANDS = [(0, "0-4"), (5, "5-11"), (12, "12-17"), (18, "18-59"), (60, "60+")]
UNKNOWN = "unknown"
HEADER = [_("Place"), _("Country"), _("Status"), _("Sex"), _("Age band"), _("Persons")]
HASHTAGS = [
    "#loc+name",
    "#country+code",
    "#status+code",
    "#indicator+sex+code",
    "#indicator+age_band",
    "#affected+num",
]
# A hashtag and its attributes as the HXL standard writes them.
HASHTAG = re.compile(r"#[A-Za-z][A-Za-z0-9_]*(\s*\+[A-Za-z][A-Za-z0-9_]*)*")


def age_band(birth_year: int | None, year: int) -> str:
    if birth_year is None or birth_year > year:
        return UNKNOWN
    age = year - birth_year
    return [band for lowest, band in AGE_BANDS if age >= lowest][-1]


def _place(actor, field: str):
    """The person's current place (of the placements the actor may see), one column of it."""
    placements = current_placements(
        Placement.objects.visible_to(actor).filter(person_id=OuterRef("pk"))
    ).order_by("-start_date", "-id")
    return Subquery(placements.values(field)[:1])


def hxl_table(*, actor, params) -> Table:
    require(actor, Action.EXPORT_PSEUDONYMISED)
    persons = (
        filtered_persons(actor, params)
        .order_by()
        .annotate(
            place_name=_place(actor, "location__name"),
            place_text=_place(actor, "place_text"),
            place_country=_place(actor, "location__country"),
        )
        .only("status", "sex", "birth_earliest", "birth_latest")
    )
    year = timezone.localdate().year
    groups: Counter = Counter()
    for person in persons.iterator(chunk_size=2000):
        groups[
            (
                person.place_name or person.place_text or UNKNOWN,
                person.place_country or "",
                person.status,
                person.sex,
                age_band(person.birth_year, year),
            )
        ] += 1
    rows = [[*key, count] for key, count in sorted(groups.items()) if count >= SUPPRESS_UNDER]
    with transaction.atomic():
        audit.record(
            actor,
            AuditAction.EXPORT,
            fields=["place", "status", "sex", "age_band"],
            changes={
                "list": "persons_hxl",
                "rows": len(rows),
                "suppressed_under": SUPPRESS_UNDER,
                "filters": audited_filters(params),
            },
        )
    return Table(
        stem="persons-hxl",
        title=gettext("Persons by place"),
        # HXL's own row of hashtags follows the header row; a reader finds it by its syntax.
        header=[str(h) for h in HEADER],
        count=len(rows),
        rows=iter([HASHTAGS, *rows]),
    )
