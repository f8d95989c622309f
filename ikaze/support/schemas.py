"""API shapes for support payments. Inputs are checked again by the services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StrictInt

from ikaze.core.text import IsoDate, Text
from ikaze.support.models import Incident, Payment, PaymentBatch, Reconciliation
from ikaze.support.selectors import Progress


class PaymentBatchIn(Schema):
    agreement: Annotated[str, Text(max_length=40, required=True)]
    kind: Annotated[str, Text(max_length=16)] = ""
    period: Annotated[str, Text(max_length=7)] = ""


class ProgressOut(Schema):
    total: int
    done: int
    percent: int
    paid: int
    failed: int
    pending: int


class SupportPaymentOut(Schema):
    id: uuid.UUID
    reference_id: uuid.UUID
    person: uuid.UUID
    payee_name: str
    msisdn: str
    amount_minor: int
    currency: str
    state: str
    reason: str
    attempts: int
    settled_at: dt.datetime | None


class PaymentBatchOut(Schema):
    id: uuid.UUID
    agreement: str
    kind: str
    period: str
    status: str
    prepared_by: str
    approved_by: str | None
    approved_at: dt.datetime | None
    total_count: int
    total_minor: int
    excluded: list[dict[str, str]]
    progress: ProgressOut


class PaymentBatchDetailOut(PaymentBatchOut):
    payments: list[SupportPaymentOut]


class PaymentBatchPage(Schema):
    items: list[PaymentBatchOut]


class PaymentIncidentOut(Schema):
    id: uuid.UUID
    kind: str
    payment: uuid.UUID | None
    detail: str
    opened_at: dt.datetime
    explained_at: dt.datetime | None
    explanation: str


class ReconcileIn(Schema):
    batch: uuid.UUID | None = None


class PaymentReconciliationOut(Schema):
    id: uuid.UUID
    batch: uuid.UUID | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    checked: int
    resolved: int
    incidents: int
    unreconciled: int
    provider_balance_minor: int | None
    differences: list[dict[str, Any]]


class PaymentReconciliationPage(Schema):
    items: list[PaymentReconciliationOut]
    incidents: list[PaymentIncidentOut]


class EntitlementOut(Schema):
    id: uuid.UUID
    kind: str
    period: str
    due_date: dt.date
    amount_minor: int
    currency: str
    source_amount_minor: int
    source_currency: str
    status: str


class PersonPaymentsOut(Schema):
    entitlements: list[EntitlementOut]
    payments: list[SupportPaymentOut]


class AdjustmentIn(Schema):
    entitlement: uuid.UUID
    kind: Literal["reduce", "stop"]
    reason_code: Annotated[str, Text(max_length=24, required=True)]
    explanation: Annotated[str, Text(max_length=2000, multiline=True, required=True)]
    new_amount_minor: StrictInt | None = Field(default=None, ge=0, le=10**12)


class AdjustmentOut(Schema):
    id: uuid.UUID
    entitlement: uuid.UUID
    kind: str
    reason_code: str
    explanation: str
    new_amount_minor: int | None
    status: str


class RateIn(Schema):
    currency: Annotated[str, Text(max_length=3, required=True)]
    rwf_per_unit: Annotated[str, Text(max_length=20, required=True)]  # a decimal, as text
    rate_date: IsoDate
    source: Annotated[str, Text(max_length=200, required=True)]


class RateOut(Schema):
    id: uuid.UUID
    currency: str
    rwf_per_unit: str
    rate_date: dt.date
    source: str


class WalletIn(Schema):
    msisdn: Annotated[str, Text(max_length=32, required=True)]


class WalletOut(Schema):
    person: uuid.UUID
    msisdn: str
    holder_name: str
    active: bool
    checked_at: dt.datetime | None


def progress_out(p: Progress) -> ProgressOut:
    return ProgressOut(
        total=p.total,
        done=p.done,
        percent=p.percent,
        paid=p.paid,
        failed=p.failed,
        pending=p.pending,
    )


def payment_out(p: Payment) -> SupportPaymentOut:
    return SupportPaymentOut(
        id=p.pk,
        reference_id=p.reference_id,
        person=p.person_id,
        payee_name=p.payee_name,
        msisdn=p.msisdn,
        amount_minor=p.amount_minor,
        currency=p.currency,
        state=p.state,
        reason=p.reason,
        attempts=p.attempts,
        settled_at=p.settled_at,
    )


def batch_out(b: PaymentBatch, progress: Progress) -> dict[str, Any]:
    return {
        "id": b.pk,
        "agreement": b.agreement.code,
        "kind": b.kind,
        "period": b.period,
        "status": b.status,
        "prepared_by": b.prepared_by.get_username(),
        "approved_by": b.approved_by.get_username() if b.approved_by else None,
        "approved_at": b.approved_at,
        "total_count": b.total_count,
        "total_minor": b.total_minor,
        "excluded": b.excluded,
        "progress": progress_out(progress),
    }


def incident_out(i: Incident) -> PaymentIncidentOut:
    return PaymentIncidentOut(
        id=i.pk,
        kind=i.kind,
        payment=i.payment_id,
        detail=i.detail,
        opened_at=i.opened_at,
        explained_at=i.explained_at,
        explanation=i.explanation,
    )


def reconciliation_out(r: Reconciliation) -> PaymentReconciliationOut:
    return PaymentReconciliationOut(
        id=r.pk,
        batch=r.batch_id,
        started_at=r.started_at,
        finished_at=r.finished_at,
        checked=r.checked,
        resolved=r.resolved,
        incidents=r.incidents,
        unreconciled=r.unreconciled,
        provider_balance_minor=r.provider_balance_minor,
        differences=list(r.differences)[:500],
    )
