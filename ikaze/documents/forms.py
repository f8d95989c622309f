from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.documents.models import DocumentKind


class DocumentForm(forms.Form):
    """One file and what it is; the content is checked by the service, not here."""

    kind = forms.ChoiceField(
        label=_("What the document is"),
        choices=[("", _("Choose…")), *DocumentKind.choices],
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG, TIFF or WebP; checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.webp"}),
    )
