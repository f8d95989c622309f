"""Reads of reports' own tables: the monthly reports kept."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet, Sum

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require, scoped_get
from ikaze.reports.models import CountsRefresh, MonthCount, MonthlyReport


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


def counts_refreshed() -> CountsRefresh | None:
    """The last rewrite of the pre-aggregated counts (None: never; read the live tables)."""
    return CountsRefresh.objects.order_by("-refreshed_at").first()


def month_counts(
    *,
    figure: str,
    first: dt.date | None,
    last: dt.date | None,
    agreement_ids: tuple[uuid.UUID, ...] | None,
    nationality: str,
    by: tuple[str, ...],
    key: str = "",
) -> list[dict[str, Any]]:
    """Sum a figure's pre-aggregated counts over whole months, grouped by `by` (of month,
    agreement_code, key, key2), narrowed as the live selectors narrow."""
    # A figure ending in ":" reads every figure of that family ("time:" for the four steps).
    qs = (
        MonthCount.objects.filter(figure__startswith=figure)
        if figure.endswith(":")
        else MonthCount.objects.filter(figure=figure)
    )
    if first is not None:
        qs = qs.filter(month__gte=first)
    if last is not None:
        qs = qs.filter(month__lte=last)
    if agreement_ids is not None:
        qs = qs.filter(agreement_id__in=agreement_ids)
    if nationality:
        qs = qs.filter(nationality=nationality)
    if key:
        qs = qs.filter(key=key)
    return list(qs.values(*by).annotate(n=Sum("n")).order_by(*by))
