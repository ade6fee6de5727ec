"""A birth-year filter out of range is never a server error (year 0 or 10000 has no date to
compare with): the list says so on the filter and drops it (never half-applied to no one), the API
answers 400 in JSON, the export refuses it by name (it would export more than was asked for)."""

import pytest

from casework.exports import persons_export


@pytest.mark.parametrize(
    "query", ["born_from=0", "born_from=-5", "born_to=10000", "born_from=1990.5", "born_to=x"]
)
def test_the_list_answers_a_bad_year_with_a_clear_error(world, login, query):
    response = login(world.caseworker).get(f"/persons/?{query}")
    assert response.status_code == 200
    errors = response.context["filterset"].form.errors
    name = query.split("=")[0]
    assert errors[name]
    assert str(errors[name][0]) in response.content.decode()
    assert [row["person"] for row in response.context["rows"]] == [world.case_a]


@pytest.mark.parametrize("query", ["born_from=0", "born_to=10000", "born_from=-5"])
def test_the_api_answers_a_bad_year_with_json(world, login, query):
    response = login(world.caseworker).get(f"/api/v1/persons/?{query}")
    assert response.status_code == 400
    # A problem (RFC 9457) like every API error, naming the parameter.
    assert response["Content-Type"].startswith("application/problem+json")
    assert "born_" in response.content.decode()


@pytest.mark.parametrize("query", ["born_from=0", "born_from=-5", "born_to=10000"])
def test_the_export_refuses_a_bad_year_by_name_and_writes_nothing(world, login, query):
    from casework.models import AuditEvent
    from casework.services.errors import ServiceError

    name, value = query.split("=")
    with pytest.raises(ServiceError) as refused:
        persons_export(actor=world.caseworker, params={name: value})
    assert refused.value.message_dict[name]
    # The export page says it too, never a server error, and nothing left the system.
    response = login(world.caseworker).post(f"/persons/export/?{query}", {"kind": "pseudonymised"})
    assert response.status_code == 400
    assert str(refused.value.message_dict[name][0]) in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_good_year_still_filters(world, login):
    response = login(world.caseworker).get("/persons/?born_from=1990&born_to=2020")
    assert response.status_code == 200
