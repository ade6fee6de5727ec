"""`seed_demo --audit-events N`: an invented audit trail of realistic shape, for benchmarks."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from casework.audit import AuditAction
from casework.demo.audit_history import HISTORY_REASON
from casework.models import AuditEvent, Organisation, Person, SharedCase, User

EVENTS = 3000


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--persons=200", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo password for the tests 7")
    seed()


def invented():
    return AuditEvent.objects.exclude(action=AuditAction.IMPORT)


@pytest.mark.django_db
def test_it_adds_the_events_and_one_event_that_says_so(seeded):
    out = seed(f"--audit-events={EVENTS}")
    assert f"Added {EVENTS} invented audit events" in out
    assert invented().count() == EVENTS
    marker = AuditEvent.objects.get(reason=HISTORY_REASON)
    assert marker.changes["invented_events"] == EVENTS
    assert marker.actor.username == "admin"
    assert marker.at > timezone.now() - dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_the_events_span_two_years_in_the_order_of_their_ids(seeded):
    seed(f"--audit-events={EVENTS}")
    times = list(invented().order_by("id").values_list("at", flat=True))
    assert times == sorted(times)
    now = timezone.now()
    assert times[0] < now - dt.timedelta(days=700)
    assert times[-1] > now - dt.timedelta(days=30)
    assert times[0] >= now - dt.timedelta(days=731)
    # Spread, not clustered: every quarter of the two years holds a share of them.
    quarters = Counter(int((now - t).days // 183) for t in times)
    assert all(quarters[q] > EVENTS / 8 for q in range(4))


@pytest.mark.django_db
def test_the_events_are_reads_changes_and_logins_of_each_organisations_staff(seeded):
    seed(f"--audit-events={EVENTS}")
    actions = Counter(invented().values_list("action", flat=True))
    assert actions[AuditAction.READ_SENSITIVE] > EVENTS / 3
    for action in (
        AuditAction.UPDATE,
        AuditAction.CREATE,
        AuditAction.STATUS_CHANGE,
        AuditAction.LOGIN,
        AuditAction.LOGOUT,
        AuditAction.LOGIN_FAILED,
        AuditAction.DENIED,
        AuditAction.EXPORT,
    ):
        assert actions[action] > 0, action
    for org in Organisation.objects.filter(is_partner_only=False):
        events = invented().filter(organisation=org)
        assert events.exists(), org.slug
        persons = set(Person.objects.filter(organisation=org).values_list("public_id", flat=True))
        named = set(events.exclude(person_id=None).values_list("person_id", flat=True))
        assert named and named <= persons
        actors = set(events.exclude(actor=None).values_list("actor__organisation", flat=True))
        partner = Organisation.objects.get(slug="demo-partner")
        assert actors <= {org.pk, partner.pk}
    # The partner reads the persons shared with it (the seed shares some at this size).
    shared = set(SharedCase.objects.values_list("person__public_id", flat=True))
    assert shared
    partner_reads = invented().filter(actor__role="partner")
    assert partner_reads.exists()
    assert set(partner_reads.values_list("person_id", flat=True)) <= shared
    # Logins name the user who logged in, as the trail does for a real login.
    login = invented().filter(action=AuditAction.LOGIN).first()
    assert login.object_id == User.objects.get(pk=login.actor_id).public_id


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_another_size_is_refused(seeded):
    seed(f"--audit-events={EVENTS}")
    before = AuditEvent.objects.count()
    assert "already there; nothing was changed" in seed(f"--audit-events={EVENTS}")
    with pytest.raises(CommandError, match="already holds an invented audit history"):
        seed("--audit-events=10")
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the dating trigger is PostgreSQL's")
def test_the_database_dates_every_other_event_again_afterwards(seeded):
    seed("--audit-events=100")
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    event = AuditEvent.objects.create(action=AuditAction.LOGIN, at=old)
    event.refresh_from_db()
    assert event.at > timezone.now() - dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_the_invented_past_is_linked_into_chains_verify_audit_accepts(seeded):
    from casework.audit_verify import verify

    before = set(AuditEvent.objects.values_list("public_id", flat=True))
    seed("--audit-events=500")
    report = verify()
    assert report.ok, report.problems[:5]
    marker = AuditEvent.objects.get(reason=HISTORY_REASON).public_id
    assert report.events == AuditEvent.objects.count() == len(before) + 501
    # Each chain starts with its invented past, in the order of time; the events that were
    # there before (the seed's) and the history's own event follow.
    for org in Organisation.objects.all():
        chain = list(
            AuditEvent.objects.filter(organisation=org)
            .order_by("chain_position")
            .values_list("chain_position", "at", "public_id")
        )
        assert [position for position, _at, _id in chain] == list(range(1, len(chain) + 1))
        assert [at for _p, at, _id in chain] == sorted(at for _p, at, _id in chain)
        seen_before = [public_id in before for _p, _at, public_id in chain if public_id != marker]
        assert seen_before == sorted(seen_before)  # invented (False) first, then those before
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.django_db
def test_the_external_copy_of_a_seeded_trail_matches_it(
    seeded, tmp_path, django_capture_on_commit_callbacks
):
    import logging

    from casework.audit_verify import verify
    from casework.models import audit_copy

    path = tmp_path / "copy.jsonl"
    handler = logging.FileHandler(path, encoding="utf-8")
    audit_copy.logger.addHandler(handler)
    try:
        for event in AuditEvent.objects.order_by("id"):
            audit_copy.write([event])  # the seed's own events, copied as they were written
        with django_capture_on_commit_callbacks(execute=True):
            seed("--audit-events=300")
    finally:
        audit_copy.logger.removeHandler(handler)
        handler.close()
    with path.open(encoding="utf-8") as lines:
        report = verify(against=lines)
    assert report.ok, report.problems[:5]
    assert report.events == AuditEvent.objects.count()
