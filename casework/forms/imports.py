"""Forms of the imports and review areas: they translate browser input for the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import OneTimeForm
from casework.imports.columns import FIELDS
from casework.imports.files import MAX_FILE_BYTES
from casework.models import Decision

DATE = forms.DateInput(attrs={"type": "date"})
REASON = 2000


class UploadForm(OneTimeForm):
    source = forms.CharField(label=_("Who compiled the list"), max_length=200)
    as_of = forms.DateField(label=_("Date of the list"), required=False, widget=DATE)
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file: which field it holds, or nothing."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        # The service names a column by its header; the form's field for it is numbered.
        self.field_names = {header: f"col_{index}" for index, header in enumerate(headers)}
        choices = [("", _("(not imported)")), *((k, v) for k, v in FIELDS.items())]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}",
                choices=choices,
                required=False,
                initial=initial_mapping.get(header, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col_{i}", "") for i, h in enumerate(self.headers)}


class CommitForm(forms.Form):
    reject_invalid = forms.BooleanField(
        label=_("Keep invalid rows as rejected (with their reasons) instead of stopping"),
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(d.value, d.label) for d in Decision if d != Decision.PENDING],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Why"), max_length=REASON, widget=forms.Textarea)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=REASON, widget=forms.Textarea)
