"""Writing to the audit chain. Called by every other app's services, inside their transaction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction

from ikaze.audit.chain import event_hash, format_at, jsonable
from ikaze.audit.models import GENESIS_HASH, AuditEvent
from ikaze.core import clock

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


def _build(spec: EventSpec, actor: AuditActor | None, seq: int, prev: str) -> AuditEvent:
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
        "before": jsonable(spec.before),
        "after": jsonable(spec.after),
        "reason": spec.reason,
        "prev_hash": prev,
    }
    digest = event_hash(record)
    fields = {k: v for k, v in record.items() if k not in ("at", "id")}
    return AuditEvent(
        id=uuid.UUID(record["id"]),
        at=dt.datetime.fromisoformat(record["at"]),
        hash=digest,
        **fields,
    )


# No savepoint inside the caller's transaction (two statements fewer per event): a failed
# append aborts the whole change it records, which is what must happen anyway.
@transaction.atomic(savepoint=False)
def audit_record_many(*, actor: AuditActor | None, specs: Sequence[EventSpec]) -> list[AuditEvent]:
    """Append a batch of events to the chain in one insert (intake, bulk jobs)."""
    if not specs:
        return []
    seq, prev = _lock_chain_head()
    events: list[AuditEvent] = []
    for spec in specs:
        seq += 1
        event = _build(spec, actor, seq, prev)
        prev = event.hash
        events.append(event)
    if len(events) < _DRIVER_INSERT_FROM:
        AuditEvent.objects.bulk_create(events)
    else:
        _driver_insert(events)
    return events


# A batch this large goes to the driver directly (intake: tens of thousands of events).
_DRIVER_INSERT_FROM = 100
_JSON_FIELDS = frozenset({"before", "after"})


def _driver_insert(events: Sequence[AuditEvent]) -> None:
    """INSERT the events through the driver: COPY on PostgreSQL, one executemany on SQLite.

    The values are the very ones hashed (_build), converted as Django's fields would store
    them (JSON text, UUID hex and naive-UTC text on SQLite), without bulk_create's
    per-value field conversion and SQL building (35,000 events: see the commit).
    """
    fields = list(AuditEvent._meta.concrete_fields)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    pg = connection.vendor == "postgresql"
    adapt_at = connection.ops.adapt_datetimefield_value

    def value(name: str, v: Any) -> Any:
        if v is None:
            return None
        if name in _JSON_FIELDS:
            return json.dumps(v)
        if pg:
            return v
        if name == "id":
            return v.hex
        if name == "at":
            return adapt_at(v)
        return v

    rows = [tuple(value(n, getattr(e, n)) for n in names) for e in events]
    with connection.cursor() as cur:
        if pg:
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(fields))
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )


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
