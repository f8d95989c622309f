"""Reading and verifying the chain. Pure reads: callers check who may call them.

Personal values are sealed in the chain (ADR 0007): readers pass the levels their permissions
open (`levels`, see ikaze.audit.permissions) and get those values put back; the rest stay
`{"$sealed": ...}`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ikaze.audit import signing
from ikaze.audit.chain import (
    CHAINED_FIELDS,
    SEALED,
    checkpoint_message,
    commitment,
    event_hash,
    format_at,
)
from ikaze.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent, AuditSealedValue
from ikaze.audit.personal import Openings, at_path, reveal

NO_LEVELS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    first_bad_id: str | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH
    checkpoint_seq: int | None = None  # the latest signed checkpoint the chain matches
    checkpoints: int = 0  # how many signed checkpoints were checked

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_seq": self.first_bad_seq,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "head_hash": self.head_hash,
            "checkpoint_seq": self.checkpoint_seq,
            "checkpoints": self.checkpoints,
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
        "version": event.version,
    }


# --- checkpoints -----------------------------------------------------------------------------


def trusted_public_keys() -> dict[str, str]:
    """key id → public key (hex) of the keys a checkpoint may be signed with: the current one
    and any older ones listed in IKAZE_AUDIT_TRUSTED_KEYS (after a rotation)."""
    keys = [signing.public_key_hex()]
    keys += [k.strip() for k in os.environ.get("IKAZE_AUDIT_TRUSTED_KEYS", "").split(",") if k]
    return {signing.key_id_of(bytes.fromhex(k)): k for k in keys}


def checkpoint_record(cp: AuditCheckpoint) -> dict[str, Any]:
    """A checkpoint as it is handed out (a file the monitor keeps, an export's last line)."""
    return {
        "type": "checkpoint",
        "seq": cp.seq,
        "head_hash": cp.head_hash,
        "count": cp.count,
        "at": format_at(cp.at),
        "key_id": cp.key_id,
        "public_key": trusted_public_keys().get(cp.key_id, ""),
        "signature": cp.signature,
    }


def audit_checkpoint_list() -> QuerySet[AuditCheckpoint]:
    """Signed checkpoints, newest first."""
    return AuditCheckpoint.objects.order_by("-seq", "-at")


def _checkpoint_problem(cp: dict[str, Any], keys: dict[str, str]) -> str:
    public = keys.get(str(cp.get("key_id", "")))
    if public is None:
        return f"checkpoint #{cp.get('seq')} is signed by an unknown key ({cp.get('key_id')})"
    try:
        message = checkpoint_message(
            seq=int(cp["seq"]),
            head_hash=str(cp["head_hash"]),
            count=int(cp["count"]),
            at=str(cp["at"]),
            key_id=str(cp["key_id"]),
        )
    except (KeyError, TypeError, ValueError):
        return "a checkpoint is incomplete"
    if not signing.verify(public, message, str(cp.get("signature", ""))):
        return f"checkpoint #{cp['seq']} ({cp['at']}) has no valid signature (forged or edited)"
    return ""


# --- verify ----------------------------------------------------------------------------------


def _sealed_problem(event: AuditEvent, openings: Openings) -> str:
    for path, opening in openings.items():
        where, *keys = path.split(".")
        node = at_path(event.before if where == "before" else event.after, keys)
        expected = node.get(SEALED) if isinstance(node, dict) else None
        if expected != commitment(str(opening.get("salt", "")), opening.get("value")):
            return f"the sealed value {path} does not match its commitment (the value store was edited)"
    return ""


def audit_verify(
    *, chunk_size: int = 5000, checkpoints: Sequence[dict[str, Any]] = ()
) -> VerifyResult:
    """Walk the whole chain in order; stop at the first event whose link, hash or sealed
    values are wrong; then check the chain against every signed checkpoint (those stored and
    `checkpoints`, e.g. a file the monitor kept): a cut tail or a rewrite with recomputed
    hashes does not match what was signed."""
    given = [*(checkpoint_record(cp) for cp in audit_checkpoint_list()), *checkpoints]
    wanted = {int(cp["seq"]) for cp in given if str(cp.get("seq", "")).isdigit()}
    hashes: dict[int, str] = {}
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    sealed = AuditSealedValue.objects.values_list("event_id", "openings")
    openings_of = {str(event_id): openings for event_id, openings in sealed.iterator()}
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        record = event_record(event)
        problem = ""
        if event.seq != expected_seq:
            problem = f"sequence gap: expected #{expected_seq}, found #{event.seq}"
        elif event.prev_hash != expected_prev:
            problem = "previous-hash link broken (an event was removed or reordered)"
        elif event_hash(record) != event.hash:
            problem = "content does not match its hash (the event was edited)"
        elif str(event.id) in openings_of:
            problem = _sealed_problem(event, openings_of[str(event.id)])
        if problem:
            return VerifyResult(False, count, event.seq, str(event.id), problem, expected_prev)
        if event.seq in wanted:
            hashes[event.seq] = event.hash
        expected_prev = event.hash
        expected_seq += 1
        count += 1
    return _against_checkpoints(given, hashes, count, expected_prev)


def _against_checkpoints(
    given: list[dict[str, Any]], hashes: dict[int, str], count: int, head: str
) -> VerifyResult:
    keys = trusted_public_keys()
    matched: int | None = None
    for cp in sorted(given, key=lambda c: int(c.get("seq", 0))):
        problem = _checkpoint_problem(cp, keys)
        seq = int(cp.get("seq", 0))
        if not problem and seq > count:
            problem = (
                f"the chain ends at #{count} but the checkpoint signed at {cp['at']} covers "
                f"#{seq}: events were removed from the tail"
            )
        elif not problem and hashes.get(seq) != cp["head_hash"]:
            after = f" after #{matched}" if matched else ""
            problem = (
                f"event #{seq} does not match the checkpoint signed at {cp['at']}: the chain "
                f"was rewritten at or before #{seq}{after}"
            )
        if problem:
            return VerifyResult(
                False, count, seq, None, problem, head, matched, checkpoints=len(given)
            )
        matched = seq if matched is None else max(matched, seq)
    return VerifyResult(True, count, head_hash=head, checkpoint_seq=matched, checkpoints=len(given))


# --- lists and export ------------------------------------------------------------------------


def audit_event_list(
    *,
    action: str = "",
    kind: str = "",
    target_type: str = "",
    target_id: str = "",
    actor: str = "",
    actor_ids: Sequence[str] | None = None,
    target_ids: Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    zone: Any = None,
) -> QuerySet[AuditEvent]:
    """Events newest first, filtered. `actor` matches the label the chain recorded, or any of
    `actor_ids` (people found by their full name); `target_ids` keeps events about these
    targets; `since`/`until` are whole days (inclusive) in `zone` (UTC when None)."""
    qs = AuditEvent.objects.order_by("-seq")
    if since is not None:
        qs = qs.filter(at__gte=_day_start(since, zone))
    if until is not None:
        qs = qs.filter(at__lt=_day_start(until + dt.timedelta(days=1), zone))
    if target_ids is not None:
        qs = qs.filter(target_id__in=list(target_ids))
    if action:
        qs = qs.filter(action__startswith=action)
    if kind:
        qs = qs.filter(kind=kind)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if actor:
        qs = qs.filter(Q(actor_label__icontains=actor) | Q(actor_id__in=list(actor_ids or [])))
    return qs


def _day_start(day: dt.date, zone: Any) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone or dt.UTC)


def audit_security_events(
    *,
    actions: Sequence[str],
    target_type: str = "",
    target_id: str = "",
    reason: str = "",
    since: Any = None,
    after: Any = None,
) -> QuerySet[AuditEvent]:
    """Security events with these actions (sign-in failures, lock-outs), newest first: what
    accounts counts and shows, read here so that no app reads the audit tables directly."""
    qs = AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY, action__in=list(actions))
    if target_type:
        qs = qs.filter(target_type=target_type, target_id=target_id)
    if reason:
        qs = qs.filter(reason=reason)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if after is not None:
        qs = qs.filter(at__gt=after)
    return qs.order_by("-seq")


def audit_target_changes(*, target_type: str, target_id: str) -> list[AuditEvent]:
    """One target's recorded changes (reads left out), oldest first: an object's history."""
    return list(
        AuditEvent.objects.filter(target_type=target_type, target_id=target_id)
        .exclude(kind=AuditEvent.Kind.READ)
        .order_by("seq")
    )


def _openings_for(events: Iterable[AuditEvent]) -> dict[Any, Openings]:
    ids = [e.pk for e in events]
    return dict(
        AuditSealedValue.objects.filter(event_id__in=ids).values_list("event_id", "openings")
    )


def events_revealed(
    *, events: Sequence[AuditEvent], levels: frozenset[str]
) -> list[dict[str, Any]]:
    """The events as a reader with these levels sees them: each one's record and hash, with
    the personal values it may read put back into before/after (one query for the page)."""
    openings = _openings_for(events) if levels else {}
    out = []
    for e in events:
        record = {**event_record(e), "hash": e.hash, "at_time": e.at, "event": e}
        opened = openings.get(e.pk, {})
        if opened:
            record["before"] = reveal(e.before, "before", opened, levels)
            record["after"] = reveal(e.after, "after", opened, levels)
        out.append(record)
    return out


def audit_export_lines(
    *, levels: frozenset[str] = NO_LEVELS, since_seq: int = 0, upto_seq: int | None = None
) -> Iterator[str]:
    """Yield the chain as JSON lines (each event's chained fields plus its hash).

    Sealed values stay sealed; an event whose values the reader may read also carries them
    with their salts under `openings` (outside the hashed fields), which the verifier checks
    against the commitments. Then the signed checkpoints up to the exported head, the last
    being the one the export was made with.
    """
    qs = AuditEvent.objects.filter(seq__gt=since_seq).order_by("seq")
    if upto_seq is not None:
        qs = qs.filter(seq__lte=upto_seq)
    sealed = AuditSealedValue.objects.filter(event__seq__gt=since_seq)
    if upto_seq is not None:
        sealed = sealed.filter(event__seq__lte=upto_seq)
    openings_of = dict(sealed.values_list("event_id", "openings")) if levels else {}
    for event in qs.iterator(chunk_size=5000):
        record = event_record(event)
        record["hash"] = event.hash
        opened = {
            path: {"salt": o["salt"], "value": o["value"]}
            for path, o in openings_of.get(event.pk, {}).items()
            if o["level"] in levels
        }
        if opened:
            record["openings"] = opened
        yield json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    cps = AuditCheckpoint.objects.order_by("seq", "at")
    if upto_seq is not None:
        cps = cps.filter(seq__lte=upto_seq)
    for cp in cps:
        yield json.dumps(checkpoint_record(cp), sort_keys=True) + "\n"


__all__ = [
    "CHAINED_FIELDS",
    "VerifyResult",
    "audit_checkpoint_list",
    "audit_event_list",
    "audit_export_lines",
    "audit_verify",
    "checkpoint_record",
    "events_revealed",
]
