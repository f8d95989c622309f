"""Show a service's refusal (an IkazeError) on a Django form, the way every page does."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from babel.numbers import format_decimal, get_decimal_symbol
from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.core.amounts import babel_locale, parse_amount
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


class AmountField(forms.Field):
    """An amount of money typed with the reader's digit grouping ("1,875,000", "1 875 000",
    "1.875.000"): every money field of every form (issue 11 item 12; `core.amounts`)."""

    default_error_messages = {
        "invalid": _(
            "Type an amount with digits, grouped as in %(example)s; decimals after %(decimal)s."
        ),
        "min_value": _("Must be %(limit_value)s or more."),
    }

    widget = forms.TextInput
    max_chars = 40

    def __init__(self, *, min_value: Decimal | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_value = None if min_value is None else Decimal(min_value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(inputmode="decimal", autocomplete="off", maxlength=str(self.max_chars))
        return attrs

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            if len(text) > self.max_chars:
                raise ValueError("too long")
            amount = parse_amount(text)
        except ValueError:
            loc = babel_locale()
            raise forms.ValidationError(
                self.error_messages["invalid"],
                params={
                    "example": format_decimal(1875000, locale=loc),
                    "decimal": get_decimal_symbol(loc),
                },
            ) from None
        if self.min_value is not None and amount < self.min_value:
            raise forms.ValidationError(
                self.error_messages["min_value"],
                params={"limit_value": self.min_value},
            )
        return amount

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format_decimal(value, locale=babel_locale(), group_separator=True)
        return value
