"""Forms for support pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.agreements.models import SupportItem


class PrepareForm(forms.Form):
    agreement = forms.ChoiceField(label=_("Agreement"))
    kind = forms.ChoiceField(
        label=_("Kind of support"),
        required=False,
        choices=[("", _("Every kind")), *SupportItem.Kind.choices],
    )
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=7,
        help_text=_("A month as 2026-03, or “once”; empty for everything due."),
    )

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = agreements  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    """A button that acts (approve, send, reconcile): nothing to type."""
