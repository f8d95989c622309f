"""Forms for protection pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.protection.models import (
    CaseOutcome,
    DecisionLevel,
    Interview,
    Milestone,
    MonitorAccessRequest,
    Observation,
    ServiceReferral,
    StatusDecision,
)

_DATE = forms.DateInput(attrs={"type": "date"})
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
_LANG_HELP = _("An ISO 639 code: es, fr, ht, rw…")


class BriefForm(forms.Form):
    language = forms.CharField(
        label=_("Language of the briefing"), max_length=3, help_text=_LANG_HELP
    )


class ClaimForm(forms.Form):
    details = forms.CharField(
        label=_("What the person says (confidential)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InterviewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Interview.Kind.choices)
    held_at = forms.DateTimeField(label=_("Held at"), widget=_DATETIME)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"), max_length=3, required=False, help_text=_LANG_HELP
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=200, required=False
    )
    waiver_reference = forms.CharField(
        label=_("Signed waiver (reference)"),
        max_length=100,
        required=False,
        help_text=_("Only when the person waived representation, in writing."),
    )
    notes = forms.CharField(
        label=_("Notes (confidential)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=DecisionLevel.choices)
    result = forms.ChoiceField(label=_("Decision"), choices=StatusDecision.Result.choices)
    reasons = forms.CharField(
        label=_("Reasons"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=_DATE)


class ServeForm(forms.Form):
    language = forms.CharField(label=_("Language"), max_length=3, help_text=_LANG_HELP)
    interpreter_language = forms.CharField(
        label=_("Interpreter language"), max_length=3, required=False
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Confirm"), required=True)


class CourtForm(forms.Form):
    court_reference = forms.CharField(label=_("Court reference"), max_length=100)


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceReferral.Kind.choices)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    referred_on = forms.DateField(label=_("Referred on"), widget=_DATE)


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Milestone"), choices=Milestone.Kind.choices)
    reached_on = forms.DateField(label=_("Reached on"), widget=_DATE)


class DepartureForm(forms.Form):
    destination = forms.CharField(
        label=_("Destination country"),
        max_length=2,
        help_text=_("ISO 3166 code, such as US or HN."),
    )
    departs_on = forms.DateField(label=_("Departs on"), widget=_DATE)
    voluntary_request_reference = forms.CharField(
        label=_("The person's own written request (reference)"), max_length=100, required=False
    )
    fear_screening_on = forms.DateField(
        label=_("Fear screening done on"), required=False, widget=_DATE
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CaseOutcome.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ComplaintForm(forms.Form):
    content = forms.CharField(
        label=_("The complaint"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Only the independent monitor reads it."),
    )
    language = forms.CharField(
        label=_("Language"), max_length=3, required=False, help_text=_LANG_HELP
    )


class SelfServiceSignInForm(forms.Form):
    code = forms.CharField(
        label=_("Personal code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class SelfServiceComplaintForm(forms.Form):
    content = forms.CharField(
        label=_("What do you want to complain about?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Only the independent monitor reads it. It will not be held against you."),
    )


class ObservationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Observation.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    observed_on = forms.DateField(label=_("Observed on"), widget=_DATE)


class AccessRequestForm(forms.Form):
    user = forms.ChoiceField(label=_("Monitor"))
    kind = forms.ChoiceField(label=_("Request"), choices=MonitorAccessRequest.Kind.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].choices = choices  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[("confirm", _("Confirm: remove the access")), ("decline", _("Decline"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class InboxFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), ("closed", _("Closed"))],
    )
    agreement = forms.ChoiceField(label=_("Agreement"), required=False)

    def __init__(
        self, *args: object, sources: list[str], agreements: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["source"].choices = [("", _("All"))] + [(s, s) for s in sources]  # type: ignore[attr-defined]
        self.fields["agreement"].choices = [("", _("All")), *agreements]  # type: ignore[attr-defined]
