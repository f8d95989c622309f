"""Reads of support payments, scoped to the actor (who holds SUPPORT_VIEW sees them all)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.core.errors import NotFound
from ikaze.support import ledger
from ikaze.support.models import (
    Adjustment,
    Entitlement,
    Incident,
    Payment,
    PaymentBatch,
    PaymentState,
    Reconciliation,
)


def valid_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def batch_list_for(*, actor: Actor, status: str = "") -> QuerySet[PaymentBatch]:
    """Payment batches, newest first."""
    require(actor, Perm.SUPPORT_VIEW)
    qs = PaymentBatch.objects.select_related("agreement", "prepared_by", "approved_by")
    return qs.filter(status=status) if status else qs


def batch_get_for(*, actor: Actor, batch_id: uuid.UUID | str) -> PaymentBatch:
    """One batch, or NotFound."""
    require(actor, Perm.SUPPORT_VIEW)
    pk = valid_uuid(batch_id)
    batch = batch_list_for(actor=actor).filter(pk=pk).first() if pk else None
    if batch is None:
        raise NotFound("No such batch.")
    return batch


@dataclass(frozen=True)
class Progress:
    total: int
    counts: dict[str, int]

    @property
    def done(self) -> int:
        return self.total - self.counts.get(PaymentState.CREATED, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def paid(self) -> int:
        return self.counts.get(PaymentState.SUCCESSFUL, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(PaymentState.FAILED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(PaymentState.SUBMITTED, 0) + self.counts.get(PaymentState.PENDING, 0)


def batch_progress(*, batch: PaymentBatch) -> Progress:
    """How far the sending of a batch has come, per payment state."""
    rows = Payment.objects.filter(batch_id=batch.pk).values("state").annotate(n=Count("pk"))
    counts = {r["state"]: r["n"] for r in rows}
    return Progress(total=sum(counts.values()), counts=counts)


def batch_payments(*, batch: PaymentBatch) -> QuerySet[Payment]:
    return Payment.objects.filter(batch_id=batch.pk).order_by("created_at", "pk")


def person_payments_for(*, actor: Actor, person_id: Any) -> dict[str, Any]:
    """A person's entitlements and payments (their payment history)."""
    require(actor, Perm.SUPPORT_VIEW, target_type="person", target_id=person_id)
    pk = valid_uuid(person_id)
    if pk is None:
        raise NotFound("No such person.")
    return {
        "entitlements": list(Entitlement.objects.filter(person_id=pk).order_by("due_date")),
        "payments": list(
            Payment.objects.filter(person_id=pk).select_related("batch").order_by("-created_at")
        ),
        "adjustments": list(
            Adjustment.objects.filter(entitlement__person_id=pk).order_by("-created_at")
        ),
    }


def entitlement_get_for(*, actor: Actor, entitlement_id: uuid.UUID | str) -> Entitlement:
    """One entitlement, or NotFound."""
    require(actor, Perm.SUPPORT_VIEW)
    pk = valid_uuid(entitlement_id)
    ent = Entitlement.objects.filter(pk=pk).first() if pk else None
    if ent is None:
        raise NotFound("No such entitlement.")
    return ent


def adjustment_get_for(*, actor: Actor, adjustment_id: uuid.UUID | str) -> Adjustment:
    """One adjustment, or NotFound."""
    require(actor, Perm.SUPPORT_VIEW)
    pk = valid_uuid(adjustment_id)
    adj = Adjustment.objects.filter(pk=pk).first() if pk else None
    if adj is None:
        raise NotFound("No such adjustment.")
    return adj


def payee_get_for(*, actor: Actor, person_id: uuid.UUID | str) -> Any:
    """A person who has entitlements (a payee), or NotFound."""
    from ikaze.people.models import Person

    require(actor, Perm.SUPPORT_VIEW)
    pk = valid_uuid(person_id)
    if pk is None or not Entitlement.objects.filter(person_id=pk).exists():
        raise NotFound("No such payee.")
    return Person.objects.get(pk=pk)


def reconciliation_list_for(*, actor: Actor) -> QuerySet[Reconciliation]:
    """Reconciliation runs, newest first."""
    require(actor, Perm.SUPPORT_VIEW)
    return Reconciliation.objects.all()


def incident_list_for(*, actor: Actor, open_only: bool = False) -> QuerySet[Incident]:
    require(actor, Perm.SUPPORT_VIEW)
    qs = Incident.objects.all()
    return qs.filter(explained_at__isnull=True) if open_only else qs


def open_incidents() -> QuerySet[Incident]:
    """Every reconciliation incident nobody has explained yet (the monitor's inbox reads it)."""
    return Incident.objects.filter(explained_at__isnull=True).order_by("opened_at", "pk")


def adjustment_list_for(*, actor: Actor) -> QuerySet[Adjustment]:
    """Reductions and stops of support, visible to the monitor (SAFEGUARDS B8)."""
    require(actor, Perm.SUPPORT_VIEW)
    return Adjustment.objects.select_related("entitlement", "requested_by", "approved_by")


@dataclass(frozen=True)
class AgreementSupportMoney:
    paid_minor: int
    currency: str
    people_supported: int
    cost_per_person_supported_minor: int | None


def agreement_support_money(*, agreement: Any) -> AgreementSupportMoney:
    """Support actually paid under an agreement (RWF) and per person supported."""
    paid = Payment.objects.filter(
        batch__agreement_id=agreement.pk, state=PaymentState.SUCCESSFUL
    ).aggregate(t=Sum("amount_minor"), n=Count("person_id", distinct=True))
    total = int(paid["t"] or 0)
    people = int(paid["n"] or 0)
    return AgreementSupportMoney(
        paid_minor=total,
        currency="RWF",
        people_supported=people,
        cost_per_person_supported_minor=total // people if people else None,
    )


def ledger_balances() -> dict[str, int]:
    return ledger.balances()


def agreement_support_money_row(agreement: Any) -> dict[str, Any] | None:
    """The agreement page's "support delivered" figures (registered with agreements)."""
    from ikaze.agreements.selectors import relocated_count

    m = agreement_support_money(agreement=agreement)
    relocated = relocated_count(agreement)
    return {
        "paid_minor": m.paid_minor,
        "currency": m.currency,
        "people_supported": m.people_supported,
        "per_person_minor": m.cost_per_person_supported_minor,
        "per_relocated_minor": m.paid_minor // relocated if relocated else None,
    }
