"""What a family (and a partner that sent the report) is told of a report: one of three coarse
statuses, nothing more (DESIGN.md: "received", "being traced", "please contact us").

Never a place, another person, whether a person was already known, or bad news: a death or a
closed case reaches a family through a person, so the page then asks them to contact us.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from casework.models import FamilyReport, PersonStatus, ReportStatus, TriageOutcome

# A person's status that a family must hear from a person, not from a web page.
_TOLD_IN_PERSON = {
    PersonStatus.DECEASED,
    PersonStatus.NOT_TRACEABLE,
    PersonStatus.CLOSED_OTHER,
}


class FamilyStatus(TextChoices):
    RECEIVED = "received", _("Received")
    BEING_TRACED = "being traced", _("Being traced")
    CONTACT_US = "please contact us", _("Please contact us")


def family_status(report: FamilyReport) -> FamilyStatus:
    if report.public_status_note == "contact_us":
        return FamilyStatus.CONTACT_US
    # Through `entries.all()`: a list of reports (the API) prefetches the entries with their
    # persons, so it asks nothing more per report.
    statuses = {
        entry.person.status
        for entry in report.entries.all()
        if entry.outcome in (TriageOutcome.LINKED, TriageOutcome.CREATED) and entry.person_id
    }
    if statuses & _TOLD_IN_PERSON:
        return FamilyStatus.CONTACT_US
    if statuses or report.status == ReportStatus.TRIAGED:
        return FamilyStatus.BEING_TRACED
    return FamilyStatus.RECEIVED
