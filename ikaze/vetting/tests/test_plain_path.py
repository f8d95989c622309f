"""Issue 10 item 2: the single-referral path (every acceptance, evaluation, new fact and
household change, in a threaded web worker) leaves process-wide and connection-wide state
alone: no garbage-collector switch, no PRAGMA. Only the bulk path may tune."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ikaze.vetting import services as svc
from ikaze.vetting.models import Evaluation, Referral
from ikaze.vetting.rules import Stage
from ikaze.vetting.services.households import household_reevaluate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def untouched_gc(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every switch of the collector recorded (and not made)."""
    calls: list[str] = []
    for name in ("disable", "enable", "freeze", "unfreeze"):
        monkeypatch.setattr(gc, name, lambda *a, _n=name, **k: calls.append(_n))
    yield calls


def _pragmas(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "pragma" in q["sql"].lower()]


def test_an_acceptance_touches_neither_the_collector_nor_a_pragma(
    untouched_gc: list[str],
) -> None:
    officer = factories.vetting_officer()
    r = factories.vetting_referral(officer=officer)
    before = Evaluation.objects.filter(referral=r).count()
    with CaptureQueriesContext(connection) as ctx:
        svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    r.refresh_from_db()
    assert r.status == Referral.Status.ACCEPTED
    assert Evaluation.objects.filter(referral=r).count() == before + 1
    assert untouched_gc == []
    assert _pragmas(ctx) == []


def test_small_sets_touch_neither_the_collector_nor_a_pragma(untouched_gc: list[str]) -> None:
    officer = factories.vetting_officer()
    r = factories.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    other = factories.vetting_referral(officer=officer)
    calls: list[Any] = []
    with CaptureQueriesContext(connection) as ctx:
        # One referral evaluated; a person's open and accepted referrals after a new fact.
        calls.append(svc.referral_evaluate(actor=officer, referral=other, stage=Stage.REFERRAL))
        calls.append(factories.court_stay(by=officer, referral=r))
        # A household's people.
        calls.append(
            household_reevaluate(
                actor=officer,
                person_ids=[r.person_id, other.person_id],
                change={"x": "y"},
                include_themselves=True,
            )
        )
    assert all(c is not None for c in calls)
    assert untouched_gc == []
    assert _pragmas(ctx) == []
