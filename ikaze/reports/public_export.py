"""The public statistics as rows for people (babel-formatted) and for machines (HXL).

HXL (Humanitarian Exchange Language, hxlstandard.org): a CSV whose second row tags each
column with a hashtag, so aggregators read the columns without knowing the headers' language.
The file is long ("tidy"): one row per figure, hidden figures included with an empty value and
`#meta+disclosure` saying `suppressed`, so a reader sees that something is there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.utils.translation import gettext as _

from ikaze.agreements.money import format_minor, to_major
from ikaze.core.amounts import babel_locale
from ikaze.reports.disclosure import TOTAL
from ikaze.reports.public import BEFORE, OUTCOME_LABELS, UNKNOWN, PublicStatistics

# (header for people, HXL hashtag)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("agreement", "#meta+agreement+code"),
    ("measure", "#indicator+code"),
    ("nationality", "#country+code"),
    ("month", "#date+month"),
    ("people", "#affected+num"),
    ("amount", "#value"),
    ("currency", "#currency+code"),
    ("disclosure", "#meta+disclosure"),
)

MEASURE_OF_OUTCOME = {
    "accepted": "accepted",
    "refused": "refused",
    "undecided": "undecided",
    TOTAL: "referred",
}


def headers() -> list[str]:
    """The column headers in the active language."""
    names = {
        "agreement": _("Agreement"),
        "measure": _("Measure"),
        "nationality": _("Nationality"),
        "month": _("Month"),
        "people": _("People"),
        "amount": _("Amount"),
        "currency": _("Currency"),
        "disclosure": _("Disclosure"),
    }
    return [names[key] for key, _tag in COLUMNS]


def hashtags() -> list[str]:
    return [tag for _key, tag in COLUMNS]


def data_rows(stats: PublicStatistics) -> Iterable[list[str]]:
    """One row per figure: counts (hidden ones marked), then money."""

    def count_row(measure: str, nationality: str, month: str, value: int | None) -> list[str]:
        return [
            stats.code,
            measure,
            "" if nationality in (TOTAL, UNKNOWN) else nationality,
            "" if month in (TOTAL, BEFORE) else month,
            "" if value is None else str(value),
            "",
            "",
            "suppressed" if value is None else "published",
        ]

    outcomes = stats.tables["outcomes"].protected
    for row in (*outcomes.table.rows, TOTAL):
        for col in (*outcomes.table.cols, TOTAL):
            yield count_row(
                MEASURE_OF_OUTCOME[str(col)], str(row), "", outcomes.published((row, col))
            )
    arrivals = stats.tables["arrivals"].protected
    for row in (*arrivals.table.rows, TOTAL):
        for col in (*arrivals.table.cols, TOTAL):
            yield count_row("relocated", str(row), str(col), arrivals.published((row, col)))
    for m in stats.money:
        for measure, minor in (
            ("promised", m.promised_minor),
            ("paid", m.paid_minor),
            (
                "cost_per_person_at_least" if m.cost_at_least else "cost_per_person",
                m.cost_per_person_minor,
            ),
        ):
            yield [
                stats.code,
                measure,
                "",
                "",
                "",
                "" if minor is None else str(to_major(minor, m.currency)),
                m.currency,
                "suppressed" if minor is None else "published",
            ]


def hxl_json(stats: PublicStatistics) -> str:
    """HXL JSON: a list of arrays, the hashtag row first (libhxl reads it as it reads CSV)."""
    return json.dumps([headers(), hashtags(), *data_rows(stats)], ensure_ascii=False)


# --- for people: figures in the reader's language ---------------------------------------------


def number(value: int | None) -> str:
    if value is None:
        return _("hidden")
    return str(format_decimal(value, locale=babel_locale()))


def share(value: float | None) -> str:
    if value is None:
        return _("hidden")
    return str(format_percent(Decimal(str(round(value, 3))), locale=babel_locale()))


def money(minor: int | None, currency: str) -> str:
    if minor is None:
        return _("hidden")
    return format_minor(minor, currency, babel_locale())


def country(code: str) -> str:
    """A country's name in the reader's language (the code when babel lacks it)."""
    if code == UNKNOWN:
        return _("Not recorded")
    if code == TOTAL:
        return _("All")
    try:
        return str(Locale.parse(babel_locale()).territories.get(code.upper(), code))
    except (ValueError, TypeError):
        return code


def month(key: str) -> str:
    if key == BEFORE:
        return _("Before Ikaze's records")
    if key == TOTAL:
        return _("All months")
    year, mon = key.split("-")
    return str(format_date(dt.date(int(year), int(mon), 1), "MMM y", locale=babel_locale()))


def outcome(key: str) -> str:
    return str(OUTCOME_LABELS[key])
