"""Tasks on a case: something to do by a day, given to someone who works the case (or left to
whoever the case is assigned to), marked done and reopened. The home page reminds of them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from casework import audit
from casework.audit import AuditAction
from casework.models import CaseTask
from casework.permissions import Action, require, task_assignees
from casework.services._common import recheck_scope
from casework.services.errors import ServiceError
from casework.services.text_input import clean_input

TITLE_MAX = 200


def _check_assignee(person, assigned_to) -> None:
    if assigned_to is None:
        return
    if assigned_to.pk not in {user.pk for user in task_assignees(person)}:
        raise ServiceError(
            {"assigned_to": [gettext("This user does not work on this case: choose another.")]}
        )


def task_add(*, actor, person, title: str, due_on: dt.date, assigned_to=None) -> CaseTask:
    require(actor, Action.KEEP_TASKS, person)
    title = clean_input("title", title, max_length=TITLE_MAX, required=True)
    if due_on is None:
        raise ServiceError({"due_on": [gettext("Give the day the task is due.")]})
    # A reminder about a day already gone is a mistake in the date, not a new task.
    if due_on < timezone.localdate():
        raise ServiceError(
            {"due_on": [gettext("This day has passed: a task is due today or later.")]}
        )
    _check_assignee(person, assigned_to)
    with transaction.atomic():
        task = CaseTask.objects.create(
            person=person, title=title, due_on=due_on, assigned_to=assigned_to
        )
        recheck_scope(actor, person)
        audit.record(actor, AuditAction.CREATE, task, fields=["title", "due_on", "assigned_to"])
    return task


def _set_done(actor, task: CaseTask, *, done: bool) -> CaseTask:
    require(actor, Action.KEEP_TASKS, task.person)
    with transaction.atomic():
        locked = CaseTask.objects.select_for_update().get(pk=task.pk)
        if (locked.done_at is not None) == done:
            # Sent twice (a double click, a second tab): already as asked, nothing to write.
            return locked
        before = locked.done_at
        locked.done_at = timezone.now() if done else None
        locked.save(update_fields=["done_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            locked,
            fields=["done_at"],
            changes={"done": [before is not None, done]},
        )
    return locked


def task_mark_done(*, actor, task: CaseTask) -> CaseTask:
    return _set_done(actor, task, done=True)


def task_reopen(*, actor, task: CaseTask) -> CaseTask:
    return _set_done(actor, task, done=False)
