"""`ikaze bench screening`: the safeguard rules over 35,000 referrals with their facts.

Issue 4, "Must show": 35,000 referrals screened in under 10 s on the 2-core machine and at
least 10x a per-referral ORM loop measured in the same run. Last stdout line: one JSON object
with `bench`, `db`, `referrals`, `seconds`, `per_s`, `baseline_per_s`, `ratio`, `peak_rss_mb`.

Phase 1 (this file today) is the pure part: a seeded generator of realistic referrals (legal
events, person, referral and agreement facts; a mix of passing and blocked people), and the
timing of `timeline_as_of` + `evaluate_many` over them. There is no database yet, so `db`,
`baseline_per_s` and `ratio` are null and the figures are for the engine alone.

Phase 2 adds, in `run_database()`: load the same referrals from the models in bulk (a few
queries for the whole set), build the contexts, evaluate, and the baseline loop
(`baseline_orm_loop`: one referral at a time through the ORM, as a naive service would).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import resource
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from ikaze.vetting.legal_events import (
    ALL_ASSESSMENT_TOPICS,
    AppealFiled,
    AssessmentSigned,
    AsylumClaimDecided,
    AsylumClaimFiled,
    ConsentGiven,
    CourtStayGranted,
    DiplomaticAssuranceReceived,
    EventKind,
    FearExpressed,
    FearScreeningDone,
    LegalAdviceGiven,
    LegalEvent,
    NoticeServed,
    Payload,
    Relationship,
    timeline_as_of,
)
from ikaze.vetting.rules import (
    AgreementSettings,
    DateOfBirth,
    DecisionFacts,
    DobPrecision,
    Evaluation,
    HouseholdMember,
    PersonFacts,
    ReferralFacts,
    RuleContext,
    Stage,
    evaluate_many,
)
from ikaze.vetting.rules.context import DEFAULT_REQUIRED_FIELDS

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
NATIONALITIES = ("HN", "GT", "SV", "VE", "CO", "ER", "SD", "AF", "SY", "IR", "VN", "AL")
LANGUAGES = {
    "HN": ("es",),
    "GT": ("es",),
    "SV": ("es",),
    "VE": ("es",),
    "CO": ("es",),
    "ER": ("ti", "ar"),
    "SD": ("ar",),
    "AF": ("ps", "fa"),
    "SY": ("ar",),
    "IR": ("fa",),
    "VN": ("vi",),
    "AL": ("sq",),
}


class GeneratedReferral(NamedTuple):
    """One referral as phase 2 would load it: the events and the facts beside them.

    (A NamedTuple: `ikaze bench` loads this file outside sys.modules, where dataclasses fail.)
    """

    events: tuple[LegalEvent, ...]
    person: PersonFacts
    referral: ReferralFacts
    agreement: AgreementSettings
    decision: DecisionFacts
    stage: Stage
    planned_departure: dt.date | None


def _event(
    rng: random.Random,
    kind: EventKind,
    payload: Payload,
    on: dt.date,
    *,
    recorded_at: dt.datetime | None = None,
) -> LegalEvent:
    # Trusted construction, as phase 2 rebuilds events from validated rows.
    return LegalEvent(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        kind=kind,
        payload=payload,
        effective_at=on,
        recorded_at=recorded_at
        or dt.datetime.combine(on, dt.time(10, 0), tzinfo=dt.UTC) + dt.timedelta(hours=2),
        source_document=f"DOC-{rng.randrange(10**8):08d}",
        recorded_by="vetting",
    )


def generate(n: int, *, seed: int = 2026, now: dt.datetime = NOW) -> list[GeneratedReferral]:
    """Seeded referrals with a realistic mix: most pass, a sizeable minority are blocked."""
    rng = random.Random(seed)
    today = now.date()
    capped = AgreementSettings(agreement_id="US-RW-2025", cap=250, places_left=40)
    voluntary = AgreementSettings(agreement_id="UK-RW-2023", voluntary=True)
    out: list[GeneratedReferral] = []
    for i in range(n):
        agreement = capped if i % 3 else voluntary
        nat = rng.choice(NATIONALITIES)
        if rng.random() < 0.002:
            nat = "RW"
        langs = LANGUAGES.get(nat, ("rw",))
        if rng.random() < 0.4:
            langs = (*langs, "en")
        person_id = f"P{i:06d}"
        age_years = rng.choice((19, 23, 27, 31, 35, 40, 46, 52)) if rng.random() > 0.04 else 16
        born = today - dt.timedelta(days=age_years * 365 + rng.randrange(365))
        precision = DobPrecision.DAY if rng.random() > 0.1 else DobPrecision.YEAR
        household: list[HouseholdMember] = []
        if rng.random() < 0.25:
            for j in range(rng.randint(1, 3)):
                is_child = j > 0 or age_years < 18
                household.append(
                    HouseholdMember(
                        person_id=f"{person_id}-{j}",
                        relationship=Relationship.PARENT
                        if age_years < 18 and j == 0
                        else (Relationship.CHILD if is_child else Relationship.SPOUSE),
                        is_child=is_child and not (age_years < 18 and j == 0),
                        present=rng.random() > 0.05,
                    )
                )
        person = PersonFacts(
            person_id=person_id,
            date_of_birth=DateOfBirth(born, precision),
            sex=rng.choice(("F", "M")),
            nationalities=frozenset({nat}),
            languages=langs,
            needs_interpreter="en" not in langs,
            has_counsel=rng.random() < 0.6,
            household=tuple(household),
        )
        present = set(DEFAULT_REQUIRED_FIELDS)
        if rng.random() < 0.03:
            present.discard(rng.choice(sorted(present)))
        referral = ReferralFacts(
            referral_id=f"R{i:06d}",
            present_fields=frozenset(present),
            health_data_present=rng.random() < 0.3,
            health_data_consent=rng.random() > 0.02,
        )
        events: list[LegalEvent] = []
        # A3: most assessments are recent and individual; some stale, some copied.
        if rng.random() < 0.96:
            age = rng.randrange(0, 29) if rng.random() > 0.05 else rng.randrange(31, 60)
            text = hashlib.sha256(f"assessment {person_id}".encode()).hexdigest()
            events.append(
                _event(
                    rng,
                    EventKind.ASSESSMENT_SIGNED,
                    AssessmentSigned(
                        assessor="A. Uwase",
                        individual=rng.random() > 0.02,
                        topics=ALL_ASSESSMENT_TOPICS,
                        text_sha256=text,
                    ),
                    today - dt.timedelta(days=age),
                )
            )
        if rng.random() < 0.93:
            events.append(
                _event(
                    rng,
                    EventKind.LEGAL_ADVICE_GIVEN,
                    LegalAdviceGiven(provider="Legal Aid Forum", language=langs[0]),
                    today - dt.timedelta(days=rng.randrange(5, 40)),
                )
            )
        # A8: a minority have something open in the sending state.
        roll = rng.random()
        claim = f"C-{i}"
        if roll < 0.05:
            events.append(
                _event(
                    rng,
                    EventKind.ASYLUM_CLAIM_FILED,
                    AsylumClaimFiled(claim_ref=claim, authority="USCIS"),
                    today - dt.timedelta(days=rng.randrange(30, 400)),
                )
            )
        elif roll < 0.25:
            filed = today - dt.timedelta(days=rng.randrange(200, 600))
            events.append(
                _event(
                    rng,
                    EventKind.ASYLUM_CLAIM_FILED,
                    AsylumClaimFiled(claim_ref=claim, authority="USCIS"),
                    filed,
                )
            )
            decided = today - dt.timedelta(days=rng.randrange(10, 150))
            events.append(
                _event(
                    rng,
                    EventKind.ASYLUM_CLAIM_DECIDED,
                    AsylumClaimDecided(claim_ref=claim, outcome="refused"),
                    decided,
                )
            )
            if rng.random() < 0.1:
                events.append(
                    _event(
                        rng,
                        EventKind.APPEAL_FILED,
                        AppealFiled(claim_ref=claim, appeal_ref=f"AP-{i}", forum="BIA"),
                        decided + dt.timedelta(days=5),
                    )
                )
        if rng.random() < 0.01:
            events.append(
                _event(
                    rng,
                    EventKind.COURT_STAY_GRANTED,
                    CourtStayGranted(stay_ref=f"S-{i}", court="ECtHR", measure="ecthr_rule_39"),
                    today - dt.timedelta(days=rng.randrange(1, 20)),
                )
            )
        # A10: a few fear claims, some screened negative long enough ago.
        if rng.random() < 0.03:
            expressed = today - dt.timedelta(days=rng.randrange(3, 60))
            events.append(
                _event(
                    rng,
                    EventKind.FEAR_EXPRESSED,
                    FearExpressed(
                        fear_ref=f"F-{i}",
                        feared_country="RW",
                        summary="Fears being sent on to the country of origin.",
                        expressed_to="liaison officer",
                        screening_deadline=expressed + dt.timedelta(days=7),
                    ),
                    expressed,
                )
            )
            if rng.random() < 0.5:
                events.append(
                    _event(
                        rng,
                        EventKind.FEAR_SCREENING_DONE,
                        FearScreeningDone(fear_ref=f"F-{i}", outcome="negative", screener="UNHCR"),
                        expressed + dt.timedelta(days=2),
                    )
                )
        if rng.random() < 0.005:
            events.append(
                _event(
                    rng,
                    EventKind.DIPLOMATIC_ASSURANCE_RECEIVED,
                    DiplomaticAssuranceReceived(
                        from_state="RW", reference=f"NV-{i}", covers="treatment on arrival"
                    ),
                    today - dt.timedelta(days=30),
                )
            )
        if agreement.voluntary and rng.random() < 0.95:
            events.append(
                _event(
                    rng,
                    EventKind.CONSENT_GIVEN,
                    ConsentGiven(scheme="UK-RW voluntary", language=langs[0], informed=True),
                    today - dt.timedelta(days=rng.randrange(10, 90)),
                )
            )
        stage = rng.choice((Stage.REFERRAL, Stage.DECISION, Stage.MANIFEST_LOCK, Stage.DEPARTURE))
        planned = None
        decision = DecisionFacts()
        if stage in (Stage.MANIFEST_LOCK, Stage.DEPARTURE):
            planned = today + dt.timedelta(days=rng.randrange(0, 14))
            decision = DecisionFacts(
                accepted=True,
                officer="vetting",
                accepted_at=now - dt.timedelta(days=rng.randrange(5, 95)),
                reason="All safeguards met.",
                counted_in_cap=True,
            )
        elif stage is Stage.DECISION:
            decision = DecisionFacts(
                accepted=True, officer="vetting", accepted_at=now, reason="All safeguards met."
            )
        if rng.random() < 0.8:
            served = today - dt.timedelta(days=rng.randrange(0, 25))
            events.append(
                _event(
                    rng,
                    EventKind.NOTICE_SERVED,
                    NoticeServed(
                        notice_ref=f"N-{i}",
                        notice_kind="transfer",
                        destination_country="RW",
                        language=langs[0],
                        template_language=langs[0]
                        if langs[0] in ("en", "es", "fr", "rw")
                        else "en",
                        translation_recorded=True,
                        served_on_person=True,
                        served_on_counsel=person.has_counsel,
                        counsel_name="Counsel" if person.has_counsel else None,
                        proof_reference=f"PROOF-{i}",
                    ),
                    served,
                )
            )
        out.append(
            GeneratedReferral(
                events=tuple(events),
                person=person,
                referral=referral,
                agreement=agreement,
                decision=decision,
                stage=stage,
                planned_departure=planned,
            )
        )
    return out


def screen(referrals: Sequence[GeneratedReferral], *, now: dt.datetime = NOW) -> list[Evaluation]:
    """What a screening does once the facts are loaded: timeline as of now, contexts, rules."""
    from ikaze.core import clock

    zone = clock.local_zone()
    contexts = [
        RuleContext(
            stage=r.stage,
            now=now,
            legal=timeline_as_of(r.events, now, zone=zone),
            person=r.person,
            referral=r.referral,
            agreement=r.agreement,
            decision=r.decision,
            planned_departure=r.planned_departure,
        )
        for r in referrals
    ]
    return evaluate_many(contexts)


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_pure(n: int, *, seed: int) -> dict[str, object]:
    t0 = time.perf_counter()
    referrals = generate(n, seed=seed)
    generated_s = time.perf_counter() - t0
    print(f"generated {n} referrals in {generated_s:.2f} s", file=sys.stderr)
    t0, c0 = time.perf_counter(), time.process_time()
    evaluations = screen(referrals)
    seconds = time.perf_counter() - t0
    # The machine is shared: CPU time says what the screening costs when others are busy.
    cpu_seconds = time.process_time() - c0
    blocked = sum(e.blocked for e in evaluations)
    by_rule = Counter(f.rule_id for e in evaluations for f in e.blocking)
    print(
        f"screened {n} in {seconds:.2f} s ({cpu_seconds:.2f} s CPU); blocked {blocked} ({blocked * 100 // max(n, 1)}%); "
        f"blocks by rule: {dict(sorted(by_rule.items()))}",
        file=sys.stderr,
    )
    return {
        "bench": "screening",
        "db": None,  # phase 2: "sqlite" / "postgresql", loading from the models
        "mode": "pure",
        "referrals": n,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "per_s": round(n / seconds, 1) if seconds else None,
        "baseline_per_s": None,  # phase 2: the per-referral ORM loop
        "ratio": None,
        "peak_rss_mb": peak_rss_mb(),
        "blocked": blocked,
        "generate_seconds": round(generated_s, 3),
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="ikaze bench screening")
    parser.add_argument("--referrals", type=int, default=35_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--smoke", action="store_true", help="a small run for CI")
    args = parser.parse_args(list(argv))
    n = 500 if args.smoke else args.referrals
    figures = run_pure(n, seed=args.seed)
    print(json.dumps(figures))


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    main(sys.argv[1:])
