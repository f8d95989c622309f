"""Forms for agreement pages. They parse input; the services decide what is valid."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.agreements.models import (
    EDITABLE_FIELDS,
    Agreement,
    CompensationCategory,
    CompensationLine,
    SupportItem,
)
from ikaze.agreements.money import to_minor
from ikaze.agreements.services import valid_currency
from ikaze.agreements.standards import PROTECTIVE_DEFAULTS
from ikaze.core.forms import AmountField
from ikaze.core.names import country_name
from ikaze.core.pickers import CodePickerField


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits and hyphens, e.g. US-RW-2025. It cannot change later."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description and notes"), required=False, widget=forms.Textarea
    )
    # Chosen by name in the reader's language (issue 11 item 2); cleaned to the ISO code.
    sending_state = CodePickerField(kind="country", label=_("Sending state"))
    receiving_state = CodePickerField(kind="country", label=_("Receiving state"))
    instrument = forms.ChoiceField(
        label=_("Binding instrument"), choices=Agreement.Instrument.choices
    )
    instrument_reference = forms.CharField(
        label=_("Instrument reference"), max_length=200, required=False
    )
    voluntary = forms.BooleanField(
        label=_("Voluntary scheme (consent needed, withdrawable at any step — SAFEGUARDS A13)"),
        required=False,
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput)
    currency = forms.CharField(
        label=_("Currency (ISO 4217)"),
        max_length=3,
        initial="USD",
        help_text=_("e.g. USD, GBP, RWF"),
    )
    cap_total = forms.IntegerField(
        label=_("Cap in total (people)"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for an uncapped agreement."),
    )
    relocated_before_system = forms.IntegerField(
        label=_("People relocated before Ikaze recorded movements"), min_value=0, initial=0
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for setting, std in PROTECTIVE_DEFAULTS.items():
            self.fields[setting] = forms.IntegerField(
                label=str(std.label),
                min_value=0,
                initial=std.value,
                help_text=_(
                    "Protective standard: %(value)s (%(source)s). Weaker values are flagged as below standard."
                )
                % {"value": std.value, "source": std.source},
            )
        # A field added to the one list (models.EDITABLE_FIELDS) without a declaration here
        # still reaches the page, as the model describes it (issue 10 item 4).
        for name in EDITABLE_FIELDS:
            model_field = Agreement._meta.get_field(name)
            if (
                name not in self.fields
                and isinstance(model_field, models.Field)
                and (form_field := model_field.formfield()) is not None
            ):
                self.fields[name] = form_field
        if editing:
            del self.fields["code"]
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        """The editable fields, as the service takes them."""
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
        data["currency"] = data["currency"].upper()
        return data


def agreement_initial(agreement: Agreement) -> dict[str, Any]:
    return {f: getattr(agreement, f) for f in (*EDITABLE_FIELDS, "version")}


class TransitionForm(forms.Form):
    to = forms.ChoiceField(
        label=_("New status"),
        error_messages={
            "invalid_choice": _(
                "You cannot move this agreement to that status now: choose one of those offered."
            )
        },
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = choices


class _MoneyForm(forms.Form):
    """An amount typed in major units with the reader's digit grouping (370,000,000.00 in
    English, 370 000 000,00 in French: `core.forms.AmountField`) with its currency."""

    amount_field = "amount"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        currency = (data.get("currency") or "").upper()
        amount: Decimal | None = data.get(self.amount_field)
        if currency and not valid_currency(currency):
            self.add_error("currency", _("Not an ISO 4217 currency code."))
        elif amount is not None and currency:
            try:
                data["amount_minor"] = to_minor(amount, currency)
            except ValueError:
                self.add_error(self.amount_field, _("Too many decimal places for this currency."))
        data["currency"] = currency
        return data


class TrancheForm(forms.Form):
    label = forms.CharField(label=_("Period label"), max_length=80, help_text=_("e.g. 2025–2026"))
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    cap = forms.IntegerField(label=_("Cap for the period (people)"), min_value=1)


class SupportItemForm(_MoneyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=SupportItem.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = AmountField(
        label=_("Amount"),
        required=False,
        min_value=0,
        help_text=_("Leave empty for support given in kind (housing, care)."),
    )
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, required=False)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=SupportItem.Frequency.choices)
    duration_months = forms.IntegerField(label=_("Duration (months)"), required=False, min_value=1)


class CompensationLineForm(_MoneyForm):
    category = forms.ChoiceField(label=_("Category"), choices=CompensationCategory.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = AmountField(label=_("Amount"), min_value=0)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3)
    trigger_people = forms.IntegerField(
        label=_("Milestone: due when this many people are relocated"), required=False, min_value=1
    )
    per_person = forms.BooleanField(
        label=_("Paid per person relocated"),
        required=False,
        help_text=_("Per-person lines always are; fixed sums and milestones never are."),
    )


class PaymentForm(_MoneyForm):
    category = forms.ChoiceField(label=_("Category"), choices=CompensationCategory.choices)
    line = forms.ChoiceField(
        label=_("Schedule line paid"),
        required=False,
        help_text=_("Needed when the category has several lines."),
    )
    amount = AmountField(label=_("Amount"), min_value=0)
    currency = forms.CharField(
        label=_("Currency (ISO 4217)"),
        max_length=3,
        help_text=_("The line's currency; another needs the exchange rate below."),
    )
    exchange_rate = AmountField(
        label=_("Exchange rate (units of the line's currency for one unit paid)"),
        required=False,
        help_text=_("Only for a payment in another currency than its line's."),
    )
    rate_on = forms.DateField(label=_("Date of the rate"), required=False, widget=DateInput)
    rate_source = forms.CharField(
        label=_("Source of the rate"),
        max_length=200,
        required=False,
        help_text=_("e.g. National Bank of Rwanda reference rate"),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    reference = forms.CharField(label=_("Reference"), max_length=120)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, lines: list[CompensationLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(CompensationCategory.choices)
        cast(forms.ChoiceField, self.fields["line"]).choices = [("", "—")] + [
            (
                str(line.pk),
                f"{labels[line.category]}: {line.description} ({line.currency})",
            )
            for line in lines
        ]


class ReversalForm(forms.Form):
    """Reverse one payment with a new record (never an edit)."""

    payment = forms.CharField(widget=forms.HiddenInput)
    reference = forms.CharField(
        label=_("Reference of the reversal"),
        max_length=120,
        help_text=_("The sending state's reference for the money taken back or corrected."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    reversed_on = forms.DateField(label=_("Reversed on"), widget=DateInput)

    def __init__(self, *args: Any, payment_id: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_reverse_{str(payment_id)[:8]}_%s")
        kwargs.setdefault("initial", {"payment": str(payment_id)})
        super().__init__(*args, **kwargs)
        self.payment_id = payment_id


def agreement_label(agreement: Agreement) -> str:
    """ "US-CR-2025 — Title (United States → Costa Rica)": the code, the name and the parties,
    so that a form never lets a person pick an agreement by its code alone."""
    return (
        f"{agreement.code} — {agreement.title} "
        f"({country_name(agreement.sending_state)} → {country_name(agreement.receiving_state)})"
    )


def agreement_choices(agreements: Iterable[Agreement]) -> list[tuple[str, str]]:
    """The choices of a form's agreement field: none chosen in advance (a first entry asks to
    choose), unless the person has only one agreement (issue 11 item 7: a preselected first
    agreement sent people under the wrong one)."""
    choices = [(a.code, agreement_label(a)) for a in agreements]
    if len(choices) == 1:
        return choices
    return [("", str(_("Choose an agreement"))), *choices]
