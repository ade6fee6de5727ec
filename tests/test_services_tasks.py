"""Tasks on a case: added with a due day and someone who works the case, marked done, reopened;
each write checked and audited, bad input refused with nothing written."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import AuditEvent, CaseTask
from casework.permissions import Denied, Hidden, task_assignees
from casework.services.errors import ServiceError
from casework.services.tasks import task_add, task_mark_done, task_reopen


def _soon(days=3):
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_caseworker_adds_a_task_given_to_a_colleague_who_works_the_case(world):
    task = task_add(
        actor=world.caseworker,
        person=world.case_a,
        title="  Ask the camp for the birth record  ",
        due_on=_soon(),
        assigned_to=world.supervisor,
    )
    assert (task.title, task.due_on, task.assigned_to) == (
        "Ask the camp for the birth record",
        _soon(),
        world.supervisor,
    )
    event = AuditEvent.objects.get(object_id=task.public_id)
    assert event.action == "create" and event.actor == world.caseworker
    assert set(event.fields) == {"title", "due_on", "assigned_to"}


def test_the_assignees_are_those_who_work_the_case(world):
    assignees = set(task_assignees(world.case_a))
    assert {world.caseworker, world.supervisor} <= assignees
    # Another team's caseworker, intake, the DPO and the administrator do not work case_a.
    for persona in ("other_team_caseworker", "intake", "dpo", "admin", "south_supervisor"):
        assert getattr(world, persona) not in assignees, persona


@pytest.mark.parametrize("persona", ["other_team_caseworker", "intake", "south_supervisor"])
def test_a_task_is_not_given_to_someone_outside_the_case(world, persona):
    with pytest.raises(ServiceError) as refusal:
        task_add(
            actor=world.caseworker,
            person=world.case_a,
            title="Visit",
            due_on=_soon(),
            assigned_to=getattr(world, persona),
        )
    assert "assigned_to" in refusal.value.message_dict
    assert not CaseTask.objects.exists()


@pytest.mark.parametrize(
    ("title", "due_on", "field"),
    [
        ("", _soon(), "title"),
        ("   ", _soon(), "title"),
        ("a\x00b", _soon(), "title"),
        ("a" * 201, _soon(), "title"),
        ("Visit", None, "due_on"),
        ("Visit", timezone.localdate() - dt.timedelta(days=1), "due_on"),
    ],
)
def test_bad_tasks_are_refused_with_the_field_named(world, title, due_on, field):
    with pytest.raises(ServiceError) as refusal:
        task_add(actor=world.caseworker, person=world.case_a, title=title, due_on=due_on)
    assert field in refusal.value.message_dict
    assert not CaseTask.objects.exists()
    assert not AuditEvent.objects.filter(object_type="CaseTask").exists()


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [("other_team_caseworker", Hidden), ("intake", Denied), ("dpo", Denied), ("admin", Hidden)],
)
def test_others_may_not_add_or_close_tasks(world, persona, refusal):
    actor = getattr(world, persona)
    with pytest.raises(refusal):
        task_add(actor=actor, person=world.case_a, title="Visit", due_on=_soon())
    task = CaseTask.objects.create(person=world.case_a, title="Visit", due_on=_soon())
    with pytest.raises(refusal):
        task_mark_done(actor=actor, task=task)
    task.refresh_from_db()
    assert task.done_at is None


def test_a_task_is_marked_done_and_reopened_each_step_audited(world):
    task = task_add(actor=world.caseworker, person=world.case_a, title="Visit", due_on=_soon())
    done = task_mark_done(actor=world.caseworker, task=task)
    assert done.done_at is not None
    # Sent twice (a double click): still done once, one event.
    task_mark_done(actor=world.caseworker, task=task)
    reopened = task_reopen(actor=world.supervisor, task=task)
    assert reopened.done_at is None
    events = AuditEvent.objects.filter(object_id=task.public_id, action="update").order_by("id")
    assert [e.changes["done"] for e in events] == [[False, True], [True, False]]
    assert [e.actor for e in events] == [world.caseworker, world.supervisor]


def test_a_colleague_with_break_glass_on_the_case_may_be_given_a_task(world):
    from casework.models import BreakGlassGrant

    assert world.other_team_caseworker not in task_assignees(world.case_a)
    BreakGlassGrant.objects.create(
        user=world.other_team_caseworker,
        person=world.case_a,
        reason="A family visit today, the caseworker is away.",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert world.other_team_caseworker in task_assignees(world.case_a)
