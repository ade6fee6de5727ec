"""The read gates of the records that belong to a person, a report, a flight or a list, called as
each persona: the exact set each returns. A row is named by what it belongs to (its person's,
report's, flight's or list's name in the world), a security note or a follow-up by a suffix."""

import datetime as dt

from django.utils import timezone

from casework.models import (
    CaseNote,
    CaseTask,
    ChangeOutbox,
    Handover,
    LegalProceeding,
    ListImportRow,
    ManifestEntry,
    Person,
    PersonName,
    Placement,
    Relationship,
    ReportAttachment,
    ReportConsent,
    ReportEntry,
    ReportFollowUp,
    SharedCase,
    SharingAgreement,
)
from tests.matrix import Call, sets
from tests.matrix.records import canaries
from tests.matrix.surfaces_api import _all_reports
from tests.matrix.surfaces_flights import _flights
from tests.matrix.surfaces_imports import _committed, _south

NORTH_PERSONS = ("case_a", "case_b", "protected_a")


def _name_of(world, obj) -> str:
    for name, value in vars(world).items():
        if type(value) is type(obj) and getattr(value, "pk", None) == obj.pk:
            return name
    return f"<{type(obj).__name__} {obj.pk}>"


def _gated(model, label, gate="visible_to"):
    """Run `model.objects.<gate>(user)` and name each row with `label(world, row)`."""

    def run(world, user):
        return {label(world, row) for row in getattr(model.objects, gate)(user)}

    return run


def _of(attr):
    return lambda world, row: _name_of(world, getattr(row, attr))


def _note_label(world, note):
    kind = "security" if note.is_security_note else "note"
    return f"{_name_of(world, note.person)}:{kind}"


def _person_records(w):
    """Canary notes, placements and proceedings on every person, one task on each, case_b
    recorded as case_a's mother."""
    canaries(w)
    if not hasattr(w, "tasks_built"):
        for name in (*NORTH_PERSONS, "south_case"):
            CaseTask.objects.create(person=getattr(w, name), title=f"Task of {name}")
        w.tasks_built = True
    return w


def _report_records(w):
    """Every report of the world gets a consent and a follow-up (north's has a photo)."""
    _all_reports(w)
    if not hasattr(w, "report_records_built"):
        for name in ("north_report", "south_report", "team_b_report", "protected_report"):
            report = getattr(w, name)
            ReportConsent.objects.get_or_create(report=report, purpose="contact", given=True)
            ReportFollowUp.objects.create(report=report, received_at=timezone.now(), text="more")
        w.report_records_built = True
    return w


def _handed_over(w):
    _flights(w)
    if not hasattr(w, "handovers_built"):
        for entry in ManifestEntry.objects.filter(person__isnull=False, handover__isnull=True):
            Handover.objects.create(
                manifest_entry=entry,
                recipient_kind="relative",
                recipient_name="Invented Relative",
                recipient_relationship="aunt",
                handed_at=timezone.now() - dt.timedelta(days=1),
            )
        w.handovers_built = True
    return w


def _imports(w):
    """A list north committed (its rows are written then), and one south committed."""
    _committed(w)
    if not hasattr(w, "south_committed"):
        from casework.services.imports import list_import_commit

        w.south_committed = list_import_commit(actor=w.south_supervisor, list_import=_south(w))
    return w


def _outbox(w):
    if not hasattr(w, "outbox_row"):
        w.outbox_row = ChangeOutbox.objects.create(
            partner=w.partner_org, person_public_id=w.case_b.public_id, kind="unshared"
        )
        w.stranger_outbox_row = ChangeOutbox.objects.create(
            partner=w.stranger_org, person_public_id=w.case_a.public_id, kind="unshared"
        )
    return w


def _outbox_label(world, row):
    return _name_of(world, row)


# Who sees a person's working record (sensitive) and who its restricted parts.
SENSITIVE = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "supervisor": set(NORTH_PERSONS),
}
RESTRICTED = {"supervisor": set(NORTH_PERSONS)}
# Who sees a person at all, staff only (a partner reads the shared name, never the name rows).
STAFF_SEE = {
    "caseworker": {"case_a"},
    "other_team_caseworker": {"case_b"},
    "intake": {"case_a", "case_b"},
    "supervisor": set(NORTH_PERSONS),
    "dpo": {"case_a", "case_b"},
}
REPORT_STAFF_REPORTS = {
    "caseworker": {"north_report"},
    "other_team_caseworker": {"north_report", "team_b_report"},
    "intake": {"north_report", "team_b_report"},
    "supervisor": {"north_report", "team_b_report", "protected_report"},
}
PLANNERS = ("caseworker", "other_team_caseworker", "supervisor")

CALLS = [
    Call(
        name="gate:Person.known_to",
        run=_gated(Person, _name_of, "known_to"),
        expect=sets(
            caseworker={"case_a", "case_b"},
            other_team_caseworker={"case_a", "case_b"},
            intake={"case_a", "case_b"},
            supervisor=set(NORTH_PERSONS),
        ),
    ),
    Call(
        name="gate:Person.linkable_by",
        run=_gated(Person, _name_of, "linkable_by"),
        expect=sets(
            caseworker={"case_a", "case_b"},
            other_team_caseworker={"case_a", "case_b"},
            intake={"case_a", "case_b"},
            supervisor=set(NORTH_PERSONS),
            dpo={"case_a", "case_b"},
            partner={"case_a"},
        ),
    ),
    Call(
        name="gate:PersonName.visible_to",
        run=_gated(PersonName, _of("person")),
        expect=sets(**STAFF_SEE),
    ),
    Call(
        name="gate:Relationship.visible_to",
        setup=_person_records,
        run=_gated(
            Relationship,
            lambda w, r: f"{_name_of(w, r.from_person)}>{_name_of(w, r.to_person)}",
        ),
        expect=sets(supervisor={"case_b>case_a"}),
    ),
    Call(
        name="gate:Placement.visible_to",
        setup=_person_records,
        run=_gated(Placement, _of("person")),
        expect=sets(**SENSITIVE),
    ),
    Call(
        name="gate:CaseNote.visible_to",
        setup=_person_records,
        run=_gated(CaseNote, _note_label),
        expect=sets(
            caseworker={"case_a:note"},
            other_team_caseworker={"case_b:note"},
            supervisor={f"{p}:{k}" for p in NORTH_PERSONS for k in ("note", "security")},
        ),
    ),
    Call(
        name="gate:CaseTask.visible_to",
        setup=_person_records,
        run=_gated(CaseTask, _of("person")),
        expect=sets(**SENSITIVE),
    ),
    Call(
        name="gate:LegalProceeding.visible_to",
        setup=_person_records,
        run=_gated(LegalProceeding, _of("person")),
        expect=sets(**RESTRICTED),
    ),
    Call(
        name="gate:ReportEntry.visible_to",
        setup=_report_records,
        run=_gated(ReportEntry, _of("report")),
        expect=sets(**REPORT_STAFF_REPORTS),
    ),
    Call(
        name="gate:ReportConsent.visible_to",
        setup=_report_records,
        run=_gated(ReportConsent, _of("report")),
        expect=sets(**REPORT_STAFF_REPORTS),
    ),
    Call(
        name="gate:ReportAttachment.visible_to",
        setup=_report_records,
        run=_gated(ReportAttachment, _of("report")),
        expect=sets(**REPORT_STAFF_REPORTS),
    ),
    Call(
        name="gate:ReportFollowUp.visible_to",
        setup=_report_records,
        run=_gated(ReportFollowUp, _of("report")),
        expect=sets(**REPORT_STAFF_REPORTS),
    ),
    Call(
        name="gate:ManifestEntry.visible_to",
        setup=_flights,
        run=_gated(ManifestEntry, _of("flight")),
        expect=sets(**dict.fromkeys(PLANNERS, {"north_flight"})),
    ),
    Call(
        name="gate:Handover.visible_to",
        setup=_handed_over,
        run=_gated(Handover, lambda w, h: _name_of(w, h.manifest_entry.flight)),
        expect=sets(**dict.fromkeys(PLANNERS, {"north_flight"})),
    ),
    Call(
        name="gate:ListImportRow.visible_to",
        setup=_imports,
        run=_gated(ListImportRow, _of("list_import")),
        expect=sets(**dict.fromkeys(PLANNERS, {"committed_import"})),
    ),
    Call(
        name="gate:SharedCase.visible_to",
        run=_gated(SharedCase, _of("person")),
        expect=sets(
            caseworker={"case_a"},
            intake={"case_a"},
            supervisor={"case_a"},
            dpo={"case_a"},
            partner={"case_a"},
        ),
    ),
    Call(
        name="gate:SharingAgreement.visible_to",
        run=_gated(SharingAgreement, _name_of),
        expect=sets(
            **dict.fromkeys(
                ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin"),
                {"agreement"},
            ),
            partner={"agreement"},
        ),
    ),
    Call(
        name="gate:ChangeOutbox.visible_to",
        setup=_outbox,
        run=_gated(ChangeOutbox, _outbox_label),
        expect=sets(partner={"outbox_row"}, partner_without_agreement={"stranger_outbox_row"}),
    ),
]
