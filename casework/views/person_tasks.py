"""Tasks on one person's case: add one (a form in front of `services.tasks.task_add`), mark it
done, reopen it (a button each on the person's page)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.forms.service_errors import apply_service_error
from casework.forms.tasks import TaskForm
from casework.models import CaseTask
from casework.permissions import Action, require
from casework.services.errors import ServiceError
from casework.services.tasks import task_add, task_mark_done, task_reopen
from casework.views.decorators import form_status, gated_or_404, staff_view
from casework.views.once import create_once, submitted_once
from casework.views.persons import visible_person


@staff_view(action=Action.KEEP_TASKS)
@never_cache
@submitted_once
def task_new(request, public_id):
    person = visible_person(request, public_id)
    require(request.user, Action.KEEP_TASKS, person)
    form = TaskForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():

        def add():
            task_add(actor=request.user, person=person, **form.cleaned_data)
            messages.success(request, _("The task was added."))
            return redirect("person_detail", public_id=person.public_id)

        try:
            # Sent twice, the form adds one task.
            return create_once(request, form, add)
        except ServiceError as error:
            apply_service_error(form, error)
    return render(
        request,
        "persons/action.html",
        {"person": person, "form": form, "title": _("Add a task"), "submit": _("Add")},
        status=form_status(form),
    )


def _task_move(service, done_message):
    @staff_view(action=Action.KEEP_TASKS)
    @require_POST
    def view(request, public_id, task_id):
        person = visible_person(request, public_id)
        task = gated_or_404(
            request, CaseTask.objects.visible_to(request.user).filter(person=person), task_id
        )
        task.person = person
        service(actor=request.user, task=task)
        messages.success(request, done_message)
        return redirect("person_detail", public_id=person.public_id)

    return view


task_done = _task_move(task_mark_done, gettext_lazy("The task is marked done."))
task_reopen_view = _task_move(task_reopen, gettext_lazy("The task is open again."))
