"""The audit trail's hash chains (issue 11): one per organisation and one for events of none, each
event linked to the one before; `verify_audit` finds a deleted, changed, reordered or back-dated
event, and with the external copy a forgery at the head. Tampering is done as the tables' owner
would (on PostgreSQL: the triggers suspended inside the test's transaction)."""

import datetime as dt
import hashlib
import io
import json
import logging
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from casework import audit
from casework.audit import AuditAction
from casework.audit_verify import NO_ORGANISATION, verify
from casework.models import AuditEvent, AuditEventSubject, Person, audit_chain, audit_copy
from casework.permissions import Level
from tests.factories import PersonFactory

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the chain's trigger is PostgreSQL's"
)


def _run_verify(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return f"FAILED {exc}\n{err.getvalue()}"
    return out.getvalue()


def _chain(org_id):
    return list(
        AuditEvent.objects.filter(organisation_id=org_id)
        .order_by("chain_position")
        .values_list("chain_position", "chain_hash", "at", "id")
    )


def _events(world):
    return [
        audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a),
        audit.record(world.south_supervisor, AuditAction.READ_RESTRICTED, world.south_case),
        audit.record(None, AuditAction.LOGIN_FAILED, None, changes={"username_length": 4}),
        audit.record(
            world.supervisor, AuditAction.UPDATE, world.case_b, changes={"sex": ["F", "M"]}
        ),
    ]


def test_each_organisation_has_its_own_chain_without_gaps(world):
    north, south, nobody, north_again = _events(world)
    for event in (north, south, nobody, north_again):
        event.refresh_from_db()
    assert north_again.chain_position == north.chain_position + 1
    for org_id in (world.north.pk, world.south.pk, None):
        chain = _chain(org_id)
        assert [position for position, *_ in chain] == list(range(1, len(chain) + 1))
        assert [at for _p, _h, at, _id in chain] == sorted(at for _p, _h, at, _id in chain)
    # Each hash covers the row and the hash before it, as audit_chain computes it.
    before = AuditEvent.objects.get(organisation=world.north, chain_position=north.chain_position)
    expected = audit_chain.link_hash(north_again, north_again.chain_position, before.chain_hash)
    assert north_again.chain_hash == expected
    assert "intact" in _run_verify()
    assert "intact" in _run_verify("--organisation", world.south.slug)
    assert "intact" in _run_verify("--organisation", NO_ORGANISATION)


def test_the_event_in_memory_knows_its_place_and_time_as_stored(world):
    event = audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (event.chain_position, event.chain_hash, event.at) == (
        stored.chain_position,
        stored.chain_hash,
        stored.at,
    )
    [many] = audit.record_many(world.caseworker, AuditAction.CREATE, [(world.case_a, {})])
    stored = AuditEvent.objects.get(pk=many.pk)
    assert (many.chain_position, many.chain_hash) == (stored.chain_position, stored.chain_hash)


def test_the_persons_an_event_names_are_covered_by_its_hash(world):
    [event] = audit.record_reads(
        world.caseworker,
        "person_list",
        [(world.case_a, Level.SENSITIVE, ["birthplace"]), (world.case_b, Level.SENSITIVE, [])],
    )
    ids = sorted(str(p) for p in (world.case_a.public_id, world.case_b.public_id))
    assert event.subjects_digest == hashlib.sha256("\n".join(ids).encode()).hexdigest()
    export = audit.record_export(world.supervisor, [world.case_a], fields=["sex"], changes={})
    assert export.subjects_digest == audit_chain.subjects_digest([world.case_a.public_id])
    assert verify().ok
    # One more person slipped under an event afterwards (the application role may INSERT).
    AuditEventSubject.objects.create(event=event, person_id=world.protected_a.public_id)
    [problem] = verify().problems
    assert problem.public_id == str(event.public_id)
    assert "persons it names" in problem.what


# --- a large export's event, streamed from the database (issue 12) -----------------------------


def test_the_digest_taken_a_chunk_at_a_time_is_the_digest_of_the_whole():
    ids = sorted(str(uuid.uuid4()) for _ in range(7))
    streamed = audit_chain.SortedSubjectsDigest()
    for start in range(0, len(ids), 3):
        streamed.update(ids[start : start + 3])
    assert streamed.hexdigest() == audit_chain.subjects_digest(ids)
    assert streamed.count == 7
    assert audit_chain.SortedSubjectsDigest().hexdigest() == audit_chain.subjects_digest([]) == ""
    # Out of order or twice would change the value: refused, never a wrong digest.
    for wrong in ([ids[1], ids[0]], [ids[0], ids[0]]):
        with pytest.raises(ValueError, match="ascending"):
            audit_chain.SortedSubjectsDigest().update(wrong)


def _export_both_ways(world, persons):
    listed = audit.record_export(
        world.supervisor, list(persons), fields=["sex"], changes={"rows": 1}
    )
    streamed = audit.record_export_of(
        world.supervisor, persons, fields=["sex"], changes={"rows": 1}
    )
    return listed, streamed


def _subjects(event):
    return sorted(
        str(p)
        for p in AuditEventSubject.objects.filter(event=event).values_list("person_id", flat=True)
    )


def test_a_streamed_export_names_and_digests_its_persons_as_the_listed_one(world, monkeypatch):
    # Chunks of two: the persons cross several chunks, in an order that is not their keys'.
    monkeypatch.setattr(audit, "SUBJECT_BATCH", 2)
    PersonFactory.create_batch(4, organisation=world.north, team=world.team_a)
    persons = Person._base_manager.filter(organisation=world.north)
    assert persons.count() == 7
    listed, streamed = _export_both_ways(world, persons)
    assert streamed.subjects_digest == listed.subjects_digest != ""
    assert _subjects(streamed) == _subjects(listed) == sorted(str(p.public_id) for p in persons)
    stored = AuditEvent.objects.get(pk=streamed.pk)
    assert stored.chain_hash == audit_chain.link_hash(
        stored,
        stored.chain_position,
        AuditEvent.objects.get(
            organisation_id=stored.organisation_id, chain_position=stored.chain_position - 1
        ).chain_hash,
    )
    assert "intact" in _run_verify()
    # Naming no one: no digest, no subjects, as before.
    listed, streamed = _export_both_ways(world, persons.none())
    assert streamed.subjects_digest == listed.subjects_digest == ""
    assert _subjects(streamed) == []
    assert "intact" in _run_verify()


def _persons_change_between_the_reads(monkeypatch, world, times: int):
    """A person enters the export's organisation after its first read, `times` times."""
    reads = {"n": 0}
    real = audit._in_chunks

    def in_chunks(ids):
        reads["n"] += 1
        if reads["n"] % 2 == 0 and reads["n"] // 2 <= times:
            PersonFactory(organisation=world.north, team=world.team_a)
        yield from real(ids)

    monkeypatch.setattr(audit, "_in_chunks", in_chunks)


def test_persons_changed_between_the_reads_are_read_again(world, monkeypatch):
    _persons_change_between_the_reads(monkeypatch, world, times=1)
    persons = Person._base_manager.filter(organisation=world.north)
    before = AuditEvent.objects.count()
    event = audit.record_export_of(world.supervisor, persons, fields=[], changes={})
    # The first attempt rolled back (with the person it met); the second is the one written.
    assert AuditEvent.objects.count() == before + 1
    assert event.subjects_digest == audit_chain.subjects_digest(p.public_id for p in persons)
    assert _subjects(event) == sorted(str(p.public_id) for p in persons)
    assert "intact" in _run_verify()


def test_persons_changing_at_every_read_write_nothing(world, monkeypatch):
    _persons_change_between_the_reads(monkeypatch, world, times=audit.SUBJECT_ATTEMPTS)
    persons = Person._base_manager.filter(organisation=world.north)
    before = (AuditEvent.objects.count(), AuditEventSubject.objects.count())
    with pytest.raises(audit.SubjectsKeptChanging):
        audit.record_export_of(world.supervisor, persons, fields=[], changes={})
    assert (AuditEvent.objects.count(), AuditEventSubject.objects.count()) == before
    assert "intact" in _run_verify()


# --- tampering, as the tables' owner would (PostgreSQL) -----------------------------------------


def _as_owner(*statements):
    """Raw SQL with the audit trail's triggers suspended: what only its owner can do (SQLite,
    the demo, has no triggers)."""
    if connection.vendor != "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in ("casework_auditevent", "casework_auditeventsubject"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement, params in statements:
            cursor.execute(statement, params)
        for table in ("casework_auditevent", "casework_auditeventsubject"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def chain(world):
    """Five events in the north's chain, all verified."""
    events = [
        audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a, reason=f"r{i}")
        for i in range(5)
    ]
    assert verify().ok
    return events


def _problems(organisation):
    report = verify(organisation)
    assert not report.ok
    return [str(p) for p in report.problems]


def test_a_deleted_event_is_found(world, chain):
    _as_owner(("DELETE FROM casework_auditevent WHERE id = %s", [chain[2].pk]))
    problems = _problems(world.north)
    assert any("missing before it" in p and "deleted" in p for p in problems), problems
    assert "NOT intact" in _run_verify("--organisation", world.north.slug)


@on_postgres
def test_an_edited_event_is_found_even_with_its_own_hash_recomputed(world, chain):
    _as_owner(
        ("UPDATE casework_auditevent SET reason = 'nothing happened' WHERE id = %s", [chain[1].pk])
    )
    assert any(
        str(chain[1].public_id) in p and "hash does not match" in p for p in _problems(world.north)
    )
    # The forger recomputes the edited event's hash: the next one no longer follows from it.
    _as_owner(
        (
            "UPDATE casework_auditevent e SET chain_hash = casework_audit_link_hash(e, "
            "e.chain_position, %s) WHERE id = %s",
            [AuditEvent.objects.get(pk=chain[0].pk).chain_hash, chain[1].pk],
        )
    )
    problems = _problems(world.north)
    assert not any(str(chain[1].public_id) in p for p in problems)
    assert any(str(chain[2].public_id) in p and "hash does not match" in p for p in problems)


def test_reordered_events_are_found(world, chain):
    first, second = chain[1], chain[2]
    _as_owner(
        ("UPDATE casework_auditevent SET chain_position = -1 WHERE id = %s", [first.pk]),
        (
            "UPDATE casework_auditevent SET chain_position = %s WHERE id = %s",
            [first.chain_position, second.pk],
        ),
        (
            "UPDATE casework_auditevent SET chain_position = %s WHERE id = %s",
            [second.chain_position, first.pk],
        ),
    )
    problems = _problems(world.north)
    assert any("hash does not match" in p for p in problems), problems


@on_postgres
def test_a_back_dated_insertion_is_found(world, chain):
    # A role that may only INSERT gets the database's time and the chain's next place.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO casework_auditevent (public_id, at, actor_label, action, object_type, "
            "fields, changes, reason, request_id, subjects_digest, chain_hash, organisation_id, "
            "chain_position) VALUES (%s, '2001-01-01', 'forger', 'login', '', '[]', '{}', '', '', "
            "'', 'forged', %s, 1)",
            [uuid.uuid4(), world.north.pk],
        )
    forged = AuditEvent.objects.get(actor_label="forger")
    assert forged.at.year == dt.datetime.now(dt.UTC).year and forged.chain_hash != "forged"
    assert verify(world.north).ok
    # The owner, triggers off, links a back-dated event at the head as the trigger would have.
    head = AuditEvent.objects.filter(organisation=world.north).order_by("-chain_position")[0]
    public_id = uuid.uuid4()
    _as_owner(
        (
            "INSERT INTO casework_auditevent (public_id, at, actor_label, action, object_type, "
            "fields, changes, reason, request_id, subjects_digest, chain_hash, organisation_id, "
            "chain_position) VALUES (%s, %s, 'forger', 'login', '', '[]', '{}', '', '', '', '', "
            "%s, %s)",
            [public_id, head.at - dt.timedelta(days=30), world.north.pk, head.chain_position + 1],
        ),
        (
            "UPDATE casework_auditevent e SET chain_hash = casework_audit_link_hash(e, "
            "e.chain_position, %s) WHERE public_id = %s",
            [head.chain_hash, public_id],
        ),
    )
    problems = _problems(world.north)
    assert [p for p in problems if "back-dated" in p and str(public_id) in p], problems


@on_postgres
def test_an_event_written_with_the_trigger_off_is_outside_the_chain(world, chain):
    _as_owner(
        (
            "INSERT INTO casework_auditevent (public_id, at, actor_label, action, object_type, "
            "fields, changes, reason, request_id, subjects_digest, chain_hash, organisation_id) "
            "VALUES (%s, now(), 'forger', 'login', '', '[]', '{}', '', '', '', '', %s)",
            [uuid.uuid4(), world.north.pk],
        )
    )
    assert any("not linked into its chain" in p for p in _problems(world.north))


@on_postgres
def test_the_app_and_the_database_write_the_same_canonical_text(world):
    changes = {
        "zz": [1, 2.5, None, True],
        "a": {"ключ": "значение", 'b\n"q"': "\u0007\t", "long key": 1e20},
        "mid": "‮rtl ‎ مرحبا",
    }
    event = audit.record(world.caseworker, AuditAction.UPDATE, None, changes=changes)
    event.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT casework_audit_canonical(e, e.chain_position, 'prev') "
            "FROM casework_auditevent e WHERE id = %s",
            [event.pk],
        )
        [(by_database,)] = cursor.fetchall()
    assert audit_chain.canonical(event, event.chain_position, "prev") == by_database


# --- the external copy ---------------------------------------------------------------------------


@pytest.fixture
def copy_file(tmp_path):
    path = tmp_path / "audit.jsonl"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    audit_copy.logger.addHandler(handler)
    yield path
    audit_copy.logger.removeHandler(handler)
    handler.close()


def _copied(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_committed_event_is_copied_after_its_commit(
    world, copy_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
        assert copy_file.read_text() == ""  # not before the commit
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_b, reason="undone")
        raise RuntimeError
    [line] = _copied(copy_file)
    assert line["public_id"] == str(event.public_id)
    assert (line["chain_position"], line["chain_hash"]) == (event.chain_position, event.chain_hash)
    assert line["organisation_id"] == world.north.pk and line["action"] == "read_sensitive"


@pytest.fixture
def copied_trail(world, copy_file, django_capture_on_commit_callbacks):
    """A trail whose every event is in the copy."""
    with django_capture_on_commit_callbacks(execute=True):
        for event in AuditEvent.objects.order_by("id"):
            audit_copy.write([event])
        events = _events(world)
    assert "intact" in _run_verify("--against", str(copy_file))
    return events


@on_postgres
def test_a_forgery_at_the_head_is_found_against_the_copy(world, copied_trail, copy_file):
    # Linked by the trigger itself: the chain alone holds.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO casework_auditevent (public_id, at, actor_label, action, object_type, "
            "fields, changes, reason, request_id, subjects_digest, chain_hash, organisation_id) "
            "VALUES (%s, now(), 'forger', 'login', '', '[]', '{}', '', '', '', '', %s)",
            [uuid.uuid4(), world.north.pk],
        )
    assert "intact" in _run_verify()
    out = _run_verify("--against", str(copy_file))
    assert "NOT intact" in out and "not in the external copy" in out


@on_postgres
def test_the_last_event_cut_off_is_found_against_the_copy(world, copied_trail, copy_file):
    last = copied_trail[-1]
    _as_owner(("DELETE FROM casework_auditevent WHERE id = %s", [last.pk]))
    assert "intact" in _run_verify()
    out = _run_verify("--against", str(copy_file))
    assert "in the external copy but not in the database" in out and str(last.public_id) in out


def test_an_event_rewritten_with_its_chain_is_found_against_the_copy(
    world, copied_trail, copy_file
):
    """Whoever rewrites an event and every hash after it makes a valid chain, not the copy."""
    edited = copied_trail[-1]
    row = AuditEvent.objects.get(pk=edited.pk)
    row.reason = "rewritten"
    before = AuditEvent.objects.get(
        organisation_id=row.organisation_id, chain_position=row.chain_position - 1
    )
    new_hash = audit_chain.link_hash(row, row.chain_position, before.chain_hash)
    _as_owner(
        (
            "UPDATE casework_auditevent SET reason = 'rewritten', chain_hash = %s WHERE id = %s",
            [new_hash, row.pk],
        )
    )
    assert "intact" in _run_verify()
    out = _run_verify("--against", str(copy_file))
    assert "differs from the external copy (chain_hash)" in out


def test_an_unreadable_copy_is_a_clear_error(world, tmp_path):
    path = tmp_path / "copy.jsonl"
    path.write_text('{"public_id": "x"}\nnot json\n')
    assert "FAILED" in (out := _run_verify("--against", str(path))) and "line 2" in out
    assert "Could not read the copy" in _run_verify("--against", str(tmp_path / "missing"))
    assert "no organisation 'nowhere'" in _run_verify("--organisation", "nowhere")


def test_the_copy_goes_to_syslog_when_so_configured(world, django_capture_on_commit_callbacks):
    import socket

    from casework.logging import syslog_handler

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    handler = syslog_handler(f"127.0.0.1:{receiver.getsockname()[1]}")
    handler.setFormatter(logging.Formatter("%(message)s"))
    audit_copy.logger.addHandler(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = audit.record(world.caseworker, AuditAction.LOGIN, world.caseworker)
        datagram = receiver.recv(65536).decode()
    finally:
        audit_copy.logger.removeHandler(handler)
        handler.close()
        receiver.close()
    assert str(event.public_id) in datagram and event.chain_hash in datagram
    with pytest.raises(ValueError, match="host:port"):
        syslog_handler("nowhere")


def test_check_deploy_requires_the_copy(tmp_path):
    from casework.deploy_checks import audit_copy_configured

    kept = audit_copy.logger.handlers[:]
    audit_copy.logger.handlers = [logging.NullHandler()]
    try:
        [error] = audit_copy_configured()
        audit_copy.logger.addHandler(logging.FileHandler(tmp_path / "copy.jsonl", delay=True))
        assert audit_copy_configured() == []
    finally:
        audit_copy.logger.handlers = kept
    assert error.id == "casework.E001" and "AUDIT_COPY_FILE" in error.hint


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_a_chain(world):
    """Each transaction holds its chain's lock to its commit: the next writer links after it."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(3)
    failures = []

    def write(label):
        try:
            barrier.wait(timeout=30)
            for i in range(10):
                with transaction.atomic():
                    audit.record(world.caseworker, AuditAction.READ_SENSITIVE, world.case_a)
                    audit.record(None, AuditAction.LOGIN_FAILED, None, reason=f"{label}{i}")
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    report = verify()
    assert report.ok, report.problems
    for org_id in (world.north.pk, None):
        positions = [position for position, *_ in _chain(org_id)]
        assert positions == list(range(1, len(positions) + 1))
    assert (
        AuditEvent.objects.filter(actor_label="anonymous", reason__regex=r"^[abc]\d$").count() == 30
    )
