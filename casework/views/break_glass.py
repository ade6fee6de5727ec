"""Break-glass: ask for the reason, then open the record for a limited time."""

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from casework.forms.fields import OneTimeForm
from casework.forms.service_errors import apply_service_error
from casework.models import Person
from casework.permissions import Action, may_break_glass_at_all
from casework.services.access import break_glass_open
from casework.services.errors import ServiceError
from casework.views.decorators import gated_or_404, staff_view
from casework.views.once import create_once_outside_transaction, submitted_once


class BreakGlassForm(OneTimeForm):
    reason = forms.CharField(
        label=_("Why do you need this record now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("The data-protection officer reads every reason."),
    )


@staff_view(action=Action.BREAK_GLASS)
@never_cache
@submitted_once
def break_glass(request, public_id):
    # The form is the same for any id, so the page tells nothing about what exists beyond the
    # user's reach: only a break-glass with a written reason does, and that is audited. A user
    # whose organisation allows them no break-glass at all finds no such page.
    if not may_break_glass_at_all(request.user):
        raise Http404
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = gated_or_404(
            request, Person.objects.openable_by_break_glass(request.user), public_id
        )

        def open_record():
            break_glass_open(actor=request.user, person=person, reason=form.cleaned_data["reason"])
            return redirect("person_detail", public_id=person.public_id)

        try:
            # Outside any transaction: a break-glass refused beyond the daily limit is written to
            # the audit trail outside any, and would otherwise roll back with the refusal.
            return create_once_outside_transaction(
                request, form, reverse("person_detail", args=[person.public_id]), open_record
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(
        request,
        "break_glass/form.html",
        {"form": form, "person_id": public_id, "minutes": settings.BREAK_GLASS_MINUTES},
        status=400 if form.errors else 200,
    )
