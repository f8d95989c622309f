"""Reads of reports' own tables: the monthly reports kept."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require, scoped_get
from ikaze.reports.models import MonthlyReport


def monthly_report_list_for(*, actor: Actor) -> QuerySet[MonthlyReport]:
    """The monthly reports kept, newest month first (without their PDF bytes)."""
    require(actor, Perm.MONTHLY_REPORT_VIEW, target_type="monthly_report")
    return MonthlyReport.objects.defer("pdf").order_by("-month", "-created_at")


def monthly_report_get_for(*, actor: Actor, report_id: uuid.UUID | str) -> MonthlyReport:
    """One monthly report, with its PDF."""
    require(actor, Perm.MONTHLY_REPORT_VIEW, target_type="monthly_report")
    return scoped_get(
        MonthlyReport.objects.all(),
        target_type="monthly_report",
        message="No such monthly report.",
        pk=report_id,
    )
