"""The reconciliation job: the ledger against the provider's statuses and balance (E4).

Every payment in scope is asked for its status. A difference it can settle (a payment still
pending here that the provider has decided) is settled through the sender's one settle path; a
difference it cannot explain (an amount the provider reports otherwise, a payment the provider
does not know, a state that disagrees, one still pending after a few asks, a balance that
moved by more than what was paid) raises an incident the monitor sees. It lists every
difference either way.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.support import ledger
from ikaze.support.models import (
    IncidentKind,
    LedgerEntry,
    Payment,
    PaymentBatch,
    PaymentState,
    Reconciliation,
)
from ikaze.support.providers.base import (
    PaymentProvider,
    ProviderRefused,
    ProviderUnavailable,
    TransferState,
    TransferStatus,
    provider_for,
)
from ikaze.support.sender import incident_open, payment_settle

_FIELDS = (
    "id",
    "state",
    "reference_id",
    "amount_minor",
    "currency",
    "entitlement_id",
    "attempts",
    "provider_amount_minor",
)


def _ask(provider: PaymentProvider, ref: Any) -> TransferStatus | str:
    try:
        return provider.status(ref)
    except ProviderRefused as exc:
        return "unknown" if exc.code == "RESOURCE_NOT_FOUND" else f"refused:{exc.code}"
    except ProviderUnavailable:
        return "unavailable"


def reconciliation_run(
    *,
    actor: Actor,
    batch: PaymentBatch | None = None,
    provider: PaymentProvider | None = None,
    polls: int = 3,
    wait_seconds: float = 0.2,
    workers: int = 16,
) -> Reconciliation:
    """Compare the ledger with the provider; settle what it can, raise an incident for the rest."""
    require(
        actor,
        Perm.SUPPORT_RECONCILE,
        target_type="payment_batch",
        target_id=batch.pk if batch else "",
    )
    now = clock.now()
    qs = Payment.objects.all()
    if batch is not None:
        qs = qs.filter(batch_id=batch.pk)
    else:
        qs = qs.filter(
            Q(state__in=[PaymentState.SUBMITTED, PaymentState.PENDING])
            | Q(state=PaymentState.CREATED, attempts__gt=0)
            | Q(settled_at__gte=now - dt.timedelta(days=2))
        )
    rows = {p["id"]: p for p in qs.order_by("pk").values(*_FIELDS)}
    provider = provider or provider_for(batch.provider if batch else "momo")
    run = Reconciliation.objects.create(batch=batch, started_at=now)
    differences: list[dict[str, Any]] = []
    incidents = resolved = unreconciled = 0
    todo = [
        p for p in rows.values() if not (p["state"] == PaymentState.CREATED and not p["attempts"])
    ]
    answers: dict[Any, TransferStatus | str] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for attempt in range(polls):
            asking = [
                p
                for p in todo
                if attempt == 0
                or (
                    isinstance(answers.get(p["id"]), TransferStatus)
                    and answers[p["id"]].state == TransferState.PENDING  # type: ignore[union-attr]
                )
                or answers.get(p["id"]) == "unavailable"
            ]
            if not asking:
                break
            if attempt:
                time.sleep(wait_seconds)
            for p, answer in zip(
                asking, pool.map(lambda p: _ask(provider, p["reference_id"]), asking), strict=True
            ):
                answers[p["id"]] = answer

    def note(p: dict[str, Any], kind: str, theirs: str, resolution: str) -> None:
        differences.append(
            {
                "reference_id": str(p["reference_id"]),
                "kind": kind,
                "ours": f"{p['state']} {p['amount_minor']} {p['currency']}",
                "theirs": theirs,
                "resolution": resolution,
            }
        )

    with transaction.atomic():
        for p in todo:
            answer = answers.get(p["id"], "unavailable")
            ours = p["state"]
            if isinstance(answer, str):
                if answer == "unknown" and ours == PaymentState.CREATED:
                    note(p, "not_at_provider", answer, "resend: the sender reuses its reference")
                    resolved += 1
                elif answer == "unknown" and ours == PaymentState.FAILED:
                    continue
                elif answer == "unknown":
                    incidents += incident_open(
                        kind=IncidentKind.UNKNOWN_AT_PROVIDER,
                        payment_id=p["id"],
                        detail=f"{ours} here, unknown to the provider",
                        now=now,
                    )
                    note(p, IncidentKind.UNKNOWN_AT_PROVIDER, answer, "incident")
                else:
                    note(p, "unchecked", answer, "")
                    unreconciled += 1
                continue
            theirs = f"{answer.state} {answer.amount_minor} {answer.currency}"
            if ours in (PaymentState.CREATED, PaymentState.SUBMITTED, PaymentState.PENDING):
                if ours == PaymentState.CREATED:
                    _submitted(p)
                state = payment_settle(p | {"state": PaymentState.SUBMITTED}, answer, now=now)
                if state in (PaymentState.SUCCESSFUL, PaymentState.FAILED):
                    resolved += 1
                    note(p, "settled", theirs, state)
                    if answer.amount_minor is not None and answer.amount_minor != p["amount_minor"]:
                        incidents += 1
                        note(p, IncidentKind.AMOUNT_MISMATCH, theirs, "incident")
                else:
                    incidents += incident_open(
                        kind=IncidentKind.STILL_PENDING,
                        payment_id=p["id"],
                        detail=f"pending after {polls} status queries",
                        now=now,
                    )
                    note(p, IncidentKind.STILL_PENDING, theirs, "incident")
            elif ours == PaymentState.SUCCESSFUL:
                if answer.state != TransferState.SUCCESSFUL:
                    incidents += incident_open(
                        kind=IncidentKind.STATE_MISMATCH,
                        payment_id=p["id"],
                        detail=f"paid here, {answer.state} at the provider",
                        now=now,
                    )
                    note(p, IncidentKind.STATE_MISMATCH, theirs, "incident")
                elif answer.amount_minor is not None and answer.amount_minor != p["amount_minor"]:
                    incidents += incident_open(
                        kind=IncidentKind.AMOUNT_MISMATCH,
                        payment_id=p["id"],
                        detail=f"sent {p['amount_minor']}, provider reports {answer.amount_minor}",
                        now=now,
                    )
                    note(p, IncidentKind.AMOUNT_MISMATCH, theirs, "incident")
            elif ours == PaymentState.FAILED and answer.state == TransferState.SUCCESSFUL:
                incidents += incident_open(
                    kind=IncidentKind.STATE_MISMATCH,
                    payment_id=p["id"],
                    detail="failed here, paid at the provider",
                    now=now,
                )
                note(p, IncidentKind.STATE_MISMATCH, theirs, "incident")
        balance = _balance_check(run, provider, now, differences)
        incidents += balance
        in_transit = ledger.balances()["in_transit"]
        Reconciliation.objects.filter(pk=run.pk).update(
            finished_at=clock.now(),
            checked=len(todo),
            resolved=resolved,
            incidents=incidents,
            unreconciled=unreconciled,
            ledger_in_transit_minor=in_transit,
            differences=differences,
        )
        audit_record(
            actor=actor,
            action="support.reconcile",
            target_type="payment_batch" if batch else "support",
            target_id=batch.pk if batch else "",
            after={
                "checked": len(todo),
                "resolved": resolved,
                "incidents": incidents,
                "unreconciled": unreconciled,
            },
        )
    run.refresh_from_db()
    return run


def _submitted(p: dict[str, Any]) -> None:
    """A payment the provider has although the sender never recorded the answer (killed)."""
    moved = Payment.objects.filter(pk=p["id"], state=PaymentState.CREATED).update(
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
                    payment_id=p["id"],
                )
            ]
        )


def _balance_check(
    run: Reconciliation, provider: PaymentProvider, now: dt.datetime, differences: list[Any]
) -> int:
    """The provider's balance may fall by what was paid since the last run, by nothing else."""
    try:
        amount, currency = provider.balance()
    except (ProviderUnavailable, ProviderRefused):
        differences.append({"kind": "balance_unchecked", "resolution": ""})
        return 0
    Reconciliation.objects.filter(pk=run.pk).update(provider_balance_minor=amount)
    previous = (
        Reconciliation.objects.exclude(pk=run.pk)
        .filter(provider_balance_minor__isnull=False, finished_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    if previous is None or previous.finished_at is None:
        return 0
    paid = (
        LedgerEntry.objects.filter(
            event="settle", currency=currency, payment__settled_at__gt=previous.finished_at
        ).aggregate(t=Sum("amount_minor"))["t"]
        or 0
    )
    expected = int(previous.provider_balance_minor or 0) - int(paid)
    if expected == amount:
        return 0
    from ikaze.support.models import Incident

    Incident.objects.create(
        kind=IncidentKind.BALANCE_MISMATCH,
        detail=f"balance {amount} {currency}, expected {expected} (previous {previous.provider_balance_minor} less {paid} paid)",
        opened_at=now,
    )
    differences.append(
        {
            "kind": IncidentKind.BALANCE_MISMATCH,
            "ours": str(expected),
            "theirs": str(amount),
            "resolution": "incident",
        }
    )
    return 1
