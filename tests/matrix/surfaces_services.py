"""The services, called as each persona: allowed (and then what it wrote), `HIDDEN` (answered
like a missing record), `DENIED` (seen, not this action) or `INVALID` (through the gates, refused
by a rule), and for a refused call, nothing written at all."""

import datetime as dt

from django.utils import timezone

from casework.models import (
    BreakGlassGrant,
    CaseNote,
    FamilyReport,
    Handover,
    ListImport,
    ManifestEntry,
    MatchSuggestion,
    PartnerToken,
    Person,
    PersonMerge,
    PersonName,
    Placement,
    Relationship,
    RepatriationFlight,
)
from casework.services import (
    access,
    accounts,
    bulk,
    consent,
    flights,
    imports,
    list_rows,
    matching,
    merge,
    names,
    notes,
    placements,
    relationships,
    reports,
    retention,
    sharing,
)
from casework.services import persons as person_services
from casework.subject_access import subject_access_export
from tests.factories import TEST_PASSWORD
from tests.matrix import ALLOWED, DENIED, HIDDEN, INVALID, Call, expect, labels
from tests.matrix.records import audited, fresh
from tests.matrix.surfaces_api import _all_reports
from tests.matrix.surfaces_flights import _flights
from tests.matrix.surfaces_imports import CSV, _north, _south
from tests.matrix.surfaces_persons import _sibling
from tests.matrix.surfaces_review import _duplicates, _merge, _pairs
from tests.matrix.surfaces_selectors import _caseworkers_may_break_glass

A = ALLOWED
# An action on case_a that needs the sensitive level: team A's caseworker and the supervisor may;
# who sees case_a at a lesser level (intake, the DPO, the partner it is shared with) is denied;
# for everyone else it does not exist.
ON_CASE_A = expect(HIDDEN, caseworker=A, supervisor=A, intake=DENIED, dpo=DENIED, partner=DENIED)
# ... and one only the supervisor (the restricted level, or a supervisor's role) may take.
SUPERVISOR_ON_CASE_A = {**ON_CASE_A, "caseworker": DENIED}
REPORT_STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor")
PLANNERS = ("caseworker", "other_team_caseworker", "supervisor")
# A gate on a record of north by role: north's staff without the role are denied, everyone else
# (partners, anonymous) finds nothing.
NORTH_STAFF = ("caseworker", "other_team_caseworker", "intake", "supervisor", "dpo", "admin")


def _by_role(allowed, *, outside=HIDDEN, **more):
    """North's staff: allowed if named, else DENIED; everyone else `outside`."""
    return expect(outside, **{**{p: A if p in allowed else DENIED for p in NORTH_STAFF}, **more})


def _actor_of(w, persona):
    return w.personas()[persona]


# --- Persons ---------------------------------------------------------------------------------


def _create(team=None):
    def run(w, user):
        return person_services.person_create(
            actor=user,
            names=[person_services.NameInput(family_name="Callova", given_name="Hava")],
            team=team(w) if team else None,
        )

    return run


def _created(w, persona):
    person = Person.objects.get(display_name="Callova Hava")
    assert person.organisation_id == _actor_of(w, persona).organisation_id
    assert audited(_actor_of(w, persona), "create", person_id=person.public_id)


def _create_many(team=None):
    def run(w, user):
        drafts = [
            person_services.PersonDraft(
                names=[person_services.NameInput(family_name=family, given_name="Hava")],
                team=team(w) if team else None,
            )
            for family in ("Callova", "Bulkova")
        ]
        return person_services.persons_create(actor=user, drafts=drafts)

    return run


def _created_many(w, persona):
    actor = _actor_of(w, persona)
    for name in ("Callova Hava", "Bulkova Hava"):
        person = Person.objects.get(display_name=name)
        assert person.organisation_id == actor.organisation_id
        assert audited(actor, "create", person_id=person.public_id)


def _update(name, **changes):
    def run(w, user):
        person = getattr(w, name)
        return person_services.person_update(
            actor=user, person=person, expected_version=person.version, **changes
        )

    return run


def _updated(name, **changes):
    def wrote(w, persona):
        person = fresh(getattr(w, name))
        for field, value in changes.items():
            assert getattr(person, field) == value, field
        assert audited(_actor_of(w, persona), "update", person_id=person.public_id)

    return wrote


def _status(to):
    def run(w, user):
        return person_services.person_change_status(
            actor=user, person=w.case_a, to=to, reason="A letter from the camp arrived."
        )

    return run


def _status_is(to):
    def wrote(w, persona):
        assert fresh(w.case_a).status == to
        assert audited(_actor_of(w, persona), "status_change", person_id=w.case_a.public_id)

    return wrote


def _assign(w, user):
    return person_services.person_assign(
        actor=user, person=w.case_a, team=w.team_b, reason="Team B takes the family."
    )


def _assigned(w, persona):
    assert fresh(w.case_a).team_id == w.team_b.pk


def _bulk_status(w, user):
    return bulk.persons_change_status(
        actor=user, persons=[w.case_a], to="verifying", reason="The ICRC list arrived."
    )


def _bulk_assign(w, user):
    return bulk.persons_assign(
        actor=user, persons=[w.case_a], assigned_to=w.caseworker, reason="Covering for team B."
    )


def _bulk_assigned(w, persona):
    person = fresh(w.case_a)
    assert person.assigned_to_id == w.caseworker.pk and person.team_id == w.team_a.pk


def _unshare(w, user):
    return sharing.person_share(
        actor=user,
        person=w.case_a,
        agreement=w.agreement,
        share=False,
        reason="The family withdrew their consent.",
    )


def _unshared(w, persona):
    from casework.models import SharedCase

    assert not SharedCase.objects.filter(person=w.case_a, agreement=w.agreement).exists()
    assert audited(_actor_of(w, persona), "update", object_id=w.case_a.public_id)


def _placement(w, user):
    return placements.placement_record(
        actor=user,
        person=w.case_a,
        start_date=dt.date(2025, 1, 1),
        source="letter",
        reliability="probable",
        place_text="Call camp",
    )


def _placed(w, persona):
    placement = Placement.objects.get(person=w.case_a, place_text="Call camp")
    assert placement.recorded_by == _actor_of(w, persona)


def _link(relative, kind):
    def run(w, user):
        return relationships.relationship_link(
            actor=user, person=w.case_a, relative=getattr(w, relative), kind=kind
        )

    return run


def _linked(relative, kind):
    def wrote(w, persona):
        assert Relationship.objects.filter(
            from_person=getattr(w, relative), to_person=w.case_a, kind=kind
        ).exists()

    return wrote


def _a_relation(relative, kind):
    def build(w):
        w.relation = Relationship.objects.create(
            from_person=getattr(w, relative), to_person=w.case_a, kind=kind
        )
        return w

    return build


def _unlink(w, user):
    return relationships.relationship_unlink(
        actor=user, relationship=w.relation, reason="Recorded on the wrong child."
    )


def _unlinked(w, persona):
    assert not Relationship.objects.filter(pk=w.relation.pk).exists()


def _note(security=False):
    def run(w, user):
        return notes.note_add(
            actor=user, person=w.case_a, text="Call note.", is_security_note=security
        )

    return run


def _noted(w, persona):
    note = CaseNote.objects.get(person=w.case_a, text="Call note.")
    assert note.author == _actor_of(w, persona)


def _add_name(w, user):
    return names.person_add_name(actor=user, person=w.case_a, full_text="Umm Call", kind="alias")


def _name_added(w, persona):
    assert PersonName.objects.filter(person=w.case_a, full_text="Umm Call").exists()


def _break_glass(name):
    def run(w, user):
        return access.break_glass_open(
            actor=user, person=getattr(w, name), reason="The family called; the caseworker is away."
        )

    return run


def _review_grant(target):
    def run(w, user):
        from tests.matrix.records import grant

        if not hasattr(w, f"review_{target}"):
            person = w.case_b if target == "north" else w.south_case
            owner = w.supervisor if target == "north" else w.south_supervisor
            setattr(w, f"review_{target}", grant(w, owner, person))
        return access.break_glass_review(
            actor=user, grant=getattr(w, f"review_{target}"), note="Looked at it: fine."
        )

    return run


def _grant_reviewed(w, persona):
    assert fresh(w.review_north).reviewed_by_id == _actor_of(w, persona).pk


def _glass_broken(name):
    def wrote(w, persona):
        assert BreakGlassGrant.objects.filter(
            user=_actor_of(w, persona), person=getattr(w, name)
        ).exists()

    return wrote


# --- Reports ---------------------------------------------------------------------------------


def _triage(report, *, person=None):
    def run(w, user):
        _all_reports(w)
        entry = getattr(w, report).entries.filter(outcome="pending").order_by("position").first()
        if person is not None:
            return reports.report_triage_entry(actor=user, entry=entry, person=getattr(w, person))
        return reports.report_triage_entry(
            actor=user, entry=entry, not_a_person_reason="A test entry."
        )

    return run


def _triaged(report, outcome):
    def wrote(w, persona):
        entries = getattr(w, report).entries.filter(triaged_by=_actor_of(w, persona))
        assert entries.filter(outcome=outcome, triaged_at__isnull=False).exists()

    return wrote


def _set_spam(w, user):
    _all_reports(w)
    return reports.report_set_status(
        actor=user, report=w.north_report, status="spam", reason="An advertisement."
    )


def _spam(w, persona):
    assert fresh(w.north_report).status == "spam"


def _set_family_status(report, reason="Their caseworker must call them."):
    def run(w, user):
        _all_reports(w)
        return reports.report_set_family_status(
            actor=user, report=getattr(w, report), contact_us=True, reason=reason
        )

    return run


def _family_asked(report):
    def wrote(w, persona):
        assert fresh(getattr(w, report)).public_status_note == "contact_us"
        assert audited(
            _actor_of(w, persona), "status_change", object_id=getattr(w, report).public_id
        )

    return wrote


def _withdraw_processing(report, reason="The mother called: stop using what she told us."):
    def run(w, user):
        _all_reports(w)
        return consent.report_consent_withdraw(
            actor=user, report=getattr(w, report), purpose="process", reason=reason
        )

    return run


def _set_aside(report):
    def wrote(w, persona):
        assert fresh(getattr(w, report)).status == "set_aside"
        assert audited(_actor_of(w, persona), "update", object_id=getattr(w, report).public_id)

    return wrote


def _subject_access(person):
    def run(w, user):
        return subject_access_export(
            actor=user,
            person_id=str(getattr(w, person).public_id),
            reason="Request of 2 December by letter.",
        )

    return run


def _reports_set_aside(w):
    _all_reports(w)
    FamilyReport.objects.filter(pk__in=[w.north_report.pk, w.south_report.pk]).update(
        status="set_aside"
    )
    return w


def _decide_withdrawal(report):
    def run(w, user):
        return consent.report_withdrawal_decide(
            actor=user,
            report=fresh(getattr(w, report)),
            resume=True,
            reason="Vital interest: a child in a camp.",
        )

    return run


def _resumed(report):
    def wrote(w, persona):
        assert fresh(getattr(w, report)).status in ("new", "triaged")
        assert audited(
            _actor_of(w, persona), "status_change", object_id=getattr(w, report).public_id
        )

    return wrote


def _reissue(report, reason="The grandmother called; we know her voice."):
    def run(w, user):
        _all_reports(w)
        return reports.report_reissue_secret(actor=user, report=getattr(w, report), reason=reason)

    return run


def _reissued(report):
    def wrote(w, persona):
        before = getattr(w, report)
        assert fresh(before).secret_hash != before.secret_hash
        assert audited(_actor_of(w, persona), "update", object_id=before.public_id)

    return wrote


def _new_secret_opens(report):
    def check(w, persona, secret):
        found = reports.report_for_family(getattr(w, report).reference, secret)
        assert found is not None and found.pk == getattr(w, report).pk

    return check


# Caseworkers and the supervisor may give a family a new secret; intake is denied.
REISSUE = expect(HIDDEN, caseworker=A, other_team_caseworker=A, supervisor=A, intake=DENIED)


def _submit_values(w, organisation, channel):
    return {
        "organisation": organisation(w),
        "channel": channel,
        "reporter": {"reporter_name": "Call Reporter"},
        "account": "Call account",
        "consents": [],
        "entries": [{"family_name": "Callreportova"}],
    }


def _submit(organisation=lambda w: w.north, channel="letter"):
    def run(w, user):
        return reports.report_submit(actor=user, **_submit_values(w, organisation, channel))

    return run


def _submit_once(w, user):
    token = reports.report_form_token(user) if user.is_authenticated else ""
    return reports.report_submit_once(
        actor=user, form_token=token, **_submit_values(w, lambda w: w.north, "letter")
    )


def _submitted(w, persona):
    report = FamilyReport.objects.get(account="Call account")
    assert report.organisation == w.north and report.entries.get().family_name == "Callreportova"
    if persona == "partner":
        assert report.source_partner == w.partner_org and report.channel == "partner"
    else:
        assert report.entered_by == _actor_of(w, persona)


# --- Exports and the duplicate check -----------------------------------------------------------


def _export(identifiable=False):
    def run(w, user):
        from casework.exports import persons_export

        return persons_export(
            actor=user,
            params={},
            identifiable=identifiable,
            reason="Court order 2026/17: the family's lawyer asks." if identifiable else "",
        )

    return run


def _export_table(w, user):
    from casework.exports import persons_table

    table = persons_table(actor=user, params={})
    return table, list(table.rows)


def _exported_table(expected):
    def check(w, persona, result):
        from casework.exports import pseudonym

        table, rows = result
        names = {pseudonym(getattr(w, name).public_id): name for name in expected[persona]}
        assert table.count == len(rows)
        assert {names.get(row[0], row[0]) for row in rows} == expected[persona]

    return check


def _exported(expected):
    def check(w, persona, result):
        body, rows = result
        assert rows == len(expected[persona])
        if "name" in body.splitlines()[0]:
            for name in expected[persona]:
                assert getattr(w, name).display_name in body
        assert w.south_case.display_name not in body

    return check


def _candidates(name):
    def run(w, user):
        family, _, given = name.partition(" ")
        return matching.intake_candidates(
            actor=user, names=[{"family_name": family, "given_name": given}]
        )

    return run


def _candidates_for_input(name):
    def run(w, user):
        from casework.services.persons import NameInput

        family, _, given = name.partition(" ")
        return matching.intake_candidates_for_input(
            actor=user,
            names=[NameInput(family_name=family, given_name=given)],
            values={"birthplace": "Raqqa"},
        )

    return run


def _candidates_are(expected):
    def check(w, persona, result):
        got = labels(w, [c.person for c in result])
        assert got == expected.get(persona, set()), got

    return check


def _keyed(w):
    """The world's persons with their name keys (the duplicate check searches by them)."""
    from casework.services.names import refresh_name_keys

    for name in ("case_a", "case_b", "protected_a", "south_case"):
        refresh_name_keys(getattr(w, name))
    return w


# --- Imports ---------------------------------------------------------------------------------


def _upload(w, user):
    return imports.list_import_upload(
        actor=user,
        source="Call upload",
        as_of=dt.date(2026, 1, 1),
        filename="list.csv",
        data=CSV + b"C2,Callova,Leila,2013-01-01\n",
    )


def _uploaded(w, persona):
    upload = ListImport.objects.get(source="Call upload")
    assert upload.organisation_id == _actor_of(w, persona).organisation_id


def _imports(w):
    _north(w)
    _south(w)
    return w


def _on_import(function, name="north_import", **kwargs):
    def run(w, user):
        return getattr(imports, function)(actor=user, list_import=getattr(w, name), **kwargs)

    return run


def _mapped(w, persona):
    assert fresh(w.north_import).column_mapping["birth_date"] == ""


def _import_committed(w, persona):
    assert fresh(w.north_import).status == "committed"
    assert Person.objects.filter(display_name="Testova Zaira").exists()


def _committed_row(w):
    if not hasattr(w, "committed_row"):
        from casework.services.imports import list_import_commit

        _north(w)
        done = list_import_commit(actor=w.supervisor, list_import=w.north_import)
        w.committed_row = done.rows.order_by("row_number").first()
    return w


def _south_row(w):
    if not hasattr(w, "south_row"):
        from casework.services.imports import list_import_commit

        _south(w)
        done = list_import_commit(actor=w.south_supervisor, list_import=w.south_import)
        w.south_row = done.rows.order_by("row_number").first()
    return w


def _south_row_person(w, user):
    return list_rows.row_create_person(actor=user, row=w.south_row)


def _row_person(w, user):
    return list_rows.row_create_person(actor=user, row=w.committed_row)


def _row_became_person(w, persona):
    row = fresh(w.committed_row)
    assert row.outcome == "created" and row.person.organisation_id == w.north.pk
    assert Person.objects.filter(display_name="Testova Amina").count() == 2


# --- Review ----------------------------------------------------------------------------------


def _decide(pair):
    def run(w, user):
        return matching.suggestion_decide(
            actor=user, suggestion=getattr(w, pair), decision="rejected", reason="different mothers"
        )

    return run


def _decided(pair):
    def wrote(w, persona):
        suggestion = fresh(getattr(w, pair))
        assert suggestion.decision == "rejected" and suggestion.decided_by == _actor_of(w, persona)

    return wrote


def _find(w, user):
    return matching.suggestions_find_duplicates(actor=user)


def _found(w, persona):
    assert MatchSuggestion.objects.filter(person__in=[w.dupe_1, w.dupe_2]).exists()


def _do_merge(w, user):
    return merge.persons_merge(
        actor=user, survivor=w.case_a, absorbed=w.twin_a, reason="same birth certificate"
    )


def _merged(w, persona):
    assert fresh(w.twin_a).merged_into_id == w.case_a.pk
    assert PersonMerge.objects.filter(survivor=w.case_a, absorbed=w.twin_a).exists()


def _undo(w, user):
    return merge.persons_unmerge(actor=user, merge=w.merge, reason="different fathers")


def _unmerged(w, persona):
    assert fresh(w.merge).undone_at is not None and fresh(w.twin_a).merged_into_id is None


# --- Flights ---------------------------------------------------------------------------------


def _flight_create(w, user):
    return flights.flight_create(
        actor=user, reference="CALL-1", date=dt.date(2026, 12, 24), origin="Erbil",
        destination="Grozny", capacity=10,
    )  # fmt: skip


def _flight_created(w, persona):
    assert RepatriationFlight.objects.get(reference="CALL-1").organisation_id == w.north.pk


def _flight_update(name):
    def run(w, user):
        flight = getattr(w, name)
        return flights.flight_update(
            actor=user, flight=flight, expected_version=flight.version, capacity=12
        )

    return run


def _flight_updated(w, persona):
    assert fresh(w.north_flight).capacity == 12


def _propose(w, user):
    return flights.manifest_propose(actor=user, flight=w.north_flight, person=w.ready_a)


def _proposed(w, persona):
    assert ManifestEntry.objects.filter(flight=w.north_flight, person=w.ready_a).exists()


def _propose_many(w, user):
    return flights.manifest_propose_many(
        actor=user, flight=w.north_flight, persons=[w.ready_a], note="family group"
    )


def _approve(w, user):
    return flights.manifest_approve(actor=user, entry=w.entry_a)


def _approved(w, persona):
    assert fresh(w.entry_a).status == "approved"
    assert fresh(w.case_a).status == "on_manifest"


def _entry_a_approved(w):
    _flights(w)
    ManifestEntry.objects.filter(pk=w.entry_a.pk).update(
        status="approved", approved_by=w.supervisor
    )
    w.entry_a.refresh_from_db()


def _board(w, user):
    return flights.manifest_mark_boarded(actor=user, entry=w.entry_a)


def _boarded(w, persona):
    assert fresh(w.entry_a).status == "boarded"


def _not_board(w, user):
    return flights.manifest_mark_not_boarded(actor=user, entry=w.entry_b, note="ill")


def _not_boarded(w, persona):
    assert fresh(w.entry_b).status == "not_boarded"


def _escort(w, user):
    return flights.escort_add(actor=user, flight=w.north_flight, escort_name="Call Escort")


def _escorted(w, persona):
    assert ManifestEntry.objects.filter(escort_name="Call Escort", role="escort").exists()


def _handover(w, user):
    return flights.handover_record(
        actor=user,
        manifest_entry=w.entry_child,
        recipient_kind="relative",
        recipient_name="Childova Khava",
        recipient_relationship="aunt",
        handed_at=timezone.now() - dt.timedelta(hours=1),
        place="Grozny airport",
        documents="",
    )


def _handed_over(w, persona):
    assert Handover.objects.get(manifest_entry=w.entry_child).recorded_by == _actor_of(w, persona)


# --- Accounts --------------------------------------------------------------------------------


def _end_sessions(target):
    def run(w, user):
        return accounts.user_end_sessions(actor=user, user=fresh(getattr(w, target)))

    return run


def _sessions_ended(target):
    def wrote(w, persona):
        assert fresh(getattr(w, target)).session_epoch == getattr(w, target).session_epoch + 1

    return wrote


def _deactivate(w, user):
    return accounts.user_deactivate(actor=user, user=fresh(w.caseworker), reason="left the team")


def _deactivated(w, persona):
    assert fresh(w.caseworker).is_active is False


def _change_password(w, user):
    return accounts.user_change_password(
        actor=user, user=fresh(w.caseworker), new_password="another long passphrase 2026",
        old_password=TEST_PASSWORD,
    )  # fmt: skip


def _password_changed(w, persona):
    assert fresh(w.caseworker).check_password("another long passphrase 2026")


def _disable_password(w, user):
    return accounts.user_disable_password(actor=user, user=fresh(w.caseworker))


def _password_disabled(w, persona):
    person = fresh(w.caseworker)
    assert not person.has_usable_password()
    assert person.session_epoch == w.caseworker.session_epoch + 1


def _issue(target):
    def run(w, user):
        return accounts.partner_token_issue(
            actor=user, user=fresh(getattr(w, target)), name="Call sync"
        )

    return run


def _issued(target):
    def wrote(w, persona):
        assert PartnerToken.objects.filter(user=getattr(w, target), name="Call sync").exists()

    return wrote


def _a_token(w):
    if not hasattr(w, "token"):
        w.token = accounts.partner_token_issue(
            actor=w.admin, user=w.partner, name="To revoke"
        ).token
    return w


def _agreement_revoked(w):
    type(w.agreement).objects.filter(pk=w.agreement.pk).update(revoked_at=timezone.now())
    w.agreement.refresh_from_db()


def _revoke(w, user):
    return accounts.partner_token_revoke(actor=user, token=w.token, reason="rotated")


def _revoked(w, persona):
    assert fresh(w.token).revoked_at is not None


CALLS = [
    # --- Persons ---
    Call(
        name="service:person_create",
        run=_create(),
        expect=expect(DENIED, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_created,
    ),
    # A caseworker may not put a new person in a team whose cases they do not see.
    Call(
        name="service:person_create",
        label="in team B",
        run=_create(team=lambda w: w.team_b),
        expect=expect(DENIED, caseworker=HIDDEN, other_team_caseworker=A, intake=A, supervisor=A),
        wrote=_created,
    ),
    # The bulk form (a list import's new persons) answers as the single one, for every draft.
    Call(
        name="service:persons_create",
        run=_create_many(),
        expect=expect(DENIED, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_created_many,
    ),
    Call(
        name="service:persons_create",
        label="in team B",
        run=_create_many(team=lambda w: w.team_b),
        expect=expect(DENIED, caseworker=HIDDEN, other_team_caseworker=A, intake=A, supervisor=A),
        wrote=_created_many,
    ),
    Call(
        name="service:person_update",
        run=_update("case_a", birthplace="Call-Birthplace"),
        expect=ON_CASE_A,
        wrote=_updated("case_a", birthplace="Call-Birthplace"),
    ),
    # Security notes are restricted: the supervisor's (or a caseworker's assigned case's).
    Call(
        name="service:person_update",
        label="restricted field",
        run=_update("case_a", security_notes="Call-Security"),
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_updated("case_a", security_notes="Call-Security"),
    ),
    Call(
        name="service:person_update",
        label="protected",
        run=_update("protected_a", birthplace="Call-Birthplace"),
        expect=expect(HIDDEN, supervisor=A),
        wrote=_updated("protected_a", birthplace="Call-Birthplace"),
    ),
    Call(
        name="service:person_change_status",
        run=_status("verifying"),
        expect=ON_CASE_A,
        wrote=_status_is("verifying"),
    ),
    Call(
        name="service:person_change_status",
        label="a move the supervisor makes",
        run=_status("deceased"),
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_status_is("deceased"),
    ),
    Call(
        name="service:person_assign",
        run=_assign,
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_assigned,
    ),
    Call(
        name="service:persons_change_status",
        run=_bulk_status,
        expect=ON_CASE_A,
        wrote=_status_is("verifying"),
    ),
    Call(
        name="service:persons_assign",
        run=_bulk_assign,
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_bulk_assigned,
    ),
    Call(
        name="service:person_share",
        run=_unshare,
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_unshared,
    ),
    Call(name="service:placement_record", run=_placement, expect=ON_CASE_A, wrote=_placed),
    Call(
        name="service:relationship_link",
        setup=_sibling,
        run=_link("sibling_a", "sibling"),
        expect=ON_CASE_A,
        wrote=_linked("sibling_a", "sibling"),
    ),
    # A relative outside the caseworker's scope is answered like a missing one.
    Call(
        name="service:relationship_link",
        label="relative of another team",
        run=_link("case_b", "mother"),
        expect={**ON_CASE_A, "caseworker": HIDDEN},
        wrote=_linked("case_b", "mother"),
    ),
    Call(
        name="service:relationship_unlink",
        setup=lambda w: _a_relation("sibling_a", "sibling")(_sibling(w) and w),
        run=_unlink,
        expect=ON_CASE_A,
        wrote=_unlinked,
    ),
    # Both persons must be the actor's to work on: team B's mother is not the caseworker's.
    Call(
        name="service:relationship_unlink",
        label="relative of another team",
        setup=_a_relation("case_b", "mother"),
        run=_unlink,
        expect={**ON_CASE_A, "caseworker": HIDDEN},
        wrote=_unlinked,
    ),
    Call(name="service:note_add", run=_note(), expect=ON_CASE_A, wrote=_noted),
    Call(
        name="service:note_add",
        label="security note",
        run=_note(security=True),
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_noted,
    ),
    Call(name="service:person_add_name", run=_add_name, expect=ON_CASE_A, wrote=_name_added),
    # --- Break-glass: refused exactly like a missing record, whoever asks ---
    Call(
        name="service:break_glass_open",
        run=_break_glass("case_b"),
        expect=expect(HIDDEN, supervisor=A),
        wrote=_glass_broken("case_b"),
    ),
    Call(
        name="service:break_glass_open",
        label="caseworkers allowed",
        setup=_caseworkers_may_break_glass,
        run=_break_glass("case_b"),
        expect=expect(HIDDEN, supervisor=A, caseworker=A, other_team_caseworker=A),
        wrote=_glass_broken("case_b"),
    ),
    Call(
        name="service:break_glass_review",
        run=_review_grant("north"),
        expect=expect(DENIED, dpo=A, partner=DENIED, partner_without_agreement=DENIED),
        wrote=_grant_reviewed,
    ),
    Call(
        name="service:break_glass_review",
        label="other organisation",
        run=_review_grant("south"),
        expect=expect(DENIED, dpo=HIDDEN),
    ),
    Call(
        name="service:break_glass_open",
        label="other organisation",
        run=_break_glass("south_case"),
        expect=expect(HIDDEN),
    ),
    # --- Reports ---
    Call(
        name="service:report_triage_entry",
        setup=_all_reports,
        run=_triage("north_report"),
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_triaged("north_report", "not_a_person"),
    ),
    Call(
        name="service:report_triage_entry",
        label="linked to team B's case",
        setup=_all_reports,
        run=_triage("team_b_report"),
        expect=expect(HIDDEN, other_team_caseworker=A, intake=A, supervisor=A),
        wrote=_triaged("team_b_report", "not_a_person"),
    ),
    Call(
        name="service:report_triage_entry",
        label="link to the protected person",
        setup=_all_reports,
        run=_triage("north_report", person="protected_a"),
        expect=expect(HIDDEN, supervisor=A),
        wrote=_triaged("north_report", "linked"),
    ),
    Call(
        name="service:report_triage_entry",
        label="other organisation",
        setup=_all_reports,
        run=_triage("south_report"),
        expect=expect(HIDDEN),
    ),
    Call(
        name="service:report_set_status",
        setup=_all_reports,
        run=_set_spam,
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_spam,
    ),
    # The family's status page: whoever may triage the report.
    # Retention runs from the command line only: no persona may start it.
    Call(
        name="service:retention_apply",
        run=lambda w, user: retention.retention_apply(actor=user),
        expect=expect(DENIED),
    ),
    # A subject-access export reads (and is audited): the DPO's, of their own organisation.
    Call(
        name="service:subject_access_export",
        run=_subject_access("case_a"),
        expect=expect(DENIED, dpo=A),
        writes=False,
    ),
    Call(
        name="service:subject_access_export",
        label="other organisation",
        run=_subject_access("south_case"),
        expect=expect(DENIED, dpo=HIDDEN),
        writes=False,
    ),
    # Withdrawals of consent: recorded by whoever may triage the report; decided by its DPO.
    Call(
        name="service:report_consent_withdraw",
        setup=_all_reports,
        run=_withdraw_processing("north_report"),
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_set_aside("north_report"),
    ),
    Call(
        name="service:report_consent_withdraw",
        label="no reason",
        setup=_all_reports,
        run=_withdraw_processing("north_report", reason=""),
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, INVALID)),
    ),
    Call(
        name="service:report_consent_withdraw",
        label="other organisation",
        setup=_all_reports,
        run=_withdraw_processing("south_report"),
        expect=expect(HIDDEN),
    ),
    Call(
        name="service:report_withdrawal_decide",
        setup=_reports_set_aside,
        run=_decide_withdrawal("north_report"),
        expect=expect(DENIED, dpo=A),
        wrote=_resumed("north_report"),
    ),
    Call(
        name="service:report_withdrawal_decide",
        label="other organisation",
        setup=_reports_set_aside,
        run=_decide_withdrawal("south_report"),
        expect=expect(DENIED, dpo=HIDDEN),
    ),
    Call(
        name="service:report_set_family_status",
        setup=_all_reports,
        run=_set_family_status("north_report"),
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, A)),
        wrote=_family_asked("north_report"),
    ),
    Call(
        name="service:report_set_family_status",
        label="no reason",
        setup=_all_reports,
        run=_set_family_status("north_report", reason=""),
        expect=expect(HIDDEN, **dict.fromkeys(REPORT_STAFF, INVALID)),
    ),
    Call(
        name="service:report_set_family_status",
        label="linked to the protected person",
        setup=_all_reports,
        run=_set_family_status("protected_report"),
        expect=expect(HIDDEN, supervisor=A),
        wrote=_family_asked("protected_report"),
    ),
    Call(
        name="service:report_set_family_status",
        label="other organisation",
        setup=_all_reports,
        run=_set_family_status("south_report"),
        expect=expect(HIDDEN),
    ),
    Call(
        name="service:report_reissue_secret",
        setup=_all_reports,
        run=_reissue("north_report"),
        expect=REISSUE,
        check=_new_secret_opens("north_report"),
        wrote=_reissued("north_report"),
    ),
    Call(
        name="service:report_reissue_secret",
        label="no reason",
        setup=_all_reports,
        run=_reissue("north_report", reason=""),
        expect={
            **REISSUE,
            **dict.fromkeys(("caseworker", "other_team_caseworker", "supervisor"), INVALID),
        },  # fmt: skip
    ),
    Call(
        name="service:report_reissue_secret",
        label="linked to team B's case",
        setup=_all_reports,
        run=_reissue("team_b_report"),
        expect={**REISSUE, "caseworker": HIDDEN},
        check=_new_secret_opens("team_b_report"),
        wrote=_reissued("team_b_report"),
    ),
    Call(
        name="service:report_reissue_secret",
        label="other organisation",
        setup=_all_reports,
        run=_reissue("south_report"),
        expect=expect(HIDDEN),
    ),
    # Staff enter what came by letter; a partner's reports have the channel "partner"; a partner
    # without an agreement with north finds no north to report to.
    Call(
        name="service:report_submit",
        run=_submit(),
        expect=expect(
            DENIED,
            **dict.fromkeys(REPORT_STAFF, A),
            partner=INVALID,
            partner_without_agreement=HIDDEN,
        ),  # fmt: skip
        wrote=_submitted,
    ),
    Call(
        name="service:report_submit",
        label="partner channel",
        run=_submit(channel=None),
        expect=expect(
            DENIED,
            **dict.fromkeys(REPORT_STAFF, INVALID),
            partner=A,
            partner_without_agreement=HIDDEN,
        ),  # fmt: skip
        wrote=_submitted,
    ),
    Call(
        name="service:report_submit",
        label="other organisation",
        run=_submit(organisation=lambda w: w.south),
        expect=expect(
            DENIED,
            **dict.fromkeys(REPORT_STAFF, HIDDEN),
            partner=HIDDEN,
            partner_without_agreement=HIDDEN,
        ),  # fmt: skip
    ),
    Call(
        name="service:report_submit_once",
        run=_submit_once,
        # Anonymous has no form token: refused before any gate.
        expect=expect(
            DENIED,
            **dict.fromkeys(REPORT_STAFF, A),
            partner=INVALID,
            partner_without_agreement=HIDDEN,
            anonymous=INVALID,
        ),  # fmt: skip
        wrote=_submitted,
    ),
    # --- Exports (writing only their audit event) and the duplicate check ---
    Call(
        name="service:persons_export",
        run=_export(),
        expect=expect(DENIED, caseworker=A, other_team_caseworker=A, supervisor=A, dpo=A),
        writes=False,
        check=_exported(
            {
                "caseworker": {"case_a"},
                "other_team_caseworker": {"case_b"},
                "supervisor": {"case_a", "case_b", "protected_a"},
                "dpo": {"case_a", "case_b"},
            }
        ),  # fmt: skip
    ),
    Call(
        name="service:persons_export",
        label="identifiable",
        run=_export(identifiable=True),
        expect=expect(DENIED, supervisor=A, dpo=A),
        writes=False,
        check=_exported(
            {"supervisor": {"case_a", "case_b", "protected_a"}, "dpo": {"case_a", "case_b"}}
        ),  # fmt: skip
    ),
    Call(
        name="service:persons_table",
        run=_export_table,
        expect=expect(DENIED, caseworker=A, other_team_caseworker=A, supervisor=A, dpo=A),
        writes=False,
        check=_exported_table(
            {
                "caseworker": {"case_a"},
                "other_team_caseworker": {"case_b"},
                "supervisor": {"case_a", "case_b", "protected_a"},
                "dpo": {"case_a", "case_b"},
            }
        ),  # fmt: skip
    ),
    # Intake and caseworkers are told another team's case is already known; no one is told of a
    # protected person they may not see, nor of another organisation's.
    # What the person form and the API's create call ask: the same check, from NameInputs.
    Call(
        name="service:intake_candidates_for_input",
        setup=_keyed,
        run=_candidates_for_input("Bekova Zaira"),
        expect=expect(A),
        writes=False,
        check=_candidates_are({p: {"case_b"} for p in REPORT_STAFF}),
    ),
    Call(
        name="service:intake_candidates",
        setup=_keyed,
        run=_candidates("Bekova Zaira"),
        expect=expect(A),
        writes=False,
        check=_candidates_are({p: {"case_b"} for p in REPORT_STAFF}),
    ),
    Call(
        name="service:intake_candidates",
        setup=_keyed,
        label="the protected name",
        run=_candidates("Protected Aminat"),
        expect=expect(A),
        writes=False,
        check=_candidates_are({"supervisor": {"protected_a"}}),
    ),
    Call(
        name="service:intake_candidates",
        setup=_keyed,
        label="south's name",
        run=_candidates("Southova Kheda"),
        expect=expect(A),
        writes=False,
        check=_candidates_are({}),
    ),
    # --- Imports ---
    # No partner surface takes list rows yet: partners may not import at all.
    Call(
        name="service:list_import_upload",
        run=_upload,
        expect=expect(DENIED, **dict.fromkeys(PLANNERS, A)),
        wrote=_uploaded,
    ),
    Call(
        name="service:list_import_set_mapping",
        setup=_imports,
        run=_on_import(
            "list_import_set_mapping",
            mapping={
                "record_id": "record_id",
                "family_name": "family_name",
                "given_name": "given_name",
                "birth_date": "",
            },
        ),  # fmt: skip
        expect=_by_role(PLANNERS),
        wrote=_mapped,
    ),
    Call(
        name="service:list_import_preview",
        setup=_imports,
        run=_on_import("list_import_preview"),
        expect=_by_role(PLANNERS),
        writes=False,
    ),
    Call(
        name="service:plan_import",
        setup=_imports,
        run=_on_import("plan_import"),
        expect=_by_role(PLANNERS),
        writes=False,
    ),
    Call(
        name="service:list_import_plan",
        setup=_imports,
        run=_on_import("list_import_plan", progress=lambda done, total: None),
        expect=_by_role(PLANNERS),
        writes=False,
    ),
    Call(
        name="service:list_import_dry_run",
        setup=_imports,
        run=_on_import("list_import_dry_run"),
        expect=_by_role(PLANNERS),
        writes=False,
    ),
    Call(
        name="service:list_import_commit",
        setup=_imports,
        run=_on_import("list_import_commit"),
        expect=_by_role(PLANNERS),
        wrote=_import_committed,
    ),
    Call(
        name="service:list_import_commit",
        setup=_imports,
        label="other organisation",
        run=_on_import("list_import_commit", name="south_import"),
        expect=expect(HIDDEN),
    ),
    Call(
        name="service:list_import_preview",
        setup=_imports,
        label="other organisation",
        run=_on_import("list_import_preview", name="south_import"),
        expect=expect(HIDDEN),
        writes=False,
    ),
    Call(
        name="service:row_create_person",
        setup=_committed_row,
        run=_row_person,
        # Partners and anonymous belong to no organisation of the list: it is missing to them.
        expect=expect(
            DENIED,
            **dict.fromkeys(REPORT_STAFF, A),
            **dict.fromkeys(("partner", "partner_without_agreement", "anonymous"), HIDDEN),
        ),
        wrote=_row_became_person,
    ),
    # Another organisation's list row does not exist for north's staff, nor for anyone else.
    Call(
        name="service:row_create_person",
        label="other organisation",
        setup=_south_row,
        run=_south_row_person,
        expect=expect(HIDDEN),
    ),
    # --- Review ---
    Call(
        name="service:suggestion_decide",
        setup=_pairs,
        run=_decide("pair_a"),
        expect=ON_CASE_A,
        wrote=_decided("pair_a"),
    ),
    Call(
        name="service:suggestion_decide",
        label="team B's pair",
        setup=_pairs,
        run=_decide("pair_b"),
        expect=expect(HIDDEN, other_team_caseworker=A, supervisor=A, intake=DENIED, dpo=DENIED),
        wrote=_decided("pair_b"),
    ),
    Call(
        name="service:suggestions_find_duplicates",
        setup=_duplicates,
        run=_find,
        expect=expect(DENIED, supervisor=A),
        wrote=_found,
    ),
    Call(
        name="service:persons_merge",
        setup=_pairs,
        run=_do_merge,
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_merged,
    ),
    Call(
        name="service:persons_unmerge",
        setup=_merge,
        run=_undo,
        expect=SUPERVISOR_ON_CASE_A,
        wrote=_unmerged,
    ),
    # --- Flights ---
    Call(
        name="service:flight_create",
        run=_flight_create,
        expect=expect(DENIED, **dict.fromkeys(PLANNERS, A)),
        wrote=_flight_created,
    ),
    Call(
        name="service:flight_update",
        setup=_flights,
        run=_flight_update("north_flight"),
        expect=_by_role(PLANNERS),
        wrote=_flight_updated,
    ),
    Call(
        name="service:flight_update",
        label="other organisation",
        setup=_flights,
        run=_flight_update("south_flight"),
        expect=expect(HIDDEN),
    ),
    # A passenger the planner may not see does not exist for them.
    Call(
        name="service:manifest_propose",
        setup=_flights,
        run=_propose,
        expect=_by_role(PLANNERS, other_team_caseworker=HIDDEN),
        wrote=_proposed,
    ),
    Call(
        name="service:manifest_propose_many",
        setup=_flights,
        run=_propose_many,
        expect=_by_role(PLANNERS, other_team_caseworker=HIDDEN),
        wrote=_proposed,
    ),
    Call(
        name="service:manifest_approve",
        setup=_flights,
        run=_approve,
        expect=_by_role(
            {"supervisor", "caseworker"}, other_team_caseworker=HIDDEN, caseworker=DENIED
        ),  # fmt: skip
        wrote=_approved,
    ),
    Call(
        name="service:manifest_mark_boarded",
        setup=_entry_a_approved,
        run=_board,
        expect=_by_role(PLANNERS, other_team_caseworker=HIDDEN),
        wrote=_boarded,
    ),
    Call(
        name="service:manifest_mark_not_boarded",
        setup=_flights,
        run=_not_board,
        expect=_by_role(PLANNERS, caseworker=HIDDEN),
        wrote=_not_boarded,
    ),
    Call(
        name="service:escort_add",
        setup=_flights,
        run=_escort,
        expect=_by_role(PLANNERS),
        wrote=_escorted,
    ),
    Call(
        name="service:handover_record",
        setup=_flights,
        run=_handover,
        expect=_by_role(PLANNERS, other_team_caseworker=HIDDEN),
        wrote=_handed_over,
    ),
    # --- Accounts: one's own, or an administrator's of the organisation's users ---
    Call(
        name="service:user_end_sessions",
        run=_end_sessions("caseworker"),
        expect=_by_role({"caseworker", "admin"}),
        wrote=_sessions_ended("caseworker"),
    ),
    Call(
        name="service:user_deactivate",
        run=_deactivate,
        expect=_by_role({"admin"}),
        wrote=_deactivated,
    ),
    Call(
        name="service:user_disable_password",
        run=_disable_password,
        expect=_by_role({"admin"}),
        wrote=_password_disabled,
    ),
    Call(
        name="service:user_change_password",
        run=_change_password,
        expect=_by_role({"caseworker", "admin"}),
        wrote=_password_changed,
    ),
    # An administrator issues tokens to the accounts of partners north shares with; the partner
    # itself may not; for everyone else the account does not exist.
    Call(
        name="service:partner_token_issue",
        run=_issue("partner"),
        expect=expect(HIDDEN, admin=A, partner=DENIED),
        wrote=_issued("partner"),
    ),
    Call(
        name="service:partner_token_issue",
        label="partner without agreement",
        run=_issue("partner_without_agreement"),
        expect=expect(HIDDEN, partner_without_agreement=DENIED),
        wrote=_issued("partner_without_agreement"),
    ),
    # Once the agreement is revoked, Partner NGO's accounts are another organisation's again.
    Call(
        name="service:partner_token_issue",
        label="agreement revoked",
        setup=_agreement_revoked,
        run=_issue("partner"),
        expect=expect(HIDDEN, partner=DENIED),
        wrote=_issued("partner"),
    ),
    Call(
        name="service:partner_token_revoke",
        setup=_a_token,
        run=_revoke,
        expect=expect(HIDDEN, admin=A, partner=DENIED),
        wrote=_revoked,
    ),
]
