"""Forms for movement pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.movements.models import Boarding, Movement


class DateInput(forms.DateInput):
    input_type = "date"


class MovementForm(forms.Form):
    agreement = forms.ChoiceField(label=_("Agreement"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Movement.Kind.choices)
    departure_date = forms.DateField(label=_("Departure date"), widget=DateInput)
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    flight_number = forms.CharField(
        label=_("Flight number"), max_length=8, required=False, help_text=_("For example WB711.")
    )
    origin = forms.CharField(
        label=_("Origin airport"), max_length=3, help_text=_("IATA code, e.g. IAD.")
    )
    destination = forms.CharField(
        label=_("Destination airport"), max_length=3, help_text=_("IATA code, e.g. KGL.")
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=1000)

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = agreements  # type: ignore[attr-defined]


class ManifestAddForm(forms.Form):
    referrals = forms.MultipleChoiceField(
        label=_("Accepted people to put on the manifest"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referrals"].choices = choices  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have checked the manifest"), required=True)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea)


_OUTCOMES = [
    (Boarding.BOARDED, Boarding.BOARDED.label),
    (Boarding.NO_SHOW, Boarding.NO_SHOW.label),
    (Boarding.REMOVED_AT_GATE, Boarding.REMOVED_AT_GATE.label),
]


class DepartForm(forms.Form):
    """One outcome (and a reason) per person on the manifest."""

    def __init__(self, *args: Any, entries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry_keys = [key for key, _name in entries]
        for key, name in entries:
            self.fields[f"b_{key}"] = forms.ChoiceField(
                label=name, choices=_OUTCOMES, initial=Boarding.BOARDED
            )
            self.fields[f"r_{key}"] = forms.CharField(
                label=_("Reason (%(name)s)") % {"name": name}, required=False, max_length=500
            )

    def boarding(self) -> dict[str, tuple[str, str]]:
        d = self.cleaned_data
        return {k: (d[f"b_{k}"], d.get(f"r_{k}", "")) for k in self.entry_keys}


class ArriveForm(forms.Form):
    arrived = forms.MultipleChoiceField(
        label=_("Who arrived"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["arrived"].choices = choices  # type: ignore[attr-defined]
        self.fields["arrived"].initial = [k for k, _n in choices]


class ExplainForm(forms.Form):
    explanation = forms.CharField(label=_("Explanation"), max_length=2000, widget=forms.Textarea)


class PaxlstForm(forms.Form):
    file = forms.FileField(
        label=_("Carrier's PAXLST message"), help_text=_("Who it lists boarded; the rest did not.")
    )
