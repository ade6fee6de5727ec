"""The Tasks section of a person's page: the add form, the done and reopen buttons."""

import datetime as dt

from django.utils import timezone

from casework.models import CaseTask
from casework.services.form_tokens import new_form_token


def _case_a(world):
    return f"/persons/{world.case_a.public_id}/"


def test_a_caseworker_adds_a_task_by_the_form_and_sees_it_on_the_page(world, login):
    client = login(world.caseworker)
    form = client.get(f"{_case_a(world)}tasks/new/")
    assert form.status_code == 200
    offered = {u.username for u in form.context["form"].fields["assigned_to"].queryset}
    assert offered == {world.caseworker.username, world.supervisor.username}
    due = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        f"{_case_a(world)}tasks/new/",
        {
            "title": "Ask the camp for the birth record",
            "due_on": due.strftime("%d.%m.%Y"),
            "assigned_to": world.supervisor.username,
            "form_token": new_form_token(),
        },
    )
    assert response.status_code == 302
    task = CaseTask.objects.get(person=world.case_a)
    assert (task.due_on, task.assigned_to) == (due, world.supervisor)
    page = client.get(_case_a(world)).content.decode()
    assert 'id="open-tasks"' in page and "Ask the camp for the birth record" in page
    assert f"given to {world.supervisor.username}" in page


def test_a_bad_day_is_a_field_error_and_nothing_is_written(world, login):
    client = login(world.caseworker)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for due, words in (("31.02.2027", "date"), (yesterday.isoformat(), "passed")):
        response = client.post(
            f"{_case_a(world)}tasks/new/",
            {"title": "Visit", "due_on": due, "form_token": new_form_token()},
        )
        assert response.status_code == 400
        errors = response.context["form"].errors["due_on"]
        assert any(words in error for error in errors), errors
    assert not CaseTask.objects.exists()


def test_done_and_reopen_move_a_task_between_the_lists(world, login):
    task = CaseTask.objects.create(
        person=world.case_a, title="Call the aunt", due_on=timezone.localdate()
    )
    client = login(world.caseworker)
    done = client.post(f"{_case_a(world)}tasks/{task.public_id}/done/")
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    page = client.get(_case_a(world)).content.decode()
    done_list = page[page.index('id="done-tasks"') :]
    assert "Call the aunt" in done_list and "Reopen" in done_list
    client.post(f"{_case_a(world)}tasks/{task.public_id}/reopen/")
    task.refresh_from_db()
    assert task.done_at is None


def test_an_overdue_task_says_so_in_words_on_the_page(world, login):
    CaseTask.objects.create(
        person=world.case_a,
        title="Send the form",
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )
    page = login(world.caseworker).get(_case_a(world)).content.decode()
    row = page[page.index('class="mb-2 task-overdue"') :]
    assert row.index("Overdue:") < row.index("Send the form")


def test_a_task_of_a_hidden_case_answers_404_and_a_get_is_refused(world, login):
    task = CaseTask.objects.create(person=world.case_a, title="Visit", due_on=timezone.localdate())
    other = login(world.other_team_caseworker)
    assert other.post(f"{_case_a(world)}tasks/{task.public_id}/done/").status_code == 404
    # A task's id under another person's address is not found either.
    url = f"/persons/{world.case_b.public_id}/tasks/{task.public_id}/done/"
    assert login(world.supervisor).post(url).status_code == 404
    assert (
        login(world.caseworker).get(f"{_case_a(world)}tasks/{task.public_id}/done/").status_code
        == 405
    )
    task.refresh_from_db()
    assert task.done_at is None
