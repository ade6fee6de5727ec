"""Staff forms usable with a screen reader and a keyboard all day (issue 9, WCAG 2.2 AA): every
`aria-describedby` points at an element that exists, each error is tied to its field, a refused
form starts with a summary of its errors that links to each field (and takes the focus), success
messages are announced, and no page repeats an id."""

from collections import Counter
from html.parser import HTMLParser

import pytest

from casework.models import Channel
from casework.services.form_tokens import new_form_token
from casework.services.reports import report_submit

_VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.described: list[tuple[str, dict]] = []  # (tag, attrs) with aria-describedby
        self.elements: list[tuple[str, dict]] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "aria-describedby" in attrs:
            self.described.append((tag, attrs))
        if tag not in _VOID:
            self._open.append((tag, attrs.get("id", "")))
            self.texts.setdefault(attrs.get("id", ""), "")

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.texts[element_id] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _check_references(page: _Page):
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    assert duplicates == [], f"ids used more than once: {duplicates}"
    known = set(page.ids)
    for tag, attrs in page.described:
        for target in attrs["aria-describedby"].split():
            assert target in known, f"<{tag} name={attrs.get('name')}> describedby {target!r}"


def _refused(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 400, response.status_code
    return _parse(response.content.decode())


def _placement_refused(world, client):
    url = f"/persons/{world.case_a.public_id}/placements/new/"
    data = {"start_date": "12/31/1986", "source": "visit", "reliability": "probable"}
    return _refused(client, url, {**data, "form_token": new_form_token()})


def test_an_error_is_tied_to_its_field(world, login):
    page = _placement_refused(world, login(world.caseworker))
    _check_references(page)
    field = next(attrs for tag, attrs in page.elements if attrs.get("name") == "start_date")
    assert field.get("aria-invalid") == "true"
    described = " ".join(page.texts.get(i, "") for i in field["aria-describedby"].split())
    assert "day before month" in described


def test_a_refused_form_starts_with_a_summary_that_links_to_each_field(world, login):
    page = _placement_refused(world, login(world.caseworker))
    summary = [attrs for tag, attrs in page.elements if "error-summary" in attrs.get("class", "")]
    assert len(summary) == 1
    assert summary[0].get("tabindex") == "-1"  # focusable by the script that moves focus there
    links = {attrs["href"] for tag, attrs in page.elements if tag == "a" and "href" in attrs}
    assert "#id_start_date" in links  # the date typed the American way
    # The script that moves the focus to the summary is the app's own file (strict CSP).
    scripts = [attrs.get("src") for tag, attrs in page.elements if tag == "script"]
    assert "/static/casework/app.js" in scripts


def test_a_service_error_is_summarised_with_a_link_too(world, login):
    url = f"/persons/{world.case_a.public_id}/placements/new/"
    data = {"start_date": "2019", "source": "visit", "reliability": "probable"}
    page = _refused(login(world.caseworker), url, {**data, "form_token": new_form_token()})
    _check_references(page)
    links = {attrs["href"] for tag, attrs in page.elements if tag == "a" and "href" in attrs}
    assert "#id_location" in links  # no place chosen or described: the service says so


def test_radio_errors_link_to_the_first_choice(world, login):
    report, _ = report_submit(
        actor=world.intake,
        organisation=world.north,
        channel=Channel.LETTER,
        reporter={},
        account="",
        consents=[],
        entries=[{"family_name": "Alieva", "given_name": "Madina"}],
    )
    entry = report.entries.get()
    client = login(world.caseworker)
    url = f"/reports/{report.public_id}/entries/{entry.public_id}/triage/"
    page = _refused(client, url, {"decision": ""})
    _check_references(page)
    links = {attrs["href"] for tag, attrs in page.elements if tag == "a" and "href" in attrs}
    assert "#id_decision_0" in links
    assert "id_decision_0" in page.ids


def test_the_person_form_refused_has_no_dangling_reference_and_a_summary(world, login):
    data = {"names-TOTAL_FORMS": "1", "names-INITIAL_FORMS": "0", "names-0-kind": "legal"}
    data.update(sex="F", birth_precision="unknown", documents_held="unknown")
    page = _refused(login(world.caseworker), "/persons/new/", {**data, "form_token": "x"})
    _check_references(page)
    assert any("error-summary" in attrs.get("class", "") for tag, attrs in page.elements)


@pytest.mark.parametrize(
    "url",
    [
        "/persons/new/",
        "/reports/new/",
        "/flights/new/",
        "{person}edit/",
        "{person}placements/new/",
        "{person}notes/new/",
        "{person}status/",
        "{person}",
    ],
)
def test_staff_pages_have_unique_ids_and_no_dangling_references(world, login, url):
    url = url.format(person=f"/persons/{world.case_a.public_id}/")
    response = login(world.caseworker).get(url)
    assert response.status_code == 200
    _check_references(_parse(response.content.decode()))


def test_the_login_form_refused_ties_its_errors(world, login):
    response = login(None).post("/account/login/", {"username": "", "password": ""})
    _check_references(_parse(response.content.decode()))


def test_a_success_message_is_announced(world, login):
    client = login(world.caseworker)
    url = f"/persons/{world.case_a.public_id}/notes/new/"
    response = client.post(url, {"text": "Called the camp.", "form_token": new_form_token()})
    assert response.status_code == 302
    page = _parse(client.get(response["Location"]).content.decode())
    status = [attrs for tag, attrs in page.elements if attrs.get("role") == "status"]
    assert status, "the message is in a live region"
