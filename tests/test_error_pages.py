"""Dead ends are pages of casework: a 404 or 403 has the frame, a way back and words a person
understands, and a hidden record's 404 is still byte for byte a missing record's."""

import uuid


def test_a_hidden_person_and_a_missing_one_get_the_same_styled_404(world, login):
    client = login(world.caseworker)
    hidden = client.get(f"/persons/{world.south_case.public_id}/")
    missing = client.get(f"/persons/{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    page = hidden.content.decode()
    assert "bootstrap.min.css" in page and 'href="/"' in page
    assert "outside your cases" in page


def test_a_refusal_is_a_styled_403_with_a_way_back(world, login):
    response = login(world.caseworker).get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "bootstrap.min.css" in page and 'href="/"' in page
    assert "ask your supervisor" in page


def test_the_404_speaks_russian(world, login):
    client = login(world.caseworker)
    client.cookies["django_language"] = "ru"
    page = client.get(f"/persons/{uuid.uuid4()}/").content.decode()
    assert '<html lang="ru"' in page
