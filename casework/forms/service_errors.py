"""A service's refusal (`ServiceError`) put back onto the form that sent the request, for every
page alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.core.exceptions import ValidationError


def apply_service_error(
    form: forms.Form,
    error: ValidationError,
    *,
    fields: Mapping[str, str] | None = None,
    subforms: Mapping[str, Sequence[forms.Form]] | None = None,
) -> None:
    """Put each of the error's messages where the person who filled the form will look for it.

    A message the service keyed by a field of `form` goes on that field; `fields` renames the
    service's keys to the form's where the two differ (`status` → `to`). A key
    `<list>-<n>-<field>`, the services' path into a list they were given (`entries-0-birth_date`),
    goes on the n-th of `subforms[<list>]`, the forms whose data made that list, in its order
    (blank forms left out): on that form's `field` (renamed by `fields` too), or on that form as a
    whole. Every other message is an error of `form` as a whole.
    """
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    fields = fields or {}
    for key, messages in error.message_dict.items():
        target, field = _place(form, key, fields, subforms or {})
        for message in messages:
            target.add_error(field, message)


def _place(form, key: str, fields, subforms) -> tuple[forms.Form, str | None]:
    name, _, rest = key.partition("-")
    index, _, inner = rest.partition("-")
    if name in subforms and index.isdigit() and int(index) < len(subforms[name]):
        target = subforms[name][int(index)]
        inner = fields.get(inner, inner)
        return target, (inner if inner in target.fields else None)
    key = fields.get(key, key)
    return form, (key if key in form.fields else None)
