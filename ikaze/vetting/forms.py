"""Forms of the referral and vetting pages.

The referral form: a person's identity, travel document, household and sensitive data. The
vetting forms: a fact form built from the payload schema of its kind, decide, override, notice
and service forms. The services validate again; these only parse.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import typing
from collections.abc import Iterable
from typing import Any

from babel import Locale
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ikaze.core import clock
from ikaze.core.amounts import babel_locale
from ikaze.core.pickers import CodePickerField
from ikaze.core.worklist import FilterForm, choice_error
from ikaze.people import validation as v
from ikaze.people.models import HouseholdMember, IdentityDocument, Sex
from ikaze.people.services import DocumentIn, PersonIn
from ikaze.vetting import labels
from ikaze.vetting.legal_events import (
    PAYLOAD_SCHEMAS,
    SERVICE_ONLY_KINDS,
    CountryCode,
    EventKind,
    LanguageCode,
)
from ikaze.vetting.models import ReferralStatus
from ikaze.vetting.rules import RULES, RefusalReason, RuleKind
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
    nationalities = CodePickerField(kind="country", multiple=True, label=_("Nationalities"))
    languages = CodePickerField(
        kind="language", multiple=True, label=_("Languages"), required=False
    )
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False, help_text=_("E.164, e.g. +50499998888.")
    )
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=IdentityDocument.Kind.choices
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    document_issuing_state = CodePickerField(kind="country", label=_("Issuing state"))
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
            raise forms.ValidationError(exc.text()) from None

    def clean_nationalities(self) -> Any:
        try:
            v.countries(self.cleaned_data["nationalities"], required=True)
        except v.FieldProblem as exc:
            raise forms.ValidationError(exc.text()) from None
        return self.cleaned_data["nationalities"]

    def clean_languages(self) -> Any:
        try:
            v.languages(self.cleaned_data["languages"])
        except v.FieldProblem as exc:
            raise forms.ValidationError(exc.text()) from None
        return self.cleaned_data["languages"]

    def clean_phone(self) -> Any:
        try:
            return v.phone(self.cleaned_data["phone"])
        except v.FieldProblem as exc:
            raise forms.ValidationError(exc.text()) from None

    def clean_document_expiry(self) -> Any:
        value = self.cleaned_data.get("document_expiry", "")
        if not value:
            return None
        try:
            return v.partial_date(value, today=clock.today_local(), allow_partial=False)[0]
        except v.FieldProblem as exc:
            raise forms.ValidationError(exc.text()) from None

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


# --- the vetting file (issue 4) ------------------------------------------------------------

# The kinds the generic fact form records: never a service-only kind (SAFEGUARDS F3), nor a
# retraction (it names the fact it retracts: FactRemovalForm, or the API's `supersedes`).
FACT_KINDS = [
    (k.value, labels.FACT_KINDS[k])
    for k in EventKind
    if k not in SERVICE_ONLY_KINDS and k is not EventKind.RETRACTION
]
FORM_FACT_KINDS = frozenset(value for value, _label in FACT_KINDS)


def _choices(name: str, values: Iterable[str]) -> list[tuple[str, Any]]:
    # Lazy labels: the form is built once per request, but its labels follow the language.
    codes = labels.CODES.get(name, {})
    return [(v, codes.get(v, v)) for v in values]


def _field_for(name: str, annotation: Any, required: bool) -> forms.Field:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Union or str(origin) == "types.UnionType":
        return _field_for(name, args[0], False)
    label = labels.FIELDS.get(name) or name.replace("_", " ").capitalize()
    if annotation == CountryCode:
        # Chosen by name in the reader's language; the payload keeps the code.
        return CodePickerField(kind="country", label=label, required=required)
    if annotation == LanguageCode:
        return CodePickerField(kind="language", label=label, required=required)
    if origin is typing.Annotated:
        return _field_for(name, args[0], required)
    if origin is typing.Literal:
        return forms.ChoiceField(label=label, choices=_choices(name, args), required=required)
    if origin is frozenset:
        inner = args[0]
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return forms.MultipleChoiceField(
                label=label,
                choices=_choices(name, (m.value for m in inner)),
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
            label=label, choices=_choices(name, (m.value for m in annotation)), required=required
        )
    return forms.CharField(label=label, required=required)


class FactForm(forms.Form):
    """The common part of a fact; the payload fields are added from the kind's schema.

    `fields_kind` (hidden) names the kind whose fields the page showed: the kind picker sits in
    the same form (FactKindForm), and a fact is recorded only when the two agree, so a changed
    picker never records one kind with another kind's fields (issue 11 item 2).
    """

    fields_kind = forms.ChoiceField(choices=FACT_KINDS, widget=forms.HiddenInput)
    effective_at = forms.DateField(
        label=_("Took effect on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source_document = forms.CharField(label=_("Source document"), max_length=200)

    def __init__(
        self,
        *args: Any,
        kind: str,
        source_files: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["fields_kind"].initial = kind
        # Issue 11 item 3: the source may be a document uploaded to the person or referral.
        files = list(source_files)
        if files:
            self.fields["source_file"] = forms.ChoiceField(
                label=_("Uploaded source document (optional)"),
                required=False,
                choices=[("", _("None")), *files],
            )
        self.payload_fields: list[str] = []
        schema = PAYLOAD_SCHEMAS[EventKind(kind)]
        hints = typing.get_type_hints(schema, include_extras=True)
        for name, info in schema.model_fields.items():
            if name in COMPUTED_FIELDS:
                continue
            key = f"p_{name}"
            self.fields[key] = _field_for(name, hints.get(name, str), info.is_required())
            self.payload_fields.append(key)
        if EventKind(kind) is EventKind.ASSESSMENT_SIGNED:
            self.fields["assessment_text"] = forms.CharField(
                label=_("Text of the signed assessment"),
                widget=forms.Textarea(attrs={"rows": 6}),
                max_length=200_000,
                help_text=_("Paste the text: Ikaze computes its SHA-256 fingerprint."),
            )

    def clean_fields_kind(self) -> str:
        shown = str(self.cleaned_data["fields_kind"])
        if shown != self.kind:
            raise forms.ValidationError(
                _("The fields below are now those of “%(kind)s”: fill them in and record again.")
                % {"kind": labels.fact_kind_label(self.kind)}
            )
        return shown

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.payload_fields:
            value = self.cleaned_data.get(key)
            name = key[2:]
            if value in (None, "") and not isinstance(self.fields[key], forms.BooleanField):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            field = self.fields[key]
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field, CodePickerField)
                and field.help_text
            ):
                value = [part.strip() for part in str(value).split(",") if part.strip()]
            out[name] = value
        if "assessment_text" in self.fields:
            # The fingerprint of what was signed: computed here, never typed (issue 11 item 2).
            text = self.cleaned_data["assessment_text"].replace("\r\n", "\n")
            out["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return out


# Payload fields Ikaze computes itself: the form never asks for them.
COMPUTED_FIELDS = frozenset({"text_sha256"})


class FactKindForm(forms.Form):
    """The kind picker of the fact form (same <form>: on change, htmx swaps the fields of the
    chosen kind in; without JS, the server shows them after the first submit)."""

    kind = forms.ChoiceField(label=_("Kind of fact"), choices=FACT_KINDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_fact_%s")
        super().__init__(*args, **kwargs)


REASON_CHOICES = [(r.value, labels.REFUSAL_REASONS[r]) for r in RefusalReason]


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


# The titles are gettext_noop'd in the rules; translated when the form is shown.
OVERRIDABLE_RULES = [
    (r.id, format_lazy("{} — {}", r.id, _(r.title)))
    for r in RULES.values()
    if r.kind is RuleKind.BLOCK
]


class OverrideRequestForm(forms.Form):
    """Ask to override a block; `rules` are the rules that block this person now (and may be
    overridden): the form offers nothing else."""

    rule_id = forms.ChoiceField(label=_("Rule whose block to override"), choices=OVERRIDABLE_RULES)
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, rules: Iterable[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_override_%s")
        super().__init__(*args, **kwargs)
        if rules is not None:
            wanted = set(rules)
            field = self.fields["rule_id"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(r, label) for r, label in OVERRIDABLE_RULES if r in wanted]


class AskDeclineForm(forms.Form):
    """A senior officer declines a vetting officer's ask for an override."""

    note = forms.CharField(
        label=_("Note for the vetting officer"), widget=forms.Textarea(attrs={"rows": 2})
    )


class JustificationForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )


class FactRemovalForm(forms.Form):
    """Ask to retract a protective fact (SAFEGUARDS F1): a senior officer must second it."""

    fact = forms.ChoiceField(label=_("Protective fact to retract"))
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )
    source_document = forms.CharField(label=_("Source document"), max_length=200)

    def __init__(self, *args: Any, facts: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_removal_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["fact"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = facts


class RemovalAnswerForm(forms.Form):
    """A senior officer's answer to a removal request: second it (with a source document) or
    decline it."""

    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 2})
    )
    source_document = forms.CharField(
        label=_("Source document (to second)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, removal_id: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_answer_{str(removal_id)[:8]}_%s")
        super().__init__(*args, **kwargs)
        self.removal_id = removal_id


def _language_choices() -> list[tuple[str, str]]:
    """Languages by name in the reader's language (CLDR), for an interpreter's language."""
    loc = babel_locale()
    names = Locale.parse(loc).languages
    named = sorted(
        ((code, str(name)) for code, name in names.items() if len(code) in (2, 3)),
        key=lambda pair: pair[1].casefold(),
    )
    return [("", "—"), *named]


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Notice"),
        choices=[("decision", _("Decision notice")), ("transfer", _("Transfer notice"))],
    )
    reason_translation = forms.CharField(
        label=_("The decision's written reason, translated into the notice's language"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed for the notice of a refusal in another language than English when the "
            "refusal has a written reason, unless an interpreter is recorded below."
        ),
    )
    interpreter_name = forms.CharField(
        label=_("Interpreter (name)"),
        max_length=200,
        required=False,
        help_text=_(
            "Needed when the notice or its reason is not in the person's language: the "
            "interpreter interprets it to them."
        ),
    )
    interpreter_language = forms.ChoiceField(
        label=_("Interpreter's language (the person's)"), required=False, choices=_language_choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_notice_%s")  # the fact form has a "kind" too
        super().__init__(*args, **kwargs)


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
    interpreter_language = CodePickerField(
        kind="language", label=_("Interpreter's language"), required=False
    )

    def __init__(self, *args: Any, notice_id: Any, **kwargs: Any) -> None:
        # One form per unserved notice on the vetting file: element ids of its own.
        kwargs.setdefault("auto_id", f"id_service_{str(notice_id)[:8]}_%s")
        super().__init__(*args, **kwargs)
        self.notice_id = notice_id


class AlertResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How the block was dealt with"),
        help_text=_(
            "An alert closes only when the block it reports is gone, or when the acceptance "
            "is withdrawn."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, alert_id: Any, **kwargs: Any) -> None:
        # One form per open alert on the vetting file: element ids of its own.
        kwargs.setdefault("auto_id", f"id_alert_{str(alert_id)[:8]}_%s")
        super().__init__(*args, **kwargs)
        self.alert_id = alert_id


# --- work-list filters (issue 11 item 6) ---------------------------------------------------

UNKNOWN_AGREEMENT = _("Unknown agreement: choose one from the list.")
UNKNOWN_STATUS = _("Unknown status: choose one from the list.")


class _ReferralFilters(FilterForm):
    q = forms.CharField(label=_("Name or reference"), max_length=200)
    agreement = forms.ChoiceField(
        label=_("Agreement"), error_messages=choice_error(UNKNOWN_AGREEMENT)
    )
    status = forms.ChoiceField(label=_("Status"), error_messages=choice_error(UNKNOWN_STATUS))

    def __init__(self, data: Any = None, *, agreements: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        agreement = self.fields["agreement"]
        assert isinstance(agreement, forms.ChoiceField)
        agreement.choices = [("", _("All")), *((code, code) for code in agreements)]


class ReferralFilterForm(_ReferralFilters):
    """The referral list's filters (`batch`: those a manifest created, its page links here)."""

    batch = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Unknown manifest: open it from the manifest's page.")},
    )

    def __init__(self, data: Any = None, *, agreements: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, agreements=agreements, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("All")), *ReferralStatus.choices]


class QueueFilterForm(_ReferralFilters):
    """The vetting queue's filters: by default the referrals waiting for a decision; accepted
    people (and every other status) only when chosen."""

    nationality = forms.CharField(
        label=_("Nationality"), max_length=2, help_text=_("Two-letter code, e.g. HN.")
    )
    has_blocks = forms.ChoiceField(
        label=_("Safeguard blocks"),
        choices=[("", _("All")), ("yes", _("Blocked")), ("no", _("Not blocked"))],
    )
    deadline = forms.DateField(
        label=_("Due by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],  # one unambiguous form: 05/12 is not read as May or December
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )

    def __init__(self, data: Any = None, *, agreements: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, agreements=agreements, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("Waiting for a decision")), *ReferralStatus.choices]
        self.fields["nationality"].widget.attrs["size"] = 4

    def clean_nationality(self) -> str:
        code = str(self.cleaned_data.get("nationality") or "").strip().upper()
        if code and not (len(code) == 2 and code.isalpha()):
            raise forms.ValidationError(_("Enter a two-letter country code, e.g. HN."))
        return code


# --- the information thread (issue 11 item 4) ------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


# The person's fields a liaison may correct with an answer: a subset of the people registry's
# editable fields (`people.services.person_update` checks them again).
ANSWER_CORRECTABLE = (
    "given_names",
    "first_surname",
    "second_surname",
    "name_as_in_documents",
    "place_of_birth",
)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Documents (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG, TIFF or WebP; you may choose several. Checked by content."),
    )
    attachments_kind = forms.ChoiceField(
        label=_("What the documents are"),
        required=False,
        choices=[],
    )
    given_names = forms.CharField(label=_("Given names"), required=False)
    first_surname = forms.CharField(label=_("First surname"), required=False)
    second_surname = forms.CharField(label=_("Second surname"), required=False)
    name_as_in_documents = forms.CharField(label=_("Name as in documents"), required=False)
    place_of_birth = forms.CharField(label=_("Place of birth"), required=False)
    resubmit = forms.BooleanField(
        label=_("Submit the referral again with this answer"), required=False, initial=True
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        from ikaze.documents.models import DocumentKind

        initial = {name: getattr(person, name) for name in ANSWER_CORRECTABLE}
        kwargs["initial"] = {**initial, "resubmit": True, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.person = person
        kind = self.fields["attachments_kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = DocumentKind.choices
        kind.initial = DocumentKind.CORRESPONDENCE

    def corrections(self) -> dict[str, str]:
        """The correctable fields the liaison changed (the rest are left alone)."""
        return {
            name: self.cleaned_data[name].strip()
            for name in ANSWER_CORRECTABLE
            if self.cleaned_data[name].strip() != (getattr(self.person, name) or "")
        }
