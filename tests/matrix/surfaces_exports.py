import csv
import io

from casework.exports import pseudonym
from casework.permissions import person_scope
from tests.matrix import LOGIN, Surface, expect


def _exactly_the_visible_persons(world, persona, response):
    user = world.personas()[persona]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["pseudonym"] for r in rows} == {pseudonym(p.public_id) for p in person_scope(user)}


SURFACES = [
    Surface(
        name="person_export",
        path=lambda w: "/persons/export/",
        expect=expect(
            403,
            caseworker=200,
            other_team_caseworker=200,
            supervisor=200,
            dpo=200,
            anonymous=LOGIN,
            partner=LOGIN,
            partner_without_agreement=LOGIN,
        ),
    ),
    Surface(
        name="person_export",
        method="POST",
        path=lambda w: "/persons/export/",
        data=lambda w: {"kind": "pseudonymised"},
        expect=expect(
            403,
            caseworker=200,
            other_team_caseworker=200,
            supervisor=200,
            dpo=200,
            anonymous=LOGIN,
            partner=LOGIN,
            partner_without_agreement=LOGIN,
        ),
        check=_exactly_the_visible_persons,
    ),
]
