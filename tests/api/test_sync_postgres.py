"""The change feed on PostgreSQL, with real concurrent transactions: a transaction that commits
after a later one, however long it stays open, is still delivered (nothing lands behind a
cursor)."""

import threading
import time

import pytest
from django.db import connection, transaction

from casework.models import SharedCase
from tests.api.feed import drain, page
from tests.factories import PersonFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="transaction ids are PostgreSQL's"
    ),
    pytest.mark.django_db(transaction=True),
]
# Any transaction open on the server holds the horizon back while it lasts: another test worker's
# test runs in one (a long one, such as a migration check, for a minute on a loaded machine).
# The poll ends as soon as the rows arrive, so the bound costs nothing when all is well.
POLL_SECONDS = 180


def _poll_until(client, cursor, wanted: set[str]) -> tuple[list[str], str]:
    seen: list[str] = []
    deadline = time.monotonic() + POLL_SECONDS
    while not wanted <= set(seen) and time.monotonic() < deadline:
        items, cursor = drain(client, cursor)
        seen.extend(item["id"] for item in items)
        if not wanted <= set(seen):
            time.sleep(0.05)
    return seen, cursor


def test_a_transaction_held_open_past_a_later_commit_is_delivered_once_it_commits(world, api):
    client = api(world.partner)
    _seen, cursor = _poll_until(client, None, {str(world.case_a.public_id)})
    early = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Early")
    late = PersonFactory(organisation=world.north, team=world.team_a, display_name="Testova Late")
    written, release, failures = threading.Event(), threading.Event(), []

    def hold_open():
        try:
            with transaction.atomic():
                # Its row is written first (the lower id), and stays uncommitted.
                SharedCase.objects.create(agreement=world.agreement, person=early)
                written.set()
                assert release.wait(timeout=60)
        except Exception as exc:  # noqa: BLE001 (reported by the test below)
            failures.append(repr(exc))
        finally:
            connection.close()

    holder = threading.Thread(target=hold_open)
    holder.start()
    try:
        assert written.wait(timeout=30)
        # A later transaction commits at once.
        SharedCase.objects.create(agreement=world.agreement, person=late)
        # While the earlier one is open, the later commit waits: a cursor past it would leave
        # the earlier behind for good. It waits however often the partner reads.
        for _ in range(3):
            body = page(client, cursor)
            assert body["results"] == []
            assert body["next_cursor"] == cursor
    finally:
        release.set()
        holder.join(timeout=60)
    assert failures == []
    seen, _cursor = _poll_until(client, cursor, {str(early.public_id), str(late.public_id)})
    assert sorted(seen) == sorted([str(early.public_id), str(late.public_id)])
