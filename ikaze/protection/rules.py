"""The protection rules as pure functions of a case's records and a moment (no database).

SAFEGUARDS B1 (no close before a final decision), B5 (no removal within 30 days of a negative
appeal decision, nor while a court case is pending), B6 (the non-refoulement lock), B7 (five
years of monitoring after the final decision). A decision counts from its service (B4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

MONITORING_YEARS = 5  # SAFEGUARDS B7
ADVERSE_WINDOW = dt.timedelta(days=90)  # SAFEGUARDS C2
# B8: reasons a support reduction may never give.
FORBIDDEN_REDUCTION_REASONS = frozenset({"complaint", "appeal", "fear_claim", "asylum_claim"})


@dataclass(frozen=True)
class DecisionFact:
    level: str  # first_instance | appeal | court
    result: str  # granted | refused
    served_at: dt.datetime | None


@dataclass(frozen=True)
class ClaimFacts:
    claim_lodged_at: dt.datetime | None
    appeal_lodged_at: dt.datetime | None
    court_filed_at: dt.datetime | None
    decisions: Sequence[DecisionFact]
    appeal_window_days: int


def _served(facts: ClaimFacts, level: str) -> DecisionFact | None:
    for d in facts.decisions:
        if d.level == level and d.served_at is not None:
            return d
    return None


def final_decision_at(facts: ClaimFacts, now: dt.datetime) -> dt.datetime | None:
    """When the decision on status became final (appeals and court included), else None.

    A granted decision is final when served; a court decision when served. A refusal is final
    once its window (`appeal_window_days`) has passed with no appeal (first instance) or no
    court case (appeal) lodged within it."""
    window = dt.timedelta(days=facts.appeal_window_days)
    for d in facts.decisions:
        if d.served_at is not None and d.result == "granted":
            return d.served_at
    court = _served(facts, "court")
    if court is not None:
        return court.served_at
    appeal = _served(facts, "appeal")
    if appeal is not None:
        assert appeal.served_at is not None
        if facts.court_filed_at is not None:
            return None
        ends = appeal.served_at + window
        return ends if now >= ends else None
    first = _served(facts, "first_instance")
    if first is not None:
        assert first.served_at is not None
        if facts.appeal_lodged_at is not None:
            return None
        ends = first.served_at + window
        return ends if now >= ends else None
    return None


def removal_blocked(facts: ClaimFacts, now: dt.datetime) -> str:
    """Why no one may remove the person now ("" when nothing blocks): B5 and a pending claim."""
    court = _served(facts, "court")
    if facts.court_filed_at is not None and court is None:
        return "court_pending"
    appeal = _served(facts, "appeal")
    if appeal is not None and appeal.result == "refused" and court is None:
        assert appeal.served_at is not None
        if now < appeal.served_at + dt.timedelta(days=facts.appeal_window_days):
            return "appeal_window"
    if facts.claim_lodged_at is not None and final_decision_at(facts, now) is None:
        return "claim_pending"
    return ""


def monitoring_until(final_at: dt.datetime) -> dt.datetime:
    """B7: five years after the final decision (29 February falls back to 28)."""
    try:
        return final_at.replace(year=final_at.year + MONITORING_YEARS)
    except ValueError:
        return final_at.replace(year=final_at.year + MONITORING_YEARS, day=28)


@dataclass(frozen=True)
class DepartureCheck:
    allowed: bool
    reason: str  # a code: "" | third_country | origin_not_voluntary | origin_no_screening


def departure_check(
    *,
    destination: str,
    sending_state: str,
    nationalities: Sequence[str],
    voluntary_request_reference: str,
    fear_screening_on: dt.date | None,
) -> DepartureCheck:
    """SAFEGUARDS B6: the sending state, or the country of origin only at the person's own
    documented request after a fear screening; any other destination is refused."""
    destination = destination.upper()
    if destination == sending_state.upper():
        return DepartureCheck(True, "")
    if destination in {n.upper() for n in nationalities}:
        if not voluntary_request_reference.strip():
            return DepartureCheck(False, "origin_not_voluntary")
        if fear_screening_on is None:
            return DepartureCheck(False, "origin_no_screening")
        return DepartureCheck(True, "")
    return DepartureCheck(False, "third_country")
