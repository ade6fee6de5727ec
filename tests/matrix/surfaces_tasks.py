"""Tasks on a case: the add form, the done and reopen buttons, and the services behind them."""

import datetime as dt

from django.utils import timezone

from casework.models import CaseTask
from casework.services import tasks
from casework.services.form_tokens import new_form_token
from tests.matrix import PAGES, Call, Surface, expect
from tests.matrix.records import audited
from tests.matrix.surfaces_services import ON_CASE_A

_WORK_ON_CASE_A = expect(403, caseworker=200, supervisor=200, other_team_caseworker=404, **PAGES)
_DONE_ON_CASE_A = expect(403, caseworker=302, supervisor=302, other_team_caseworker=404, **PAGES)
CASE_A_WORKERS = {"caseworker", "supervisor"}
TITLE = "Matrix task: ask for the birth record"


def _tasks(w):
    """One open and one done task on case_a."""
    if not hasattr(w, "open_task"):
        day = timezone.localdate() + dt.timedelta(days=2)
        w.open_task = CaseTask.objects.create(person=w.case_a, title="Open matrix task", due_on=day)
        w.done_task = CaseTask.objects.create(
            person=w.case_a, title="Done matrix task", due_on=day, done_at=timezone.now()
        )
    return w


def _case_a(w):
    return f"/persons/{w.case_a.public_id}/"


def _offers_only_case_workers(w, persona, response):
    offered = {u.username for u in response.context["form"].fields["assigned_to"].queryset}
    assert offered == {w.caseworker.username, w.supervisor.username}


def _task_added(w, persona):
    actor = w.personas()[persona]
    task = CaseTask.objects.get(person=w.case_a, title=TITLE)
    assert task.assigned_to == w.caseworker
    assert audited(actor, "create", object_id=task.public_id)


def _moved(name, done):
    def wrote(w, persona):
        task = getattr(w, name)
        task.refresh_from_db()
        assert (task.done_at is not None) is done
        assert audited(w.personas()[persona], "update", object_id=task.public_id)

    return wrote


SURFACES = [
    Surface(
        name="person_task_new",
        path=lambda w: f"{_case_a(w)}tasks/new/",
        expect=_WORK_ON_CASE_A,
        check=_offers_only_case_workers,
    ),
    Surface(
        name="person_task_new",
        method="POST",
        path=lambda w: f"{_case_a(w)}tasks/new/",
        data=lambda w: {
            "title": TITLE,
            "due_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
            "assigned_to": w.caseworker.username,
            "form_token": new_form_token(),
        },
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_task_added,
    ),
    Surface(
        name="person_task_done",
        method="POST",
        setup=_tasks,
        path=lambda w: f"{_case_a(w)}tasks/{_tasks(w).open_task.public_id}/done/",
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_moved("open_task", done=True),
    ),
    Surface(
        name="person_task_reopen",
        method="POST",
        setup=_tasks,
        path=lambda w: f"{_case_a(w)}tasks/{_tasks(w).done_task.public_id}/reopen/",
        expect=_DONE_ON_CASE_A,
        writes=CASE_A_WORKERS,
        wrote=_moved("done_task", done=False),
    ),
]


def _add(w, user):
    return tasks.task_add(
        actor=user,
        person=w.case_a,
        title=TITLE,
        due_on=timezone.localdate() + dt.timedelta(days=5),
        assigned_to=w.caseworker,
    )


CALLS = [
    Call(name="service:task_add", run=_add, expect=ON_CASE_A, wrote=_task_added),
    Call(
        name="service:task_mark_done",
        setup=_tasks,
        run=lambda w, user: tasks.task_mark_done(actor=user, task=w.open_task),
        expect=ON_CASE_A,
        wrote=_moved("open_task", done=True),
    ),
    Call(
        name="service:task_reopen",
        setup=_tasks,
        run=lambda w, user: tasks.task_reopen(actor=user, task=w.done_task),
        expect=ON_CASE_A,
        wrote=_moved("done_task", done=False),
    ),
]
