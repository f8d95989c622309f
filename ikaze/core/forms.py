"""Show a service's refusal (an IkazeError) on a Django form, the way every page does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from django import forms

from ikaze.core.errors import IkazeError, ValidationError

MessagePlace = Literal["auto", "first", "fallback"]


def add_service_errors(
    form: forms.BaseForm,
    exc: IkazeError,
    *,
    aliases: Mapping[str, str] | None = None,
    prefix_aliases: Mapping[str, str] | None = None,
    message: MessagePlace = "auto",
    message_field: str | None = None,
    label_unknown: bool = False,
) -> None:
    """Put each reason of `exc.details` under its form field, and the rest on top of the form.

    `aliases` maps a detail key to the field that shows it (`{"amount_minor": "amount"}`);
    `prefix_aliases` rewrites a key's prefix (`{"payload.": "p_"}`: "payload.date" → "p_date").
    A reason whose key names no field of the form goes on top, as "key: reason" if
    `label_unknown`, else bare.

    `message` says where `exc.message` goes (under `message_field`, else on top):
    "auto", after the reasons, unless `exc` is a ValidationError with reasons (its message only
    sums them up); "first", always and before the reasons (a sentence that frames them: "A
    safeguard blocks this acceptance."); "fallback", only when `exc` carries no reason.
    """
    fields = form.fields
    target = message_field if message_field in fields else None
    if message == "first":
        form.add_error(target, str(exc.message))
    placed = False
    for key, reasons in exc.details.items():
        name = _field_name(key, aliases or {}, prefix_aliases or {})
        field = name if name in fields else None
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            text = str(reason)
            form.add_error(field, f"{key}: {text}" if field is None and label_unknown else text)
            placed = True
    if (message == "auto" and not (placed and isinstance(exc, ValidationError))) or (
        message == "fallback" and not placed
    ):
        form.add_error(target, str(exc.message))


def _field_name(key: str, aliases: Mapping[str, str], prefix_aliases: Mapping[str, str]) -> str:
    if key in aliases:
        return aliases[key]
    for prefix, replacement in prefix_aliases.items():
        if key.startswith(prefix):
            return replacement + key[len(prefix) :]
    return key
