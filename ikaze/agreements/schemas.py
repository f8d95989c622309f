"""API shapes for agreements. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any

from django.db import models
from ninja import Schema
from pydantic import BaseModel, StrictBool, StrictInt, create_model

from ikaze.agreements.models import (
    EDITABLE_FIELDS,
    Agreement,
    CompensationLine,
    InterstatePayment,
    SupportItem,
    Tranche,
)
from ikaze.agreements.money import Money
from ikaze.agreements.selectors import LineDue, country_name, money_summary
from ikaze.agreements.services import PAYMENT_NOTE_MAX_CHARS
from ikaze.agreements.standards import below_standard, below_standard_of
from ikaze.core.text import FREE_TEXT_MAX_CHARS, IsoDate, ModelText, Text


def _editable_type(name: str) -> Any:
    """The API type of an editable field, read from the model field: text with the column's
    limits (`ModelText`; required where the model refuses blanks), strict booleans and
    integers, ISO dates; nullable where the column is. The service checks the values again."""
    field = Agreement._meta.get_field(name)
    assert isinstance(field, models.Field)
    kind: Any
    if isinstance(field, models.BooleanField):
        kind = StrictBool
    elif isinstance(field, models.DateField):
        kind = IsoDate
    elif isinstance(field, models.IntegerField):
        kind = StrictInt
    else:
        kind = Annotated[str, ModelText(Agreement, name, required=not field.blank)]
    return kind | None if field.null else kind


def _create_default(name: str) -> Any:
    """What an omitted field takes on create: the model's default, else empty or null; `...`
    (required) for a field the model needs a value for."""
    field = Agreement._meta.get_field(name)
    assert isinstance(field, models.Field)
    if field.has_default():
        default = field.get_default()
        return default.value if isinstance(default, Enum) else default
    if field.null:
        return None
    return "" if field.blank else ...


# Built from the one list of editable fields (models.EDITABLE_FIELDS, issue 10 item 4): a field
# added there is in both bodies, with the type and limits its column declares.
_CREATE_FIELDS: dict[str, Any] = {
    name: (_editable_type(name), _create_default(name)) for name in EDITABLE_FIELDS
}
_PATCH_FIELDS: dict[str, Any] = {
    name: (_editable_type(name) | None, None) for name in EDITABLE_FIELDS
}
_AgreementCreateFields = create_model("_AgreementCreateFields", __base__=Schema, **_CREATE_FIELDS)
_AgreementPatchFields = create_model("_AgreementPatchFields", __base__=Schema, **_PATCH_FIELDS)


class AgreementCreateIn(_AgreementCreateFields):
    code: Annotated[str, ModelText(Agreement, "code", required=True)]


class AgreementPatchIn(_AgreementPatchFields):
    """Send the `version` you read and only the fields you change."""

    version: StrictInt


class TransitionIn(Schema):
    to: Annotated[str, ModelText(Agreement, "status", required=True)]
    # The reason is kept in the audit chain: free text.
    reason: Annotated[str, Text(max_length=FREE_TEXT_MAX_CHARS, multiline=True, required=True)]


class TrancheIn(Schema):
    label: Annotated[str, ModelText(Tranche, "label", required=True)]
    starts_on: IsoDate
    ends_on: IsoDate
    cap: StrictInt


class SupportItemIn(Schema):
    kind: Annotated[str, ModelText(SupportItem, "kind", required=True)]
    description: Annotated[str, ModelText(SupportItem, "description", required=True)]
    amount_minor: StrictInt | None = None
    currency: Annotated[str, ModelText(SupportItem, "currency")] = ""
    frequency: Annotated[str, ModelText(SupportItem, "frequency", required=True)] = "once"
    duration_months: StrictInt | None = None


class CompensationLineIn(Schema):
    category: Annotated[str, ModelText(CompensationLine, "category", required=True)]
    description: Annotated[str, ModelText(CompensationLine, "description", required=True)]
    amount_minor: StrictInt
    currency: Annotated[str, ModelText(CompensationLine, "currency", required=True)]
    trigger_people: StrictInt | None = None
    per_person: StrictBool | None = None


class PaymentIn(Schema):
    category: Annotated[str, ModelText(InterstatePayment, "category", required=True)]
    # The schedule line's id; needed when the category has several lines.
    line: Annotated[str, Text(max_length=36)] | None = None
    amount_minor: StrictInt
    currency: Annotated[str, ModelText(InterstatePayment, "currency", required=True)]
    # Only across currencies: units of the line's currency for one unit paid, as a decimal
    # string ("1450.25"), with the rate's date and source.
    exchange_rate: Annotated[str, Text(max_length=40)] | None = None
    rate_on: IsoDate | None = None
    rate_source: Annotated[str, ModelText(InterstatePayment, "rate_source")] = ""
    paid_on: IsoDate
    reference: Annotated[str, ModelText(InterstatePayment, "reference", required=True)]
    note: Annotated[str, Text(max_length=PAYMENT_NOTE_MAX_CHARS, multiline=True)] = ""


def decimal_or_text(value: str | None) -> Decimal | str | None:
    """A decimal string as a Decimal; anything else as it came, for the service to refuse."""
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return value


class ReversalIn(Schema):
    reference: Annotated[str, ModelText(InterstatePayment, "reference", required=True)]
    reason: Annotated[str, Text(max_length=PAYMENT_NOTE_MAX_CHARS, multiline=True, required=True)]
    reversed_on: IsoDate | None = None


class MoneyOut(Schema):
    amount_minor: int
    currency: str


# The list's shapes are plain pydantic models, not ninja Schemas: they validate the dicts the
# view builds inside pydantic-core, without ninja wrapping every value in a DjangoGetter
# (a third of the list's time, issue 2). They read no model attributes, so need no getter.
class DeviationOut(BaseModel):
    setting: str
    value: int
    standard: int
    source: str


class AgreementOut(Schema):
    code: str
    title: str
    description: str
    sending_state: str
    sending_state_name: str
    receiving_state: str
    receiving_state_name: str
    status: str
    instrument: str
    instrument_reference: str
    voluntary: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    currency: str
    cap_total: int | None
    places_used: int
    relocated_before_system: int
    assessment_max_age_days: int
    acceptance_valid_days: int
    notice_period_days: int
    review_window_days: int
    rights_briefing_days: int
    complaint_ack_days: int
    appeal_window_days: int
    below_standard: list[DeviationOut]
    version: int


class AgreementListItemOut(BaseModel):
    """What a list needs; everything else is at /{code} (the list is a hot path: issue 2)."""

    code: str
    title: str
    status: str
    sending_state: str
    sending_state_name: str
    receiving_state: str
    receiving_state_name: str
    cap_total: int | None
    places_used: int
    below_standard: list[DeviationOut]


class AgreementPage(BaseModel):
    items: list[AgreementListItemOut]
    page: int
    pages: int
    total: int


class TrancheOut(Schema):
    id: str
    label: str
    starts_on: dt.date
    ends_on: dt.date
    cap: int
    places_used: int


class SupportItemOut(Schema):
    id: str
    kind: str
    description: str
    amount_minor: int | None
    currency: str
    frequency: str
    duration_months: int | None


class CompensationLineOut(Schema):
    id: str
    category: str
    description: str
    amount_minor: int
    currency: str
    trigger_people: int | None
    per_person: bool
    due_so_far: MoneyOut
    paid: MoneyOut  # net of reversals, in the line's currency
    arrears: MoneyOut  # due and not paid; never negative


class PaymentOut(Schema):
    id: str
    category: str
    line: str | None
    amount_minor: int
    currency: str
    exchange_rate: str | None
    rate_on: dt.date | None
    rate_source: str
    line_amount_minor: int | None
    paid_on: dt.date
    reference: str
    note: str
    unscheduled: bool
    reverses: str | None  # a reversal: the payment it takes back
    reversed: bool


class CategoryMoneyOut(Schema):
    category: str
    due: list[MoneyOut]
    paid: list[MoneyOut]
    arrears: list[MoneyOut]
    unscheduled: bool
    over_due: bool


class MoneySummaryOut(Schema):
    relocated: int
    due_total: list[MoneyOut]
    paid_total: list[MoneyOut]
    arrears_total: list[MoneyOut]
    cost_per_person: list[MoneyOut] | None
    categories: list[CategoryMoneyOut]


class AgreementDetailOut(AgreementOut):
    tranches: list[TrancheOut]
    support_items: list[SupportItemOut]
    compensation_lines: list[CompensationLineOut]
    payments: list[PaymentOut]
    money: MoneySummaryOut


# What the API shows of an agreement besides its names and deviations (AgreementOut).
_FIELDS = ("code", "status", "places_used", "version", *EDITABLE_FIELDS)


def _money(m: Money) -> dict[str, Any]:
    return {"amount_minor": m.minor, "currency": m.currency}


def agreement_out(agreement: Agreement) -> dict[str, Any]:
    """The agreement as the API shows it (no extra queries)."""
    out: dict[str, Any] = {f: getattr(agreement, f) for f in _FIELDS}
    out["sending_state_name"] = country_name(agreement.sending_state)
    out["receiving_state_name"] = country_name(agreement.receiving_state)
    out["below_standard"] = [
        {"setting": d.setting, "value": d.value, "standard": d.standard, "source": d.source}
        for d in below_standard(agreement)
    ]
    return out


def agreement_list_item_out(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `selectors.agreement_list_rows` as the list shows it (no queries)."""
    return {
        "code": row["code"],
        "title": row["title"],
        "status": row["status"],
        "sending_state": row["sending_state"],
        "sending_state_name": country_name(row["sending_state"]),
        "receiving_state": row["receiving_state"],
        "receiving_state_name": country_name(row["receiving_state"]),
        "cap_total": row["cap_total"],
        "places_used": row["places_used"],
        "below_standard": below_standard_of(row),
    }


def payment_out(p: InterstatePayment, *, unscheduled: bool, reversed_: bool) -> dict[str, Any]:
    """A payment or a reversal as the API shows it."""
    return {
        "id": str(p.pk),
        "category": p.category,
        "line": str(p.line_id) if p.line_id else None,
        "amount_minor": p.amount_minor,
        "currency": p.currency,
        "exchange_rate": (
            format(p.exchange_rate.normalize(), "f") if p.exchange_rate is not None else None
        ),
        "rate_on": p.rate_on,
        "rate_source": p.rate_source,
        "line_amount_minor": p.line_amount_minor,
        "paid_on": p.paid_on,
        "reference": p.reference,
        "note": p.note,
        "unscheduled": unscheduled,
        "reverses": str(p.reverses_id) if p.reverses_id else None,
        "reversed": reversed_,
    }


def _paid(d: LineDue) -> Money:
    return d.paid if d.paid is not None else Money(0, d.line.currency)


def agreement_detail_out(agreement: Agreement) -> dict[str, Any]:
    """The agreement with its periods, support package, schedule, payments and money figures."""
    lines = list(agreement.compensation_lines.all())
    payments = list(agreement.payments.all())
    summary = money_summary(agreement=agreement, lines=lines, payments=payments)
    due_by_line = {str(d.line.pk): d for c in summary.categories for d in c.lines}
    reversed_ids = {str(p.reverses_id) for p in payments if p.reverses_id is not None}
    out = agreement_out(agreement)
    out["tranches"] = [
        {
            "id": str(t.pk),
            "label": t.label,
            "starts_on": t.starts_on,
            "ends_on": t.ends_on,
            "cap": t.cap,
            "places_used": t.places_used,
        }
        for t in agreement.tranches.all()
    ]
    out["support_items"] = [
        {
            "id": str(s.pk),
            "kind": s.kind,
            "description": s.description,
            "amount_minor": s.amount_minor,
            "currency": s.currency,
            "frequency": s.frequency,
            "duration_months": s.duration_months,
        }
        for s in agreement.support_items.all()
    ]
    out["compensation_lines"] = [
        {
            "id": str(line.pk),
            "category": line.category,
            "description": line.description,
            "amount_minor": line.amount_minor,
            "currency": line.currency,
            "trigger_people": line.trigger_people,
            "per_person": line.per_person,
            "due_so_far": _money(due_by_line[str(line.pk)].due),
            "paid": _money(_paid(due_by_line[str(line.pk)])),
            "arrears": _money(due_by_line[str(line.pk)].arrears),
        }
        for line in lines
    ]
    out["payments"] = [
        payment_out(
            p,
            unscheduled=str(p.pk) in summary.unscheduled_payment_ids,
            reversed_=str(p.pk) in reversed_ids,
        )
        for p in payments
    ]
    out["money"] = {
        "relocated": summary.relocated,
        "due_total": [_money(m) for m in summary.due_total],
        "paid_total": [_money(m) for m in summary.paid_total],
        "arrears_total": [_money(m) for m in summary.arrears_total],
        "cost_per_person": (
            [_money(m) for m in summary.cost_per_person]
            if summary.cost_per_person is not None
            else None
        ),
        "categories": [
            {
                "category": c.category,
                "due": [_money(m) for m in c.due],
                "paid": [_money(m) for m in c.paid],
                "arrears": [_money(m) for m in c.arrears],
                "unscheduled": c.unscheduled,
                "over_due": c.over_due,
            }
            for c in summary.categories
        ],
    }
    return out
