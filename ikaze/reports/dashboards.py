"""The dashboards: each is a list of chart definitions, and who may see it.

To add a chart (payments and reconciliation, complaints and their ages, as those apps land):
write its aggregate in `figures.py`, a `ChartDef` in `CHARTS` whose `build` turns the rows into
a `ChartData`, and name its key in the dashboards that should show it. Pages, CSV downloads,
the API and the monthly PDF pick it up from here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ikaze.accounts.access import Perm
from ikaze.core.aggregates import BUCKET_EDGES_DAYS, bucket_label
from ikaze.movements import selectors as movements
from ikaze.reports import figures
from ikaze.reports.charts import ChartData, month_label, stacked_from_counts
from ikaze.reports.figures import Filters
from ikaze.vetting import selectors as vetting


@dataclass(frozen=True)
class ChartDef:
    key: str
    title: Promise
    build: Callable[[Filters], ChartData]


@dataclass(frozen=True)
class Dashboard:
    name: str
    title: Promise
    perm: Perm
    charts: tuple[str, ...]


def _by_month(
    rows: list[figures.CountRow], *, names: dict[str, str], kind: str = "stacked"
) -> ChartData:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        counts[(r.period, r.key)] += r.count
    months = sorted({r.period for r in rows})
    groups = sorted({r.key for r in rows}, key=lambda g: names.get(g, g))
    return stacked_from_counts(
        counts,
        x_order=months,
        group_order=groups,
        x_names={m: month_label(m) for m in months},
        group_names=names,
        first_header=_("Month"),
        kind=kind,
    )


def _totals_by_key(
    rows: list[figures.CountRow], *, names: dict[str, str], header: str
) -> ChartData:
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r.key] += r.count
    keys = sorted(totals, key=lambda k: -totals[k])
    return ChartData(
        kind="hbar",
        x_labels=[names.get(k, k) or "—" for k in keys],
        series=[(_("Count"), [totals[k] for k in keys])],
        headers=[header, _("Count")],
        rows=[[names.get(k, k) or "—", totals[k]] for k in keys],
        numeric_columns={1},
    )


def referrals(f: Filters) -> ChartData:
    return _by_month(figures.referrals_by_month(f), names=vetting.report_labels()["status"])


def decisions(f: Filters) -> ChartData:
    return _by_month(figures.decision_outcomes(f), names=vetting.report_labels()["outcome"])


def refusal_reasons(f: Filters) -> ChartData:
    rows = figures.decisions_by_month(f, outcome="refused")
    names = vetting.report_labels()["reason"]
    keyed = [
        figures.CountRow(period=r.period, agreement=r.agreement, key=r.key2, count=r.count)
        for r in rows
    ]
    data = _totals_by_key(keyed, names={**names, "": _("No reason code")}, header=_("Reason"))
    data.note = _("A refusal with several reasons counts under each.")
    return data


def blocks(f: Filters) -> ChartData:
    data = _totals_by_key(
        figures.blocks_by_rule(f), names=vetting.report_labels()["rule"], header=_("Rule")
    )
    data.note = _("Referrals blocked by each rule; a referral evaluated twice counts once a month.")
    return data


STEP_NAMES: dict[str, Promise] = {
    "referral_decision": gettext_lazy("Referral to decision"),
    "decision_departure": gettext_lazy("Acceptance to departure"),
    "departure_arrival": gettext_lazy("Departure to arrival"),
    "referral_arrival": gettext_lazy("Referral to arrival"),
}


def processing_times(f: Filters) -> ChartData:
    dist = figures.processing_times(f)
    labels = [bucket_label(i) for i in range(len(BUCKET_EDGES_DAYS) + 1)]

    def upto(days: int | None, n: int) -> str:
        if n == 0:
            return "—"
        return (
            _("≤ %(days)s days") % {"days": days}
            if days is not None
            else f"> {BUCKET_EDGES_DAYS[-1]}"
        )

    return ChartData(
        kind="bar",
        x_labels=[_("%(range)s days") % {"range": lab} for lab in labels],
        series=[(str(STEP_NAMES[d.step]), [c for _lab, c in d.buckets]) for d in dist],
        headers=[_("Step"), _("People"), _("Median"), _("90th percentile"), *labels],
        rows=[
            [
                str(STEP_NAMES[d.step]),
                d.n,
                upto(d.p50, d.n),
                upto(d.p90, d.n),
                *(c for _l, c in d.buckets),
            ]
            for d in dist
        ],
        numeric_columns={1, *range(4, 4 + len(labels))},
        note=_(
            "Days between the steps, counted in day ranges; the median and the 90th "
            "percentile are the upper end of the range they fall in."
        ),
    )


def arrivals(f: Filters) -> ChartData:
    from ikaze.agreements.selectors import country_name

    rows = figures.arrivals_by_nationality(f)
    return _by_month(rows, names={r.key: country_name(r.key) if r.key else "—" for r in rows})


def cap_use(f: Filters) -> ChartData:
    rows = figures.cap_use(f)
    return ChartData(
        kind="bar",
        x_labels=[r.agreement for r in rows],
        series=[
            (_("Cap"), [r.cap for r in rows]),
            (_("Places used"), [r.used for r in rows]),
            (_("Arrived"), [r.arrived for r in rows]),
        ],
        headers=[
            _("Agreement"),
            _("Title"),
            _("Cap"),
            _("Places used"),
            _("Arrived"),
            _("Share of cap used"),
        ],
        rows=[
            [
                r.agreement,
                r.title,
                r.cap if r.cap is not None else _("No cap"),
                r.used,
                r.arrived,
                f"{round(100 * r.used / r.cap)} %" if r.cap else "—",
            ]
            for r in rows
        ],
        numeric_columns={2, 3, 4},
        note=_("Places now, whatever the period chosen."),
    )


def occupancy(f: Filters) -> ChartData:
    rows = figures.occupancy(f)
    return ChartData(
        kind="bar",
        x_labels=[r.facility for r in rows],
        series=[
            (_("Beds"), [r.beds for r in rows]),
            (_("People housed"), [r.occupied for r in rows]),
        ],
        headers=[_("Facility"), _("Beds"), _("People housed"), _("Occupancy")],
        rows=[
            [
                r.facility,
                r.beds,
                r.occupied,
                f"{round(100 * r.occupied / r.beds)} %" if r.beds else "—",
            ]
            for r in rows
        ],
        numeric_columns={1, 2},
        note=_("Now, in units open for use; facilities serve every agreement."),
    )


def late_notices(f: Filters) -> ChartData:
    return _by_month(figures.late_notices(f), names=vetting.report_labels()["notice_kind"])


def incidents(f: Filters) -> ChartData:
    return _by_month(figures.incidents(f), names=movements.report_labels()["incident_kind"])


def overrides(f: Filters) -> ChartData:
    return _by_month(figures.overrides(f), names=vetting.report_labels()["rule"])


CHARTS: dict[str, ChartDef] = {
    c.key: c
    for c in (
        ChartDef("referrals", gettext_lazy("Referrals by month and status"), referrals),
        ChartDef("decisions", gettext_lazy("Decisions by month and outcome"), decisions),
        ChartDef("refusal_reasons", gettext_lazy("Refusals by reason"), refusal_reasons),
        ChartDef("blocks", gettext_lazy("Safeguard blocks by rule"), blocks),
        ChartDef("processing_times", gettext_lazy("Processing times"), processing_times),
        ChartDef("arrivals", gettext_lazy("Arrivals by nationality and month"), arrivals),
        ChartDef("cap_use", gettext_lazy("Cap use per agreement"), cap_use),
        ChartDef("occupancy", gettext_lazy("Occupancy per facility"), occupancy),
        ChartDef("late_notices", gettext_lazy("Notices served late"), late_notices),
        ChartDef("incidents", gettext_lazy("Incidents by month and kind"), incidents),
        ChartDef("overrides", gettext_lazy("Override requests by month and rule"), overrides),
        # Registered at merge as their apps land: "payments" (payments and reconciliation),
        # "complaints" (complaints and their ages).
    )
}

DASHBOARDS: dict[str, Dashboard] = {
    d.name: d
    for d in (
        Dashboard(
            "vetting",
            gettext_lazy("Vetting"),
            Perm.REPORT_VETTING_VIEW,
            (
                "referrals",
                "decisions",
                "refusal_reasons",
                "blocks",
                "processing_times",
                "late_notices",
            ),
        ),
        Dashboard(
            "movements",
            gettext_lazy("Movements and reception"),
            Perm.REPORT_MOVEMENTS_VIEW,
            ("arrivals", "processing_times", "occupancy", "incidents"),
        ),
        Dashboard(
            "agreements",
            gettext_lazy("Agreements"),
            Perm.REPORT_AGREEMENTS_VIEW,
            ("cap_use", "referrals", "decisions", "arrivals"),
        ),
        Dashboard(
            "monitor",
            gettext_lazy("Monitoring"),
            Perm.REPORT_MONITOR_VIEW,
            (
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
            ),
        ),
    )
}


def dashboards_for(perms: Any) -> list[Dashboard]:
    """The dashboards a holder of `perms` may open, in the order above."""
    return [d for d in DASHBOARDS.values() if d.perm in perms]
