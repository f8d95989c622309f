"""The monthly report's PDF: the month's figures, charts, incidents, overrides, late notices and
below-standard settings, in the reader's language (WeasyPrint, nothing fetched from outside)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from babel.dates import format_date
from django.template.loader import render_to_string
from django.utils import translation

from ikaze.core import clock
from ikaze.core.amounts import babel_locale
from ikaze.reports import figures
from ikaze.reports.charts import data_uri, describe, number, render_svg
from ikaze.reports.dashboards import CHARTS
from ikaze.reports.figures import Filters

# The charts of the monthly report, in this order.
MONTHLY_CHARTS = (
    "referrals",
    "decisions",
    "refusal_reasons",
    "blocks",
    "overrides",
    "processing_times",
    "arrivals",
    "cap_use",
    "occupancy",
    "late_notices",
    "incidents",
)


def month_filters(month: dt.date) -> Filters:
    """Every agreement, from the first to the last day of `month`."""
    last = calendar.monthrange(month.year, month.month)[1]
    return Filters(start=month.replace(day=1), end=month.replace(day=last), live=True)


def _table(data: Any) -> dict[str, Any]:
    return {
        "headers": data.headers,
        "rows": [
            [
                number(v) if i in data.numeric_columns and isinstance(v, int) else v
                for i, v in enumerate(row)
            ]
            for row in data.rows
        ],
        "numeric": data.numeric_columns,
    }


def monthly_context(month: dt.date, language: str) -> dict[str, Any]:
    """What the report shows, computed and formatted in `language` (call inside it)."""
    f = month_filters(month)
    sections = []
    for key in MONTHLY_CHARTS:
        chart = CHARTS[key]
        data = chart.build(f)
        title = str(chart.title)
        svg = render_svg(data, title=title, desc=describe(data), language=language)
        sections.append(
            {
                "key": key,
                "title": title,
                "img": data_uri(svg),
                "alt": describe(data),
                "note": data.note,
                "table": _table(data),
                "empty": data.empty,
            }
        )
    totals = {
        "referrals": sum(r.count for r in figures.referrals_by_month(f)),
        "decisions": sum(r.count for r in figures.decision_outcomes(f)),
        "refused": sum(r.count for r in figures.decision_outcomes(f) if r.key == "refused"),
        "arrivals": sum(r.count for r in figures.arrivals_by_nationality(f)),
        "incidents": sum(r.count for r in figures.incidents(f)),
        "late_notices": sum(r.count for r in figures.late_notices(f)),
        "overrides": sum(r.count for r in figures.overrides(f)),
    }
    return {
        "month": month,
        "month_name": format_date(month, "LLLL y", locale=babel_locale(language)),
        "made_on": format_date(clock.today_local(), "long", locale=babel_locale(language)),
        "language": language,
        "totals": {k: number(v) for k, v in totals.items()},
        "sections": sections,
        "below_standard": figures.below_standard(f),
    }


def monthly_pdf(month: dt.date, language: str) -> bytes:
    """Render the monthly report of `month` in `language` as PDF bytes."""
    from weasyprint import HTML

    from ikaze.vetting.notices import LocalOnlyFetcher

    with translation.override(language):
        html = render_to_string("reports/monthly_pdf.html", monthly_context(month, language))
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()
    assert pdf is not None
    return bytes(pdf)
