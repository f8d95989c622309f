"""Forms for reception pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.reception.models import MEDICAL_MAX_KM_DEFAULT, Service, SharedBy, UnitStatus


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    district = forms.CharField(label=_("District"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    services = forms.CharField(
        label=_("Services"),
        required=False,
        max_length=2000,
        help_text=_("One per line: service, distance in km (0 = on site). E.g. clinic, 1.5"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def services_list(self) -> list[dict[str, Any]]:
        out = []
        for line in self.cleaned_data.get("services", "").splitlines():
            if not line.strip():
                continue
            name, _sep, km = line.partition(",")
            try:
                distance = float(km.strip() or 0)
            except ValueError:
                distance = -1.0
            out.append({"service": name.strip(), "on_site": distance == 0, "km": distance})
        return out


class UnitForm(forms.Form):
    label = forms.CharField(label=_("Unit"), max_length=50)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=100)
    accessible = forms.BooleanField(label=_("Accessible (step-free)"), required=False)
    family_suitable = forms.BooleanField(label=_("Suitable for a family"), required=False)
    shared_by = forms.ChoiceField(label=_("Shared"), choices=SharedBy.choices, required=False)


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=UnitStatus.choices)


class CheckInForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    people = forms.CharField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=48)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class CheckOutForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TransferForm(forms.Form):
    unit = forms.ChoiceField(label=_("To unit"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class NeedsForm(forms.Form):
    accessible = forms.BooleanField(label=_("Needs an accessible (step-free) unit"), required=False)
    medical = forms.BooleanField(label=_("Medical needs: a health service nearby"), required=False)
    medical_max_km = forms.DecimalField(
        label=_("Health service at most (km)"),
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
        initial=MEDICAL_MAX_KM_DEFAULT,
        required=False,
    )
    services = forms.MultipleChoiceField(
        label=_("Services the person needs nearby"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
