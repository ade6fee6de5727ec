"""The person page, the API (detail, list, change feed) and the exports show one person the same
way to each persona: the same values, the same fields withheld. Each surface is read as its user
gets it (HTML, JSON, CSV) and brought to one shape; every surface a persona may use must agree with
the others and with what the policy says that persona sees."""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client

from casework.exports import persons_export, pseudonym
from casework.models import DocumentsHeld, Person, Sex, Team
from tests.api.conftest import issue_token
from tests.conftest import verified_client

W = "withheld"
BORN = dt.date(2015, 4, 21)
VALUES = {
    "name": "Alieva Madina",
    "sex": "F",
    "birth_year": "2015",
    "birth_date": "2015-04-21",
    "birthplace": "Invented Town Zay",
    "citizenship": "Invented Land",
    "region_of_origin": "Invented Region Qaf",
    "documents_held": "none",
    "status": "reported",
    "team": "A",
}
STAFF_LEVEL = {"name", "sex", "birth_year", "status", "team"}
# What each persona is shown of case A (a caseworker of team A, the partner under an agreement that
# shares the name, sex, birth year and status); None: the person does not exist for them.
EXPECTED = {
    "caseworker": VALUES,
    "supervisor": VALUES,
    "intake": {k: v if k in STAFF_LEVEL else W for k, v in VALUES.items()},
    "dpo": {k: v if k in STAFF_LEVEL else W for k, v in VALUES.items()},
    "partner": {
        k: v if k in {"name", "sex", "birth_year", "status"} else W for k, v in VALUES.items()
    },
    "other_team_caseworker": None,
}
# The surfaces each persona may use: a partner has only the API; exports need their permission.
SURFACES = {
    "caseworker": ["page", "api_detail", "api_list", "export_pseudonymised"],
    "supervisor": ["page", "api_detail", "api_list", "export_pseudonymised", "export_identifiable"],
    "intake": ["page", "api_detail", "api_list"],
    "dpo": ["page", "api_detail", "api_list", "export_pseudonymised", "export_identifiable"],
    "partner": ["api_detail", "api_list", "api_changes"],
    "other_team_caseworker": ["page", "api_detail", "api_list", "export_pseudonymised"],
}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(world):
    Person.objects.filter(pk=world.case_a.pk).update(
        birth_precision="exact",
        birth_date=BORN,
        birth_earliest=BORN,
        birth_latest=BORN,
        birthplace=VALUES["birthplace"],
        citizenship=VALUES["citizenship"],
        region_of_origin=VALUES["region_of_origin"],
        documents_held=DocumentsHeld.NONE,
    )
    world.agreement.shared_fields = ["display_name", "sex", "birth_year", "status"]
    world.agreement.save()
    return Person.objects.get(pk=world.case_a.pk)


# --- Each surface, brought to one shape -------------------------------------------------------


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def _from_page(client, person):
    response = client.get(f"/persons/{person.public_id}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    html = response.content.decode()
    pairs = {
        _text(label): _text(value)
        for label, value in re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    }
    sexes = {str(label): value for value, label in Sex.choices}
    documents = {str(label): value for value, label in DocumentsHeld.choices}
    born = pairs["Born"]
    shown = {
        "name": _text(re.search(r'id="person-name">(.*?)<', html).group(1)),
        "sex": sexes.get(pairs["Sex"], pairs["Sex"]),
        "birth_year": born[:4] if born != W else W,
        "birth_date": born if len(born) == 10 else W,
        "birthplace": pairs["Birthplace"],
        "citizenship": pairs["Citizenship"],
        "region_of_origin": pairs["Region of origin"],
        "documents_held": documents.get(pairs["Documents held"], pairs["Documents held"]),
        "team": pairs["Team"],
    }
    return shown


def _from_json(record):
    def value(name):
        v = record[name]
        return W if v == {"withheld": True} else v

    team = value("team")
    return {
        "name": value("display_name"),
        "sex": value("sex"),
        "birth_year": W if value("birth_year") == W else str(value("birth_year")),
        "birth_date": value("birth_date"),
        "birthplace": value("birthplace"),
        "citizenship": value("citizenship"),
        "region_of_origin": value("region_of_origin"),
        "documents_held": value("documents_held"),
        "status": value("status"),
        "team": W if team == W else Team.objects.get(public_id=team).name,
    }


def _from_api(client, person, surface):
    if surface == "api_detail":
        response = client.get(f"/api/v1/persons/{person.public_id}/")
        if response.status_code == 404:
            return None
        assert response.status_code == 200
        return _from_json(response.json())
    url = "/api/v1/persons/" if surface == "api_list" else "/api/v1/persons/changes/"
    response = client.get(url)
    assert response.status_code == 200
    found = [r for r in response.json()["results"] if r["id"] == str(person.public_id)]
    return _from_json(found[0]) if found else None


def _from_export(user, person, identifiable: bool):
    text, _count = persons_export(
        actor=user,
        params={},
        identifiable=identifiable,
        reason="Checking the three surfaces agree" if identifiable else "",
    )
    # The file opens with a byte order mark (for spreadsheets), not part of the first column's name.
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    if identifiable:
        found = [r for r in rows if r["id"] == str(person.public_id)]
    else:
        found = [r for r in rows if r["pseudonym"] == pseudonym(person.public_id)]
    if not found:
        return None
    row = found[0]
    # The file writes a choice as its label in the reader's language: read back as its code.
    codes = {
        name: {str(label): value for value, label in Person._meta.get_field(name).choices}
        for name in ("sex", "documents_held", "status", "birth_precision")
    }
    shown = {
        name: codes.get(name, {}).get(row[name], row[name])
        for name in ("sex", "birth_year", "region_of_origin", "documents_held", "status")
    }
    if identifiable:
        precision = codes["birth_precision"].get(row["birth_precision"], row["birth_precision"])
        exact = precision == "exact" and row["birth_earliest"] == row["birth_latest"]
        shown.update(
            name=row["name"],
            birth_date=row["birth_earliest"] if exact else W,
            birthplace=row["birthplace"],
            citizenship=row["citizenship"],
            team=row["team"],
        )
    return shown


def _shown_through(world, persona, person, surface):
    user = getattr(world, persona)
    if surface == "page":
        return _from_page(verified_client(user), person)
    if surface.startswith("api_"):
        if persona == "partner":
            _token, key = issue_token(user)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        else:
            client = verified_client(user)
        return _from_api(client, person, surface)
    return _from_export(user, person, identifiable=surface == "export_identifiable")


@pytest.mark.parametrize("persona", list(SURFACES))
def test_every_surface_shows_a_person_as_the_policy_says(world, person, persona):
    expected = EXPECTED[persona]
    for surface in SURFACES[persona]:
        shown = _shown_through(world, persona, person, surface)
        if expected is None:
            assert shown is None, surface
            continue
        assert shown is not None, surface
        differences = {
            name: (value, expected[name])
            for name, value in shown.items()
            if value != expected[name]
        }
        assert not differences, f"{persona} through {surface}: (shown, expected) {differences}"
