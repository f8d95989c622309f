"""Forms of the personal-data pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.privacy.models import RequestKind

FIELD_CHOICES = [
    ("", _("— not a rectification —")),
    ("health", _("Health")),
    ("vulnerabilities", _("Vulnerabilities")),
]
CATEGORY_CHOICES = [
    ("identity", _("Identity")),
    ("health", _("Health")),
    ("protection_claim", _("Protection claim")),
    ("criminal_record", _("Criminal record")),
    ("family", _("Family")),
    ("location", _("Location")),
]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), max_length=200, required=False)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    received_at = forms.DateTimeField(
        label=_("Received (UTC)"),
        required=False,
        help_text=_("Leave empty for now. The 30-day deadline runs from this time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    detail = forms.CharField(
        label=_("What the person asks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field = forms.ChoiceField(label=_("Value to correct"), choices=FIELD_CHOICES, required=False)
    proposed_value = forms.CharField(
        label=_("Corrected value"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("1", _("Accept")), ("0", _("Refuse"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Note (required to refuse)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HoldForm(forms.Form):
    reference = forms.CharField(label=_("Case or order reference"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PurgeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for destroying the data"), max_length=200)
    confirm = forms.BooleanField(
        label=_("I understand the data cannot be recovered afterwards."), required=True
    )


class BreachForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    discovered_at = forms.DateTimeField(
        label=_("Discovered (UTC)"),
        help_text=_("The 48-hour and 72-hour clocks run from this time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    people_affected = forms.IntegerField(label=_("People affected"), min_value=0, initial=0)
    categories = forms.MultipleChoiceField(
        label=_("Data concerned"),
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class BreachStepForm(forms.Form):
    reference = forms.CharField(label=_("Regulator's reference"), max_length=200)
