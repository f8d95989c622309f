"""SAFEGUARDS F2 (issue 9 item 2): protective clocks run from when Ikaze learnt of the fact,
and facts recorded long after they took effect are flagged on the file and to the monitor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.core.errors import RuleBlocked
from ikaze.vetting import services as svc
from ikaze.vetting.legal_events import EventKind, legal_event, timeline_as_of
from ikaze.vetting.models import Evaluation, MonitorNotice
from ikaze.vetting.rules import RULESET_VERSION, Stage, evaluate
from ikaze.vetting.tests import test_rules as rules
from tests import factories as f

pytestmark = pytest.mark.django_db


def _day(days: int = 0) -> dt.date:
    return clock.today_local() + dt.timedelta(days=days)


def _fear(ref: str = "F-1", deadline: int = -29) -> dict[str, Any]:
    return {
        "fear_ref": ref,
        "feared_country": "RW",
        "summary": "Fears onward removal.",
        "expressed_to": "officer",
        "screening_deadline": _day(deadline).isoformat(),
    }


# --- the rules (pure) -------------------------------------------------------------------------


def _finding(events: list[Any], rule: str) -> Any:
    ctx = rules.make(events=[*rules.base_events(), *events], stage=Stage.DEPARTURE)
    (found,) = [x for x in evaluate(ctx).findings if x.rule_id == rule and x.outcome != "warn"]
    return found


def test_a10_review_window_runs_from_the_recording_of_a_back_dated_screening() -> None:
    recorded = rules.NOW - dt.timedelta(minutes=5)
    fear = rules.ev(EventKind.FEAR_EXPRESSED, rules.days_ago(30), recorded, **_fear())
    screening = rules.ev(
        EventKind.FEAR_SCREENING_DONE,
        rules.days_ago(29),
        recorded,
        fear_ref="F-1",
        outcome="negative",
        screener="UNHCR",
    )
    found = _finding([fear, screening], "A10")
    assert found.outcome == "block"
    assert found.facts_used["screened_on"] == rules.days_ago(29).isoformat()
    assert found.facts_used["screening_recorded_on"] == rules.TODAY.isoformat()
    assert (
        found.facts_used["review_window_ends"] == (rules.TODAY + dt.timedelta(days=15)).isoformat()
    )
    # Recorded when it happened, the same screening's window is long over.
    on_time = rules.ev(
        EventKind.FEAR_SCREENING_DONE,
        rules.days_ago(29),
        fear_ref="F-1",
        outcome="negative",
        screener="UNHCR",
    )
    fear_on_time = rules.ev(EventKind.FEAR_EXPRESSED, rules.days_ago(30), **_fear())
    assert _finding([fear_on_time, on_time], "A10").outcome == "pass"


def test_a8_appeal_windows_run_from_the_recording_of_the_decision() -> None:
    recorded = rules.NOW - dt.timedelta(hours=1)
    decided = rules.ev(
        EventKind.ASYLUM_CLAIM_DECIDED,
        rules.days_ago(60),
        recorded,
        claim_ref="C-1",
        outcome="refused",
        appeal_window_ends=rules.days_ago(30).isoformat(),
    )
    found = _finding([decided], "A8")
    assert found.outcome == "block"
    # 30 days of window after the decision, counted from the day it was recorded.
    assert found.facts_used["window_ends"] == (rules.TODAY + dt.timedelta(days=30)).isoformat()
    appeal = rules.ev(
        EventKind.APPEAL_DECIDED,
        rules.days_ago(40),
        recorded,
        appeal_ref="AP-1",
        outcome="dismissed",
        final=False,
        further_window_ends=rules.days_ago(10).isoformat(),
    )
    found = _finding([appeal], "A8")
    assert found.facts_used["window_ends"] == (rules.TODAY + dt.timedelta(days=30)).isoformat()


def test_a9_notice_period_runs_from_the_recording_of_the_service() -> None:
    served = rules.notice(rules.days_ago(20))
    late = legal_event(
        id="late-service",
        kind=served.kind,
        payload=served.payload,
        effective_at=served.effective_at,
        recorded_at=rules.NOW - dt.timedelta(hours=1),
        source_document="PROOF",
        recorded_by="x",
    )
    ctx = rules.make(
        events=[rules.assessment(rules.days_ago(5)), rules.advice(rules.days_ago(20)), late]
    )
    (a9,) = [x for x in evaluate(ctx).findings if x.rule_id == "A9"]
    assert a9.outcome == "block"
    assert a9.facts_used["earliest_transfer"] == (rules.TODAY + dt.timedelta(days=10)).isoformat()


def test_the_timeline_keeps_the_day_each_clock_starting_fact_became_known() -> None:
    recorded = rules.NOW - dt.timedelta(minutes=1)
    state = timeline_as_of(
        [
            rules.ev(EventKind.FEAR_EXPRESSED, rules.days_ago(30), recorded, **_fear()),
            rules.ev(
                EventKind.FEAR_SCREENING_DONE,
                rules.days_ago(29),
                recorded,
                fear_ref="F-1",
                outcome="negative",
                screener="s",
            ),
        ],
        rules.NOW,
    )
    (claim,) = state.fear_claims
    assert (claim.screened_on, claim.screening_known_on) == (rules.days_ago(29), rules.TODAY)


# --- through the services ---------------------------------------------------------------------


def test_a_fear_and_a_negative_screening_back_dated_in_one_sitting_still_block() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    f.fact(by=officer, referral=r, kind="fear_expressed", payload=_fear(), days_ago=30)
    f.fact(
        by=officer,
        referral=r,
        kind="fear_screening_done",
        payload={"fear_ref": "F-1", "outcome": "negative", "screener": "UNHCR"},
        days_ago=29,
    )
    with pytest.raises(RuleBlocked) as blocked:
        svc.referral_accept(actor=officer, referral=r, reason="The window is over.")
    assert list(blocked.value.details) == ["A10"]
    ev = Evaluation.objects.filter(referral=r).order_by("-evaluated_at").first()
    assert ev is not None and ev.ruleset_version == RULESET_VERSION == "2026.12.1"


def test_a_fact_recorded_late_tells_the_monitor_and_is_flagged_on_the_file(client_for) -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    notices = MonitorNotice.objects.count()
    in_time = f.fact(
        by=officer, referral=r, kind="fear_expressed", payload=_fear("F-7", 5), days_ago=7
    )
    assert MonitorNotice.objects.count() == notices
    late = f.fact(
        by=officer, referral=r, kind="fear_expressed", payload=_fear("F-8", 5), days_ago=8
    )
    notice = MonitorNotice.objects.get(kind=MonitorNotice.Kind.FACT_LATE)
    assert (notice.legal_event_id, notice.referral_id) == (late.pk, r.pk)
    assert notice.message == (
        f"Fear expressed taking effect on {_day(-8).isoformat()} was recorded 8 days later, "
        f"on {_day().isoformat()}, by {officer.user}."
    )
    c = client_for(Role.VETTING_OFFICER)
    facts = {x["id"]: x for x in c.get(f"/api/v1/vetting/referrals/{r.pk}/facts").json()}
    assert (
        facts[str(in_time.pk)]["recorded_late_days"],
        facts[str(late.pk)]["recorded_late_days"],
    ) == (
        None,
        8,
    )
    html = c.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert html.count("recorded 8 days after it took effect") == 1
    assert "recorded 7 days after" not in html


@override_settings(IKAZE_LATE_FACT_DAYS=2)
def test_the_late_threshold_is_a_setting() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    before = MonitorNotice.objects.filter(kind=MonitorNotice.Kind.FACT_LATE).count()
    f.fact(
        by=officer,
        referral=r,
        kind="nationality_recorded",
        payload={"country": "HN", "basis": "b"},
        days_ago=3,
    )
    assert MonitorNotice.objects.filter(kind=MonitorNotice.Kind.FACT_LATE).count() == before + 1


def test_rescreen_evaluates_again_what_the_previous_rule_set_evaluated() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    Evaluation.objects.filter(referral=r).update(ruleset_version="2026.11.2")
    summary = svc.referrals_rescreen(actor=officer)
    assert summary["evaluated"] == 1
    assert set(Evaluation.objects.filter(referral=r).values_list("ruleset_version", flat=True)) == {
        "2026.11.2",
        "2026.12.1",
    }
