"""The pre-aggregated counts (ADR 0028) give exactly the live figures for whole months."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ikaze.reports import figures, services
from ikaze.reports.figures import Filters
from ikaze.reports.models import MonthCount

FIGURES = [
    figures.referrals_by_month,
    figures.decisions_by_month,
    figures.decision_outcomes,
    figures.blocks_by_rule,
    figures.arrivals_by_nationality,
    figures.late_notices,
]


def _filters(crafted) -> list[Filters]:
    return [
        Filters(),
        Filters(agreement_id=crafted.a.pk),
        Filters(nationality="SY"),
        Filters(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28)),
        Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), within=(crafted.b.pk,)),
    ]


def test_without_a_refresh_the_figures_are_live(crafted):
    assert figures.counted_at(Filters()) is None


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f.__name__)
def test_the_counts_match_the_live_tables(crafted, figure):
    refresh = services.counts_refresh()
    assert refresh.rows == MonthCount.objects.count() > 0
    for f in _filters(crafted):
        assert figures.counted_at(f) == refresh.refreshed_at
        summary = sorted(figure(f), key=repr)
        live = sorted(figure(dataclasses.replace(f, live=True)), key=repr)
        assert summary == live, (figure.__name__, f)


def test_processing_times_match_too(crafted):
    services.counts_refresh()
    for f in _filters(crafted):
        assert figures.processing_times(f) == figures.processing_times(
            dataclasses.replace(f, live=True)
        )


def test_a_period_of_days_reads_the_live_tables(crafted):
    services.counts_refresh()
    f = Filters(start=dt.date(2026, 1, 11), end=dt.date(2026, 2, 28))
    assert figures.counted_at(f) is None
    rows = {(r.period, r.agreement): r.count for r in figures.referrals_by_month(f)}
    assert rows == {("2026-01", "R-B"): 1, ("2026-02", "R-A"): 1}


def test_the_dashboard_says_when_its_counts_were_made(crafted, client_for, capsys):
    from django.core.management import call_command

    from ikaze.accounts.access import Role

    c = client_for(Role.MONITOR)
    assert 'data-testid="counted-at"' not in c.get("/reports/monitor/").content.decode()
    call_command("reports_refresh")
    assert '"rows": ' in capsys.readouterr().out
    assert 'data-testid="counted-at"' in c.get("/reports/monitor/").content.decode()
    days = c.get("/reports/monitor/?start=2026-01-02&end=2026-01-31").content.decode()
    assert 'data-testid="counted-at"' not in days
