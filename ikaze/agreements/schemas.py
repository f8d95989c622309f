"""API shapes for agreements. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import BaseModel, StrictBool, StrictInt

from ikaze.agreements.models import (
    Agreement,
    CompensationLine,
    InterstatePayment,
    SupportItem,
    Tranche,
)
from ikaze.agreements.money import Money
from ikaze.agreements.selectors import MoneySummary, country_name, money_summary
from ikaze.agreements.services import PAYMENT_NOTE_MAX_CHARS
from ikaze.agreements.standards import below_standard, below_standard_of
from ikaze.core.text import FREE_TEXT_MAX_CHARS, IsoDate, ModelText, Text

# The text limits of agreements' fields, where the service checks them (agreements/services.py).
Title = Annotated[str, ModelText(Agreement, "title", required=True)]
Description = Annotated[str, ModelText(Agreement, "description")]
InstrumentReference = Annotated[str, ModelText(Agreement, "instrument_reference")]
State = Annotated[str, ModelText(Agreement, "sending_state", required=True)]
Instrument = Annotated[str, ModelText(Agreement, "instrument", required=True)]
Currency = Annotated[str, ModelText(Agreement, "currency", required=True)]


class AgreementCreateIn(Schema):
    code: Annotated[str, ModelText(Agreement, "code", required=True)]
    title: Title
    sending_state: State
    receiving_state: State
    description: Description = ""
    instrument: Instrument = Agreement.Instrument.ARRANGEMENT.value
    instrument_reference: InstrumentReference = ""
    voluntary: StrictBool = False
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    currency: Currency = "USD"
    cap_total: StrictInt | None = None
    relocated_before_system: StrictInt = 0
    assessment_max_age_days: StrictInt = 30
    acceptance_valid_days: StrictInt = 90
    notice_period_days: StrictInt = 10
    review_window_days: StrictInt = 15
    rights_briefing_days: StrictInt = 7
    complaint_ack_days: StrictInt = 5
    appeal_window_days: StrictInt = 30


class AgreementPatchIn(Schema):
    """Send the `version` you read and only the fields you change."""

    version: StrictInt
    title: Title | None = None
    description: Description | None = None
    sending_state: State | None = None
    receiving_state: State | None = None
    instrument: Instrument | None = None
    instrument_reference: InstrumentReference | None = None
    voluntary: StrictBool | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    currency: Currency | None = None
    cap_total: StrictInt | None = None
    relocated_before_system: StrictInt | None = None
    assessment_max_age_days: StrictInt | None = None
    acceptance_valid_days: StrictInt | None = None
    notice_period_days: StrictInt | None = None
    review_window_days: StrictInt | None = None
    rights_briefing_days: StrictInt | None = None
    complaint_ack_days: StrictInt | None = None
    appeal_window_days: StrictInt | None = None


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
    amount_minor: StrictInt
    currency: Annotated[str, ModelText(InterstatePayment, "currency", required=True)]
    paid_on: IsoDate
    reference: Annotated[str, ModelText(InterstatePayment, "reference", required=True)]
    note: Annotated[str, Text(max_length=PAYMENT_NOTE_MAX_CHARS, multiline=True)] = ""


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


class PaymentOut(Schema):
    id: str
    category: str
    amount_minor: int
    currency: str
    paid_on: dt.date
    reference: str
    note: str
    unscheduled: bool


class CategoryMoneyOut(Schema):
    category: str
    due: list[MoneyOut]
    paid: list[MoneyOut]
    unscheduled: bool
    over_due: bool


class MoneySummaryOut(Schema):
    relocated: int
    due_total: list[MoneyOut]
    paid_total: list[MoneyOut]
    cost_per_person: list[MoneyOut] | None
    categories: list[CategoryMoneyOut]


class AgreementDetailOut(AgreementOut):
    tranches: list[TrancheOut]
    support_items: list[SupportItemOut]
    compensation_lines: list[CompensationLineOut]
    payments: list[PaymentOut]
    money: MoneySummaryOut


_FIELDS = (
    "code",
    "title",
    "description",
    "sending_state",
    "receiving_state",
    "status",
    "instrument",
    "instrument_reference",
    "voluntary",
    "valid_from",
    "valid_to",
    "currency",
    "cap_total",
    "places_used",
    "relocated_before_system",
    "assessment_max_age_days",
    "acceptance_valid_days",
    "notice_period_days",
    "review_window_days",
    "rights_briefing_days",
    "complaint_ack_days",
    "appeal_window_days",
    "version",
)


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


def _payment_out(p: InterstatePayment, summary: MoneySummary) -> dict[str, Any]:
    return {
        "id": str(p.pk),
        "category": p.category,
        "amount_minor": p.amount_minor,
        "currency": p.currency,
        "paid_on": p.paid_on,
        "reference": p.reference,
        "note": p.note,
        "unscheduled": str(p.pk) in summary.unscheduled_payment_ids,
    }


def agreement_detail_out(agreement: Agreement) -> dict[str, Any]:
    """The agreement with its periods, support package, schedule, payments and money figures."""
    lines = list(agreement.compensation_lines.all())
    payments = list(agreement.payments.all())
    summary = money_summary(agreement=agreement, lines=lines, payments=payments)
    due_by_line = {str(d.line.pk): d.due for c in summary.categories for d in c.lines}
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
            "due_so_far": _money(due_by_line[str(line.pk)]),
        }
        for line in lines
    ]
    out["payments"] = [_payment_out(p, summary) for p in payments]
    out["money"] = {
        "relocated": summary.relocated,
        "due_total": [_money(m) for m in summary.due_total],
        "paid_total": [_money(m) for m in summary.paid_total],
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
                "unscheduled": c.unscheduled,
                "over_due": c.over_due,
            }
            for c in summary.categories
        ],
    }
    return out
