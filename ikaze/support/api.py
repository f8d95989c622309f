"""The support API: payment batches (prepare, approve, send), reconciliation, a person's
payment history, reductions and stops."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements import selectors as agreements
from ikaze.core.errors import ValidationError
from ikaze.support import reconciliation, selectors, services
from ikaze.support.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    PaymentBatchDetailOut,
    PaymentBatchIn,
    PaymentBatchOut,
    PaymentBatchPage,
    PaymentReconciliationOut,
    PaymentReconciliationPage,
    PersonPaymentsOut,
    RateIn,
    RateOut,
    ReconcileIn,
    WalletIn,
    WalletOut,
    batch_out,
    incident_out,
    payment_out,
    reconciliation_out,
)

router = GuardedRouter(tags=["support"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _detail(batch: Any) -> dict[str, Any]:
    out = batch_out(batch, selectors.batch_progress(batch=batch))
    out["payments"] = [payment_out(p) for p in selectors.batch_payments(batch=batch)[:2000]]
    return out


@router.get(
    "/batches",
    perm=Perm.SUPPORT_VIEW,
    response={200: PaymentBatchPage, 401: ErrorOut, 403: ErrorOut},
)
def list_batches(request: HttpRequest) -> Any:
    """Payment batches, newest first, with each one's progress."""
    actor = actor_of(request)
    return {
        "items": [
            batch_out(b, selectors.batch_progress(batch=b))
            for b in selectors.batch_list_for(actor=actor)[:200]
        ]
    }


@router.post("/batches", perm=Perm.SUPPORT_PREPARE, response={201: PaymentBatchOut, **_WRITE})
def prepare_batch(request: HttpRequest, payload: PaymentBatchIn) -> Any:
    """Prepare a batch of an agreement's due entitlements (of a kind, for a period)."""
    actor = actor_of(request)
    agreement = agreements.agreement_get_for(actor=actor, code=payload.agreement)
    batch = services.batch_prepare(
        actor=actor, agreement=agreement, kind=payload.kind, period=payload.period
    )
    return 201, batch_out(batch, selectors.batch_progress(batch=batch))


@router.get(
    "/batches/{batch_id}", perm=Perm.SUPPORT_VIEW, response={200: PaymentBatchDetailOut, **_READ}
)
def get_batch(request: HttpRequest, batch_id: str) -> Any:
    """One batch: every payment with its state, and the progress of sending."""
    return _detail(selectors.batch_get_for(actor=actor_of(request), batch_id=batch_id))


@router.post(
    "/batches/{batch_id}/approve",
    perm=Perm.SUPPORT_APPROVE,
    response={200: PaymentBatchOut, **_WRITE},
)
def approve_batch(request: HttpRequest, batch_id: str) -> Any:
    """Approve a prepared batch (not its maker; a person signed in with a second factor)."""
    actor = actor_of(request)
    batch = services.batch_approve(
        actor=actor, batch=selectors.batch_get_for(actor=actor, batch_id=batch_id)
    )
    return batch_out(batch, selectors.batch_progress(batch=batch))


@router.post(
    "/batches/{batch_id}/send", perm=Perm.SUPPORT_SEND, response={202: PaymentBatchOut, **_WRITE}
)
def send_batch(request: HttpRequest, batch_id: str) -> Any:
    """Start sending an approved batch in the background; poll the batch for progress."""
    actor = actor_of(request)
    batch = services.batch_send(
        actor=actor, batch=selectors.batch_get_for(actor=actor, batch_id=batch_id)
    )
    return 202, batch_out(batch, selectors.batch_progress(batch=batch))


@router.get(
    "/reconciliations",
    perm=Perm.SUPPORT_VIEW,
    response={200: PaymentReconciliationPage, 401: ErrorOut, 403: ErrorOut},
)
def list_reconciliations(request: HttpRequest) -> Any:
    """Reconciliation runs (newest first) and the incidents not yet explained."""
    actor = actor_of(request)
    return {
        "items": [
            reconciliation_out(r) for r in selectors.reconciliation_list_for(actor=actor)[:50]
        ],
        "incidents": [
            incident_out(i) for i in selectors.incident_list_for(actor=actor, open_only=True)[:500]
        ],
    }


@router.post(
    "/reconciliations",
    perm=Perm.SUPPORT_RECONCILE,
    response={201: PaymentReconciliationOut, **_WRITE},
)
def reconcile(request: HttpRequest, payload: ReconcileIn) -> Any:
    """Compare the ledger with the provider (one batch, or everything still open)."""
    actor = actor_of(request)
    batch = selectors.batch_get_for(actor=actor, batch_id=payload.batch) if payload.batch else None
    return 201, reconciliation_out(reconciliation.reconciliation_run(actor=actor, batch=batch))


@router.get(
    "/people/{person_id}/payments",
    perm=Perm.SUPPORT_VIEW,
    response={200: PersonPaymentsOut, **_READ},
)
def person_payments(request: HttpRequest, person_id: str) -> Any:
    """A person's entitlements and payments."""
    data = selectors.person_payments_for(actor=actor_of(request), person_id=person_id)
    return {
        "entitlements": [
            {
                "id": e.pk,
                "kind": e.kind,
                "period": e.period,
                "due_date": e.due_date,
                "amount_minor": e.amount_minor,
                "currency": e.currency,
                "source_amount_minor": e.source_amount_minor,
                "source_currency": e.source_currency,
                "status": e.status,
            }
            for e in data["entitlements"]
        ],
        "payments": [payment_out(p) for p in data["payments"]],
    }


@router.post(
    "/adjustments", perm=Perm.SUPPORT_ADJUST_REQUEST, response={201: AdjustmentOut, **_WRITE}
)
def request_adjustment(request: HttpRequest, payload: AdjustmentIn) -> Any:
    """Ask to reduce or stop an entitlement (a reason code; never a complaint, appeal or fear
    claim: SAFEGUARDS B8); another person approves."""
    actor = actor_of(request)
    entitlement = selectors.entitlement_get_for(actor=actor, entitlement_id=payload.entitlement)
    adj = services.adjustment_request(
        actor=actor,
        entitlement=entitlement,
        kind=payload.kind,
        reason_code=payload.reason_code,
        explanation=payload.explanation,
        new_amount_minor=payload.new_amount_minor,
    )
    return 201, {
        "id": adj.pk,
        "entitlement": adj.entitlement_id,
        "kind": adj.kind,
        "reason_code": adj.reason_code,
        "explanation": adj.explanation,
        "new_amount_minor": adj.new_amount_minor,
        "status": adj.status,
    }


@router.post(
    "/adjustments/{adjustment_id}/approve",
    perm=Perm.SUPPORT_ADJUST_APPROVE,
    response={200: AdjustmentOut, **_WRITE},
)
def approve_adjustment(request: HttpRequest, adjustment_id: str) -> Any:
    """Approve a reduction or stop (another person than who asked, with a second factor)."""
    actor = actor_of(request)
    adj = services.adjustment_approve(
        actor=actor,
        adjustment=selectors.adjustment_get_for(actor=actor, adjustment_id=adjustment_id),
    )
    return {
        "id": adj.pk,
        "entitlement": adj.entitlement_id,
        "kind": adj.kind,
        "reason_code": adj.reason_code,
        "explanation": adj.explanation,
        "new_amount_minor": adj.new_amount_minor,
        "status": adj.status,
    }


@router.post("/rates", perm=Perm.SUPPORT_PREPARE, response={201: RateOut, **_WRITE})
def record_rate(request: HttpRequest, payload: RateIn) -> Any:
    """Record how many Rwandan francs one unit of a currency buys on a date, and the source."""
    try:
        value = Decimal(payload.rwf_per_unit.strip())
    except InvalidOperation:
        raise ValidationError.for_field("rwf_per_unit", _("Give a decimal number.")) from None
    if not value.is_finite():
        raise ValidationError.for_field("rwf_per_unit", _("Give a decimal number."))
    rate = services.exchange_rate_record(
        actor=actor_of(request),
        currency=payload.currency,
        rwf_per_unit=value,
        rate_date=payload.rate_date,
        source=payload.source,
    )
    return 201, {
        "id": rate.pk,
        "currency": rate.currency,
        "rwf_per_unit": str(rate.rwf_per_unit),
        "rate_date": rate.rate_date,
        "source": rate.source,
    }


@router.put(
    "/people/{person_id}/wallet", perm=Perm.SUPPORT_PREPARE, response={200: WalletOut, **_WRITE}
)
def register_wallet(request: HttpRequest, person_id: str, payload: WalletIn) -> Any:
    """Record a person's MTN mobile-money number once valid (+250 78/79) and its account is
    confirmed active by the provider (SAFEGUARDS E3)."""
    actor = actor_of(request)
    person = selectors.payee_get_for(actor=actor, person_id=person_id)
    w = services.wallet_register(actor=actor, person=person, msisdn=payload.msisdn)
    return {
        "person": w.person_id,
        "msisdn": w.msisdn,
        "holder_name": w.holder_name,
        "active": w.active,
        "checked_at": w.checked_at,
    }
