"""SAFEGUARDS A1–A13: one table per rule, passing and blocking cases, clock boundaries.

Every case starts from a person who passes every rule at departure (`base`) and changes one
thing. The clock is fixed at 2026-11-16 09:00 UTC (11:00 in Kigali); day arithmetic is in the
receiving state's calendar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import replace
from typing import Any

import orjson
import pytest
from pydantic_core import to_json

from ikaze.vetting.legal_events import (
    ALL_ASSESSMENT_TOPICS,
    AssessmentTopic,
    EventKind,
    LegalEvent,
    Relationship,
    legal_event,
    timeline_as_of,
)
from ikaze.vetting.rules import (
    RULES,
    RULESET,
    RULESET_VERSION,
    AgreementSettings,
    DateOfBirth,
    DecisionFacts,
    DobPrecision,
    Finding,
    HouseholdMember,
    Outcome,
    PersonFacts,
    ReferralFacts,
    RuleContext,
    RuleKind,
    Stage,
    canonical_inputs,
    evaluate,
    evaluate_many,
    inputs_hash,
    notice_language_served,
)
from ikaze.vetting.rules.context import DEFAULT_REQUIRED_FIELDS
from ikaze.vetting.rules.engine import canonical_document

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 16)
_ids = itertools.count(1)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def ev(
    kind: EventKind, on: dt.date, recorded_at: dt.datetime | None = None, **payload: Any
) -> LegalEvent:
    return legal_event(
        id=f"E{next(_ids)}",
        kind=kind,
        payload=payload,
        effective_at=on,
        recorded_at=recorded_at or dt.datetime.combine(on, dt.time(6, 0), tzinfo=dt.UTC),
        source_document="DOC-1",
        recorded_by="vetting",
    )


def assessment(on: dt.date, **over: Any) -> LegalEvent:
    payload = {
        "assessor": "A. Uwase",
        "individual": True,
        "topics": sorted(ALL_ASSESSMENT_TOPICS),
        "text_sha256": hashlib.sha256(b"individual text").hexdigest(),
        **over,
    }
    return ev(EventKind.ASSESSMENT_SIGNED, on, **payload)


def advice(on: dt.date, language: str = "es", **over: Any) -> LegalEvent:
    return ev(
        EventKind.LEGAL_ADVICE_GIVEN, on, provider="Legal Aid Forum", language=language, **over
    )


def notice(on: dt.date, **over: Any) -> LegalEvent:
    payload = {
        "notice_ref": "N-1",
        "notice_kind": "transfer",
        "destination_country": "RW",
        "language": "es",
        "template_language": "es",
        "served_on_person": True,
        "served_on_counsel": True,
        "counsel_name": "M. Ortiz",
        "proof_reference": "PROOF-1",
        **over,
    }
    return ev(EventKind.NOTICE_SERVED, on, **payload)


def base_events() -> list[LegalEvent]:
    return [assessment(days_ago(5)), advice(days_ago(20)), notice(days_ago(12))]


def base_person(**over: Any) -> PersonFacts:
    values: dict[str, Any] = {
        "person_id": "P1",
        "date_of_birth": DateOfBirth(dt.date(1990, 5, 17)),
        "sex": "F",
        "nationalities": frozenset({"HN"}),
        "languages": ("es", "en"),
        "has_counsel": True,
        **over,
    }
    return PersonFacts(**values)


AGREEMENT = AgreementSettings(agreement_id="US-RW", cap=250, places_left=10)
ACCEPTED = DecisionFacts(
    accepted=True,
    officer="J. Mukamana",
    accepted_at=NOW - dt.timedelta(days=10),
    reason="All safeguards met.",
    counted_in_cap=True,
)


REFUSED = DecisionFacts(refused=True, officer="J. Mukamana", reason="Not eligible.")


def make(
    *,
    events: list[LegalEvent] | None = None,
    extra: list[LegalEvent] = (),  # type: ignore[assignment]
    stage: Stage = Stage.DEPARTURE,
    now: dt.datetime = NOW,
    person: PersonFacts | None = None,
    referral: ReferralFacts | None = None,
    agreement: AgreementSettings = AGREEMENT,
    decision: DecisionFacts = ACCEPTED,
    planned_departure: dt.date | None = None,
) -> RuleContext:
    evs = [*(base_events() if events is None else events), *extra]
    ctx = RuleContext(
        stage=stage,
        now=now,
        legal=timeline_as_of(evs, now),
        person=person or base_person(),
        referral=_served_through_notice_service(
            referral or ReferralFacts(referral_id="R1", present_fields=DEFAULT_REQUIRED_FIELDS),
            evs,
        ),
        agreement=agreement,
        decision=decision,
        planned_departure=planned_departure,
    )
    # Keep the events each context was built from, so a test can add one and rebuild.
    _EVENT_LOG[id(ctx.legal)] = evs
    return ctx


_EVENT_LOG: dict[int, list[LegalEvent]] = {}


def _served_through_notice_service(
    referral: ReferralFacts, events: list[LegalEvent]
) -> ReferralFacts:
    """The table cases model notices served through the notice service (SAFEGUARDS F3): their
    `notice_served` events count, unless a case gives its own list."""
    if referral.notice_service_events:
        return referral
    served = frozenset(e.id for e in events if e.kind is EventKind.NOTICE_SERVED)
    return replace(referral, notice_service_events=served)


def _events_of(ctx: RuleContext) -> list[LegalEvent]:
    return _EVENT_LOG[id(ctx.legal)]


def outcomes(rule_id: str, ctx: RuleContext) -> list[Outcome]:
    return [f.outcome for f in RULES[rule_id](ctx)]


PASS, BLOCK, WARN = Outcome.PASS, Outcome.BLOCK, Outcome.WARN


def test_the_base_case_passes_every_rule_at_departure() -> None:
    evaluation = evaluate(make())
    assert [(f.rule_id, f.outcome) for f in evaluation.findings] == [(r.id, PASS) for r in RULESET]
    assert evaluation.ruleset_version == RULESET_VERSION == "2026.12.1"
    assert evaluation.blocked is False


def test_every_rule_declares_its_identity() -> None:
    assert [r.id for r in RULESET] == [f"A{i}" for i in range(1, 14)]
    kinds = {r.id: r.kind for r in RULESET}
    assert {k for k, v in kinds.items() if v is RuleKind.ABSOLUTE} == {
        "A1",
        "A2",
        "A5",
        "A6",
        "A8",
        "A10",
        "A11",
    }
    for r in RULESET:
        assert r.title and r.text and r.source and ("[R]" in r.source or "[K]" in r.source)
    assert RULES["A9"].settings == ("notice_period_days",)
    assert RULES["A10"].settings == ("review_window_days",)


# --- A1 ------------------------------------------------------------------------------------


def born(years: int, days: int = 0) -> dt.date:
    return dt.date(TODAY.year - years, TODAY.month, TODAY.day) + dt.timedelta(days=days)


PARENT = HouseholdMember("P2", Relationship.PARENT, is_child=False, present=True)

A1_CASES: list[tuple[str, dict[str, Any], list[Any], list[Outcome]]] = [
    ("adult", {}, [], [PASS]),
    ("exactly 18 today", {"date_of_birth": DateOfBirth(born(18))}, [], [PASS]),
    ("17 years 364 days", {"date_of_birth": DateOfBirth(born(18, days=1))}, [], [BLOCK]),
    (
        "17y364d with a parent present",
        {"date_of_birth": DateOfBirth(born(18, days=1)), "household": (PARENT,)},
        [],
        [PASS],
    ),
    (
        "parent not on the same referral",
        {"date_of_birth": DateOfBirth(born(10)), "household": (replace(PARENT, present=False),)},
        [],
        [BLOCK],
    ),
    (
        "only a sibling (a child) travels",
        {
            "date_of_birth": DateOfBirth(born(10)),
            "household": (
                HouseholdMember("P3", Relationship.SIBLING, is_child=True, present=True),
            ),
        },
        [],
        [BLOCK],
    ),
    # Year precision: born "2008" counts from 31 December 2008, so 17 on 16 Nov 2026.
    (
        "year-only birth date",
        {"date_of_birth": DateOfBirth(dt.date(2008, 1, 1), DobPrecision.YEAR)},
        [],
        [BLOCK],
    ),
    (
        "year-only, surely adult",
        {"date_of_birth": DateOfBirth(dt.date(2007, 1, 1), DobPrecision.YEAR)},
        [],
        [PASS],
    ),
    (
        "month-only birth date",
        {"date_of_birth": DateOfBirth(dt.date(2008, 11, 1), DobPrecision.MONTH)},
        [],
        [BLOCK],
    ),
    ("unknown date of birth", {"date_of_birth": None}, [], [BLOCK]),
    (
        "age disputed, unresolved, even with a parent",
        {"household": (PARENT,)},
        [("open", None)],
        [BLOCK],
    ),
    ("age disputed, resolved adult but not final", {}, [("open", None), ("adult", False)], [BLOCK]),
    ("age disputed, finally resolved adult", {}, [("open", None), ("adult", True)], [PASS]),
    (
        "age disputed, finally resolved child, unaccompanied",
        {},
        [("open", None), ("child", True)],
        [BLOCK],
    ),
]


@pytest.mark.parametrize(
    ("person_over", "dispute", "expected"), [c[1:] for c in A1_CASES], ids=[c[0] for c in A1_CASES]
)
def test_a1_unaccompanied_child(
    person_over: dict[str, Any], dispute: list[Any], expected: list[Outcome]
) -> None:
    extra = []
    for step, final in dispute:
        if step == "open":
            extra.append(ev(EventKind.AGE_DISPUTE_OPENED, days_ago(40), reason="Looks younger"))
        else:
            extra.append(
                ev(
                    EventKind.AGE_DISPUTE_RESOLVED,
                    days_ago(30),
                    outcome=step,
                    final=final,
                    method="Merton-compliant assessment",
                )
            )
    assert outcomes("A1", make(person=base_person(**person_over), extra=extra)) == expected


# --- A2 ------------------------------------------------------------------------------------


def fear(on: dt.date, ref: str = "F-1", country: str = "RW") -> LegalEvent:
    return ev(
        EventKind.FEAR_EXPRESSED,
        on,
        fear_ref=ref,
        feared_country=country,
        summary="Afraid of being sent on.",
        expressed_to="liaison",
        screening_deadline=on + dt.timedelta(days=7),
    )


def screening(on: dt.date, outcome: str, ref: str = "F-1") -> LegalEvent:
    return ev(EventKind.FEAR_SCREENING_DONE, on, fear_ref=ref, outcome=outcome, screener="UNHCR")


A2_CASES = [
    ("not a national", {}, [], [PASS]),
    ("national of the receiving state", {"nationalities": frozenset({"HN", "RW"})}, [], [BLOCK]),
    (
        "nationality recorded on the timeline",
        {},
        [ev(EventKind.NATIONALITY_RECORDED, days_ago(3), country="RW", basis="Passport")],
        [BLOCK],
    ),
    (
        "credible fear of persecution there",
        {},
        [fear(days_ago(40)), screening(days_ago(35), "positive")],
        [BLOCK],
    ),
    ("negative screening", {}, [fear(days_ago(40)), screening(days_ago(35), "negative")], [PASS]),
]


@pytest.mark.parametrize(
    ("person_over", "extra", "expected"), [c[1:] for c in A2_CASES], ids=[c[0] for c in A2_CASES]
)
def test_a2_national_or_persecuted(
    person_over: dict[str, Any], extra: list[LegalEvent], expected: list[Outcome]
) -> None:
    assert outcomes("A2", make(person=base_person(**person_over), extra=extra)) == expected


# --- A3 ------------------------------------------------------------------------------------

SHARED_HASH = hashlib.sha256(b"individual text").hexdigest()

A3_CASES: list[tuple[str, list[LegalEvent], frozenset[str], AgreementSettings, list[Outcome]]] = [
    ("signed 30 days ago", [assessment(days_ago(30))], frozenset(), AGREEMENT, [PASS]),
    ("signed 31 days ago", [assessment(days_ago(31))], frozenset(), AGREEMENT, [BLOCK]),
    ("signed today", [assessment(TODAY)], frozenset(), AGREEMENT, [PASS]),
    ("none", [], frozenset(), AGREEMENT, [BLOCK]),
    ("bulk", [assessment(days_ago(2), individual=False)], frozenset(), AGREEMENT, [BLOCK]),
    (
        "copied_from set",
        [assessment(days_ago(2), copied_from="E77")],
        frozenset(),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "same text as another person's",
        [assessment(days_ago(2))],
        frozenset({SHARED_HASH}),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "missing a topic",
        [
            assessment(
                days_ago(2),
                topics=sorted(ALL_ASSESSMENT_TOPICS - {AssessmentTopic.TRAFFICKING_INDICATORS}),
            )
        ],
        frozenset(),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "a fresh individual one beside an old copied one",
        [assessment(days_ago(50), copied_from="E1"), assessment(days_ago(3))],
        frozenset(),
        AGREEMENT,
        [PASS],
    ),
    (
        "agreement allows 60 days: below standard",
        [assessment(days_ago(45))],
        frozenset(),
        replace(AGREEMENT, assessment_max_age_days=60),
        [PASS, WARN],
    ),
]


@pytest.mark.parametrize(
    ("assessments", "shared", "agreement", "expected"),
    [c[1:] for c in A3_CASES],
    ids=[c[0] for c in A3_CASES],
)
def test_a3_assessment(
    assessments: list[LegalEvent],
    shared: frozenset[str],
    agreement: AgreementSettings,
    expected: list[Outcome],
) -> None:
    events = [*assessments, advice(days_ago(20)), notice(days_ago(12))]
    referral = ReferralFacts(
        referral_id="R1", present_fields=DEFAULT_REQUIRED_FIELDS, shared_assessment_hashes=shared
    )
    assert outcomes("A3", make(events=events, referral=referral, agreement=agreement)) == expected


# --- A4 ------------------------------------------------------------------------------------

A4_CASES = [
    ("complete", ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS), [PASS]),
    (
        "no travel document",
        ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS - {"travel_document"}),
        [BLOCK],
    ),
    ("nothing", ReferralFacts("R1", frozenset()), [BLOCK]),
    ("health data with consent", ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS, True, True), [PASS]),
    (
        "health data without consent",
        ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS, True, False),
        [BLOCK],
    ),
    ("both", ReferralFacts("R1", frozenset({"name"}), True, False), [BLOCK, BLOCK]),
]


@pytest.mark.parametrize(
    ("referral", "expected"), [c[1:] for c in A4_CASES], ids=[c[0] for c in A4_CASES]
)
def test_a4_referral_complete(referral: ReferralFacts, expected: list[Outcome]) -> None:
    assert outcomes("A4", make(referral=referral)) == expected


def test_a4_names_what_is_missing_and_the_reason_code() -> None:
    [finding] = RULES["A4"](
        make(referral=ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS - {"sex", "nationality"}))
    )
    assert finding.facts_used == {
        "missing": ["nationality", "sex"],
        "missing_text": "nationality, sex",
        "reason_code": "incomplete_referral",
    }
    assert finding.overridable is True
    assert finding.render_message() == "Incomplete referral: missing nationality, sex."


# --- A5 ------------------------------------------------------------------------------------


def accepted_days_ago(n: int, **over: Any) -> DecisionFacts:
    # 07:00 UTC is 09:00 in Kigali: the acceptance day is unambiguous.
    at = dt.datetime.combine(days_ago(n), dt.time(7, 0), tzinfo=dt.UTC)
    return replace(ACCEPTED, accepted_at=at, **over)


A5_CASES: list[
    tuple[str, Stage, DecisionFacts, dt.date | None, AgreementSettings, list[Outcome]]
] = [
    ("accepted 90 days ago", Stage.DEPARTURE, accepted_days_ago(90), None, AGREEMENT, [PASS]),
    ("accepted 91 days ago", Stage.DEPARTURE, accepted_days_ago(91), None, AGREEMENT, [BLOCK]),
    ("silence", Stage.DEPARTURE, DecisionFacts(), None, AGREEMENT, [BLOCK]),
    ("no named officer", Stage.DECISION, replace(ACCEPTED, officer=" "), None, AGREEMENT, [BLOCK]),
    ("no reason", Stage.DECISION, replace(ACCEPTED, reason=""), None, AGREEMENT, [BLOCK]),
    ("no time", Stage.DECISION, replace(ACCEPTED, accepted_at=None), None, AGREEMENT, [BLOCK]),
    (
        "dated in the future",
        Stage.DECISION,
        replace(ACCEPTED, accepted_at=NOW + dt.timedelta(hours=1)),
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "being accepted now",
        Stage.DECISION,
        replace(ACCEPTED, accepted_at=NOW),
        None,
        AGREEMENT,
        [PASS],
    ),
    ("advisory at referral", Stage.REFERRAL, DecisionFacts(), None, AGREEMENT, [WARN]),
    # At decision, a referral nobody has decided yet waits for the decision (an override
    # asked for, a refusal weighed): not a block. Silence, a refusal, or an acceptance that
    # has expired still block there, and from manifest lock on only a current acceptance passes.
    (
        "awaiting at decision",
        Stage.DECISION,
        DecisionFacts(awaiting=True),
        None,
        AGREEMENT,
        [WARN],
    ),
    ("silence at decision", Stage.DECISION, DecisionFacts(), None, AGREEMENT, [BLOCK]),
    ("refused at decision", Stage.DECISION, REFUSED, None, AGREEMENT, [BLOCK]),
    ("refused at departure", Stage.DEPARTURE, REFUSED, None, AGREEMENT, [BLOCK]),
    ("refused at referral", Stage.REFERRAL, REFUSED, None, AGREEMENT, [WARN]),
    ("expired at decision", Stage.DECISION, accepted_days_ago(91), None, AGREEMENT, [BLOCK]),
    (
        "lock: awaiting, not accepted",
        Stage.MANIFEST_LOCK,
        DecisionFacts(awaiting=True),
        TODAY + dt.timedelta(days=5),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "lock: silence",
        Stage.MANIFEST_LOCK,
        DecisionFacts(),
        TODAY + dt.timedelta(days=5),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "departure: awaiting",
        Stage.DEPARTURE,
        DecisionFacts(awaiting=True),
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "awaiting, below standard",
        Stage.DECISION,
        DecisionFacts(awaiting=True),
        None,
        replace(AGREEMENT, acceptance_valid_days=180),
        [WARN, WARN],
    ),
    # At manifest lock the acceptance must still hold on the planned departure day.
    (
        "lock: valid on departure day",
        Stage.MANIFEST_LOCK,
        accepted_days_ago(85),
        TODAY + dt.timedelta(days=5),
        AGREEMENT,
        [PASS],
    ),
    (
        "lock: expired by departure day",
        Stage.MANIFEST_LOCK,
        accepted_days_ago(85),
        TODAY + dt.timedelta(days=6),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "180 days: below standard",
        Stage.DEPARTURE,
        accepted_days_ago(100),
        None,
        replace(AGREEMENT, acceptance_valid_days=180),
        [PASS, WARN],
    ),
]


@pytest.mark.parametrize(
    ("stage", "decision", "planned", "agreement", "expected"),
    [c[1:] for c in A5_CASES],
    ids=[c[0] for c in A5_CASES],
)
def test_a5_acceptance(
    stage: Stage,
    decision: DecisionFacts,
    planned: dt.date | None,
    agreement: AgreementSettings,
    expected: list[Outcome],
) -> None:
    ctx = make(stage=stage, decision=decision, planned_departure=planned, agreement=agreement)
    assert outcomes("A5", ctx) == expected


def test_a5_says_why_it_waits_or_blocks() -> None:
    def a5(stage: Stage, decision: DecisionFacts) -> Finding:
        (finding,) = RULES["A5"](make(stage=stage, decision=decision))
        return finding

    waiting = a5(Stage.DECISION, DecisionFacts(awaiting=True))
    assert waiting.render_message().startswith("Awaiting the decision")
    assert waiting.facts_used == {"accepted": False} and waiting.overridable is False
    refused = a5(Stage.DECISION, REFUSED)
    assert refused.render_message().startswith("This person was refused")
    assert refused.facts_used == {"accepted": False, "officer": "J. Mukamana"}
    assert refused.overridable is False
    silent = a5(Stage.DECISION, DecisionFacts())
    assert silent.render_message().startswith("No explicit acceptance")
    # An acceptance being made still passes at decision, awaited or not before it.
    assert a5(Stage.DECISION, replace(ACCEPTED, accepted_at=NOW)).outcome is PASS


@pytest.mark.parametrize(
    "over",
    [
        {"accepted": True, "awaiting": True},
        {"accepted": True, "refused": True},
        {"awaiting": True, "refused": True},
    ],
)
def test_a_decision_is_in_one_state_at_most(over: dict[str, bool]) -> None:
    with pytest.raises(ValueError, match="one at most"):
        DecisionFacts(**over)


def test_an_awaited_or_refused_decision_is_part_of_the_inputs() -> None:
    silent = make(stage=Stage.DECISION, decision=DecisionFacts())
    hashes = {
        inputs_hash(silent),
        inputs_hash(replace(silent, decision=DecisionFacts(awaiting=True))),
        inputs_hash(replace(silent, decision=REFUSED)),
    }
    assert len(hashes) == 3
    # Unset, they are not written at all: a context without them keeps its hash.
    assert b"awaiting" not in canonical_inputs(silent) and b"refused" not in canonical_inputs(
        silent
    )


def test_a5_acceptance_day_is_counted_in_kigali() -> None:
    # 23:30 UTC on day -91 is 01:30 on day -90 in Kigali: still valid today.
    at = dt.datetime.combine(days_ago(91), dt.time(23, 30), tzinfo=dt.UTC)
    assert outcomes("A5", make(decision=replace(ACCEPTED, accepted_at=at))) == [PASS]


# --- A6 ------------------------------------------------------------------------------------

A6_CASES = [
    ("uncapped", Stage.DECISION, AgreementSettings("UK-RW"), DecisionFacts(), [PASS]),
    ("one place left", Stage.DECISION, replace(AGREEMENT, places_left=1), DecisionFacts(), [PASS]),
    (
        "cap full at decision",
        Stage.DECISION,
        replace(AGREEMENT, places_left=0),
        DecisionFacts(),
        [BLOCK],
    ),
    (
        "places unknown",
        Stage.DECISION,
        replace(AGREEMENT, places_left=None),
        DecisionFacts(),
        [BLOCK],
    ),
    (
        "cap full at referral: advisory",
        Stage.REFERRAL,
        replace(AGREEMENT, places_left=0),
        DecisionFacts(),
        [WARN],
    ),
    (
        "cap full, person holds a place",
        Stage.DEPARTURE,
        replace(AGREEMENT, places_left=0),
        ACCEPTED,
        [PASS],
    ),
]


@pytest.mark.parametrize(
    ("stage", "agreement", "decision", "expected"),
    [c[1:] for c in A6_CASES],
    ids=[c[0] for c in A6_CASES],
)
def test_a6_cap(
    stage: Stage, agreement: AgreementSettings, decision: DecisionFacts, expected: list[Outcome]
) -> None:
    decision = replace(decision, accepted_at=NOW) if decision.accepted else decision
    assert outcomes("A6", make(stage=stage, agreement=agreement, decision=decision)) == expected


# --- A7 ------------------------------------------------------------------------------------

SPOUSE = HouseholdMember("P5", Relationship.SPOUSE, is_child=False, present=True)
CHILD = HouseholdMember("P6", Relationship.CHILD, is_child=True, present=True)


def bid(
    members: list[str], consent: bool = True, outcome: str = "split_in_best_interests"
) -> LegalEvent:
    return ev(
        EventKind.BEST_INTERESTS_DETERMINATION,
        days_ago(4),
        determined_by="BID panel",
        outcome=outcome,
        separated_members=members,
        consent_recorded=consent,
    )


A7_CASES = [
    ("alone", {}, [], [PASS]),
    ("family all present", {"household": (SPOUSE, CHILD)}, [], [PASS]),
    ("a child left behind", {"household": (SPOUSE, replace(CHILD, present=False))}, [], [BLOCK]),
    (
        "split with BID and consent",
        {"household": (SPOUSE, replace(CHILD, present=False))},
        [bid(["P6"])],
        [PASS],
    ),
    (
        "split with BID, no consent",
        {"household": (SPOUSE, replace(CHILD, present=False))},
        [bid(["P6"], consent=False)],
        [BLOCK],
    ),
    (
        "BID covers someone else",
        {"household": (replace(SPOUSE, present=False),)},
        [bid(["P6"])],
        [BLOCK],
    ),
    (
        "member declared on the timeline, not travelling",
        {},
        [
            ev(
                EventKind.HOUSEHOLD_MEMBERSHIP,
                days_ago(9),
                household_ref="H1",
                member_ref="P9",
                relationship="child",
                member_is_child=True,
            )
        ],
        [BLOCK],
    ),
    (
        "child with a parent",
        {"date_of_birth": DateOfBirth(born(12)), "household": (PARENT,)},
        [],
        [PASS],
    ),
    (
        "child with no adult family travelling",
        {"date_of_birth": DateOfBirth(born(12)), "household": (replace(PARENT, present=False),)},
        [bid(["P2"])],
        [BLOCK, PASS],
    ),
]


@pytest.mark.parametrize(
    ("person_over", "extra", "expected"), [c[1:] for c in A7_CASES], ids=[c[0] for c in A7_CASES]
)
def test_a7_household(
    person_over: dict[str, Any], extra: list[LegalEvent], expected: list[Outcome]
) -> None:
    assert outcomes("A7", make(person=base_person(**person_over), extra=extra)) == expected


# --- A8 ------------------------------------------------------------------------------------


def claim_filed(on: dt.date, ref: str = "C-1") -> LegalEvent:
    return ev(EventKind.ASYLUM_CLAIM_FILED, on, claim_ref=ref, authority="USCIS")


def claim_decided(on: dt.date, ref: str = "C-1", **over: Any) -> LegalEvent:
    return ev(EventKind.ASYLUM_CLAIM_DECIDED, on, claim_ref=ref, **{"outcome": "refused", **over})


A8_CASES: list[tuple[str, list[LegalEvent], list[Outcome]]] = [
    ("nothing open", [], [PASS]),
    ("claim pending", [claim_filed(days_ago(100))], [BLOCK]),
    (
        "granted",
        [claim_filed(days_ago(300)), claim_decided(days_ago(200), outcome="granted")],
        [PASS],
    ),
    (
        "appeal window ends today",
        [claim_filed(days_ago(100)), claim_decided(days_ago(20), appeal_window_ends=TODAY)],
        [BLOCK],
    ),
    (
        "appeal window ended yesterday",
        [claim_filed(days_ago(100)), claim_decided(days_ago(20), appeal_window_ends=days_ago(1))],
        [PASS],
    ),
    # Window not recorded: the agreement's appeal_window_days (30) after the decision.
    ("default window, decided 30 days ago", [claim_decided(days_ago(30))], [BLOCK]),
    ("default window, decided 31 days ago", [claim_decided(days_ago(31))], [PASS]),
    ("not appealable", [claim_decided(days_ago(3), appealable=False)], [PASS]),
    (
        "appeal pending",
        [
            claim_decided(days_ago(60)),
            ev(
                EventKind.APPEAL_FILED,
                days_ago(50),
                claim_ref="C-1",
                appeal_ref="AP-1",
                forum="BIA",
            ),
        ],
        [BLOCK],
    ),
    (
        "appeal dismissed, final",
        [
            claim_decided(days_ago(90)),
            ev(
                EventKind.APPEAL_DECIDED,
                days_ago(40),
                appeal_ref="AP-1",
                outcome="dismissed",
                final=True,
            ),
        ],
        [PASS],
    ),
    (
        "appeal dismissed, not final, no window recorded",
        [
            claim_decided(days_ago(90)),
            ev(
                EventKind.APPEAL_DECIDED,
                days_ago(40),
                appeal_ref="AP-1",
                outcome="dismissed",
                final=False,
            ),
        ],
        [BLOCK],
    ),
    (
        "reopening window open until today",
        [
            claim_decided(days_ago(90)),
            ev(
                EventKind.APPEAL_DECIDED,
                days_ago(40),
                appeal_ref="AP-1",
                outcome="dismissed",
                final=False,
                further_window_ends=TODAY,
            ),
        ],
        [BLOCK],
    ),
    (
        "ECtHR Rule 39 interim measure",
        [
            ev(
                EventKind.COURT_STAY_GRANTED,
                days_ago(2),
                stay_ref="S-1",
                court="ECtHR",
                measure="ecthr_rule_39",
            )
        ],
        [BLOCK],
    ),
    (
        "stay lifted",
        [
            ev(
                EventKind.COURT_STAY_GRANTED,
                days_ago(9),
                stay_ref="S-1",
                court="District Court",
                measure="stay",
            ),
            ev(EventKind.COURT_STAY_LIFTED, days_ago(1), stay_ref="S-1", court="District Court"),
        ],
        [PASS],
    ),
    (
        "stay until yesterday",
        [
            ev(
                EventKind.COURT_STAY_GRANTED,
                days_ago(9),
                stay_ref="S-1",
                court="District Court",
                measure="stay",
                until=days_ago(1),
            )
        ],
        [PASS],
    ),
    ("undecided fear claim", [fear(days_ago(3))], [BLOCK]),
    ("two things open", [claim_filed(days_ago(100)), fear(days_ago(3))], [BLOCK, BLOCK]),
]


@pytest.mark.parametrize(
    ("extra", "expected"), [c[1:] for c in A8_CASES], ids=[c[0] for c in A8_CASES]
)
def test_a8_nothing_open(extra: list[LegalEvent], expected: list[Outcome]) -> None:
    assert outcomes("A8", make(extra=extra)) == expected


# --- A9 ------------------------------------------------------------------------------------

A9_CASES: list[
    tuple[
        str,
        Stage,
        list[LegalEvent],
        dict[str, Any],
        dt.date | None,
        AgreementSettings,
        list[Outcome],
    ]
] = [
    ("day 10 of notice", Stage.DEPARTURE, [notice(days_ago(10))], {}, None, AGREEMENT, [PASS]),
    ("day 9 of notice", Stage.DEPARTURE, [notice(days_ago(9))], {}, None, AGREEMENT, [BLOCK]),
    ("no notice at departure", Stage.DEPARTURE, [], {}, None, AGREEMENT, [BLOCK]),
    ("no notice at referral: advisory", Stage.REFERRAL, [], {}, None, AGREEMENT, [WARN]),
    (
        "not ripe at decision: advisory",
        Stage.DECISION,
        [notice(days_ago(2))],
        {},
        TODAY,
        AGREEMENT,
        [WARN],
    ),
    (
        "lock: ripe on the planned day",
        Stage.MANIFEST_LOCK,
        [notice(days_ago(2))],
        {},
        TODAY + dt.timedelta(days=8),
        AGREEMENT,
        [PASS],
    ),
    (
        "lock: one day short",
        Stage.MANIFEST_LOCK,
        [notice(days_ago(2))],
        {},
        TODAY + dt.timedelta(days=7),
        AGREEMENT,
        [BLOCK],
    ),
    (
        "lock: no departure date",
        Stage.MANIFEST_LOCK,
        [notice(days_ago(20))],
        {},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "names another destination",
        Stage.DEPARTURE,
        [notice(days_ago(20), destination_country="CR")],
        {},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "a decision notice is not a transfer notice",
        Stage.DEPARTURE,
        [notice(days_ago(20), notice_kind="decision")],
        {},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "not served on counsel",
        Stage.DEPARTURE,
        [notice(days_ago(20), served_on_counsel=False)],
        {},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "no counsel on record",
        Stage.DEPARTURE,
        [notice(days_ago(20), served_on_counsel=False)],
        {"has_counsel": False},
        None,
        AGREEMENT,
        [PASS],
    ),
    (
        "not served on the person",
        Stage.DEPARTURE,
        [notice(days_ago(20), served_on_person=False)],
        {},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "English template, Tigrinya speaker, nothing recorded",
        Stage.DEPARTURE,
        [notice(days_ago(20), language="ti", template_language="en")],
        {"languages": ("ti",)},
        None,
        AGREEMENT,
        [BLOCK],
    ),
    (
        "English template, translation into Tigrinya recorded",
        Stage.DEPARTURE,
        [notice(days_ago(20), language="ti", template_language="en", translation_recorded=True)],
        {"languages": ("ti",)},
        None,
        AGREEMENT,
        [PASS],
    ),
    (
        "English template, Tigrinya interpreter recorded",
        Stage.DEPARTURE,
        [notice(days_ago(20), language="ti", template_language="en", interpreter_language="ti")],
        {"languages": ("ti",)},
        None,
        AGREEMENT,
        [PASS],
    ),
    (
        "agreement sets 1 day: below standard",
        Stage.DEPARTURE,
        [notice(days_ago(1))],
        {},
        None,
        replace(AGREEMENT, notice_period_days=1),
        [PASS, WARN],
    ),
]


@pytest.mark.parametrize(
    ("stage", "notices", "person_over", "planned", "agreement", "expected"),
    [c[1:] for c in A9_CASES],
    ids=[c[0] for c in A9_CASES],
)
def test_a9_notice(
    stage: Stage,
    notices: list[LegalEvent],
    person_over: dict[str, Any],
    planned: dt.date | None,
    agreement: AgreementSettings,
    expected: list[Outcome],
) -> None:
    events = [assessment(days_ago(5)), advice(days_ago(20)), *notices]
    ctx = make(
        events=events,
        stage=stage,
        person=base_person(**person_over),
        planned_departure=planned,
        agreement=agreement,
    )
    assert outcomes("A9", ctx) == expected


@pytest.mark.parametrize(
    ("template", "served", "translation", "interpreter", "expected"),
    [
        ("es", "es", False, None, True),
        ("en", "ti", False, None, False),
        ("en", "ti", True, None, True),
        ("en", "ti", False, "ti", True),
        ("en", "ti", False, "ar", False),
        ("en", "am", True, None, False),  # a translation into a language they do not speak
    ],
)
def test_a9_notice_language_served(
    template: str, served: str, translation: bool, interpreter: str | None, expected: bool
) -> None:
    assert (
        notice_language_served(
            template_language=template,
            served_language=served,
            person_languages=("ti", "es"),
            translation_recorded=translation,
            interpreter_language=interpreter,
        )
        is expected
    )


# --- A10 -----------------------------------------------------------------------------------

A10_CASES = [
    ("no fear", [], AGREEMENT, [PASS]),
    ("fear expressed, not screened", [fear(days_ago(1))], AGREEMENT, [BLOCK]),
    ("screening overdue", [fear(days_ago(20))], AGREEMENT, [BLOCK]),
    (
        "positive screening",
        [fear(days_ago(30)), screening(days_ago(25), "positive")],
        AGREEMENT,
        [BLOCK],
    ),
    (
        "negative, review window day 15",
        [fear(days_ago(30)), screening(days_ago(15), "negative")],
        AGREEMENT,
        [BLOCK],
    ),
    (
        "negative, day 16",
        [fear(days_ago(30)), screening(days_ago(16), "negative")],
        AGREEMENT,
        [PASS],
    ),
    (
        "fear about another country still blocks",
        [fear(days_ago(1), country="ER")],
        AGREEMENT,
        [BLOCK],
    ),
    (
        "two claims, one still open",
        [fear(days_ago(60)), screening(days_ago(50), "negative"), fear(days_ago(2), ref="F-2")],
        AGREEMENT,
        [PASS, BLOCK],
    ),
    (
        "7-day window: below standard",
        [fear(days_ago(30)), screening(days_ago(8), "negative")],
        replace(AGREEMENT, review_window_days=7),
        [PASS, WARN],
    ),
]


@pytest.mark.parametrize(
    ("extra", "agreement", "expected"), [c[1:] for c in A10_CASES], ids=[c[0] for c in A10_CASES]
)
def test_a10_fear(
    extra: list[LegalEvent], agreement: AgreementSettings, expected: list[Outcome]
) -> None:
    assert outcomes("A10", make(extra=extra, agreement=agreement)) == expected


def test_a10_reports_an_overdue_screening() -> None:
    [finding] = RULES["A10"](make(extra=[fear(days_ago(20))]))
    assert finding.facts_used["screening_overdue"] is True
    assert finding.facts_used["screening_deadline"] == days_ago(13).isoformat()


# --- A11 -----------------------------------------------------------------------------------


def assurance() -> LegalEvent:
    return ev(
        EventKind.DIPLOMATIC_ASSURANCE_RECEIVED,
        days_ago(5),
        from_state="RW",
        reference="NV-12/2026",
        covers="No onward removal",
    )


@pytest.mark.parametrize(
    "extra",
    [
        [],
        [claim_filed(days_ago(100))],
        [fear(days_ago(1))],
        [fear(days_ago(30)), screening(days_ago(3), "negative")],
        [
            ev(
                EventKind.COURT_STAY_GRANTED,
                days_ago(2),
                stay_ref="S-1",
                court="ECtHR",
                measure="ecthr_rule_39",
            )
        ],
    ],
    ids=["nothing", "claim", "fear", "review window", "rule 39"],
)
def test_a11_an_assurance_changes_nothing_in_a8_to_a10(extra: list[LegalEvent]) -> None:
    for stage in Stage:
        without = make(
            extra=extra,
            stage=stage,
            events=[assessment(days_ago(5)), advice(days_ago(20)), notice(days_ago(5))],
        )
        with_assurance = replace(
            without, legal=timeline_as_of([*_events_of(without), assurance()], NOW)
        )
        for rule_id in ("A8", "A9", "A10"):
            assert RULES[rule_id](with_assurance) == RULES[rule_id](without)
        assert outcomes("A11", without) == [PASS]
        assert outcomes("A11", with_assurance) == [WARN]


# --- A12 -----------------------------------------------------------------------------------

A12_CASES = [
    ("given in Spanish", Stage.DECISION, [advice(days_ago(20))], [PASS]),
    ("none at decision", Stage.DECISION, [], [BLOCK]),
    ("none at referral: advisory", Stage.REFERRAL, [], [WARN]),
    (
        "in a language not understood",
        Stage.DECISION,
        [advice(days_ago(20), language="fr")],
        [BLOCK],
    ),
    (
        "with an interpreter they understand",
        Stage.DECISION,
        [advice(days_ago(20), language="fr", interpreter_language="es")],
        [PASS],
    ),
]


@pytest.mark.parametrize(
    ("stage", "advice_events", "expected"),
    [c[1:] for c in A12_CASES],
    ids=[c[0] for c in A12_CASES],
)
def test_a12_legal_advice(
    stage: Stage, advice_events: list[LegalEvent], expected: list[Outcome]
) -> None:
    events = [assessment(days_ago(5)), notice(days_ago(12)), *advice_events]
    decision = replace(ACCEPTED, accepted_at=NOW)
    assert outcomes("A12", make(events=events, stage=stage, decision=decision)) == expected


# --- A13 -----------------------------------------------------------------------------------

VOLUNTARY = AgreementSettings("UK-RW", voluntary=True)


def consent(on: dt.date, **over: Any) -> LegalEvent:
    return ev(
        EventKind.CONSENT_GIVEN,
        on,
        **{"scheme": "UK-RW", "language": "es", "informed": True, **over},
    )


A13_CASES = [
    ("not voluntary", AGREEMENT, [], [PASS]),
    ("voluntary, consent given", VOLUNTARY, [consent(days_ago(30))], [PASS]),
    ("voluntary, no consent", VOLUNTARY, [], [BLOCK]),
    (
        "voluntary, consent withdrawn",
        VOLUNTARY,
        [consent(days_ago(30)), ev(EventKind.CONSENT_WITHDRAWN, days_ago(1))],
        [BLOCK],
    ),
    (
        "withdrawn, then given again",
        VOLUNTARY,
        [
            consent(days_ago(30)),
            ev(EventKind.CONSENT_WITHDRAWN, days_ago(10)),
            consent(days_ago(2)),
        ],
        [PASS],
    ),
    ("not informed", VOLUNTARY, [consent(days_ago(30), informed=False)], [BLOCK]),
    ("in a language not understood", VOLUNTARY, [consent(days_ago(30), language="fr")], [BLOCK]),
    (
        "payment conditional on withdrawing a claim",
        VOLUNTARY,
        [
            consent(
                days_ago(30),
                payment_offered_minor=100000,
                payment_currency="USD",
                payment_conditional_on_claim_withdrawal=True,
            )
        ],
        [BLOCK],
    ),
    (
        "scheme-level conditional payment, not voluntary",
        replace(AGREEMENT, payment_conditional_on_claim_withdrawal=True),
        [],
        [BLOCK],
    ),
]


@pytest.mark.parametrize(
    ("agreement", "extra", "expected"), [c[1:] for c in A13_CASES], ids=[c[0] for c in A13_CASES]
)
def test_a13_consent(
    agreement: AgreementSettings, extra: list[LegalEvent], expected: list[Outcome]
) -> None:
    assert outcomes("A13", make(agreement=agreement, extra=extra)) == expected


# --- properties ----------------------------------------------------------------------------


def _all_table_contexts() -> list[RuleContext]:
    contexts = []
    for stage in Stage:
        for extra in ([], [claim_filed(days_ago(9))], [fear(days_ago(1))], [assurance()]):
            contexts.append(make(stage=stage, extra=extra, decision=DecisionFacts()))
            contexts.append(
                make(
                    stage=stage,
                    extra=extra,
                    agreement=replace(AGREEMENT, places_left=0, notice_period_days=2),
                )
            )
    return contexts


def _generated_findings() -> list[Finding]:
    from bench.screening import generate, screen

    return [f for e in screen(generate(400, seed=7)) for f in e.findings]


def test_absolute_findings_are_never_overridable() -> None:
    findings = [
        f for ctx in _all_table_contexts() for f in evaluate(ctx).findings
    ] + _generated_findings()
    assert any(f.kind is RuleKind.ABSOLUTE and f.outcome is BLOCK for f in findings)
    for f in findings:
        if f.kind is RuleKind.ABSOLUTE:
            assert f.overridable is False, f
        # Only a block can be overridden, and only a block of a non-absolute rule is.
        assert f.overridable is (f.outcome is BLOCK and f.kind is RuleKind.BLOCK), f


def test_an_absolute_block_survives_any_override() -> None:
    evaluation = evaluate(make(extra=[fear(days_ago(1))]))
    assert evaluation.blocked_ignoring([r.id for r in RULESET]) is True
    only_a9 = evaluate(
        make(events=[assessment(days_ago(5)), advice(days_ago(20)), notice(days_ago(3))])
    )
    assert [f.rule_id for f in only_a9.blocking] == ["A9"]
    assert only_a9.blocked_ignoring(["A9"]) is False


def test_inputs_hash_is_stable_and_changes_with_any_input() -> None:
    a, b = make(), make()
    assert a is not b and a.legal is not b.legal
    # Same facts, new event objects with other ids: the applied event ids are inputs too.
    assert inputs_hash(make(events=_events_of(a))) == inputs_hash(a)
    h = inputs_hash(a)
    assert len(h) == 64 and evaluate(a).inputs_hash == h
    # The same instant in another zone is the same input.
    assert inputs_hash(replace(a, now=NOW.astimezone(dt.timezone(dt.timedelta(hours=2))))) == h
    changed = [
        replace(a, now=NOW + dt.timedelta(seconds=1)),
        replace(a, stage=Stage.MANIFEST_LOCK),
        replace(a, person=base_person(languages=("es",))),
        replace(a, person=base_person(nationalities=frozenset({"HN", "GT"}))),
        replace(a, referral=ReferralFacts("R1", DEFAULT_REQUIRED_FIELDS - {"sex"})),
        replace(a, agreement=replace(AGREEMENT, notice_period_days=11)),
        replace(a, decision=replace(ACCEPTED, reason="Other reason")),
        replace(a, planned_departure=TODAY),
        replace(a, legal=timeline_as_of([*_events_of(a), assurance()], NOW)),
    ]
    hashes = {inputs_hash(c) for c in changed}
    assert h not in hashes and len(hashes) == len(changed)


def test_evaluate_many_matches_evaluate() -> None:
    contexts = [make(), make(extra=[fear(days_ago(1))]), make(stage=Stage.REFERRAL)]
    assert evaluate_many(contexts) == [evaluate(c) for c in contexts]


def test_inputs_hash_does_not_depend_on_set_order() -> None:
    # Sets are serialised sorted, so the hash is the same in every process (whatever
    # PYTHONHASHSEED) and for sets built in any order.
    members = ["P9", "P1", "P5", "P3"]
    split = bid(members)
    ctx = make(
        person=base_person(nationalities=frozenset({"SV", "HN", "GT"})),
        extra=[split],
        referral=ReferralFacts("R1", frozenset(sorted(DEFAULT_REQUIRED_FIELDS, reverse=True))),
    )
    text = canonical_inputs(ctx)
    assert b'"nationalities":["GT","HN","SV"]' in text
    assert (
        b'"present_fields":["date_of_birth","name","nationality","sex","travel_document"]' in text
    )
    assert b'"separated_members":["P1","P3","P5","P9"]' in text
    assert b'"topics":["family_links","health","links_to_receiving_state",' in text
    assert (
        b'"required_fields":["date_of_birth","name","nationality","sex","travel_document"]' in text
    )


# One event of every kind, with explicit ids (the hash covers them), optional fields set and
# text that JSON must escape: the canonical form's widest case.
_EVERY_KIND: list[tuple[EventKind, int, dict[str, Any]]] = [
    (EventKind.ASYLUM_CLAIM_FILED, 300, {"claim_ref": "C-1", "authority": "USCIS"}),
    (
        EventKind.ASYLUM_CLAIM_DECIDED,
        200,
        {"claim_ref": "C-1", "outcome": "refused", "appeal_window_ends": TODAY.isoformat()},
    ),
    (EventKind.APPEAL_FILED, 190, {"claim_ref": "C-1", "appeal_ref": "AP-1", "forum": "BIA"}),
    (
        EventKind.APPEAL_DECIDED,
        100,
        {"appeal_ref": "AP-1", "outcome": "dismissed", "final": False},
    ),
    (
        EventKind.COURT_STAY_GRANTED,
        60,
        {"stay_ref": "S-1", "court": "Cour d’appel «Kigali»", "measure": "stay", "until": None},
    ),
    (EventKind.COURT_STAY_LIFTED, 50, {"stay_ref": "S-1", "court": "Cour d’appel «Kigali»"}),
    (
        EventKind.FEAR_EXPRESSED,
        40,
        {
            "fear_ref": "F-1",
            "feared_country": "rw",
            "summary": 'Said: "not there"\tthen\\left — ñ 😀',
            "expressed_to": "liaison",
            "screening_deadline": days_ago(33).isoformat(),
        },
    ),
    (
        EventKind.FEAR_SCREENING_DONE,
        35,
        {"fear_ref": "F-1", "outcome": "negative", "screener": "UNHCR"},
    ),
    (
        EventKind.NOTICE_SERVED,
        12,
        {
            "notice_ref": "N-1",
            "notice_kind": "transfer",
            "destination_country": "RW",
            "language": "es",
            "template_language": "en",
            "translation_recorded": True,
            "interpreter_language": "es",
            "served_on_person": True,
            "served_on_counsel": True,
            "counsel_name": "M. Ortiz",
            "proof_reference": "PROOF-1",
        },
    ),
    (
        EventKind.LEGAL_ADVICE_GIVEN,
        20,
        {"provider": "Legal Aid Forum", "language": "es", "interpreter_language": "rw"},
    ),
    (
        EventKind.CONSENT_GIVEN,
        30,
        {
            "scheme": "UK-RW",
            "language": "es",
            "informed": True,
            "payment_offered_minor": 300000,
            "payment_currency": "GBP",
        },
    ),
    (EventKind.CONSENT_WITHDRAWN, 3, {"reason": "Changed my mind."}),
    (EventKind.AGE_DISPUTE_OPENED, 80, {"reason": "Looks younger", "claimed_date_of_birth": None}),
    (
        EventKind.AGE_DISPUTE_RESOLVED,
        70,
        {
            "outcome": "adult",
            "final": True,
            "method": "Merton",
            "assessed_date_of_birth": "1990-01-01",
        },
    ),
    (
        EventKind.ASSESSMENT_SIGNED,
        5,
        {
            "assessor": "A. Uwase",
            "individual": True,
            "topics": sorted(ALL_ASSESSMENT_TOPICS, reverse=True),
            "text_sha256": hashlib.sha256(b"individual text").hexdigest(),
            "copied_from": "AS-0",
        },
    ),
    (
        EventKind.BEST_INTERESTS_DETERMINATION,
        4,
        {
            "determined_by": "BID panel",
            "outcome": "split_in_best_interests",
            "separated_members": ["P9", "P2"],
            "consent_recorded": True,
            "consent_by": "P1",
        },
    ),
    (
        EventKind.HOUSEHOLD_MEMBERSHIP,
        90,
        {
            "household_ref": "H-1",
            "member_ref": "P2",
            "relationship": "child",
            "member_is_child": True,
        },
    ),
    (
        EventKind.DIPLOMATIC_ASSURANCE_RECEIVED,
        6,
        {"from_state": "RW", "reference": "NV-1", "covers": "treatment"},
    ),
    (EventKind.NATIONALITY_RECORDED, 400, {"country": "hn", "basis": "Passport"}),
]


def _every_kind_context() -> RuleContext:
    events = [
        legal_event(
            id=f"K{i:02d}",
            kind=kind,
            payload=payload,
            effective_at=days_ago(ago),
            recorded_at=dt.datetime.combine(days_ago(ago), dt.time(6, 0), tzinfo=dt.UTC),
            source_document="DOC-1",
            recorded_by="vetting",
        )
        for i, (kind, ago, payload) in enumerate(_EVERY_KIND)
    ]
    events.append(
        legal_event(
            id="K98",
            kind=EventKind.NATIONALITY_RECORDED,
            payload={"country": "RW", "basis": "Misread passport"},
            effective_at=days_ago(2),
            recorded_at=NOW - dt.timedelta(hours=2),
            source_document="DOC-2",
            recorded_by="vetting",
        )
    )
    events.append(
        legal_event(
            id="K99",
            kind=EventKind.RETRACTION,
            payload={"reason": "Wrong file."},
            effective_at=days_ago(1),
            recorded_at=NOW - dt.timedelta(hours=1),
            source_document="DOC-2",
            recorded_by="vetting",
            supersedes="K98",
        )
    )
    return RuleContext(
        stage=Stage.MANIFEST_LOCK,
        now=NOW,
        legal=timeline_as_of(events, NOW),
        person=base_person(
            household=(
                HouseholdMember("P2", Relationship.CHILD, is_child=True, present=True),
                HouseholdMember("P9", Relationship.SPOUSE, is_child=False, present=False),
            ),
            date_of_birth=DateOfBirth(dt.date(1990, 5, 1), DobPrecision.MONTH),
            nationalities=frozenset({"SV", "HN"}),
        ),
        referral=ReferralFacts(
            "R1",
            DEFAULT_REQUIRED_FIELDS,
            health_data_present=True,
            shared_assessment_hashes=frozenset({"b" * 64, "a" * 64}),
        ),
        agreement=replace(AGREEMENT, voluntary=True, cap=None),
        decision=ACCEPTED,
        planned_departure=TODAY + dt.timedelta(days=3),
    )


def _generated_contexts(n: int) -> list[RuleContext]:
    from bench.screening import generate

    return [
        RuleContext(
            stage=g.stage,
            now=NOW,
            legal=timeline_as_of(g.events, NOW),
            person=g.person,
            referral=g.referral,
            agreement=g.agreement,
            decision=g.decision,
            planned_departure=g.planned_departure,
        )
        for g in generate(n, seed=11)
    ]


def test_canonical_inputs_are_pydantic_cores_json_of_the_document() -> None:
    ctx = _every_kind_context()
    legal = ctx.legal
    # The widest case really is wide: every part of the state is filled.
    assert legal.claims and legal.appeals and legal.stays and legal.fear_claims
    assert legal.notices and legal.legal_advice and legal.assessments and legal.best_interests
    assert legal.household and legal.assurances and legal.nationalities
    assert legal.consent is not None and legal.consent.withdrawn_on is not None
    assert legal.age_dispute is not None and legal.age_dispute.resolved_on is not None
    assert "K98" not in legal.event_ids and "K99" in legal.event_ids
    assert legal.nationalities == frozenset({"HN"})
    contexts = [ctx, *_all_table_contexts(), *_generated_contexts(300)]
    for c in contexts:
        assert canonical_inputs(c) == to_json(canonical_document(c))
    assert evaluate_many(contexts) == [evaluate(c) for c in contexts]


def test_the_inputs_hash_of_a_fixed_context_does_not_change() -> None:
    # A stored evaluation's hash must still match its inputs after any change to the code:
    # a change here is a change of INPUTS_FORMAT (2 since rule set 2026.12.1).
    assert inputs_hash(_every_kind_context()) == (
        "4151575c3b5787cb30a18f77e401e2ad82be0ebda02ae8107e093d351508d936"
    )


def test_stored_findings_json_is_pydantic_cores() -> None:
    # The bulk path writes facts and findings with orjson: the same text as before.
    findings = [f for c in _all_table_contexts() for f in evaluate(c).findings]
    findings += [f for c in _generated_contexts(300) for f in evaluate(c).findings]
    findings += list(evaluate(_every_kind_context()).findings)
    for f in findings:
        assert orjson.dumps(f.facts_used) == to_json(f.facts_used), f
        assert orjson.dumps(list(f)) == to_json(list(f)), f


def test_pausing_the_cyclic_gc_restores_it_and_leaves_a_frozen_generation_alone() -> None:
    import gc

    from ikaze.vetting.rules.engine import cyclic_gc_paused

    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        kept = [[i] for i in range(5000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    # What the block built went to the oldest generation: no young collection walks it.
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(k) in oldest for k in kept)
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with cyclic_gc_paused():
            more = [[i] for i in range(100)]
        # Left frozen, and nothing of the block's was frozen with it (the count can only have
        # dropped: a frozen object freed meanwhile leaves the permanent generation).
        assert 0 < gc.get_freeze_count() <= frozen and more
    finally:
        gc.unfreeze()
