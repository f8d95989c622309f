"""Reading and verifying the chain. Pure reads: callers check who may call them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ikaze.audit.chain import CHAINED_FIELDS, event_hash, format_at
from ikaze.audit.models import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    first_bad_id: str | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_seq": self.first_bad_seq,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "head_hash": self.head_hash,
        }


def event_record(event: AuditEvent) -> dict[str, Any]:
    """The event as the dict that was hashed (and that the export writes, plus `hash`)."""
    return {
        "seq": event.seq,
        "id": str(event.id),
        "at": format_at(event.at),
        "kind": event.kind,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "token_id": event.token_id,
        "organisation_id": event.organisation_id,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }


def audit_verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in order; stop at the first event whose link or hash is wrong."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        record = event_record(event)
        problem = ""
        if event.seq != expected_seq:
            problem = f"sequence gap: expected #{expected_seq}, found #{event.seq}"
        elif event.prev_hash != expected_prev:
            problem = "previous-hash link broken (an event was removed or reordered)"
        elif event_hash(record) != event.hash:
            problem = "content does not match its hash (the event was edited)"
        if problem:
            return VerifyResult(False, count, event.seq, str(event.id), problem, expected_prev)
        expected_prev = event.hash
        expected_seq += 1
        count += 1
    return VerifyResult(True, count, head_hash=expected_prev)


def audit_event_list(
    *, action: str = "", kind: str = "", target_type: str = "", target_id: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    """Events newest first, filtered."""
    qs = AuditEvent.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if kind:
        qs = qs.filter(kind=kind)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    return qs


def audit_export_lines(*, since_seq: int = 0) -> Iterator[str]:
    """Yield the chain as JSON lines (each event's chained fields plus its hash)."""
    qs = AuditEvent.objects.filter(seq__gt=since_seq).order_by("seq")
    for event in qs.iterator(chunk_size=5000):
        record = event_record(event)
        record["hash"] = event.hash
        yield json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = [
    "CHAINED_FIELDS",
    "VerifyResult",
    "audit_event_list",
    "audit_export_lines",
    "audit_verify",
]
