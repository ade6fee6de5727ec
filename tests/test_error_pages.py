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


# --- The person 404 offers break-glass to those who may use it (issue 9) ------------------------


def test_the_person_404_offers_break_glass_to_a_supervisor_alike_for_hidden_and_missing(
    world, login
):
    client = login(world.supervisor)
    missing_id = uuid.uuid4()
    hidden = client.get(f"/persons/{world.south_case.public_id}/")
    missing = client.get(f"/persons/{missing_id}/")
    assert hidden.status_code == missing.status_code == 404
    assert f'href="/persons/{world.south_case.public_id}/break-glass/"' in hidden.content.decode()
    assert f'href="/persons/{missing_id}/break-glass/"' in missing.content.decode()
    # Nothing else differs: the page tells nothing of which of the two exists.
    assert hidden.content.decode().replace(str(world.south_case.public_id), "ID") == (
        missing.content.decode().replace(str(missing_id), "ID")
    )


def test_the_person_404_offers_no_break_glass_to_those_who_may_not(world, login):
    for persona in (world.caseworker, world.dpo, world.intake):
        page = login(persona).get(f"/persons/{world.south_case.public_id}/").content.decode()
        assert "break-glass" not in page


def test_a_404_elsewhere_offers_no_break_glass(world, login):
    page = login(world.supervisor).get(f"/reports/{uuid.uuid4()}/").content.decode()
    assert "break-glass" not in page and "outside your cases" in page


# --- A refused form (CSRF) in the frame the user was in ------------------------------------------


def test_a_staff_form_refused_for_csrf_is_a_framed_page_in_the_users_language(world, login):
    client = login(world.caseworker, enforce_csrf_checks=True)
    client.cookies["django_language"] = "ru"
    response = client.post(f"/persons/{world.case_a.public_id}/notes/new/", {"text": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="ru"' in page
    assert "app.css" in page and 'href="/persons/"' in page  # the staff frame and its way back
    assert "public.css" not in page


def test_the_public_form_refused_for_csrf_keeps_the_public_frame(world, login):
    response = login(None, enforce_csrf_checks=True).post("/report/", {"x": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "public.css" in page and 'href="/report/"' in page
