"""Protection's items for the monitor's inbox (SAFEGUARDS C1, C2, B2, B6)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext

from ikaze.core import clock
from ikaze.core.monitor_inbox import SOURCE_LIMIT, MonitorItem
from ikaze.protection.models import AdverseAction, Case, Complaint, LockHit


def items() -> Iterable[MonitorItem]:
    """Complaints (open until acknowledged, due by `complaint_ack_days`), non-refoulement lock
    hits, adverse actions that follow a complaint, late rights briefings."""
    now = clock.now()
    for c in Complaint.objects.select_related("case").order_by("-filed_at")[:SOURCE_LIMIT]:
        yield MonitorItem(
            source="protection",
            kind="complaint",
            title=gettext("Complaint %(ref)s (%(channel)s)")
            % {"ref": c.reference, "channel": c.get_channel_display()},
            occurred_at=c.filed_at,
            agreement_id=str(c.case.agreement_id),
            url=reverse("protection:complaint_detail", args=[c.pk]),
            is_open=c.acknowledged_at is None,
            due_at=c.ack_due_at,
        )
    for h in LockHit.objects.select_related("case").order_by("-created_at")[:SOURCE_LIMIT]:
        yield MonitorItem(
            source="protection",
            kind="lock_hit",
            title=gettext("Non-refoulement lock refused a departure to %(country)s (case %(ref)s)")
            % {"country": h.destination, "ref": h.case.reference},
            occurred_at=h.created_at,
            agreement_id=str(h.case.agreement_id),
            url=reverse("protection:case_detail", args=[h.case_id]),
            is_open=h.reviewed_at is None,
        )
    flagged = AdverseAction.objects.filter(complaint__isnull=False).select_related(
        "complaint", "complaint__case"
    )
    for a in flagged.order_by("-occurred_at")[:SOURCE_LIMIT]:
        assert a.complaint is not None
        yield MonitorItem(
            source="protection",
            kind="adverse_action",
            title=gettext("%(kind)s within 90 days of complaint %(ref)s")
            % {"kind": a.get_kind_display(), "ref": a.complaint.reference},
            occurred_at=a.occurred_at,
            agreement_id=str(a.complaint.case.agreement_id),
            url=reverse("protection:complaint_detail", args=[a.complaint_id]),
            is_open=a.reviewed_at is None,
        )
    late = Case.objects.filter(rights_briefed_at__isnull=True, rights_briefing_due__lt=now)
    for case in late.order_by("-rights_briefing_due")[:SOURCE_LIMIT]:
        yield MonitorItem(
            source="protection",
            kind="briefing_overdue",
            title=gettext("Rights briefing overdue (case %(ref)s)") % {"ref": case.reference},
            occurred_at=case.rights_briefing_due,
            agreement_id=str(case.agreement_id),
            url=reverse("protection:case_detail", args=[case.pk]),
            is_open=True,
            due_at=case.rights_briefing_due,
        )
