"""A partner's list on the receiving organisation's pages: its staff record a new candidate (a row
no known person matched) as a new person, one row at a time, from the import page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.models import ListImport, ListImportRow
from casework.permissions import Action
from casework.services.errors import ServiceError
from casework.services.partner_lists import partner_row_record
from casework.views.decorators import gated_or_404, staff_view


@staff_view(action=Action.CREATE_PERSON)
@require_POST
def import_row_record(request, public_id, row_public_id):
    list_import = gated_or_404(request, ListImport.objects.visible_to(request.user), public_id)
    row = gated_or_404(
        request,
        ListImportRow.objects.visible_to(request.user).filter(list_import=list_import),
        row_public_id,
    )
    try:
        person = partner_row_record(actor=request.user, row=row)
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Row %(row)s was recorded as a new person: %(name)s.")
            % {"row": row.row_number, "name": person.display_name},
        )
    return redirect("import_detail", public_id=list_import.public_id)
