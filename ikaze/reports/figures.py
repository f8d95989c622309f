"""The one place that computes aggregates for reports (issue 16).

Dashboards, the /api/v1 figures, the monthly PDF and the public statistics all call these
functions; none of them counts anything on its own. Each function takes a ``Filters`` and
returns plain rows (frozen dataclasses) so that callers can chart them, tabulate them,
suppress small cells, or write them to CSV/HXL without knowing where they came from.

Every function reads through the owning app's selectors (see the import-linter contract
"reports reads other apps only through their selectors" in pyproject.toml).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """What a reader narrowed the figures to; ``None`` means all."""

    agreement_id: uuid.UUID | None = None
    start: dt.date | None = None  # first day included
    end: dt.date | None = None  # last day included
    nationality: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class CountRow:
    """One count in one cell: period (YYYY-MM or ""), agreement code, a key and a count.

    ``key`` is what the figure is broken down by (outcome, reason, rule, nationality,
    incident kind...), ``key2`` an optional second breakdown (e.g. the refusal reason).
    """

    period: str
    agreement: str
    key: str
    count: int
    key2: str = ""


@dataclass(frozen=True)
class DurationRow:
    """A processing-time distribution for one step: days, as percentiles and a histogram."""

    step: str  # "referral_decision", "decision_departure", "departure_arrival", "referral_arrival"
    n: int
    p10: float | None
    p50: float | None
    p90: float | None
    mean: float | None
    buckets: tuple[tuple[str, int], ...]  # (label like "0-7", count)


@dataclass(frozen=True)
class CapRow:
    agreement: str
    title: str
    cap: int | None
    used: int
    arrived: int


@dataclass(frozen=True)
class OccupancyRow:
    facility: str
    beds: int
    occupied: int


# Planned aggregate functions (filled in on this branch; h16b reuses them):
#   referrals_by_month(filters)        -> list[CountRow]  key = referral status at period
#   decisions_by_month(filters)        -> list[CountRow]  key = outcome, key2 = reason code
#   blocks_by_rule(filters)            -> list[CountRow]  key = rule id (period = month)
#   processing_times(filters)          -> list[DurationRow]
#   arrivals_by_nationality(filters)   -> list[CountRow]  key = nationality (period = month)
#   cap_use(filters)                   -> list[CapRow]
#   occupancy(filters)                 -> list[OccupancyRow]
#   late_notices(filters)              -> list[CountRow]  key = notice kind
#   incidents(filters)                 -> list[CountRow]  key = incident kind
#   overrides(filters)                 -> list[CountRow]  key = rule id, key2 = status
