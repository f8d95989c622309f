"""Countries and languages chosen by name (issue 11 item 2): one picker for every form that
asks for an ISO code.

The reader types or picks a name in their own language ("Spanish", "espagnol", "Icyesipanyolo")
from a datalist of CLDR names; an ISO code is accepted too. The form hands the code on: the
services, the API and the rules keep codes. Without JS it is a text input like any other.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.core import names

Kind = Literal["country", "language"]

_SEPARATORS = re.compile(r"[;,|]")


def _code_for(kind: Kind, text: str) -> str | None:
    return names.country_code_for(text) if kind == "country" else names.language_code_for(text)


def _is_code(kind: Kind, text: str) -> bool:
    if kind == "country":
        return text.upper() == text and names.country_code_for(text) == text
    return text.lower() == text and names.language_code_for(text) == text


def _name_of(kind: Kind, code: str) -> str:
    return names.country_name(code) if kind == "country" else names.language_name(code)


class NamePicker(forms.TextInput):
    """A text input with a datalist of names in the reader's language."""

    template_name = "core/widgets/name_picker.html"

    def __init__(self, kind: Kind, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind

    def format_value(self, value: Any) -> str | None:
        # Codes (an initial value, a record being edited) show as names.
        if isinstance(value, list | tuple):
            return "; ".join(_name_of(self.kind, v) for v in value)
        if isinstance(value, str) and _is_code(self.kind, value):
            return _name_of(self.kind, value)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["datalist_id"] = f"{widget_id}_names"
        context["widget"]["options"] = (
            names.country_choices() if self.kind == "country" else names.language_choices()
        )
        return context


class CodePickerField(forms.CharField):
    """A country or a language (or, with `multiple`, several separated by ';'), typed or picked
    by name; cleans to the ISO code (several: "HN; GT")."""

    def __init__(self, *, kind: Kind, multiple: bool = False, **kwargs: Any) -> None:
        self.kind = kind
        self.multiple = multiple
        kwargs.setdefault("widget", NamePicker(kind))
        kwargs.setdefault(
            "help_text",
            _("Type a name and choose it from the list; separate several with ';'.")
            if multiple
            else _("Type a name and choose it from the list."),
        )
        kwargs.setdefault("max_length", 2000 if multiple else 100)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        items = [p.strip() for p in _SEPARATORS.split(text)] if self.multiple else [text.strip()]
        codes: list[str] = []
        unknown: list[str] = []
        for item in (i for i in items if i):
            code = _code_for(self.kind, item)
            if code is None:
                unknown.append(item)
            elif code not in codes:
                codes.append(code)
        if unknown:
            message = (
                _("No country is called %(names)s: choose one from the list.")
                if self.kind == "country"
                else _("No language is called %(names)s: choose one from the list.")
            )
            raise forms.ValidationError(message, params={"names": ", ".join(unknown)})
        return "; ".join(codes)
