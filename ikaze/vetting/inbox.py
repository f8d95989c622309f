"""Vetting's items for the monitor's inbox (SAFEGUARDS C1): what the monitor is told
(overrides asked and approved, facts removed or recorded late) and the alerts on accepted
people a new fact blocks (open until resolved)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext

from ikaze.core.monitor_inbox import SOURCE_LIMIT, MonitorItem
from ikaze.vetting.models import Alert, MonitorNotice


def items() -> Iterable[MonitorItem]:
    notices = MonitorNotice.objects.select_related("referral").order_by("-created_at")
    for n in notices[:SOURCE_LIMIT]:
        yield MonitorItem(
            source="vetting",
            kind=n.kind,
            title=f"{n.get_kind_display()}: {n.message}"[:300],
            occurred_at=n.created_at,
            agreement_id=str(n.referral.agreement_id),
            url=reverse("vetting:monitor_notice_list"),
            is_open=False,
        )
    for a in Alert.objects.select_related("referral").order_by("-raised_at")[:SOURCE_LIMIT]:
        yield MonitorItem(
            source="vetting",
            kind="alert",
            title=gettext("Accepted person now blocked: %(reason)s") % {"reason": a.reason[:200]},
            occurred_at=a.raised_at,
            agreement_id=str(a.referral.agreement_id),
            url=reverse("vetting:alert_list"),
            is_open=a.resolved_at is None,
        )
