"""`ikaze bench screening`: the safeguard rules over 35,000 referrals with their facts.

Issue 4, "Must show": 35,000 referrals screened in under 10 s on the 2-core machine and at
least 10x a per-referral ORM loop measured in the same run. Last stdout line: one JSON object
with `bench`, `db`, `referrals`, `seconds`, `per_s`, `baseline_per_s`, `ratio`, `peak_rss_mb`.

The run: a seeded generator of realistic referrals (legal events, person, referral and
agreement facts; a mix of passing and blocked people) seeds a fresh bench database in bulk;
then, timed as `seconds`, `ikaze.vetting.screening` loads them all (`build_contexts`: a fixed
few queries, rows read as text without the adapters' per-value conversions), evaluates the rule
set and stores one `Evaluation` per referral (every finding in its JSON column) plus a `Finding`
row per block or warning (`evaluate_and_store`: on PostgreSQL in one pass, each evaluation
written as it is made): exactly what `screen_bulk()` runs for intake and `rescreen`, with the
collector paused as the `rescreen` command pauses it (the services' one-referral path,
`screen()`, stores the same rows through the ORM). Phases: `load_seconds`, `evaluate_store_seconds`. The baseline
(`baseline_orm_loop`) does the same one referral at a time through the ORM, on
`--baseline-sample` referrals. `--pure` times the engine alone.
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
from typing import Any, NamedTuple

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
from ikaze.vetting.rules.engine import cyclic_gc_paused

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
    with cyclic_gc_paused():
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


# --- phase 2: the database path ---------------------------------------------------------------


def seed_database(referrals: Sequence[GeneratedReferral], *, now: dt.datetime = NOW) -> None:
    """Insert the generated referrals with their people, documents and legal facts (bulk)."""
    from ikaze.accounts.models import Organisation
    from ikaze.agreements.models import Agreement, Tranche
    from ikaze.people.models import IdentityDocument, Person
    from ikaze.vetting.models import LegalEventRecord, Referral

    today = now.date()
    sending = Organisation.objects.create(
        name="Bench sending state", kind="sending_state", country="US"
    )
    agreements: dict[str, Agreement] = {}
    for r in referrals:
        a = r.agreement
        if a.agreement_id in agreements:
            continue
        ag = Agreement.objects.create(
            code=a.agreement_id,
            title=a.agreement_id,
            sending_state="US",
            receiving_state="RW",
            status="in_force",
            voluntary=a.voluntary,
            cap_total=None,
        )
        if a.cap is not None:
            Tranche.objects.create(
                agreement=ag,
                label="bench",
                starts_on=dt.date(2020, 1, 1),
                ends_on=dt.date(2035, 12, 31),
                cap=a.cap,
                places_used=a.cap - (a.places_left or 0),
            )
        agreements[a.agreement_id] = ag
    people: list[Person] = []
    docs: list[IdentityDocument] = []
    refs: list[Referral] = []
    events: list[LegalEventRecord] = []
    precision = {"day": "exact", "month": "month", "year": "year"}
    for i, g in enumerate(referrals):
        pid = uuid.UUID(int=i + 1)
        dob = g.person.date_of_birth
        people.append(
            Person(
                id=pid,
                given_names="María José" if "name" in g.referral.present_fields else "",
                first_surname="García",
                second_surname="López",
                sex=(g.person.sex or "") if "sex" in g.referral.present_fields else "",
                date_of_birth=dob.value
                if dob and "date_of_birth" in g.referral.present_fields
                else None,
                dob_precision=precision[dob.precision.value] if dob else "exact",
                nationalities=sorted(g.person.nationalities)
                if "nationality" in g.referral.present_fields
                else [],
                languages=list(g.person.languages),
                needs_interpreter=g.person.needs_interpreter,
                sending_organisation=sending,
                external_reference=f"P{i:06d}",
            )
        )
        if "travel_document" in g.referral.present_fields:
            docs.append(
                IdentityDocument(
                    person_id=pid,
                    kind="passport",
                    number=f"B{i:08d}",
                    issuing_state="HN",
                    expiry=today + dt.timedelta(days=800),
                )
            )
        rid = uuid.UUID(int=10**9 + i)
        refs.append(
            Referral(
                id=rid,
                agreement=agreements[g.agreement.agreement_id],
                person_id=pid,
                referring_organisation=sending,
                external_reference=f"R{i:06d}",
                status="submitted",
                submitted_at=now,
                status_changed_at=now,
                source="manifest",
            )
        )
        for e in g.events:
            events.append(
                LegalEventRecord(
                    id=uuid.UUID(e.id),
                    person_id=pid,
                    referral_id=rid,
                    kind=e.kind.value,
                    payload=e.payload.model_dump(mode="json"),
                    effective_at=e.effective_at,
                    recorded_at=e.recorded_at,
                    source_document=e.source_document,
                    recorded_by_label=e.recorded_by,
                )
            )
    Person.objects.bulk_create(people, batch_size=2000)
    IdentityDocument.objects.bulk_create(docs, batch_size=2000)
    Referral.objects.bulk_create(refs, batch_size=2000)
    LegalEventRecord.objects.bulk_create(events, batch_size=2000)


def baseline_orm_loop(referral_ids: Sequence[Any], *, now: dt.datetime = NOW) -> None:
    """One referral at a time through the ORM, as a naive service would: fetch the referral,
    its person's facts, documents and decisions, evaluate, save the evaluation and each block or
    warning."""
    from pydantic_core import to_json

    from ikaze.vetting.legal_events import PAYLOAD_SCHEMAS
    from ikaze.vetting.models import Decision, Referral
    from ikaze.vetting.models import Evaluation as EvaluationRow
    from ikaze.vetting.models import Finding as FindingRow
    from ikaze.vetting.rules import evaluate
    from ikaze.vetting.screening import _PRECISION, agreement_settings

    for rid in referral_ids:
        r = Referral.objects.select_related("person", "agreement").get(pk=rid)
        person = r.person
        evs = [
            LegalEvent(
                str(e.pk),
                EventKind(e.kind),
                PAYLOAD_SCHEMAS[EventKind(e.kind)].model_validate(e.payload),
                e.effective_at,
                e.recorded_at,
                e.source_document,
                e.recorded_by_label,
                str(e.supersedes_id) if e.supersedes_id else None,
            )
            for e in person.legal_events.all()
        ]
        legal = timeline_as_of(evs, now)
        fields = {"name"} if person.given_names else set()
        if person.sex:
            fields.add("sex")
        if person.date_of_birth:
            fields.add("date_of_birth")
        if person.nationalities:
            fields.add("nationality")
        if person.documents.filter(kind__in=("passport", "travel_document")).exists():
            fields.add("travel_document")
        Decision.objects.filter(referral=r).first()
        ctx = RuleContext(
            stage=Stage.REFERRAL,
            now=now,
            legal=legal,
            person=PersonFacts(
                person_id=str(person.pk),
                date_of_birth=DateOfBirth(person.date_of_birth, _PRECISION[person.dob_precision])
                if person.date_of_birth
                else None,
                sex=person.sex or None,
                nationalities=frozenset(person.nationalities),
                languages=tuple(person.languages),
                has_counsel=bool(legal.legal_advice),
            ),
            referral=ReferralFacts(referral_id=str(r.pk), present_fields=frozenset(fields)),
            agreement=agreement_settings([r.agreement], on=now.date())[r.agreement_id],
        )
        ev = evaluate(ctx)
        row = EvaluationRow.objects.create(
            referral=r,
            stage=ev.stage.value,
            ruleset_version=ev.ruleset_version,
            inputs_hash=ev.inputs_hash,
            evaluated_at=ev.evaluated_at,
            blocked=ev.blocked,
            # The same stored result as the bulk path: every finding in the JSON column,
            # a row for each block or warning.
            findings_data=json.loads(
                to_json(
                    [
                        [f.rule_id, f.outcome, f.kind, f.message, f.facts_used, f.overridable]
                        for f in ev.findings
                    ]
                )
            ),
        )
        for f in ev.findings:
            if f.outcome.value == "pass":
                continue
            FindingRow.objects.create(
                evaluation=row,
                rule_id=f.rule_id,
                outcome=f.outcome.value,
                kind=f.kind.value,
                message=f.message,
                facts_used=dict(f.facts_used),
                overridable=f.overridable,
            )


def run_database(n: int, *, seed: int, sample: int, keep: bool = False) -> dict[str, object]:
    """Seed n referrals in a fresh bench database, screen them all in bulk, time a baseline."""
    import gc

    from django.db import connection, transaction

    from bench import _harness as h
    from ikaze.core import clock
    from ikaze.vetting.models import Evaluation as EvaluationRow
    from ikaze.vetting.models import Finding as FindingRow
    from ikaze.vetting.models import Referral
    from ikaze.vetting.screening import build_contexts, evaluate_and_store

    with h.bench_database(keep=keep):
        with h.timed("generate"):
            generated = generate(n, seed=seed)
        with h.timed("seed the database (bulk)"), transaction.atomic():
            seed_database(generated)
        del generated
        gc.collect()
        with clock.frozen(NOW):
            t0, c0 = time.perf_counter(), time.process_time()
            # What `screen_bulk()` runs, in its two steps (timed apart), in a process that
            # does nothing else meanwhile, as the `rescreen` command: the collector rests.
            with transaction.atomic(), cyclic_gc_paused():
                with h.timed("load and build contexts") as load:
                    screened = build_contexts(Referral.objects.all(), stage=Stage.REFERRAL, now=NOW)
                with h.timed("evaluate and store evaluations and findings") as ev_store:
                    evaluations, rows = evaluate_and_store(screened)
            seconds = time.perf_counter() - t0
            cpu_seconds = time.process_time() - c0
            stored = EvaluationRow.objects.count()
            findings = FindingRow.objects.count()
            blocked = sum(e.blocked for e in evaluations)
            h.progress(
                f"screened {len(screened)} in {seconds:.2f}s ({cpu_seconds:.2f}s CPU); "
                f"{stored} evaluations, {findings} findings stored; {blocked} blocked"
            )
            del screened, evaluations, rows
            ids = list(Referral.objects.order_by("pk").values_list("pk", flat=True)[:sample])
            with (
                h.timed(f"baseline: per-referral ORM loop on {len(ids)}") as base,
                transaction.atomic(),
            ):
                baseline_orm_loop(ids, now=NOW)
        per_s = n / seconds if seconds else None
        baseline_per_s = len(ids) / base.seconds if base.seconds else None
        return {
            "referrals": n,
            "seconds": round(seconds, 3),
            "per_s": round(per_s, 1) if per_s else None,
            "baseline_per_s": round(baseline_per_s, 1) if baseline_per_s else None,
            "ratio": round(per_s / baseline_per_s, 1) if per_s and baseline_per_s else None,
            "peak_rss_mb": peak_rss_mb(),
            "cpu_seconds": round(cpu_seconds, 3),
            "load_seconds": round(load.seconds, 3),
            "evaluate_store_seconds": round(ev_store.seconds, 3),
            "baseline_sample": len(ids),
            "findings_stored": findings,
            "blocked": blocked,
            "queries_note": f"{connection.vendor}: constant queries for the whole set",
        }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="ikaze bench screening")
    parser.add_argument("--referrals", type=int, default=35_000)
    parser.add_argument("--baseline-sample", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--smoke", action="store_true", help="a small run for CI")
    parser.add_argument("--pure", action="store_true", help="the engine alone, no database")
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database")
    args = parser.parse_args(list(argv))
    n = 500 if args.smoke else args.referrals
    if args.pure:
        figures = run_pure(n, seed=args.seed)
        print(json.dumps(figures))
        return
    from bench import _harness as h

    sample = min(n, 50 if args.smoke else args.baseline_sample)
    h.emit("screening", run_database(n, seed=args.seed, sample=sample, keep=args.keep_db))


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    main(sys.argv[1:])
