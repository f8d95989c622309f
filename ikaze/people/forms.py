from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.people.models import MatchCandidate


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (MatchCandidate.Status.SAME, _("Same person: link the records")),
            (MatchCandidate.Status.NOT_SAME, _("Not the same person")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What in the records made you decide (documents, dates, family)."),
    )
