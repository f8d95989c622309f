"""Movements' items for the monitor's inbox (SAFEGUARDS C1): the reconciliation's incidents
(no-shows, people removed at the gate, not arrived, late accommodation (B1), carrier lists
that differ), open until explained."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from ikaze.core.monitor_inbox import SOURCE_LIMIT, MonitorItem
from ikaze.movements.models import Incident


def items() -> Iterable[MonitorItem]:
    incidents = Incident.objects.select_related("movement").order_by("-opened_at", "pk")
    for i in incidents[:SOURCE_LIMIT]:
        m = i.movement
        yield MonitorItem(
            source="movements",
            kind=i.kind,
            title=f"{i.get_kind_display()} — {m.carrier} {m.flight_number} {m.departure_date}",
            occurred_at=i.opened_at,
            agreement_id=str(m.agreement_id),
            url=reverse("movements:detail", args=[m.pk]),
            is_open=i.explained_at is None,
        )
