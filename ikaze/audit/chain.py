"""The canonical encoding and hash of an audit event.

Kept free of Django so that the standalone verifier in docs/ can mirror it exactly: an event's
hash is SHA-256 over the UTF-8 JSON of its fields (sorted keys, no spaces, non-ASCII kept),
including the previous event's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

CHAINED_FIELDS = (
    "seq",
    "id",
    "at",
    "kind",
    "action",
    "actor_id",
    "actor_label",
    "actor_role",
    "token_id",
    "organisation_id",
    "target_type",
    "target_id",
    "before",
    "after",
    "reason",
    "prev_hash",
)


def format_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(record: dict[str, Any]) -> bytes:
    payload = {k: record[k] for k in CHAINED_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def jsonable(value: Any) -> Any:
    """Normalise a before/after value to what JSON stores, so stored == hashed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))
