"""Writing to the audit chain. Called by every other app's services, inside their transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction

from ikaze.audit import signing
from ikaze.audit.chain import CHAIN_VERSION, checkpoint_message, event_hash, format_at, jsonable
from ikaze.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditSealedValue
from ikaze.audit.personal import seal, sealed_keys
from ikaze.core import clock
from ikaze.core.bulk import insert_rows, new_uuids

EventKind = AuditEvent.Kind  # the kinds of event, for callers of audit_record

# The read events recorded while a guard watches (run_read_logged): one list per request.
_READS_SEEN: ContextVar[list[AuditEvent] | None] = ContextVar("audit_reads_seen", default=None)


@contextmanager
def reads_watched() -> Iterator[list[AuditEvent]]:
    """Collect the read events recorded inside the block (the guard then knows whether the
    view logged its read itself)."""
    token = _READS_SEEN.set([])
    try:
        seen = _READS_SEEN.get()
        assert seen is not None
        yield seen
    finally:
        _READS_SEEN.reset(token)


log = logging.getLogger("ikaze.audit")

# Any constant works; it only has to be the same for every writer (PostgreSQL advisory lock).
_CHAIN_LOCK_KEY = 0x1CA2E
TARGET_ID_MAX = 255


class AuditActor(Protocol):
    @property
    def audit_actor_id(self) -> str | None: ...
    @property
    def audit_label(self) -> str: ...
    @property
    def audit_org_id(self) -> str | None: ...
    @property
    def audit_role(self) -> str: ...
    @property
    def audit_token_id(self) -> str | None: ...


@dataclass(frozen=True)
class EventSpec:
    """What a service wants recorded; `audit_record_many` chains a batch of them at once."""

    action: str
    kind: str = AuditEvent.Kind.CHANGE
    target_type: str = ""
    target_id: str = ""
    before: Any = None
    after: Any = None
    reason: str = ""


def _lock_chain_head() -> tuple[int, str]:
    """Serialise writers and return (last seq, last hash).

    PostgreSQL: a transaction-scoped advisory lock, so concurrent writers queue instead of
    forking the chain. SQLite: transactions begin IMMEDIATE (settings), so the write lock is
    already held. The unique constraints on seq and prev_hash are the last line of defence.
    """
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        # Plain SQL: every API token use appends an event, and building this through the ORM
        # cost more than running it (issue 2). A separate statement from the lock, so its
        # snapshot is taken once the lock is held (READ COMMITTED) and sees the last writer.
        cur.execute(_HEAD_SQL)
        last = cur.fetchone()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)


_HEAD_SQL = "SELECT {seq}, {hash} FROM {table} ORDER BY {seq} DESC LIMIT 1".format(  # noqa: S608
    seq=AuditEvent._meta.get_field("seq").column,
    hash=AuditEvent._meta.get_field("hash").column,
    table=AuditEvent._meta.db_table,
)


def _build(
    spec: EventSpec, actor: AuditActor | None, seq: int, prev: str
) -> tuple[AuditEvent, dict[str, Any]]:
    before, after, openings = seal(spec.action, jsonable(spec.before), jsonable(spec.after))
    record: dict[str, Any] = {
        "seq": seq,
        "id": str(uuid.uuid4()),
        "at": format_at(clock.now()),
        "kind": str(spec.kind),
        "action": spec.action,
        "actor_id": (actor.audit_actor_id or "") if actor else "",
        "actor_label": actor.audit_label if actor else "system",
        "actor_role": actor.audit_role if actor else "",
        "token_id": (actor.audit_token_id or "") if actor else "",
        "organisation_id": (actor.audit_org_id or "") if actor else "",
        "target_type": spec.target_type,
        # Identifiers are short; a caller passing something long (a path) must not turn a
        # refusal into a server error, so clamp before hashing (stored == hashed).
        "target_id": str(spec.target_id)[:TARGET_ID_MAX],
        "before": before,
        "after": after,
        "reason": spec.reason,
        "prev_hash": prev,
        "version": CHAIN_VERSION,
    }
    digest = event_hash(record)
    fields = {k: v for k, v in record.items() if k not in ("at", "id")}
    event = AuditEvent(
        id=uuid.UUID(record["id"]),
        at=dt.datetime.fromisoformat(record["at"]),
        hash=digest,
        **fields,
    )
    return event, openings


# No savepoint inside the caller's transaction (two statements fewer per event): a failed
# append aborts the whole change it records, which is what must happen anyway.
@transaction.atomic(savepoint=False)
def audit_record_many(*, actor: AuditActor | None, specs: Sequence[EventSpec]) -> list[AuditEvent]:
    """Append a batch of events to the chain in one insert (intake, bulk jobs)."""
    if not specs:
        return []
    first, prev = _lock_chain_head()
    if len(specs) >= _DRIVER_INSERT_FROM:
        events = _append_large(actor, specs, first, prev)
    else:
        events = []
        sealed: list[AuditSealedValue] = []
        seq = first
        for spec in specs:
            seq += 1
            event, openings = _build(spec, actor, seq, prev)
            prev = event.hash
            events.append(event)
            if openings:
                sealed.append(AuditSealedValue(event=event, openings=openings))
        AuditEvent.objects.bulk_create(events)
        if sealed:
            AuditSealedValue.objects.bulk_create(sealed)
    seen = _READS_SEEN.get()
    if seen is not None:
        seen.extend(e for e in events if e.kind == AuditEvent.Kind.READ)
    last = events[-1].seq
    every = int(getattr(settings, "IKAZE_AUDIT_CHECKPOINT_EVERY", 1000) or 0)
    if every and last // every > first // every:
        # A signed checkpoint every N events, made by whoever appends the Nth (no scheduler
        # needed); `ikaze audit checkpoint` and every export make one too (ADR 0007).
        try:
            _checkpoint(seq=last, head_hash=events[-1].hash)
        except signing.SigningKeyMissing:
            # Production without its key (ikaze.E003/E004 say so at deploy): the change this
            # event records must not fail for it; the command and exports refuse loudly.
            log.error("audit checkpoint at #%s not signed: no signing key", last)
    return events


def _checkpoint(*, seq: int, head_hash: str) -> AuditCheckpoint:
    at = clock.now()
    key = signing.key_id()
    count = AuditEvent.objects.count()
    message = checkpoint_message(
        seq=seq, head_hash=head_hash, count=count, at=format_at(at), key_id=key
    )
    return AuditCheckpoint.objects.create(
        seq=seq,
        head_hash=head_hash,
        count=count,
        at=dt.datetime.fromisoformat(format_at(at)),
        key_id=key,
        signature=signing.sign(message),
    )


@transaction.atomic
def audit_checkpoint_make() -> AuditCheckpoint | None:
    """Sign the chain's head now (the schedule, exports); None while the chain is empty."""
    seq, head = _lock_chain_head()
    if seq == 0:
        return None
    return _checkpoint(seq=seq, head_hash=head)


# A batch this large goes to the driver directly (intake: tens of thousands of events).
_DRIVER_INSERT_FROM = 100
_SEPARATORS = (",", ":")


def _canonical_value(value: Any) -> str:
    # One field's text in the canonical encoding (chain.canonical) of a whole record.
    return json.dumps(value, sort_keys=True, separators=_SEPARATORS, ensure_ascii=False)


def _append_large(
    actor: AuditActor | None, specs: Sequence[EventSpec], seq: int, prev: str
) -> list[AuditEvent]:
    """The batch path: the same events, hashes and stored values as `_build`, made faster.

    One time for the whole batch (one transaction), the actor's fields encoded once, and each
    event's canonical JSON assembled from its fields' encodings in sorted-key order, which is
    exactly what `chain.canonical` produces (json.dumps of a dict with sorted keys is the
    concatenation of its items' encodings); before/after are stored as that same text, so the
    stored values are the hashed ones. Rows go to the driver (ikaze.core.bulk).
    """
    at = clock.now()
    at_text = format_at(at)
    stored_at = dt.datetime.fromisoformat(at_text)
    actor_id = (actor.audit_actor_id or "") if actor else ""
    actor_label = actor.audit_label if actor else "system"
    actor_role = actor.audit_role if actor else ""
    token_id = (actor.audit_token_id or "") if actor else ""
    org_id = (actor.audit_org_id or "") if actor else ""
    enc = _canonical_value
    actor_part = (
        f'"actor_id":{enc(actor_id)},"actor_label":{enc(actor_label)},'
        f'"actor_role":{enc(actor_role)},'
    )
    at_part = f'"at":{enc(at_text)},'
    org_part = f'"organisation_id":{enc(org_id)},'
    tail_part = f'"token_id":{enc(token_id)},"version":{CHAIN_VERSION}}}'
    # A string's canonical text, as json.dumps(ensure_ascii=False) writes it (its C encoder).
    text_of = encode_basestring
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    sealed_rows: list[tuple[Any, ...]] = []
    events: list[AuditEvent] = []
    for spec, event_id in zip(specs, new_uuids(len(specs)), strict=True):
        seq += 1
        kind = str(spec.kind)
        target_id = str(spec.target_id)[:TARGET_ID_MAX]
        before = jsonable(spec.before)
        after = jsonable(spec.after)
        keys = sealed_keys(spec.action)
        if _has_keys(before, keys) or _has_keys(after, keys):
            before, after, openings = seal(spec.action, before, after)
            sealed_rows.append((event_id, _canonical_value(openings)))
        before_text = "null" if before is None else enc(before)
        after_text = "null" if after is None else enc(after)
        text = "".join(
            (
                f'{{"action":{text_of(spec.action)},',
                actor_part,
                f'"after":{after_text},',
                at_part,
                f'"before":{before_text},"id":"{event_id}","kind":{text_of(kind)},',
                org_part,
                f'"prev_hash":"{prev}","reason":{text_of(spec.reason)},"seq":{seq},',
                f'"target_id":{text_of(target_id)},"target_type":{text_of(spec.target_type)},',
                tail_part,
            )
        )
        digest = sha256(text.encode()).hexdigest()
        values = (
            seq,
            event_id,
            stored_at,
            kind,
            spec.action,
            actor_id,
            actor_label,
            actor_role,
            token_id,
            org_id,
            spec.target_type,
            target_id,
            before,
            after,
            spec.reason,
            prev,
            digest,
            CHAIN_VERSION,
        )
        events.append(AuditEvent.from_db(None, _COLUMNS, values))
        rows.append(
            (
                *values[:12],
                None if before is None else before_text,
                None if after is None else after_text,
                *values[14:],
            )
        )
        prev = digest
    insert_rows(AuditEvent, _COLUMNS, rows, json_text=True)
    if sealed_rows:
        insert_rows(AuditSealedValue, ("event_id", "openings"), sealed_rows, json_text=True)
    return events


def _has_keys(value: Any, keys: dict[str, Any]) -> bool:
    # Whether a payload holds a sealed key at any depth (most batch events hold none).
    if isinstance(value, list):
        return any(_has_keys(v, keys) for v in value)
    if not isinstance(value, dict):
        return False
    return any(k in keys or _has_keys(v, keys) for k, v in value.items())


_COLUMNS = tuple(f.attname for f in AuditEvent._meta.concrete_fields)


def audit_record(
    *,
    actor: AuditActor | None,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
    kind: str = AuditEvent.Kind.CHANGE,
) -> AuditEvent:
    """Append one event; call it inside the transaction of the change it records."""
    spec = EventSpec(
        action=action,
        kind=kind,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        reason=reason,
    )
    return audit_record_many(actor=actor, specs=[spec])[0]


@transaction.atomic
def audit_export_begin(*, actor: AuditActor | None, reason: str) -> int:
    """Record an export and sign the head it will end at; return that event's sequence.

    The export then carries the chain up to there and ends with this checkpoint, so a copy
    whose tail was cut no longer matches its own last line (ADR 0007)."""
    event = audit_record(
        actor=actor,
        action="audit.export",
        kind=AuditEvent.Kind.READ,
        target_type="audit_chain",
        reason=reason,
    )
    _checkpoint(seq=event.seq, head_hash=event.hash)
    return event.seq


def audit_read(
    *,
    actor: AuditActor,
    target_type: str,
    target_ids: Iterable[Any],
    fields: Sequence[str] = (),
    purpose: str = "",
) -> AuditEvent:
    """Record a read of sensitive data (SAFEGUARDS C1, D1)."""
    ids = [str(i) for i in target_ids]
    return audit_record(
        actor=actor,
        action=f"{target_type}.read",
        kind=AuditEvent.Kind.READ,
        target_type=target_type,
        target_id=ids[0] if len(ids) == 1 else f"{len(ids)} records",
        after={"ids": ids, "fields": list(fields)} if len(ids) > 1 or fields else None,
        reason=purpose,
    )


def audit_security(
    *,
    actor: AuditActor | None,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    reason: str = "",
) -> AuditEvent:
    """Record a refused attempt (denied permission, lock-out). It changes nothing else."""
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=action,
            kind=AuditEvent.Kind.SECURITY,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
        )
