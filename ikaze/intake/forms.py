from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.intake.models import IntakeBatch


class AgreementChoiceForm(forms.Form):
    """Which agreement a manifest is for: chosen, then confirmed with its parties."""

    agreement = forms.ChoiceField(
        label=_("Agreement"),
        error_messages={
            "required": _("Choose the agreement this manifest is for."),
            "invalid_choice": _("Unknown agreement: choose one from the list."),
        },
    )

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agreement"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = agreements


class UploadForm(forms.Form):
    """The file and the mode; the agreement travels confirmed (a hidden field the
    AgreementChoiceForm checks again on upload)."""

    agreement = forms.CharField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(
        label=_("Manifest file"),
        help_text=_("CSV (UTF-8 or Latin-1) or XLSX, in the format of the templates."),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=IntakeBatch.Mode.choices,
        initial=IntakeBatch.Mode.LENIENT,
        widget=forms.RadioSelect,
    )
