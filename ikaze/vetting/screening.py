"""From the database to the safeguard rules and back: contexts in bulk, evaluations stored.

`build_contexts(referrals, stage=..., now=...)` loads everything the rules read for a whole
queryset of referrals with a constant number of queries (referrals with person and agreement,
their legal events, documents, health flags, households and who of them is present, the
assessment texts shared between people, the acceptances, the cap periods), then builds one
`RuleContext` per referral. `store_evaluations(...)` writes the `Evaluation` rows and their
`Finding` rows in bulk. Both are used for one referral (the services in decisions.py) and for
35,000 (`ikaze bench screening`): one code path, so the benchmark measures what runs.

Nothing here checks permissions or writes audit events: the callers (services) do.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.fields.json import KeyTextTransform
from pydantic_core import to_json

from ikaze.agreements.models import Agreement, Tranche
from ikaze.core import clock
from ikaze.people.models import HouseholdMember as HouseholdMemberRow
from ikaze.people.models import IdentityDocument, SensitiveData
from ikaze.vetting.legal_events import (
    PAYLOAD_SCHEMAS,
    EventKind,
    LegalEvent,
    Relationship,
    timeline_as_of,
)
from ikaze.vetting.models import SCREENED_STATUSES, Decision, LegalEventRecord, Referral
from ikaze.vetting.models import Evaluation as EvaluationRow
from ikaze.vetting.models import Finding as FindingRow
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
from ikaze.vetting.rules._helpers import ADULT_AGE
from ikaze.vetting.rules.context import age_on

_PRECISION = {"exact": DobPrecision.DAY, "month": DobPrecision.MONTH, "year": DobPrecision.YEAR}
_EVENT_KINDS = {k.value: k for k in EventKind}
_TRAVEL = tuple(IdentityDocument.TRAVEL_KINDS)
_ADULT_ROLES = HouseholdMemberRow.ADULT_ROLES


@dataclass(frozen=True, slots=True)
class Screened:
    """A referral's context, ready for the rules (and what the caller needs beside it)."""

    referral_id: uuid.UUID
    agreement_id: uuid.UUID
    context: RuleContext


def _events_by_person(person_ids_qs: QuerySet[Any]) -> dict[Any, list[LegalEvent]]:
    rows = (
        LegalEventRecord.objects.filter(person_id__in=person_ids_qs)
        .order_by()
        .values_list(
            "id",
            "person_id",
            "kind",
            "payload",
            "effective_at",
            "recorded_at",
            "source_document",
            "recorded_by_label",
            "supersedes_id",
        )
    )
    out: dict[Any, list[LegalEvent]] = defaultdict(list)
    schemas = {k.value: PAYLOAD_SCHEMAS[k] for k in EventKind}
    for pk, person_id, kind, payload, eff, rec, source, by, sup in rows.iterator(chunk_size=5000):
        # Trusted rows: validated when recorded; validation here rebuilds typed payloads.
        out[person_id].append(
            LegalEvent(
                str(pk),
                _EVENT_KINDS[kind],
                schemas[kind].model_validate(payload),
                eff,
                rec,
                source,
                by,
                None if sup is None else str(sup),
            )
        )
    return out


def _relationship(person_role: str, member_role: str) -> Relationship:
    """What the member is to the person, from their household roles."""
    person_adult = person_role in ("head", "spouse")
    if person_role == "child" and member_role in ("head", "spouse"):
        return Relationship.PARENT
    if person_adult and member_role == "child":
        return Relationship.CHILD
    if person_adult and member_role in ("head", "spouse"):
        return Relationship.SPOUSE
    if person_role == "child" and member_role == "child":
        return Relationship.SIBLING
    return Relationship.OTHER_RELATIVE


def _is_child(dob: dt.date | None, precision: str, role: str, today: dt.date) -> bool:
    if dob is None:
        # SAFEGUARDS A1, protective reading: an unknown age counts as a child unless the
        # household names them an adult member.
        return role not in _ADULT_ROLES
    born = DateOfBirth(dob, _PRECISION.get(precision, DobPrecision.DAY)).latest_possible()
    return age_on(born, today) < ADULT_AGE


def agreement_settings(
    agreements: Iterable[Agreement], *, on: dt.date
) -> dict[Any, AgreementSettings]:
    """The settings the rules read, one shared object per agreement (places left on `on`)."""
    agreements = list(agreements)
    tranches = {
        t.agreement_id: t
        for t in Tranche.objects.filter(
            agreement__in=[a.pk for a in agreements], starts_on__lte=on, ends_on__gte=on
        )
    }
    out: dict[Any, AgreementSettings] = {}
    for a in agreements:
        caps: list[int] = []
        left: list[int] = []
        if a.cap_total is not None:
            caps.append(a.cap_total)
            left.append(a.cap_total - a.places_used)
        t = tranches.get(a.pk)
        if t is not None:
            caps.append(t.cap)
            left.append(t.cap - t.places_used)
        out[a.pk] = AgreementSettings(
            agreement_id=str(a.pk),
            receiving_state=a.receiving_state,
            voluntary=a.voluntary,
            cap=min(caps) if caps else None,
            places_left=min(left) if left else None,
            assessment_max_age_days=a.assessment_max_age_days,
            acceptance_valid_days=a.acceptance_valid_days,
            notice_period_days=a.notice_period_days,
            review_window_days=a.review_window_days,
            appeal_window_days=a.appeal_window_days,
        )
    return out


def build_contexts(
    referrals: QuerySet[Referral],
    *,
    stage: Stage,
    now: dt.datetime | None = None,
    decisions: Mapping[Any, DecisionFacts] | None = None,
    planned_departure: dt.date | None = None,
) -> list[Screened]:
    """Load what the rules read for every referral of the queryset, in a fixed few queries.

    `decisions` replaces the stored acceptance for some referrals (at stage "decision", the
    acceptance being made). Household members count as present when they have a referral
    under the same agreement that is open or accepted.
    """
    now = now or clock.now()
    today = now.astimezone(clock.local_zone()).date()
    base = referrals.order_by()
    rows = list(
        base.values_list(
            "id",
            "agreement_id",
            "person_id",
            "person__given_names",
            "person__first_surname",
            "person__sex",
            "person__date_of_birth",
            "person__dob_precision",
            "person__nationalities",
            "person__languages",
            "person__needs_interpreter",
        )
    )
    if not rows:
        return []
    person_ids = base.values("person_id")
    agreements = agreement_settings(
        Agreement.objects.filter(pk__in=base.values("agreement_id")), on=today
    )
    events = _events_by_person(person_ids)
    travel = set(
        IdentityDocument.objects.filter(person_id__in=person_ids, kind__in=_TRAVEL)
        .exclude(expiry__lt=today)
        .values_list("person_id", flat=True)
        .distinct()
    )
    # Only whether health data is present and consented: never the data itself (D1).
    health = {
        pid: (True, consent)
        for pid, consent in SensitiveData.objects.filter(person_id__in=person_ids)
        .exclude(health="")
        .values_list("person_id", "health_consent")
    }
    # Households: each person's memberships, then every member of those households.
    memberships = list(
        HouseholdMemberRow.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "household_id", "role"
        )
    )
    household_members: dict[Any, list[tuple[Any, str, dt.date | None, str]]] = defaultdict(list)
    member_ids: set[Any] = set()
    if memberships:
        for hid, pid, role, dob, precision in HouseholdMemberRow.objects.filter(
            household_id__in={m[1] for m in memberships}
        ).values_list(
            "household_id", "person_id", "role", "person__date_of_birth", "person__dob_precision"
        ):
            household_members[hid].append((pid, role, dob, precision))
            member_ids.add(pid)
    present_pairs: set[tuple[Any, Any]] = set()
    if member_ids:
        present_pairs = set(
            Referral.objects.filter(person_id__in=member_ids, status__in=SCREENED_STATUSES)
            .values_list("person_id", "agreement_id")
            .distinct()
        )
    # SAFEGUARDS A3: an assessment text on more than one person's file is a copy.
    shared_hashes = set(
        LegalEventRecord.objects.filter(kind=EventKind.ASSESSMENT_SIGNED)
        .annotate(text_hash=KeyTextTransform("text_sha256", "payload"))
        .values("text_hash")
        .annotate(people=Count("person_id", distinct=True))
        .filter(people__gt=1)
        .values_list("text_hash", flat=True)
    )
    stored: dict[Any, DecisionFacts] = {}
    for rid, officer, at, reason, place in (
        Decision.objects.filter(
            referral__in=base.filter(status=Referral.Status.ACCEPTED).values("id"),
            outcome=Decision.Outcome.ACCEPTED,
        )
        .order_by("decided_at")
        .values_list("referral_id", "officer_name", "decided_at", "reason", "place_taken")
    ):
        stored[rid] = DecisionFacts(
            accepted=True, officer=officer, accepted_at=at, reason=reason, counted_in_cap=place
        )
    decisions = decisions or {}
    no_decision = DecisionFacts()
    by_person_role = {(m[0], m[1]): m[2] for m in memberships}
    person_households: dict[Any, list[Any]] = defaultdict(list)
    for pid, hid, _role in memberships:
        person_households[pid].append(hid)

    out: list[Screened] = []
    for rid, aid, pid, given, surname, sex, dob, precision, nats, langs, interp in rows:
        person_events = events.get(pid, ())
        legal = timeline_as_of(person_events, now)
        household: list[HouseholdMember] = []
        for hid in person_households.get(pid, ()):
            my_role = by_person_role[(pid, hid)]
            for mid, role, mdob, mprec in household_members[hid]:
                if mid == pid:
                    continue
                household.append(
                    HouseholdMember(
                        person_id=str(mid),
                        relationship=_relationship(my_role, role),
                        is_child=_is_child(mdob, mprec, role, today),
                        present=(mid, aid) in present_pairs,
                    )
                )
        fields = {"name"} if given and surname else set()
        if sex:
            fields.add("sex")
        if dob is not None:
            fields.add("date_of_birth")
        if nats:
            fields.add("nationality")
        if pid in travel:
            fields.add("travel_document")
        health_present, health_consent = health.get(pid, (False, False))
        assessment_hashes = frozenset(
            a.payload.text_sha256
            for a in legal.assessments
            if a.payload.text_sha256 in shared_hashes
        )
        person = PersonFacts(
            person_id=str(pid),
            date_of_birth=None
            if dob is None
            else DateOfBirth(dob, _PRECISION.get(precision, DobPrecision.DAY)),
            sex=sex or None,
            nationalities=frozenset(str(n).upper() for n in nats or ()),
            languages=tuple(langs or ()),
            needs_interpreter=interp,
            # The legal adviser on record acts as counsel: A9 then needs service on them too.
            has_counsel=bool(legal.legal_advice),
            household=tuple(household),
        )
        out.append(
            Screened(
                referral_id=rid,
                agreement_id=aid,
                context=RuleContext(
                    stage=stage,
                    now=now,
                    legal=legal,
                    person=person,
                    referral=ReferralFacts(
                        referral_id=str(rid),
                        present_fields=frozenset(fields),
                        health_data_present=bool(health_present),
                        health_data_consent=bool(health_consent),
                        shared_assessment_hashes=assessment_hashes,
                    ),
                    agreement=agreements[aid],
                    decision=decisions.get(rid) or stored.get(rid) or no_decision,
                    planned_departure=planned_departure,
                ),
            )
        )
    return out


def evaluate_screened(screened: Sequence[Screened]) -> list[Evaluation]:
    return evaluate_many(s.context for s in screened)


def _uuids(n: int) -> list[uuid.UUID]:
    # One read of the system's random source for the whole batch (version-4 shaped).
    raw = os.urandom(16 * n)
    out = []
    for i in range(n):
        b = bytearray(raw[16 * i : 16 * i + 16])
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        out.append(uuid.UUID(bytes=bytes(b)))
    return out


def store_evaluations(
    pairs: Sequence[tuple[Any, Evaluation]], *, evaluated_by_id: Any = None
) -> list[EvaluationRow]:
    """Write the evaluations and every finding (passes too) in bulk; return the rows."""
    if not pairs:
        return []
    stamp = clock.now()
    ids = _uuids(len(pairs))
    rows = [
        EvaluationRow(
            id=ids[i],
            referral_id=rid,
            stage=ev.stage.value,
            ruleset_version=ev.ruleset_version,
            inputs_hash=ev.inputs_hash,
            evaluated_at=ev.evaluated_at,
            blocked=ev.blocked,
            evaluated_by_id=evaluated_by_id,
            created_at=stamp,
            updated_at=stamp,
        )
        for i, (rid, ev) in enumerate(pairs)
    ]
    EvaluationRow.objects.bulk_create(rows, batch_size=2000)
    _store_findings(rows, [ev for _rid, ev in pairs], stamp)
    return rows


def _store_findings(
    rows: Sequence[EvaluationRow], evaluations: Sequence[Evaluation], stamp: dt.datetime
) -> None:
    total = sum(len(ev.findings) for ev in evaluations)
    ids = _uuids(total)
    table = FindingRow._meta.db_table
    columns = (
        "id",
        "created_at",
        "updated_at",
        "evaluation_id",
        "rule_id",
        "outcome",
        "kind",
        "message",
        "facts_used",
        "overridable",
    )
    vendor = connection.vendor
    # Values as the database adapter wants them: the ORM's bulk_create would build 450,000
    # model instances for a full screening; this is the same insert without them.
    if vendor == "postgresql":
        at: Any = stamp
        pk = lambda u: u  # noqa: E731
    else:
        at = stamp.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        pk = lambda u: u.hex  # noqa: E731
    values: list[tuple[Any, ...]] = []
    n = 0
    for row, ev in zip(rows, evaluations, strict=True):
        eid = pk(row.id)
        for f in ev.findings:
            values.append(
                (
                    pk(ids[n]),
                    at,
                    at,
                    eid,
                    f.rule_id,
                    f.outcome.value,
                    f.kind.value,
                    f.message,
                    to_json(f.facts_used).decode(),
                    f.overridable,
                )
            )
            n += 1
    with connection.cursor() as cur:
        if vendor == "postgresql":
            with cur.cursor.copy(  # type: ignore[attr-defined]
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for v in values:
                    copy.write_row(v)
        else:
            marks = ", ".join(["%s"] * len(columns))
            # Table and column names come from the model, never from input.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(values), 20000):
                cur.executemany(sql, values[start : start + 20000])


def screen(
    referrals: QuerySet[Referral],
    *,
    stage: Stage,
    now: dt.datetime | None = None,
    decisions: Mapping[Any, DecisionFacts] | None = None,
    evaluated_by_id: Any = None,
    store: bool = True,
) -> list[tuple[Screened, Evaluation, EvaluationRow | None]]:
    """Build, evaluate and (by default) store: the whole pipeline for a set of referrals."""
    screened = build_contexts(referrals, stage=stage, now=now, decisions=decisions)
    evaluations = evaluate_screened(screened)
    rows: list[EvaluationRow | None] = [None] * len(screened)
    if store:
        rows = list(
            store_evaluations(
                [(s.referral_id, ev) for s, ev in zip(screened, evaluations, strict=True)],
                evaluated_by_id=evaluated_by_id,
            )
        )
    return list(zip(screened, evaluations, rows, strict=True))
