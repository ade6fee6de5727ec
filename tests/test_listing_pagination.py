"""List pages count at most COUNT_LIMIT rows and still page through every row."""

import pytest

from casework.audit import AuditAction
from casework.models import AuditEvent
from casework.views import listing
from casework.views.listing import CappedCountPaginator


def _events(world, n):
    AuditEvent.objects.bulk_create(
        AuditEvent(organisation=world.north, action=AuditAction.LOGIN, actor_label=f"user{i}")
        for i in range(n)
    )
    return AuditEvent.objects.filter(organisation=world.north).order_by("id")


@pytest.mark.django_db
def test_a_short_list_is_counted_exactly(world):
    paginator = CappedCountPaginator(_events(world, 5), 2, count_limit=10)
    page = paginator.get_page(3)
    assert paginator.count == 5 and paginator.count_is_exact
    assert paginator.num_pages == 3
    assert [e.actor_label for e in page] == ["user4"]
    assert page.has_previous() and not page.has_next()


@pytest.mark.django_db
def test_a_long_list_is_counted_up_to_the_limit_and_pages_to_its_end(world):
    paginator = CappedCountPaginator(_events(world, 25), 2, count_limit=10)
    assert paginator.count == 11 and not paginator.count_is_exact
    assert paginator.num_pages is None
    page = paginator.get_page(12)  # rows 23 and 24, beyond what was counted
    assert [e.actor_label for e in page] == ["user22", "user23"]
    assert page.has_next()
    last = paginator.get_page(13)
    assert [e.actor_label for e in last] == ["user24"]
    assert not last.has_next()
    assert list(paginator.get_page(14)) == []


@pytest.mark.django_db
def test_a_bad_page_number_shows_the_first_page(world):
    paginator = CappedCountPaginator(_events(world, 3), 2, count_limit=10)
    assert paginator.get_page("x").number == 1
    assert paginator.get_page("0").number == 1


def test_the_audit_trail_says_more_than_the_limit_and_offers_the_next_page(
    world, login, monkeypatch
):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 60)
    _events(world, 120)
    response = login(world.dpo).get("/audit/?page=2")
    body = response.content.decode()
    assert "More than 60 events" in body
    assert "Page 2<" in body and "Page 2 of" not in body
    assert "page=3" in body and "page=1" in body


def test_a_list_within_the_limit_keeps_its_count_and_page_total(world, login, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 200)
    _events(world, 120)
    body = login(world.dpo).get("/audit/").content.decode()
    total = AuditEvent.objects.filter(organisation=world.north).count()
    assert f"{total} events" in body
    assert "Page 1 of 3" in body
