"""The rule set, its version, and evaluation with a hash of the inputs.

An evaluation is a pure function of its `RuleContext`. Its `inputs_hash` is the SHA-256 of a
canonical JSON of that context (see "canonical inputs" below), so an
evaluation stored by phase 2 can be checked against the inputs it claims to have used, and two
evaluations with the same hash saw the same facts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from ikaze.vetting.legal_events import LegalState
from ikaze.vetting.rules import people, procedure, protection
from ikaze.vetting.rules.context import (
    AgreementSettings,
    DecisionFacts,
    PersonFacts,
    ReferralFacts,
    RuleContext,
    Stage,
)
from ikaze.vetting.rules.findings import Finding, Outcome, Rule, RuleKind

# Bump on any change to a rule's logic, text, kind or settings: stored evaluations name the
# version they ran under (YYYY.MM.N).
RULESET_VERSION = "2026.12.1"

RULESET: tuple[Rule, ...] = (
    people.A1,
    people.A2,
    procedure.A3,
    people.A4,
    procedure.A5,
    procedure.A6,
    people.A7,
    protection.A8,
    procedure.A9,
    protection.A10,
    protection.A11,
    procedure.A12,
    procedure.A13,
)
RULES: Mapping[str, Rule] = {r.id: r for r in RULESET}


@dataclass(frozen=True, slots=True)
class Evaluation:
    ruleset_version: str
    stage: Stage
    evaluated_at: dt.datetime
    findings: tuple[Finding, ...]
    inputs_hash: str

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome is Outcome.BLOCK)

    @property
    def blocked(self) -> bool:
        return any(f.outcome is Outcome.BLOCK for f in self.findings)

    @property
    def absolute_blocks(self) -> tuple[Finding, ...]:
        return tuple(
            f for f in self.findings if f.outcome is Outcome.BLOCK and f.kind is RuleKind.ABSOLUTE
        )

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome is Outcome.WARN)

    def blocked_ignoring(self, overridden: Iterable[str]) -> bool:
        """Whether a block remains once the given rule ids are overridden (absolute never is)."""
        skip = set(overridden)
        return any(
            f.outcome is Outcome.BLOCK and (not f.overridable or f.rule_id not in skip)
            for f in self.findings
        )


# --- canonical inputs ----------------------------------------------------------------------
#
# The canonical form is JSON with keys in declaration order (fixed by the code, which the
# rule-set version names), sets sorted, instants in UTC, dates in ISO 8601, no spaces, text in
# UTF-8 (only `"`, `\\` and control characters escaped). Payloads appear as pydantic-core
# serialises them in JSON mode, dataclasses as objects, tuples as arrays, enums as their
# values: byte for byte what `pydantic_core.to_json` gives for the same document (a test holds
# the two together), written by orjson, a tenth of the cost for a whole screening. The few
# set-valued fields are sorted here (and by field serialisers on the payloads), so the hash
# does not depend on Python's per-process hash randomisation.

INPUTS_FORMAT = 2  # 2: rule set 2026.12.1 adds the recording days (F2) and notice service (F3)

_last_instant: tuple[dt.datetime | None, str | None] = (None, None)


def _utc(moment: dt.datetime | None) -> str | None:
    global _last_instant
    if moment is None:
        return None
    # A batch converts the same instant (its `now`, the timeline's `as_of`) over and over.
    last, text = _last_instant
    if moment is last:
        return text
    text = moment.astimezone(dt.UTC).isoformat()
    _last_instant = (moment, text)
    return text


def _plain_converter(kind: type) -> Callable[[Any], Any]:
    if issubclass(kind, BaseModel):
        serializers = kind.__pydantic_decorators__.field_serializers.values()
        if not serializers:
            return attrgetter("__dict__")  # the fields, in order, as validated
        plain = [
            (field, s.func)
            for s in serializers
            if s.info.mode == "plain" and s.info.when_used == "always" and not s.info.check_fields
            for field in s.info.fields
        ]
        if len(plain) != sum(len(s.info.fields) for s in serializers) or any(
            _takes_info(func) for _field, func in plain
        ):
            serializer = kind.__pydantic_serializer__
            return lambda payload: serializer.to_python(payload, mode="json")

        def fields_serialized(payload: Any) -> dict[str, Any]:
            # What pydantic-core does for plain "always" serialisers: the method's value.
            values = dict(payload.__dict__)
            for field, func in plain:
                values[field] = func(payload, values[field])
            return values

        return fields_serialized
    if dataclasses.is_dataclass(kind):
        # orjson reads a slotted dataclass field by field through Python: far slower.
        names = tuple(f.name for f in dataclasses.fields(kind))
        if len(names) == 1:
            (name,) = names
            return lambda obj: {name: getattr(obj, name)}
        values = attrgetter(*names)
        return lambda obj: dict(zip(names, values(obj), strict=True))
    if issubclass(kind, tuple):  # NamedTuples (`Dated`): arrays, as pydantic-core writes them
        return list
    return to_jsonable_python  # anything else: what pydantic-core would write


def _takes_info(func: Callable[..., Any]) -> bool:
    return len(inspect.signature(func).parameters) != 2  # (self, value)


_PLAIN: dict[type, Callable[[Any], Any]] = {}


def _plain(obj: Any) -> Any:
    """orjson's fallback: the JSON-ready form of what it does not write itself."""
    convert = _PLAIN.get(type(obj))
    if convert is None:
        convert = _PLAIN[type(obj)] = _plain_converter(type(obj))
    return convert(obj)


def _canonical_json(doc: Any) -> bytes:
    return orjson.dumps(doc, default=_plain, option=orjson.OPT_PASSTHROUGH_DATACLASS)


def _legal_doc(legal: LegalState) -> dict[str, Any]:
    doc = dict(zip(_LEGAL_FIELDS, _legal_values(legal), strict=True))
    doc["as_of"] = _utc(legal.as_of)
    doc["nationalities"] = sorted(legal.nationalities)
    return doc


_LEGAL_FIELDS = tuple(f.name for f in dataclasses.fields(LegalState))
_legal_values = attrgetter(*_LEGAL_FIELDS)


def _person_doc(p: PersonFacts) -> dict[str, Any]:
    return {
        "person_id": p.person_id,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "nationalities": sorted(p.nationalities),
        "languages": p.languages,
        "needs_interpreter": p.needs_interpreter,
        "has_counsel": p.has_counsel,
        "household": p.household,
    }


def _referral_doc(r: ReferralFacts) -> dict[str, Any]:
    return {
        "referral_id": r.referral_id,
        "present_fields": sorted(r.present_fields),
        "health_data_present": r.health_data_present,
        "health_data_consent": r.health_data_consent,
        "shared_assessment_hashes": sorted(r.shared_assessment_hashes),
        "notice_service_events": sorted(r.notice_service_events),
    }


def _agreement_doc(a: AgreementSettings) -> dict[str, Any]:
    doc = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)}
    doc["required_fields"] = sorted(a.required_fields)
    return doc


def _decision_doc(d: DecisionFacts) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "accepted": d.accepted,
        "officer": d.officer,
        "accepted_at": _utc(d.accepted_at),
        "reason": d.reason,
        "counted_in_cap": d.counted_in_cap,
    }
    # Written only when set (rule set 2026.11.2 on), so a context without them keeps the hash
    # it had under INPUTS_FORMAT 1.
    if d.awaiting:
        doc["awaiting"] = True
    if d.refused:
        doc["refused"] = True
    return doc


def _document(ctx: RuleContext) -> dict[str, Any]:
    return {
        "format": INPUTS_FORMAT,
        "stage": ctx.stage,
        "now": _utc(ctx.now),
        "planned_departure": ctx.planned_departure,
        "decision": _decision_doc(ctx.decision),
        "person": _person_doc(ctx.person),
        "referral": _referral_doc(ctx.referral),
        "legal": _legal_doc(ctx.legal),
    }


def canonical_document(ctx: RuleContext) -> dict[str, Any]:
    """What `canonical_inputs` writes, as a document (`pydantic_core.to_json` of it gives the
    same bytes)."""
    return {**_document(ctx), "agreement": _agreement_doc(ctx.agreement)}


def canonical_inputs(ctx: RuleContext, *, _agreement_json: dict[int, bytes] | None = None) -> bytes:
    """The canonical JSON of an evaluation's inputs (what `inputs_hash` hashes)."""
    body = _canonical_json(_document(ctx))
    # The agreement (shared by many contexts) is serialised once per batch and spliced in.
    return body[:-1] + b',"agreement":' + _agreement_canon(ctx.agreement, _agreement_json) + b"}"


def _agreement_canon(agreement: AgreementSettings, memo: dict[int, bytes] | None) -> bytes:
    if memo is None:
        return _canonical_json(_agreement_doc(agreement))
    key = id(agreement)
    text = memo.get(key)
    if text is None:
        text = memo[key] = _canonical_json(_agreement_doc(agreement))
    return text


def inputs_hash(ctx: RuleContext) -> str:
    return hashlib.sha256(canonical_inputs(ctx)).hexdigest()


# --- evaluation ----------------------------------------------------------------------------


def _checks() -> tuple[Callable[[RuleContext], list[Finding]], ...]:
    checks = tuple(rule.fn for rule in RULESET)
    assert all(check is not None for check in checks), "a rule has no check"
    return checks  # type: ignore[return-value]


def _evaluate(
    ctx: RuleContext,
    memo: dict[int, bytes] | None,
    checks: tuple[Callable[[RuleContext], list[Finding]], ...],
) -> Evaluation:
    findings: list[Finding] = []
    extend = findings.extend
    for check in checks:
        extend(check(ctx))
    digest = hashlib.sha256(canonical_inputs(ctx, _agreement_json=memo)).hexdigest()
    return Evaluation(RULESET_VERSION, ctx.stage, ctx.now, tuple(findings), digest)


def evaluate(ctx: RuleContext) -> Evaluation:
    """Run every rule of the current rule set on one context."""
    return _evaluate(ctx, None, _checks())


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block (reference counting still frees).

    A screening builds hundreds of thousands of acyclic objects (contexts, payloads, findings,
    rows) and keeps them: the collector would walk every live one again and again for nothing
    (a fifth to a third of the time).

    Process-wide: only for a process's own entry point that screens a whole batch and nothing
    else meanwhile (the `rescreen` command, `ikaze bench screening`). Never in a service or a
    web request: another thread of the worker would run without the collector (issue 10
    item 2).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            # What the block built is kept by the caller: put it straight into the oldest
            # generation (freeze, then unfreeze), or the next young collection would walk
            # all of it at once, for nothing (a second or so after a whole screening).
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()


def evaluate_many(contexts: Iterable[RuleContext]) -> list[Evaluation]:
    """Run the rule set on many contexts (screening, re-evaluation after a new fact)."""
    return list(iter_evaluations(contexts))


def iter_evaluations(contexts: Iterable[RuleContext]) -> Iterator[Evaluation]:
    """`evaluate_many`, one evaluation at a time, for a caller that passes each on as it is
    made (the bulk screening writes it to the database meanwhile)."""
    memo: dict[int, bytes] = {}
    # Keep the agreements alive while their id() keys are in the memo.
    keep: list[AgreementSettings] = []
    checks = _checks()
    for ctx in contexts:
        if id(ctx.agreement) not in memo:
            keep.append(ctx.agreement)
        yield _evaluate(ctx, memo, checks)
