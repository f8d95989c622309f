"""From the database to the safeguard rules and back: contexts in bulk, evaluations stored.

`build_contexts(referrals, stage=..., now=...)` loads everything the rules read for a whole
queryset of referrals with a constant number of queries (referrals with person and agreement,
their legal events, documents, health flags, households and who of them is present, the
assessment texts shared between people, the acceptances, the cap periods), then builds one
`RuleContext` per referral: one meaning of the rules' inputs, for one referral and for 35,000.

Two ways to store what the rules say, named for what they are for (issue 10 item 2):

- `screen(...)`: a referral, a person, a household (every acceptance, decision and new fact,
  in a web worker). Plain Django: the rows are written with `bulk_create`, nothing
  process-wide or connection-wide is touched.
- `screen_bulk(...)`: a whole batch (manifest intake, `rescreen`, `ikaze bench screening`).
  The rows go to the driver as plain values (`insert_values`: COPY on PostgreSQL), the
  returned instances are built without `Model.__init__`, and SQLite gets a bigger page cache
  for the insert when it needs one (restored after). It never pauses the garbage collector:
  only a process's own entry point may (`rules.engine.cyclic_gc_paused`: the `rescreen`
  command, the benchmark), never a service or a web request.

Both store the same evaluations and findings for the same inputs (tests pin it). Nothing here
checks permissions or writes audit events: the callers (services) do.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection
from django.db.models import Count, Func, Q, QuerySet, TextField
from django.db.models.base import ModelState
from django.db.models.fields.json import KeyTextTransform
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from ikaze.agreements.models import Agreement, Tranche
from ikaze.core import clock
from ikaze.core.bulk import insert_values, new_uuid_hexes
from ikaze.people.models import HouseholdMember as HouseholdMemberRow
from ikaze.people.models import IdentityDocument, SensitiveData
from ikaze.vetting.legal_events import (
    PAYLOAD_SCHEMAS,
    EventKind,
    EventRow,
    Relationship,
    timeline_of_rows,
)
from ikaze.vetting.models import (
    DECIDABLE_STATUSES,
    SCREENED_STATUSES,
    Decision,
    LegalEventRecord,
    Notice,
    Referral,
)
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
from ikaze.vetting.rules.engine import iter_evaluations
from ikaze.vetting.rules.findings import Finding, Outcome, RuleKind
from ikaze.vetting.rules.messages import message_keys

_UUID = uuid.UUID
_PRECISION = {"exact": DobPrecision.DAY, "month": DobPrecision.MONTH, "year": DobPrecision.YEAR}
_TRAVEL = tuple(IdentityDocument.TRAVEL_KINDS)
_ADULT_ROLES = HouseholdMemberRow.ADULT_ROLES


@dataclass(frozen=True, slots=True)
class Screened:
    """A referral's context, ready for the rules (and what the caller needs beside it)."""

    referral_id: uuid.UUID
    agreement_id: uuid.UUID
    context: RuleContext


def _raw_rows(qs: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    """The queryset's rows as the database adapter returns them, without Django's per-value
    converters (which cost more than the rules for a whole screening); see `_Raw`."""
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while True:
            chunk = cur.fetchmany(5000)
            if not chunk:
                return
            yield from chunk


class _Raw:
    """Turn the text columns are read as (see `_Text`) into Python values, per database."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        # Naive UTC on SQLite, as Django stores it; with its offset from PostgreSQL.
        self.utc_suffix = "+00:00" if self.sqlite else ""
        self._uuids: dict[str, uuid.UUID] = {}

    def uuid(self, v: str) -> uuid.UUID:
        u = self._uuids.get(v)
        if u is None:
            u = self._uuids[v] = _UUID(v)
        return u

    def key(self, v: _UUID) -> str:
        # A UUID as `_Text` reads it, to match rows on.
        return v.hex if self.sqlite else str(v)

    def uuid_text(self, v: str) -> str:
        if self.sqlite:  # 32 hex digits: dashes where str(UUID) puts them
            return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"
        return v

    @staticmethod
    def date(v: str | None) -> dt.date | None:
        return None if v is None else dt.date.fromisoformat(v)

    def datetime(self, v: str) -> dt.datetime:
        return dt.datetime.fromisoformat(v + self.utc_suffix)

    @staticmethod
    def json(v: Any) -> Any:
        # Text on SQLite, and on PostgreSQL too: Django has psycopg hand jsonb over as text.
        return orjson.loads(v) if isinstance(v, str) else v


class _Text(Func):
    """A column read as text, parsed in Python by `_Raw`: the database adapters' own per-value
    conversions cost more for a whole screening (Django's SQLite converters for "date" and
    "datetime", Django's time-zone loader for psycopg, a `UUID` object per id). On SQLite a
    unary plus leaves the stored text without its declared type; PostgreSQL casts."""

    template = "(%(expressions)s)::text"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _as_text(*columns: str) -> dict[str, _Text]:
    return {f"text_{c.replace('__', '_')}": _Text(c) for c in columns}


def _text_rows(
    qs: QuerySet[Any], *columns: str, distinct: bool = False
) -> Iterable[tuple[Any, ...]]:
    """The rows of `qs.values_list(*columns)`, every column but "=name" ones read as text."""
    texts = [c for c in columns if not c.startswith("=")]
    values = (
        qs.order_by()
        .annotate(**_as_text(*texts))
        .values_list(
            *(c[1:] if c.startswith("=") else f"text_{c.replace('__', '_')}" for c in columns)
        )
    )
    return _raw_rows(values.distinct() if distinct else values)


def _events_by_person(person_ids_qs: QuerySet[Any], raw: _Raw) -> dict[str, list[EventRow]]:
    """Each person's legal events as the timeline reads them, keyed by the raw person id."""
    rows = _text_rows(
        LegalEventRecord.objects.filter(person_id__in=person_ids_qs),
        "person_id",
        "id",
        "=kind",
        "=payload",
        "effective_at",
        "recorded_at",
        "supersedes_id",
    )
    out: dict[str, list[EventRow]] = defaultdict(list)
    # Trusted rows: validated when recorded; validation here rebuilds the typed payloads,
    # straight from the stored JSON text (through the schema's validator itself:
    # `model_validate_json` is a Python call around it, a third of the time for small payloads).
    kinds = {
        k.value: (k, PAYLOAD_SCHEMAS[k].__pydantic_validator__.validate_json) for k in EventKind
    }
    day, moment, text, suffix = (
        dt.date.fromisoformat,
        dt.datetime.fromisoformat,
        raw.uuid_text,
        raw.utc_suffix,
    )
    for person_id, pk, kind, payload, eff, rec, sup in rows:
        k, validate = kinds[kind]
        out[person_id].append(
            (
                day(eff),
                moment(rec + suffix),
                text(pk),
                k,
                validate(payload),
                None if sup is None else text(sup),
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

    `decisions` replaces the stored decision for some referrals (at stage "decision", the
    decision being made). A referral without one is awaiting its decision while an officer
    can still decide it (SAFEGUARDS A5 then waits at stage "decision"), else silent. Household
    members count as present when they have a referral under the same agreement that is open
    or accepted.
    """
    return _build_contexts(
        referrals,
        stage=stage,
        now=now,
        decisions=decisions,
        planned_departure=planned_departure,
    )


def _build_contexts(
    referrals: QuerySet[Referral],
    *,
    stage: Stage,
    now: dt.datetime | None,
    decisions: Mapping[Any, DecisionFacts] | None,
    planned_departure: dt.date | None,
) -> list[Screened]:
    now = now or clock.now()
    zone = clock.local_zone()
    today = now.astimezone(zone).date()
    base = referrals.order_by()
    raw = _Raw()
    # Ids stay text (see `_Text`) for matching rows up; only the referral's becomes a UUID,
    # for the caller.
    rows = list(
        _text_rows(
            base,
            "id",
            "agreement_id",
            "person_id",
            "=person__given_names",
            "=person__first_surname",
            "=person__sex",
            "person__date_of_birth",
            "=person__dob_precision",
            "=person__nationalities",
            "=person__languages",
            "=person__needs_interpreter",
            "=status",
        )
    )
    if not rows:
        return []
    person_ids = base.values("person_id")
    agreements = {
        raw.key(pk): settings
        for pk, settings in agreement_settings(
            Agreement.objects.filter(pk__in=base.values("agreement_id")), on=today
        ).items()
    }
    events = _events_by_person(person_ids, raw)
    travel = {
        pid
        for (pid,) in _text_rows(
            IdentityDocument.objects.filter(person_id__in=person_ids, kind__in=_TRAVEL).exclude(
                expiry__lt=today
            ),
            "person_id",
            distinct=True,
        )
    }
    # SAFEGUARDS F3: the service events the notice service recorded for each referral's own
    # issued notices (a late one only once confirmed); no other `notice_served` counts for A9.
    notice_service: dict[str, set[str]] = defaultdict(set)
    for notice_rid, service_event in _text_rows(
        Notice.objects.filter(referral__in=base.values("id"), service_event__isnull=False),
        "referral_id",
        "service_event_id",
    ):
        notice_service[notice_rid].add(raw.uuid_text(service_event))
    # Only whether health data is present and consented: never the data itself (D1).
    health = {
        pid: bool(consent)
        for pid, consent in _text_rows(
            SensitiveData.objects.filter(person_id__in=person_ids).exclude(health=""),
            "person_id",
            "=health_consent",
        )
    }
    # Households: each person's memberships, then every member of those households.
    memberships = list(
        _text_rows(
            HouseholdMemberRow.objects.filter(person_id__in=person_ids),
            "person_id",
            "household_id",
            "=role",
        )
    )
    household_members: dict[str, list[tuple[str, str, dt.date | None, str]]] = defaultdict(list)
    member_ids: set[str] = set()
    if memberships:
        for hid, pid, role, dob, precision in _text_rows(
            HouseholdMemberRow.objects.filter(
                household_id__in={raw.uuid(m[1]) for m in memberships}
            ),
            "household_id",
            "person_id",
            "=role",
            "person__date_of_birth",
            "=person__dob_precision",
        ):
            household_members[hid].append((pid, role, raw.date(dob), precision))
            member_ids.add(pid)
    present_pairs: set[tuple[str, str]] = set()
    if member_ids:
        present_pairs = set(
            _text_rows(
                Referral.objects.filter(
                    person_id__in=[raw.uuid(m) for m in member_ids],
                    status__in=SCREENED_STATUSES,
                ),
                "person_id",
                "agreement_id",
                distinct=True,
            )
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
    # The decision a decided referral holds: its acceptance, or its refusal (SAFEGUARDS A5).
    stored: dict[Any, DecisionFacts] = {}
    for rid, outcome, officer, at, reason, place in (
        Decision.objects.filter(
            Q(referral__status=Referral.Status.ACCEPTED, outcome=Decision.Outcome.ACCEPTED)
            | Q(referral__status=Referral.Status.REFUSED, outcome=Decision.Outcome.REFUSED),
            referral__in=base.filter(
                status__in=(Referral.Status.ACCEPTED, Referral.Status.REFUSED)
            ).values("id"),
        )
        .order_by("decided_at")
        .values_list(
            "referral_id", "outcome", "officer_name", "decided_at", "reason", "place_taken"
        )
    ):
        if outcome == Decision.Outcome.ACCEPTED:
            stored[rid] = DecisionFacts(
                accepted=True, officer=officer, accepted_at=at, reason=reason, counted_in_cap=place
            )
        else:
            stored[rid] = DecisionFacts(refused=True, officer=officer, reason=reason)
    given_decisions = {**stored, **(decisions or {})}
    # Without a decision: awaited while an officer can still decide, else silence (refusal).
    no_decision = DecisionFacts()
    awaited = DecisionFacts(awaiting=True)
    by_person_role = {(m[0], m[1]): m[2] for m in memberships}
    person_households: dict[Any, list[Any]] = defaultdict(list)
    for pid, hid, _role in memberships:
        person_households[pid].append(hid)
    text, to_date, to_json_value = raw.uuid_text, raw.date, raw.json
    agreement_ids = {k: raw.uuid(k) for k in agreements}

    out: list[Screened] = []
    for raw_rid, aid, pid, given, surname, sex, dob, precision, nats, langs, interp, status in rows:
        rid = _UUID(raw_rid)
        legal = timeline_of_rows(events.get(pid, ()), now, zone=zone)
        household: list[HouseholdMember] = []
        for hid in person_households.get(pid, ()):
            my_role = by_person_role[(pid, hid)]
            for mid, role, mdob, mprec in household_members[hid]:
                if mid == pid:
                    continue
                household.append(
                    HouseholdMember(
                        person_id=text(mid),
                        relationship=_relationship(my_role, role),
                        is_child=_is_child(mdob, mprec, role, today),
                        present=(mid, aid) in present_pairs,
                    )
                )
        dob = to_date(dob)
        nats = to_json_value(nats)
        fields = {"name"} if given and surname else set()
        if sex:
            fields.add("sex")
        if dob is not None:
            fields.add("date_of_birth")
        if nats:
            fields.add("nationality")
        if pid in travel:
            fields.add("travel_document")
        health_consent = health.get(pid)
        assessment_hashes = frozenset(
            a.payload.text_sha256
            for a in legal.assessments
            if a.payload.text_sha256 in shared_hashes
        )
        person = PersonFacts(
            person_id=text(pid),
            date_of_birth=None
            if dob is None
            else DateOfBirth(dob, _PRECISION.get(precision, DobPrecision.DAY)),
            sex=sex or None,
            nationalities=frozenset(str(n).upper() for n in nats or ()),
            languages=tuple(to_json_value(langs) or ()),
            needs_interpreter=bool(interp),
            # The legal adviser on record acts as counsel: A9 then needs service on them too.
            has_counsel=bool(legal.legal_advice),
            household=tuple(household),
        )
        out.append(
            Screened(
                referral_id=rid,
                agreement_id=agreement_ids[aid],
                context=RuleContext(
                    stage=stage,
                    now=now,
                    legal=legal,
                    person=person,
                    referral=ReferralFacts(
                        referral_id=text(raw_rid),
                        present_fields=frozenset(fields),
                        health_data_present=health_consent is not None,
                        health_data_consent=bool(health_consent),
                        shared_assessment_hashes=assessment_hashes,
                        notice_service_events=frozenset(notice_service.get(raw_rid, ())),
                    ),
                    agreement=agreements[aid],
                    decision=(given_decisions.get(rid) if given_decisions else None)
                    or (awaited if status in DECIDABLE_STATUSES else no_decision),
                    planned_departure=planned_departure,
                ),
            )
        )
    return out


def evaluate_screened(screened: Sequence[Screened]) -> list[Evaluation]:
    return evaluate_many(s.context for s in screened)


def store_evaluations(
    pairs: Sequence[tuple[Any, Evaluation]], *, evaluated_by_id: Any = None
) -> list[EvaluationRow]:
    """Write the evaluations (every finding in `findings_data`) and a `Finding` row for each
    block or warning, in bulk; return the evaluation rows (built here, not re-read)."""
    if not pairs:
        return []
    return _store_evaluations(pairs, len(pairs), evaluated_by_id)


def evaluate_and_store(
    screened: Sequence[Screened], *, evaluated_by_id: Any = None
) -> tuple[list[Evaluation], list[EvaluationRow]]:
    """`evaluate_screened` then `store_evaluations`: the same evaluations and rows, in the same
    order. On PostgreSQL in one pass, each evaluation written as soon as it is made, so the
    server takes in the rows while the next referrals are evaluated. SQLite works in this
    process: interleaving its inserts with the rules costs more than it saves (both lose their
    caches), so there all are evaluated first."""
    if not screened:
        return [], []
    if connection.vendor != "postgresql":
        evaluations = evaluate_screened(screened)
        rows = store_evaluations(
            [(s.referral_id, ev) for s, ev in zip(screened, evaluations, strict=True)],
            evaluated_by_id=evaluated_by_id,
        )
        return evaluations, rows
    made: list[Evaluation] = []

    def pairs() -> Iterator[tuple[Any, Evaluation]]:
        for s, ev in zip(screened, iter_evaluations(s.context for s in screened), strict=True):
            made.append(ev)
            yield s.referral_id, ev

    rows = _store_evaluations(pairs(), len(screened), evaluated_by_id)
    return made, rows


def _store_evaluations(
    pairs: Iterable[tuple[Any, Evaluation]], n: int, evaluated_by_id: Any
) -> list[EvaluationRow]:
    # The rows' own creation time is real time even under a frozen clock: it orders two
    # evaluations made at the same (frozen) instant.
    stamp = timezone.now()
    ids = new_uuid_hexes(n)
    # Values in the driver's terms, for `insert_values`: the ORM's bulk_create would build a
    # model instance per finding and run every field's conversion; this is the same insert
    # without (and `insert_rows` would convert column by column what is made right here).
    # Both databases take a UUID as 32 hex digits (PostgreSQL parses the text COPY sends).
    if connection.vendor == "postgresql":
        at: Any = stamp
        when: Any = _same
    else:
        at = _sqlite_datetime(stamp)
        when = _sqlite_datetime
    by = None if evaluated_by_id is None else _hex(evaluated_by_id)
    encode = message_keys()
    passed = _PASS
    noteworthy: list[tuple[str, Finding]] = []
    written: list[tuple[Any, ...]] = []  # what the returned rows are built from
    # A batch's evaluations share their instant (and stage): converted once.
    stored_when = _Memo(when)

    def evaluation_rows() -> Iterator[tuple[Any, ...]]:
        for eid, (rid, ev) in zip(ids, pairs, strict=True):
            findings = ev.findings
            kept = [f for f in findings if f[1] is not passed]  # blocks and warnings
            blocked = any(f[1] is _BLOCK for f in kept)
            noteworthy.extend((eid, f) for f in kept)
            stage = _TEXT[ev.stage]
            written.append(
                (
                    _UUID(eid),
                    stamp,
                    stamp,
                    rid,
                    stage,
                    ev.ruleset_version,
                    ev.inputs_hash,
                    ev.evaluated_at,
                    blocked,
                    evaluated_by_id,
                )
            )
            yield (
                eid,
                at,
                at,
                _hex(rid),
                stage,
                ev.ruleset_version,
                ev.inputs_hash,
                stored_when(ev.evaluated_at),
                blocked,
                by,
                orjson.dumps(
                    [(r, o, k, encode(m, m), fa, ov) for r, o, k, m, fa, ov in findings]
                ).decode(),
            )

    def finding_rows() -> Iterator[tuple[Any, ...]]:
        for fid, (eid, f) in zip(new_uuid_hexes(len(noteworthy)), noteworthy, strict=True):
            yield (
                fid,
                at,
                at,
                eid,
                f.rule_id,
                _TEXT[f.outcome],
                _TEXT[f.kind],
                f.message,
                orjson.dumps(f.facts_used).decode(),
                f.overridable,
            )

    # On PostgreSQL the evaluations are made as COPY takes them (see `insert_values`).
    with _page_cache(3 * n):  # an evaluation and about two findings a referral
        insert_values(EvaluationRow._meta.db_table, _EVALUATION_COLUMNS, evaluation_rows())
        insert_values(FindingRow._meta.db_table, _FINDING_COLUMNS, finding_rows())
    # Built from what was written; `findings_data` is left deferred (read on first access).
    return _loaded_rows(written)


def _loaded_rows(values: Iterable[tuple[Any, ...]]) -> list[EvaluationRow]:
    """Evaluation instances as `Model.from_db` builds them from `_ROW_FIELDS` values (the
    others deferred), without `Model.__init__`'s per-field work when nothing listens to the
    model's init signals: a tenth of the time for a whole screening."""
    if pre_init.has_listeners(EvaluationRow) or post_init.has_listeners(EvaluationRow):
        return [EvaluationRow.from_db("default", _ROW_FIELDS, v) for v in values]
    out = []
    new = EvaluationRow.__new__
    for v in values:
        row = new(EvaluationRow)
        state = ModelState()
        state.adding = False
        state.db = "default"
        attrs = row.__dict__
        attrs.update(zip(_ROW_ATTNAMES, v, strict=True))
        attrs["_state"] = state
        out.append(row)
    return out


_PASS = Outcome.PASS
_BLOCK = Outcome.BLOCK
# The stored text of the enums written per row (`.value` is a Python-level property).
_TEXT: dict[Any, str] = {m: m.value for e in (Outcome, RuleKind, Stage) for m in e}


class _Memo:
    """A one-argument function remembering its last argument (compared by identity)."""

    __slots__ = ("fn", "last", "value")

    def __init__(self, fn: Any) -> None:
        self.fn, self.last, self.value = fn, _Memo, None

    def __call__(self, arg: Any) -> Any:
        if arg is not self.last:
            self.last, self.value = arg, self.fn(arg)
        return self.value


_EVALUATION_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "referral_id",
    "stage",
    "ruleset_version",
    "inputs_hash",
    "evaluated_at",
    "blocked",
    "evaluated_by_id",
    "findings_data",
)
_ROW_ATTNAMES = _EVALUATION_COLUMNS[:-1]
_ROW_FIELDS = frozenset(_ROW_ATTNAMES)  # attnames, in the model's field order
_FINDING_COLUMNS = (
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


def _same(v: Any) -> Any:
    return v


def _hex(v: Any) -> str:
    # Django stores a UUID on SQLite as 32 hex digits.
    return v.hex if type(v) is uuid.UUID else uuid.UUID(str(v)).hex


def _sqlite_datetime(v: dt.datetime) -> str:
    # Django's SQLite format for an aware datetime under USE_TZ: naive UTC, ISO with a space.
    return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


@contextmanager
def _page_cache(rows: int) -> Iterator[None]:
    """On SQLite, a page cache big enough for a bulk insert (about 2 KiB a row, at most 64 MiB)
    for its duration: with the default 2 MiB, SQLite spills pages of the transaction to the
    WAL and rewrites them. Only ever raised, never shrunk (the settings may give the
    connection more already), and set back to the connection's own value afterwards, even
    on an error; nothing changes on PostgreSQL."""
    if connection.vendor != "sqlite" or rows < 2000:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        (previous,) = cur.fetchone()
        previous = int(previous)
        cur.execute("PRAGMA page_size")
        (page_size,) = cur.fetchone()
        # Negative: KiB; positive: pages.
        previous_kib = -previous if previous < 0 else previous * int(page_size) // 1024
        wanted_kib = min(2 * rows, 65536)
        if wanted_kib <= previous_kib:
            yield
            return
        cur.execute(f"PRAGMA cache_size = {-wanted_kib:d}")
        try:
            yield
        finally:
            cur.execute(f"PRAGMA cache_size = {previous:d}")


def _json(value: Any) -> Any:
    """`value` as JSON reads it back (tuples as lists, enums and dates as text), as
    `_store_evaluations` writes it through orjson."""
    return orjson.loads(orjson.dumps(value))


def store_evaluations_plain(
    pairs: Sequence[tuple[Any, Evaluation]], *, evaluated_by_id: Any = None
) -> list[EvaluationRow]:
    """What `store_evaluations` writes, through the ORM (`bulk_create`): the path of one
    referral, a person or a household. Two inserts, whatever the number of evaluations."""
    if not pairs:
        return []
    encode = message_keys()
    rows: list[EvaluationRow] = []
    findings: list[FindingRow] = []
    for referral_id, ev in pairs:
        row = EvaluationRow(
            referral_id=referral_id,
            stage=ev.stage.value,
            ruleset_version=ev.ruleset_version,
            inputs_hash=ev.inputs_hash,
            evaluated_at=ev.evaluated_at,
            blocked=ev.blocked,
            evaluated_by_id=evaluated_by_id,
            findings_data=_json(
                [(r, o, k, encode(m, m), fa, ov) for r, o, k, m, fa, ov in ev.findings]
            ),
        )
        rows.append(row)
        findings.extend(
            FindingRow(
                evaluation=row,
                rule_id=f.rule_id,
                outcome=f.outcome.value,
                kind=f.kind.value,
                message=f.message,
                facts_used=_json(f.facts_used),
                overridable=f.overridable,
            )
            for f in ev.findings
            if f.outcome is not _PASS
        )
    EvaluationRow.objects.bulk_create(rows)
    FindingRow.objects.bulk_create(findings)
    return rows


def screen(
    referrals: QuerySet[Referral],
    *,
    stage: Stage,
    now: dt.datetime | None = None,
    decisions: Mapping[Any, DecisionFacts] | None = None,
    evaluated_by_id: Any = None,
    store: bool = True,
    planned_departure: dt.date | None = None,
) -> list[tuple[Screened, Evaluation, EvaluationRow | None]]:
    """Build, evaluate and (by default) store, for a referral, a person or a household: plain
    Django, nothing process-wide or connection-wide touched (see the module's docstring)."""
    screened = build_contexts(
        referrals, stage=stage, now=now, decisions=decisions, planned_departure=planned_departure
    )
    evaluations = evaluate_screened(screened)
    rows: list[EvaluationRow | None] = [None] * len(screened)
    if store:
        rows = list(
            store_evaluations_plain(
                [(s.referral_id, ev) for s, ev in zip(screened, evaluations, strict=True)],
                evaluated_by_id=evaluated_by_id,
            )
        )
    return list(zip(screened, evaluations, rows, strict=True))


def screen_bulk(
    referrals: QuerySet[Referral],
    *,
    stage: Stage,
    now: dt.datetime | None = None,
    evaluated_by_id: Any = None,
) -> list[tuple[Screened, Evaluation, EvaluationRow]]:
    """`screen` for a whole batch (intake, `rescreen`, the benchmark), stored the bulk way:
    the same evaluations and findings as `screen` would store (see the module's docstring)."""
    screened = build_contexts(referrals, stage=stage, now=now)
    evaluations, rows = evaluate_and_store(screened, evaluated_by_id=evaluated_by_id)
    return list(zip(screened, evaluations, rows, strict=True))
