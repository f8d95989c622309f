"""Every figure against crafted records with known answers (issue 16), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from ikaze.reports import figures
from ikaze.reports.figures import Filters


def by_period_agreement(rows) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        out[(r.period, r.agreement)] = out.get((r.period, r.agreement), 0) + r.count
    return out


def test_referrals_by_month_and_agreement(crafted):
    rows = figures.referrals_by_month(Filters())
    assert by_period_agreement(rows) == {
        ("2026-01", "R-A"): 2,
        ("2026-01", "R-B"): 1,
        ("2026-02", "R-A"): 1,
    }


def test_referrals_filtered_by_agreement_nationality_and_period(crafted):
    only_a = figures.referrals_by_month(Filters(agreement_id=crafted.a.pk))
    assert by_period_agreement(only_a) == {("2026-01", "R-A"): 2, ("2026-02", "R-A"): 1}
    syrians = figures.referrals_by_month(Filters(nationality="SY"))
    assert by_period_agreement(syrians) == {("2026-01", "R-A"): 2, ("2026-01", "R-B"): 1}
    february = figures.referrals_by_month(
        Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    )
    assert by_period_agreement(february) == {("2026-02", "R-A"): 1}


def test_an_agreement_outside_the_readers_scope_counts_nothing(crafted):
    rows = figures.referrals_by_month(Filters(agreement_id=crafted.a.pk, within=(crafted.b.pk,)))
    assert rows == []
    within_b = figures.referrals_by_month(Filters(within=(crafted.b.pk,)))
    assert by_period_agreement(within_b) == {("2026-01", "R-B"): 1}


def test_decisions_by_outcome_and_reason(crafted):
    rows = {
        (r.period, r.agreement, r.key, r.key2): r.count
        for r in figures.decisions_by_month(Filters())
    }
    assert rows == {
        ("2026-01", "R-A", "accepted", ""): 1,
        ("2026-01", "R-B", "accepted", ""): 1,
        ("2026-02", "R-A", "refused", "cap_reached"): 1,
        ("2026-02", "R-A", "refused", "safeguard_block"): 1,
    }
    outcomes = {(r.period, r.key): r.count for r in figures.decision_outcomes(Filters())}
    assert outcomes == {("2026-01", "accepted"): 2, ("2026-02", "refused"): 1}


def test_blocks_count_each_referral_once_a_month(crafted):
    rows = {(r.period, r.key): r.count for r in figures.blocks_by_rule(Filters())}
    assert rows == {("2026-02", "A1"): 1, ("2026-02", "B2"): 2}


def test_processing_times_are_distributions(crafted):
    steps = {d.step: d for d in figures.processing_times(Filters())}
    rd = steps["referral_decision"]
    assert rd.n == 3
    assert dict(rd.buckets)["1-3"] == 1
    assert dict(rd.buckets)["3-7"] == 1
    assert dict(rd.buckets)["30-60"] == 1
    assert sum(c for _label, c in rd.buckets) == 3
    # 1, 5 and 41 days: the median falls in 3-7 days, the 90th percentile in 30-60.
    assert (rd.p50, rd.p90) == (7, 60)
    da = steps["departure_arrival"]
    assert (da.n, dict(da.buckets)["1-3"]) == (2, 2)
    ra = steps["referral_arrival"]
    # r1: 10 Jan to 2 Mar (51 days); r4: 20 Jan to 5 Mar (44 days)
    assert (ra.n, dict(ra.buckets)["30-60"]) == (2, 2)
    ad = steps["decision_departure"]
    # r1 accepted 15 Jan, left 1 Mar (45 days); r4 accepted 21 Jan, left 4 Mar (42 days)
    assert (ad.n, dict(ad.buckets)["30-60"]) == (2, 2)
    nobody = {d.step: d for d in figures.processing_times(Filters(nationality="ER"))}
    assert nobody["referral_decision"].n == 0
    assert nobody["referral_decision"].p50 is None


def test_arrivals_by_nationality_and_month(crafted):
    rows = {
        (r.period, r.agreement, r.key): r.count for r in figures.arrivals_by_nationality(Filters())
    }
    assert rows == {("2026-03", "R-A", "SY"): 1, ("2026-03", "R-B", "SY"): 1}
    assert figures.arrivals_by_nationality(Filters(nationality="ER")) == []


def test_late_notices_incidents_and_overrides(crafted):
    assert [(r.period, r.agreement, r.key, r.count) for r in figures.late_notices(Filters())] == [
        ("2026-02", "R-A", "decision", 1)
    ]
    assert [
        (r.period, r.agreement, r.key, r.key2, r.count) for r in figures.incidents(Filters())
    ] == [("2026-03", "R-A", "no_show", "open", 1)]
    assert [(r.period, r.key, r.key2, r.count) for r in figures.overrides(Filters())] == [
        ("2026-02", "B2", "requested", 1)
    ]
    assert figures.incidents(Filters(agreement_id=crafted.b.pk)) == []


def test_cap_use(crafted):
    rows = {r.agreement: (r.used, r.arrived) for r in figures.cap_use(Filters())}
    assert rows["R-A"] == (0, 0)
    assert set(rows) >= {"R-A", "R-B"}
    assert [r.agreement for r in figures.cap_use(Filters(agreement_id=crafted.b.pk))] == ["R-B"]
