"""Support's items for the monitor's inbox (SAFEGUARDS C1, E4, B8): the differences the
reconciliation could not explain, open until someone explains them, and every reduction or
stop of support with its reason code."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext

from ikaze.core.monitor_inbox import SOURCE_LIMIT, MonitorItem
from ikaze.support.models import Adjustment, Incident


def items() -> Iterable[MonitorItem]:
    incidents = Incident.objects.select_related("payment", "batch").order_by("-opened_at", "pk")
    for i in incidents[:SOURCE_LIMIT]:
        batch = i.batch or (i.payment.batch if i.payment is not None else None)
        yield MonitorItem(
            source="support",
            kind=i.kind,
            title=f"{i.get_kind_display()} — {i.detail}"[:300],
            occurred_at=i.opened_at,
            agreement_id=str(batch.agreement_id) if batch is not None else "",
            url=reverse("support:reconciliation"),
            is_open=i.explained_at is None,
        )
    adjustments = Adjustment.objects.select_related("entitlement").order_by("-created_at", "pk")
    for a in adjustments[:SOURCE_LIMIT]:
        e = a.entitlement
        yield MonitorItem(
            source="support",
            kind=f"adjustment_{a.kind}",
            title=(
                gettext("Support stop: %(reason)s")
                if a.kind == Adjustment.Kind.STOP
                else gettext("Support reduction: %(reason)s")
            )
            % {"reason": a.get_reason_code_display()},
            occurred_at=a.created_at,
            agreement_id=str(e.agreement_id),
            url=reverse("support:person_payments", args=[e.person_id]),
            is_open=a.status == Adjustment.Status.REQUESTED,
        )
