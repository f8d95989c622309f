"""Forms of the vetting pages: a fact form built from the payload schema of its kind, decide,
override, notice and service forms. The services validate again; these only parse."""

from __future__ import annotations

import datetime as dt
import enum
import typing
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.vetting.legal_events import PAYLOAD_SCHEMAS, EventKind
from ikaze.vetting.rules import RULES, RefusalReason, RuleKind

FACT_KINDS = [(k.value, k.value.replace("_", " ").capitalize()) for k in EventKind]


def _field_for(name: str, annotation: Any, required: bool) -> forms.Field:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Union or str(origin) == "types.UnionType":
        return _field_for(name, args[0], False)
    if origin is typing.Annotated:
        return _field_for(name, args[0], required)
    label = name.replace("_", " ").capitalize()
    if origin is typing.Literal:
        return forms.ChoiceField(label=label, choices=[(a, a) for a in args], required=required)
    if origin is frozenset:
        inner = args[0]
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return forms.MultipleChoiceField(
                label=label,
                choices=[(m.value, m.value) for m in inner],
                widget=forms.CheckboxSelectMultiple,
                required=required,
            )
        return forms.CharField(label=label, required=required, help_text=_("Comma-separated."))
    if annotation is bool:
        return forms.BooleanField(label=label, required=False)
    if annotation is dt.date:
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if annotation is int:
        return forms.IntegerField(label=label, required=required)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return forms.ChoiceField(
            label=label, choices=[(m.value, m.value) for m in annotation], required=required
        )
    return forms.CharField(label=label, required=required)


class FactForm(forms.Form):
    """The common part of a fact; the payload fields are added from the kind's schema."""

    kind = forms.ChoiceField(label=_("Kind of fact"), choices=FACT_KINDS)
    effective_at = forms.DateField(
        label=_("Took effect on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source_document = forms.CharField(label=_("Source document"), max_length=200)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = kind
        self.fields["kind"].widget = forms.HiddenInput()
        self.payload_fields: list[str] = []
        schema = PAYLOAD_SCHEMAS[EventKind(kind)]
        hints = typing.get_type_hints(schema, include_extras=True)
        for name, info in schema.model_fields.items():
            key = f"p_{name}"
            self.fields[key] = _field_for(name, hints.get(name, str), info.is_required())
            self.payload_fields.append(key)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.payload_fields:
            value = self.cleaned_data.get(key)
            name = key[2:]
            if value in (None, "") and not isinstance(self.fields[key], forms.BooleanField):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            if isinstance(self.fields[key], forms.CharField) and self.fields[key].help_text:
                value = [v.strip() for v in str(value).split(",") if v.strip()]
            out[name] = value
        return out


class FactKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of fact"), choices=FACT_KINDS)


REASON_CHOICES = [
    (RefusalReason.INCOMPLETE_REFERRAL.value, _("Incomplete referral (A4)")),
    (RefusalReason.SAFEGUARD_BLOCK.value, _("A safeguard blocks")),
    (RefusalReason.CAP_REACHED.value, _("The cap is reached (A6)")),
    (RefusalReason.NOT_ELIGIBLE.value, _("Not eligible under the agreement")),
    (RefusalReason.IDENTITY_UNRESOLVED.value, _("Identity unresolved")),
    (RefusalReason.OTHER.value, _("Other (explain)")),
]


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept this person")), ("refuse", _("Refuse this person"))],
        widget=forms.RadioSelect,
    )
    reason_codes = forms.MultipleChoiceField(
        label=_("Reasons for a refusal"),
        choices=REASON_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


OVERRIDABLE_RULES = [
    (r.id, f"{r.id} — {r.title}") for r in RULES.values() if r.kind is RuleKind.BLOCK
]


class OverrideRequestForm(forms.Form):
    rule_id = forms.ChoiceField(label=_("Rule whose block to override"), choices=OVERRIDABLE_RULES)
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )


class JustificationForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Notice"),
        choices=[("decision", _("Decision notice")), ("transfer", _("Transfer notice"))],
    )


class ServiceForm(forms.Form):
    served_on_person_at = forms.DateTimeField(
        label=_("Served on the person at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    proof_reference = forms.CharField(label=_("Proof of service (reference)"), max_length=200)
    served_on_counsel_at = forms.DateTimeField(
        label=_("Served on counsel at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    counsel_name = forms.CharField(label=_("Counsel"), max_length=200, required=False)
    translation_recorded = forms.BooleanField(label=_("A translation was provided"), required=False)
    interpreter_language = forms.CharField(
        label=_("Interpreter's language (ISO 639)"), max_length=3, required=False
    )
