"""Charts drawn on the server as SVG with pygal (ADR 0028-server-side-svg-charts).

A chart is built from a `ChartData` (labels on the x axis, one series per group, and the
table the chart draws) so that the page, the CSV download, the API and the monthly PDF
show the same figures. Numbers and month names follow the active language (babel).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pygal
from babel.dates import format_date
from babel.numbers import format_decimal
from django.utils.html import escape
from pygal.style import Style

from ikaze.core.amounts import babel_locale

# Colours that keep apart for the common colour-vision deficiencies (Okabe & Ito), and a
# dark grey for "other".
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#666666",
)

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#777777",
    colors=PALETTE,
    font_family="DejaVu Sans, Arial, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
)

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass
class ChartData:
    """What one chart shows: x labels, series (name, values) and the table of its figures."""

    kind: str  # "bar", "stacked", "hbar"
    x_labels: list[str]
    series: list[tuple[str, list[int | None]]]
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    numeric_columns: set[int] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not self.rows


def month_label(period: str, *, language: str | None = None) -> str:
    """ "2026-03" as the active language writes a month ("Mar 2026", "mars 2026")."""
    try:
        day = dt.date.fromisoformat(f"{period}-01")
    except ValueError:
        return period
    return format_date(day, "MMM y", locale=babel_locale(language))


def number(value: Any, *, language: str | None = None) -> str:
    """An integer or decimal in the active language's digit grouping ("" for None)."""
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(language))


def render_svg(data: ChartData, *, title: str, desc: str, language: str | None = None) -> str:
    """The chart as a standalone SVG document with <title> and <desc> for screen readers."""
    loc = babel_locale(language)
    options: dict[str, Any] = {
        "style": _STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 720,
        "height": 400,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "print_values": False,
        "show_y_guides": True,
        "value_formatter": lambda v: format_decimal(v, locale=loc) if v is not None else "",
        "x_label_rotation": 30 if len(data.x_labels) > 6 else 0,
        "truncate_legend": 30,
        "truncate_label": 24,
        "no_data_text": "—",
        "title": title,
    }
    cls = {"stacked": pygal.StackedBar, "hbar": pygal.HorizontalBar}.get(data.kind, pygal.Bar)
    chart = cls(**options)
    chart.x_labels = data.x_labels
    for name, values in data.series:
        chart.add(name, values)
    svg = chart.render(is_unicode=True)
    # pygal writes its settings for its tooltips as an inline script: nothing runs here (the
    # chart is an image), so it is left out, as are pygal's comments.
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    head = svg.index(">") + 1
    opening = svg[:head].replace("<svg ", '<svg role="img" ', 1)
    return opening + f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + svg[head:]


def data_uri(svg: str) -> str:
    """The SVG as a data: URI for an <img> (the page's policy allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def describe(data: ChartData, *, language: str | None = None) -> str:
    """A one-sentence summary for the SVG's <desc> and the image's alternative text."""
    from django.utils.translation import gettext as _

    if data.empty:
        return _("No figures for these filters.")
    totals = [(name, sum(v or 0 for v in values)) for name, values in data.series]
    parts = ", ".join(f"{name}: {number(total, language=language)}" for name, total in totals)
    return _("Totals — %(parts)s. The table below gives every figure.") % {"parts": parts}


def stacked_from_counts(
    counts: dict[tuple[str, str], int],
    *,
    x_order: Sequence[str],
    group_order: Sequence[str],
    x_names: dict[str, str],
    group_names: dict[str, str],
    first_header: str,
    kind: str = "stacked",
) -> ChartData:
    """A chart and its wide table from counts keyed by (x, group)."""
    from django.utils.translation import gettext as _

    series = [
        (group_names.get(g, g) or "—", [counts.get((x, g)) for x in x_order]) for g in group_order
    ]
    headers = [first_header, *[group_names.get(g, g) or "—" for g in group_order], _("Total")]
    rows: list[list[Any]] = []
    for x in x_order:
        values = [counts.get((x, g), 0) for g in group_order]
        rows.append([x_names.get(x, x), *values, sum(values)])
    return ChartData(
        kind=kind,
        x_labels=[x_names.get(x, x) for x in x_order],
        series=series,
        headers=headers,
        rows=rows,
        numeric_columns=set(range(1, len(headers))),
    )
