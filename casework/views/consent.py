"""Recording that a family withdrew a consent, from the report's page (the effects are the
service's: `services.consent`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.models import ConsentPurpose, FamilyReport
from casework.permissions import Action
from casework.services.consent import report_consent_withdraw
from casework.services.errors import ServiceError
from casework.views.decorators import gated_or_404, staff_view

PARTNER_SEPARATOR = ":"


def withdrawal_choices(report: FamilyReport) -> list[tuple[str, str]]:
    """The consents the family gave on this report, as the form offers them (a partner's as
    "share_partner:<its public id>")."""
    labels = dict(ConsentPurpose.choices)
    choices = []
    for consent in report.consents.filter(given=True).select_related("partner").order_by("pk"):
        if consent.partner is None:
            choices.append((consent.purpose, str(labels[consent.purpose])))
        else:
            value = f"{consent.purpose}{PARTNER_SEPARATOR}{consent.partner.public_id}"
            choices.append(
                (value, _("to share with %(partner)s") % {"partner": consent.partner.name})
            )
    return choices


@staff_view(action=Action.TRIAGE_REPORT)
@never_cache
@require_POST
def report_consent_withdraw_view(request, report_id):
    report = gated_or_404(request, FamilyReport.objects.visible_to(request.user), report_id)
    chosen = request.POST.get("purpose", "")
    purpose, _sep, partner_id = chosen.partition(PARTNER_SEPARATOR)
    partner = None
    if partner_id:
        # Only a partner this report's family consented to share with.
        consent = (
            report.consents.filter(purpose=purpose, partner__public_id__iexact=partner_id)
            .select_related("partner")
            .first()
        )
        partner = consent.partner if consent is not None else None
    try:
        if partner_id and partner is None:
            raise ServiceError({"purpose": [_("Choose one of the consents the family gave.")]})
        report_consent_withdraw(
            actor=request.user,
            report=report,
            purpose=purpose,
            partner=partner,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("The withdrawal was recorded and takes effect now."))
    return redirect("report_detail", report_id=report.public_id)
