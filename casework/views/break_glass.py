"""Break-glass: ask for the reason, then open the record for a limited time."""

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from casework.permissions import Action
from casework.selectors import break_glass_scope
from casework.services.access import break_glass_open
from casework.services.errors import ServiceError
from casework.views.decorators import staff_view


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this record now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("The data-protection officer reads every reason."),
    )


@staff_view(action=Action.BREAK_GLASS)
@never_cache
def break_glass(request, public_id):
    # The record's name is not shown here: the user may not see it until the glass is broken.
    person = get_object_or_404(break_glass_scope(request.user), public_id=public_id)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            break_glass_open(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        else:
            return redirect("person_detail", public_id=person.public_id)
    return render(
        request,
        "break_glass/form.html",
        {"form": form, "person_id": person.public_id, "minutes": settings.BREAK_GLASS_MINUTES},
        status=400 if form.errors else 200,
    )
