"""The referral form: a person's identity, travel document, household and sensitive data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.core import clock
from ikaze.people import validation as v
from ikaze.people.models import HouseholdMember, IdentityDocument, Sex
from ikaze.people.services import DocumentIn, PersonIn
from ikaze.vetting.services import HouseholdIn

# Service error keys → the form field that shows them.
ERROR_FIELDS = {
    "name": "given_names",
    "travel_document": "document_number",
    "documents.0.kind": "document_type",
    "documents.0.number": "document_number",
    "documents.0.issuing_state": "document_issuing_state",
    "household": "household_reference",
    "person": "external_reference",
    "agreement": "agreement",
}


class ReferralForm(forms.Form):
    agreement = forms.ChoiceField(label=_("Agreement"))
    external_reference = forms.CharField(
        label=_("Your reference for this person"), max_length=100, required=True
    )
    referral_reference = forms.CharField(
        label=_("Case reference"),
        max_length=100,
        required=False,
        help_text=_("Your case number for this referral, if different."),
    )
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    first_surname = forms.CharField(label=_("First surname"), max_length=200)
    second_surname = forms.CharField(label=_("Second surname"), max_length=200, required=False)
    name_as_in_documents = forms.CharField(
        label=_("Name exactly as in the travel document"), max_length=400, required=False
    )
    aliases = forms.CharField(
        label=_("Other names used"), required=False, help_text=_("Separate with ';'.")
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    date_of_birth = forms.CharField(
        label=_("Date of birth"),
        max_length=10,
        help_text=_("YYYY-MM-DD; YYYY-MM or YYYY when only the month or year is known."),
    )
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    nationalities = forms.CharField(
        label=_("Nationalities"),
        help_text=_("ISO 3166 two-letter codes separated by ';', e.g. HN; GT."),
    )
    languages = forms.CharField(
        label=_("Languages"), required=False, help_text=_("ISO 639 codes, e.g. es; ht.")
    )
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False, help_text=_("E.164, e.g. +50499998888.")
    )
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=IdentityDocument.Kind.choices
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    document_issuing_state = forms.CharField(
        label=_("Issuing state"), max_length=2, help_text=_("ISO 3166 two-letter code.")
    )
    document_expiry = forms.CharField(
        label=_("Document expiry"), required=False, help_text=_("YYYY-MM-DD.")
    )
    household_reference = forms.CharField(
        label=_("Household reference"), max_length=100, required=False
    )
    household_role = forms.ChoiceField(
        label=_("Role in the household"),
        choices=[("", "—"), *HouseholdMember.Role.choices],
        required=False,
    )
    relationship = forms.CharField(label=_("Relationship"), max_length=100, required=False)
    health = forms.CharField(
        label=_("Health information"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Only with the person's consent (SAFEGUARDS A4)."),
    )
    health_consent = forms.BooleanField(
        label=_("The person consented to share health information"), required=False
    )
    vulnerabilities = forms.CharField(
        label=_("Vulnerabilities"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    submit_now = forms.BooleanField(
        label=_("Submit to the receiving state now (otherwise save as a draft)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agreement"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = agreements
        # The "already known?" check runs when these change (htmx, people:match_check).
        for name in ("given_names", "first_surname", "second_surname", "date_of_birth"):
            self.fields[name].widget.attrs["data-match-field"] = "1"

    def clean_date_of_birth(self) -> Any:
        try:
            return v.birth_date(self.cleaned_data["date_of_birth"], today=clock.today_local())
        except v.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_nationalities(self) -> Any:
        try:
            v.countries(self.cleaned_data["nationalities"], required=True)
        except v.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["nationalities"]

    def clean_languages(self) -> Any:
        try:
            v.languages(self.cleaned_data["languages"])
        except v.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["languages"]

    def clean_phone(self) -> Any:
        try:
            return v.phone(self.cleaned_data["phone"])
        except v.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_document_expiry(self) -> Any:
        value = self.cleaned_data.get("document_expiry", "")
        if not value:
            return None
        try:
            return v.partial_date(value, today=clock.today_local(), allow_partial=False)[0]
        except v.FieldProblem as exc:
            raise forms.ValidationError(str(exc)) from None

    def person_in(self) -> PersonIn:
        d = self.cleaned_data
        dob, precision = d["date_of_birth"]
        return PersonIn(
            given_names=d["given_names"],
            first_surname=d["first_surname"],
            second_surname=d["second_surname"],
            name_as_in_documents=d["name_as_in_documents"],
            aliases=v.split_list(d["aliases"]),
            sex=d["sex"],
            date_of_birth=dob,
            dob_precision=precision,
            place_of_birth=d["place_of_birth"],
            nationalities=v.split_list(d["nationalities"]),
            languages=v.split_list(d["languages"]),
            needs_interpreter=d["needs_interpreter"],
            phone=d["phone"],
            external_reference=d["external_reference"],
            documents=[
                DocumentIn(
                    kind=d["document_type"],
                    number=d["document_number"],
                    issuing_state=d["document_issuing_state"],
                    expiry=d["document_expiry"],
                )
            ],
            health=d["health"],
            vulnerabilities=d["vulnerabilities"],
            health_consent=d["health_consent"],
        )

    def household_in(self) -> HouseholdIn | None:
        d = self.cleaned_data
        if not d["household_reference"]:
            return None
        return HouseholdIn(d["household_reference"], d["household_role"], d["relationship"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
