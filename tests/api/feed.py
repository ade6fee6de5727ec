"""Reading a partner's change feed in tests: one page, or every page until there is no more."""

from urllib.parse import quote

from casework.models import Person, SharedCase
from tests.factories import PersonFactory

URL = "/api/v1/persons/changes/"


def share(world, **kwargs) -> Person:
    """A new person of north's team A, shared with the partner under the world's agreement."""
    person = PersonFactory(organisation=world.north, team=world.team_a, **kwargs)
    SharedCase.objects.create(agreement=world.agreement, person=person)
    return person


def page(client, cursor=None, page_size=100) -> dict:
    url = f"{URL}?page_size={page_size}"
    if cursor:
        url += f"&cursor={quote(cursor)}"
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def drain(client, cursor=None, page_size=100, between=None):
    """Every item until the feed has no more, and the last cursor; `between(n, body)` runs after
    page n."""
    items, pages = [], 0
    while True:
        body = page(client, cursor, page_size)
        items.extend(body["results"])
        cursor = body["next_cursor"]
        pages += 1
        if between is not None:
            between(pages, body)
        if not body["has_more"]:
            return items, cursor
