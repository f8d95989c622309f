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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ikaze.agreements import selectors as agreements
from ikaze.core import clock
from ikaze.core.aggregates import BUCKET_EDGES_DAYS, Scope, bucket_label
from ikaze.movements import selectors as movements
from ikaze.reception import selectors as reception
from ikaze.reports import selectors as reports
from ikaze.vetting import selectors as vetting


@dataclass(frozen=True)
class Filters:
    """What a reader narrowed the figures to; ``None`` means all."""

    agreement_id: uuid.UUID | None = None
    start: dt.date | None = None  # first day included
    end: dt.date | None = None  # last day included
    nationality: str | None = None  # ISO 3166-1 alpha-2
    # The agreements the reader may see (None: all); the chosen agreement must be one of them.
    within: tuple[uuid.UUID, ...] | None = None
    # Count from the live tables even when pre-aggregated counts could answer (the monthly
    # report, and the tests that pin the two paths together).
    live: bool = False

    def scope(self) -> Scope:
        """The selectors' scope: dates become the receiving state's local midnights."""
        ids = self.within
        if self.agreement_id is not None:
            ids = (self.agreement_id,) if ids is None or self.agreement_id in ids else ()
        zone = clock.local_zone()
        since = dt.datetime.combine(self.start, dt.time(), zone) if self.start else None
        until = (
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
            if self.end
            else None
        )
        return Scope(
            agreement_ids=ids, since=since, until=until, nationality=self.nationality or ""
        )


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
    # Percentiles read from the day buckets: the upper edge (days) of the bucket holding the
    # p-th person (nearest rank), None for the open last bucket or when there is nobody.
    p50: int | None
    p90: int | None
    buckets: tuple[tuple[str, int], ...]  # (label like "7-14", count), every bucket


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


def _whole_months(f: Filters) -> tuple[dt.date | None, dt.date | None] | None:
    """The first and last month of a period of whole months; None for any other period."""
    if f.start is not None and f.start.day != 1:
        return None
    if f.end is not None and (f.end + dt.timedelta(days=1)).day != 1:
        return None
    return (f.start, f.end.replace(day=1) if f.end else None)


def counted_at(f: Filters) -> dt.datetime | None:
    """When the pre-aggregated counts these filters read were made (None: live figures)."""
    if f.live or _whole_months(f) is None:
        return None
    refresh = reports.counts_refreshed()
    return refresh.refreshed_at if refresh is not None else None


def _summary(
    figure: str, f: Filters, by: tuple[str, ...], *, key: str = ""
) -> list[dict[str, Any]] | None:
    """The figure from the pre-aggregated counts (ADR 0028), or None to count live."""
    months = _whole_months(f)
    if f.live or months is None or reports.counts_refreshed() is None:
        return None
    scope = f.scope()
    return reports.month_counts(
        figure=figure,
        first=months[0],
        last=months[1],
        agreement_ids=scope.agreement_ids,
        nationality=scope.nationality,
        by=by,
        key=key,
    )


def _summary_rows(
    figure: str, f: Filters, *, agreement: bool, key2: bool = False, key: str = ""
) -> list[CountRow] | None:
    by = ("month", *(["agreement_code"] if agreement else []), "key", *(["key2"] if key2 else []))
    raw = _summary(figure, f, by, key=key)
    if raw is None:
        return None
    return [
        CountRow(
            period=_month(r["month"]),
            agreement=r.get("agreement_code", ""),
            key=r["key"],
            key2=r.get("key2", ""),
            count=int(r["n"]),
        )
        for r in raw
    ]


def _month(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(clock.local_zone()).date() if value.tzinfo else value.date()
    return value.strftime("%Y-%m")


def _rows(
    raw: Iterable[dict[str, Any]], *, agreement: str | None, key: str, key2: str | None = None
) -> list[CountRow]:
    out = [
        CountRow(
            period=_month(r.get("month")),
            agreement=(r.get(agreement) or "") if agreement else "",
            key=str(r.get(key) or ""),
            key2=str(r.get(key2)) if key2 else "",
            count=int(r["n"]),
        )
        for r in raw
    ]
    return out


def referrals_by_month(filters: Filters) -> list[CountRow]:
    """Submitted referrals by month, agreement and status now (key)."""
    summary = _summary_rows("referrals", filters, agreement=True)
    if summary is not None:
        return summary
    return _rows(
        vetting.referral_counts(scope=filters.scope()), agreement="agreement__code", key="status"
    )


def decisions_by_month(filters: Filters, *, outcome: str = "") -> list[CountRow]:
    """Decisions by month, agreement, outcome (key) and refusal reason (key2).

    A refusal with several reasons counts once under each; one without a recorded reason code
    counts under "" (so the outcomes' totals are the rows with key2 "" or the first reason).
    """
    summary = _summary_rows("decisions", filters, agreement=True, key2=True, key=outcome)
    if summary is not None:
        return summary
    merged: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for r in vetting.decision_counts(scope=filters.scope()):
        if outcome and r["outcome"] != outcome:
            continue
        codes = r["reason_codes"] or [""]
        for code in codes if isinstance(codes, list) else [codes]:
            merged[(_month(r["month"]), r["referral__agreement__code"], r["outcome"], code)] += r[
                "n"
            ]
    return [
        CountRow(period=p, agreement=a, key=o, key2=c, count=n)
        for (p, a, o, c), n in sorted(merged.items())
    ]


def decision_outcomes(filters: Filters) -> list[CountRow]:
    """Decisions by month and outcome only (each decision once)."""
    summary = _summary_rows("decision_outcomes", filters, agreement=False)
    if summary is not None:
        return summary
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for r in vetting.decision_counts(scope=filters.scope()):
        merged[(_month(r["month"]), r["outcome"])] += r["n"]
    return [
        CountRow(period=p, agreement="", key=o, count=n) for (p, o), n in sorted(merged.items())
    ]


def blocks_by_rule(filters: Filters) -> list[CountRow]:
    """Referrals a safeguard rule blocked, by month evaluated and rule (key)."""
    summary = _summary_rows("blocks", filters, agreement=False)
    if summary is not None:
        return summary
    return _rows(vetting.block_counts(scope=filters.scope()), agreement=None, key="rule_id")


def _distribution(step: str, raw: Iterable[dict[str, Any]]) -> DurationRow:
    counts = [0] * (len(BUCKET_EDGES_DAYS) + 1)
    for r in raw:
        counts[int(r["bucket"])] += int(r["n"])
    n = sum(counts)

    def percentile(p: int) -> int | None:
        if n == 0:
            return None
        rank = max(1, -(-p * n // 100))  # nearest rank, 1-based
        seen = 0
        for i, c in enumerate(counts):
            seen += c
            if seen >= rank:
                return BUCKET_EDGES_DAYS[i] if i < len(BUCKET_EDGES_DAYS) else None
        return None  # pragma: no cover - seen reaches n

    return DurationRow(
        step=step,
        n=n,
        p50=percentile(50),
        p90=percentile(90),
        buckets=tuple((bucket_label(i), c) for i, c in enumerate(counts)),
    )


PROCESSING_STEPS = (
    "referral_decision",
    "decision_departure",
    "departure_arrival",
    "referral_arrival",
)


def processing_times(filters: Filters) -> list[DurationRow]:
    """Days from referral to decision, acceptance to departure, departure to arrival, and
    referral to arrival, as distributions (day buckets, median and 90th percentile)."""
    buckets = _summary("time:", filters, ("figure", "key"))
    if buckets is not None:  # one query for the four steps
        return [
            _distribution(
                step,
                [
                    {"bucket": int(r["key"]), "n": r["n"]}
                    for r in buckets
                    if r["figure"] == f"time:{step}"
                ],
            )
            for step in PROCESSING_STEPS
        ]
    scope = filters.scope()
    return [
        _distribution("referral_decision", vetting.decision_time_buckets(scope=scope)),
        _distribution(
            "decision_departure", movements.travel_time_buckets(scope=scope, start="decision")
        ),
        _distribution(
            "departure_arrival", movements.travel_time_buckets(scope=scope, start="departure")
        ),
        _distribution(
            "referral_arrival", movements.travel_time_buckets(scope=scope, start="referral")
        ),
    ]


def arrivals_by_nationality(filters: Filters) -> list[CountRow]:
    """People arrived by month, agreement and first nationality (key)."""
    summary = _summary_rows("arrivals", filters, agreement=True)
    if summary is not None:
        return summary
    return _rows(
        movements.arrival_counts(scope=filters.scope()),
        agreement="movement__agreement__code",
        key="person__nationalities__0",
    )


def cap_use(filters: Filters) -> list[CapRow]:
    """Each agreement's cap, places used and people arrived (not narrowed by period)."""
    return [
        CapRow(
            agreement=r["code"],
            title=r["title"],
            cap=r["cap_total"],
            used=r["places_used"],
            arrived=r["places_arrived"],
        )
        for r in agreements.agreement_cap_rows(agreement_ids=filters.scope().agreement_ids)
    ]


def occupancy(filters: Filters) -> list[OccupancyRow]:
    """Beds and people housed now per facility (facilities serve every agreement)."""
    return [
        OccupancyRow(facility=r["facility__name"], beds=r["beds"] or 0, occupied=r["occupied"] or 0)
        for r in reception.occupancy_now()
    ]


def late_notices(filters: Filters) -> list[CountRow]:
    """Notices served late by month issued, agreement and notice kind (key)."""
    summary = _summary_rows("late_notices", filters, agreement=True)
    if summary is not None:
        return summary
    return _rows(
        vetting.late_notice_counts(scope=filters.scope()),
        agreement="referral__agreement__code",
        key="kind",
    )


def incidents(filters: Filters) -> list[CountRow]:
    """Incidents by month opened, agreement, kind (key) and "explained"/"open" (key2)."""
    return [
        CountRow(
            period=_month(r["month"]),
            agreement=r["movement__agreement__code"] or "",
            key=r["kind"],
            key2="explained" if r["explained"] else "open",
            count=r["n"],
        )
        for r in movements.incident_counts(scope=filters.scope())
    ]


def overrides(filters: Filters) -> list[CountRow]:
    """Override requests by month asked, rule (key) and status (key2)."""
    return _rows(
        vetting.override_counts(scope=filters.scope()), agreement=None, key="rule_id", key2="status"
    )


def below_standard(filters: Filters) -> list[tuple[str, str, list[Any]]]:
    """Agreements in force or suspended with settings below the protective standard:
    (code, title, deviations)."""
    return [
        (a.code, a.title, devs)
        for a, devs in agreements.agreements_below_standard(
            agreement_ids=filters.scope().agreement_ids
        )
    ]
