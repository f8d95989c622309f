"""Sending an approved batch: the background job's bulk path (STYLE 11, ADR support-sending).

Exactly once, whatever happens to the sender:

- one sender holds a batch at a time: a lease taken by a conditional UPDATE (a killed sender's
  lease runs out, and the next run takes over);
- every payment's reference id was stored when the batch was prepared (SAFEGUARDS E1); a rerun
  submits the same id again and the provider answers 409 ("already submitted"), never a second
  transfer;
- a payment becomes successful only from a status query (E2), through a conditional UPDATE of
  its state, with its ledger postings in the same transaction (one per payment and event, by a
  unique constraint).

The HTTP calls run on a bounded thread pool sharing one keep-alive client; the database writes
stay on the calling thread, one transaction per chunk. The naive sender the benchmark compares
with is the same code with one worker and chunks of one (`workers=1, chunk=1`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ikaze.accounts.access import Role
from ikaze.accounts.actor import command_line_actor
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.support import ledger
from ikaze.support.models import (
    BatchStatus,
    Entitlement,
    EntitlementStatus,
    Incident,
    IncidentKind,
    LedgerEntry,
    Payment,
    PaymentBatch,
    PaymentState,
)
from ikaze.support.providers.base import (
    PaymentProvider,
    ProviderRefused,
    ProviderUnavailable,
    TransferState,
    TransferStatus,
    provider_for,
)

OPEN_STATES = (PaymentState.CREATED, PaymentState.SUBMITTED, PaymentState.PENDING)
SENDER = command_line_actor(roles=frozenset({Role.FINANCE_OFFICER}), label="payment sender")


def lease_seconds() -> float:
    return float(getattr(settings, "IKAZE_SUPPORT_LEASE_SECONDS", 120))


def default_workers() -> int:
    return int(getattr(settings, "IKAZE_SUPPORT_SEND_WORKERS", 16))


@dataclass
class Outcome:
    payment_id: uuid.UUID
    submitted: bool = False
    refused: tuple[str, str] | None = None
    status: TransferStatus | None = None
    error: str = ""


@dataclass
class SendResult:
    claimed: bool
    done: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    calls: int = 0


# --- the provider side (worker threads: HTTP only, no database) -------------------------------


def _exchange(provider: PaymentProvider, p: dict[str, Any], tries: int = 2) -> Outcome:
    out = Outcome(payment_id=p["id"])
    state = p["state"]
    if state == PaymentState.CREATED:
        for attempt in range(tries):
            try:
                provider.submit(
                    reference_id=p["reference_id"],
                    msisdn=p["msisdn"],
                    amount_minor=p["amount_minor"],
                    currency=p["currency"],
                    note="Ikaze support",
                )
                out.submitted = True
                break
            except ProviderRefused as exc:
                out.refused = (exc.code, exc.message)
                return out
            except ProviderUnavailable as exc:
                out.error = str(exc)
                if attempt + 1 < tries:
                    time.sleep(0.05)
        if not out.submitted:
            return out
    try:
        out.status = provider.status(p["reference_id"])
    except (ProviderUnavailable, ProviderRefused) as exc:
        out.error = str(exc)
    return out


# --- the database side (the calling thread) ----------------------------------------------------


def payment_settle(
    payment: Payment | dict[str, Any], status: TransferStatus, *, now: dt.datetime
) -> str:
    """Apply a status the provider reported to a payment (E2: the only way to success);
    return the state it is now in. Conditional on the state it was in: a concurrent settle
    changes nothing twice."""
    pid = payment["id"] if isinstance(payment, dict) else payment.pk

    def field_of(name: str) -> Any:
        return payment[name] if isinstance(payment, dict) else getattr(payment, name)

    entitlement_id = field_of("entitlement_id")
    amount = field_of("amount_minor")
    currency = field_of("currency")
    if status.state == TransferState.SUCCESSFUL:
        moved = Payment.objects.filter(pk=pid, state__in=OPEN_STATES[1:]).update(
            state=PaymentState.SUCCESSFUL,
            provider_ref=status.provider_ref or "",
            provider_amount_minor=status.amount_minor,
            settled_at=now,
            reason="",
        )
        if moved:
            ledger.post_many(
                [
                    ledger.entry(
                        "settle",
                        amount_minor=amount,
                        currency=currency,
                        entitlement_id=entitlement_id,
                        payment_id=pid,
                    )
                ]
            )
            Entitlement.objects.filter(pk=entitlement_id).update(status=EntitlementStatus.PAID)
            if status.amount_minor is not None and (
                status.amount_minor != amount or (status.currency or currency) != currency
            ):
                incident_open(
                    kind=IncidentKind.AMOUNT_MISMATCH,
                    payment_id=pid,
                    detail=f"sent {amount} {currency}, provider reports "
                    f"{status.amount_minor} {status.currency}",
                    now=now,
                )
            return PaymentState.SUCCESSFUL
    elif status.state == TransferState.FAILED:
        moved = Payment.objects.filter(pk=pid, state__in=OPEN_STATES[1:]).update(
            state=PaymentState.FAILED, reason=(status.reason or "failed")[:300], settled_at=now
        )
        if moved:
            ledger.post_many(
                [
                    ledger.entry(
                        "fail",
                        amount_minor=amount,
                        currency=currency,
                        entitlement_id=entitlement_id,
                        payment_id=pid,
                    )
                ]
            )
            Entitlement.objects.filter(pk=entitlement_id).update(status=EntitlementStatus.OPEN)
            return PaymentState.FAILED
    elif status.state == TransferState.PENDING:
        Payment.objects.filter(pk=pid, state=PaymentState.SUBMITTED).update(
            state=PaymentState.PENDING
        )
    return str(Payment.objects.filter(pk=pid).values_list("state", flat=True).first())


def incident_open(*, kind: str, payment_id: Any, detail: str, now: dt.datetime) -> bool:
    """Open an incident for a payment unless one of that kind is open or explained already."""
    if Incident.objects.filter(payment_id=payment_id, kind=kind).exists():
        return False
    batch_id = Payment.objects.filter(pk=payment_id).values_list("batch_id", flat=True).first()
    Incident.objects.create(
        kind=kind, payment_id=payment_id, batch_id=batch_id, detail=detail, opened_at=now
    )
    return True


def _apply(rows: dict[uuid.UUID, dict[str, Any]], outcomes: Iterable[Outcome]) -> None:
    now = clock.now()
    with transaction.atomic():
        for o in outcomes:
            p = rows[o.payment_id]
            Payment.objects.filter(pk=o.payment_id).update(
                attempts=p["attempts"] + 1, last_attempt_at=now
            )
            if o.refused and p["state"] == PaymentState.CREATED:
                code, message = o.refused
                moved = Payment.objects.filter(pk=o.payment_id, state=PaymentState.CREATED).update(
                    state=PaymentState.FAILED, reason=f"{code}: {message}"[:300], settled_at=now
                )
                if moved:
                    ledger.post_many(
                        [
                            ledger.entry(
                                "refused",
                                amount_minor=p["amount_minor"],
                                currency=p["currency"],
                                entitlement_id=p["entitlement_id"],
                                payment_id=o.payment_id,
                            )
                        ]
                    )
                    Entitlement.objects.filter(pk=p["entitlement_id"]).update(
                        status=EntitlementStatus.OPEN
                    )
                continue
            if o.submitted and p["state"] == PaymentState.CREATED:
                moved = Payment.objects.filter(pk=o.payment_id, state=PaymentState.CREATED).update(
                    state=PaymentState.SUBMITTED
                )
                if moved:
                    ledger.post_many(
                        [
                            ledger.entry(
                                "submit",
                                amount_minor=p["amount_minor"],
                                currency=p["currency"],
                                entitlement_id=p["entitlement_id"],
                                payment_id=o.payment_id,
                            )
                        ]
                    )
            if o.status is not None:
                payment_settle(p, o.status, now=now)
            elif o.error:
                Payment.objects.filter(pk=o.payment_id).update(reason=o.error[:300])


def _claim(batch_id: Any, owner: str) -> bool:
    now = clock.now()
    return bool(
        PaymentBatch.objects.filter(pk=batch_id, status=BatchStatus.SENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds()))
    )


def _renew(batch_id: Any, owner: str) -> bool:
    return bool(
        PaymentBatch.objects.filter(pk=batch_id, lease_owner=owner).update(
            lease_until=clock.now() + dt.timedelta(seconds=lease_seconds())
        )
    )


_FIELDS = (
    "id",
    "state",
    "reference_id",
    "msisdn",
    "amount_minor",
    "currency",
    "attempts",
    "entitlement_id",
)


def batch_send_run(
    *,
    batch_id: Any,
    workers: int | None = None,
    chunk: int = 256,
    passes: int = 3,
    provider: PaymentProvider | None = None,
    stop_after: int | None = None,
) -> SendResult:
    """Send what is left of a batch being sent; any number of runs at once send it once.

    `stop_after` (tests) stops after that many payments, as a killed sender would."""
    owner = f"{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
    if not _claim(batch_id, owner):
        return SendResult(claimed=False)
    batch = PaymentBatch.objects.get(pk=batch_id)
    provider = provider or provider_for(batch.provider)
    workers = workers or default_workers()
    result = SendResult(claimed=True)
    handled = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(passes):
            todo = list(
                Payment.objects.filter(batch_id=batch_id, state__in=OPEN_STATES)
                .order_by("pk")
                .values(*_FIELDS)
            )
            if not todo:
                break
            for start in range(0, len(todo), chunk):
                part = todo[start : start + chunk]
                if stop_after is not None:
                    part = part[: max(0, stop_after - handled)]
                    if not part:
                        return result
                rows = {p["id"]: p for p in part}
                outcomes = list(pool.map(lambda p: _exchange(provider, p), part))
                result.calls += len(outcomes)
                _apply(rows, outcomes)
                handled += len(part)
                if not _renew(batch_id, owner):
                    return result  # another sender took over (our lease ran out)
            # What is left is pending at the provider: the reconciliation settles it.
            if not Payment.objects.filter(
                batch_id=batch_id, state__in=[PaymentState.CREATED, PaymentState.SUBMITTED]
            ).exists():
                break
    counts = batch_counts(batch_id)
    result.counts = counts
    with transaction.atomic():
        finished = False
        if not counts.get(PaymentState.CREATED):
            finished = bool(
                PaymentBatch.objects.filter(
                    pk=batch_id, status=BatchStatus.SENDING, lease_owner=owner
                ).update(status=BatchStatus.SENT, sent_at=clock.now(), lease_until=None)
            )
        else:
            PaymentBatch.objects.filter(pk=batch_id, lease_owner=owner).update(lease_until=None)
        audit_record(
            actor=SENDER,
            action="support.batch_sent" if finished else "support.batch_send_pass",
            target_type="payment_batch",
            target_id=batch_id,
            after=counts,
        )
    result.done = finished
    return result


def batch_counts(batch_id: Any) -> dict[str, int]:
    """Payments of a batch per state."""
    from django.db.models import Count

    rows = Payment.objects.filter(batch_id=batch_id).values("state").annotate(n=Count("pk"))
    return {r["state"]: r["n"] for r in rows}


def ledger_rows_of(batch_id: Any) -> int:
    return LedgerEntry.objects.filter(payment__batch_id=batch_id).count()
