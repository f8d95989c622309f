"""The public statistics pages and downloads: no sign-in (issue 16 item 2; ADR 0029)."""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ikaze.accounts.decorators import public
from ikaze.core.spreadsheet import csv_writer
from ikaze.reports import public as stats_public
from ikaze.reports import public_export as fmt
from ikaze.reports.disclosure import TOTAL


def _stats(code: str) -> stats_public.PublicStatistics:
    try:
        agreement = stats_public.public_agreement(code)
    except stats_public.UnknownAgreement as exc:
        raise Http404(code) from exc
    return stats_public.public_statistics(agreement)


@public
@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    """The agreements whose statistics are public."""
    agreements = stats_public.public_agreements()
    return render(
        request, "reports/public_index.html", {"agreements": agreements, "hide_nav": True}
    )


def _table_context(
    stats: stats_public.PublicStatistics, key: str, label_col: object
) -> dict[str, object]:
    protected = stats.tables[key].protected
    table = protected.table
    cols = [*table.cols, TOTAL]
    return {
        "cols": [label_col(str(c)) for c in cols],  # type: ignore[operator]
        "rows": [
            {
                "label": fmt.country(str(r)),
                "total": r == TOTAL,
                "cells": [fmt.number(protected.published((r, c))) for c in cols],
            }
            for r in (*table.rows, TOTAL)
        ],
        "hidden": len(protected.hidden),
        "release": stats.tables[key].release,
    }


@public
@require_GET
def public_statistics(request: HttpRequest, agreement_code: str) -> HttpResponse:
    """One agreement's public statistics, small groups hidden (SAFEGUARDS C3)."""
    stats = _stats(agreement_code)
    context = {
        "stats": stats,
        "hide_nav": True,
        "outcomes": _table_context(stats, "outcomes", fmt.outcome),
        "arrivals": _table_context(stats, "arrivals", fmt.month),
        "referred": fmt.number(stats.figure("outcomes", (TOTAL, TOTAL))),
        "accepted": fmt.number(stats.figure("outcomes", (TOTAL, "accepted"))),
        "refused": fmt.number(stats.figure("outcomes", (TOTAL, "refused"))),
        "refused_share": fmt.share(stats.refused_share),
        "relocated": fmt.number(stats.figure("arrivals", (TOTAL, TOTAL))),
        "money": [
            {
                "currency": m.currency,
                "promised": fmt.money(m.promised_minor, m.currency),
                "paid": fmt.money(m.paid_minor, m.currency),
                "cost": fmt.money(m.cost_per_person_minor, m.currency),
                "at_least": m.cost_at_least,
            }
            for m in stats.money
        ],
        "sending": fmt.country(stats.sending_state),
        "receiving": fmt.country(stats.receiving_state),
    }
    return render(request, "reports/public_statistics.html", context)


@public
@require_GET
def public_statistics_csv(request: HttpRequest, agreement_code: str) -> HttpResponse:
    """The public statistics as HXL-tagged CSV (headers in the reader's language)."""
    stats = _stats(agreement_code)
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(fmt.headers())
    writer.writerow(fmt.hashtags())
    writer.writerows(fmt.data_rows(stats))
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ikaze-{stats.code}-statistics.csv"'
    return response


@public
@require_GET
def public_statistics_json(request: HttpRequest, agreement_code: str) -> HttpResponse:
    """The public statistics as HXL JSON (a list of rows, the hashtag row second)."""
    stats = _stats(agreement_code)
    response = HttpResponse(fmt.hxl_json(stats), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ikaze-{stats.code}-statistics.json"'
    return response
