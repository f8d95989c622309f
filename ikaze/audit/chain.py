"""The canonical encoding and hash of an audit event.

Kept free of Django so that the standalone verifier in docs/ can mirror it exactly: an event's
hash is SHA-256 over the UTF-8 JSON of its fields (sorted keys, no spaces, non-ASCII kept),
including the previous event's hash.

Version 2 (issue 9 item 12, ADR 0007) adds `version` to the hashed fields and seals personal
values: the chained payload holds `{"$sealed": sha256(salt + value)}` in their place, and the
value with its salt (the opening) is kept beside the chain (`AuditSealedValue`), readable only
with the matching permission. Version 1 events (written before) hash as they always did.
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
CHAIN_VERSION = 2
SEALED = "$sealed"


def format_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(record: dict[str, Any]) -> bytes:
    payload = {k: record[k] for k in CHAINED_FIELDS}
    version = record.get("version", 1)
    if version != 1:
        payload["version"] = version
    return _dumps(payload).encode()


def event_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def commitment(salt: str, value: Any) -> str:
    """The digest a sealed value is chained as: SHA-256 over the salt's bytes, then the value's
    canonical JSON. The random salt (16 bytes) is what keeps a date of birth or a nationality
    from being found by hashing every possible value."""
    return hashlib.sha256(bytes.fromhex(salt) + _dumps(value).encode()).hexdigest()


def jsonable(value: Any) -> Any:
    """Normalise a before/after value to what JSON stores, so stored == hashed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


CHECKPOINT_TYPE = "ikaze-audit-checkpoint"


def checkpoint_message(*, seq: int, head_hash: str, count: int, at: str, key_id: str) -> bytes:
    """The bytes a checkpoint's Ed25519 signature covers (the verifier in docs/ mirrors it)."""
    return _dumps(
        {
            "type": CHECKPOINT_TYPE,
            "seq": seq,
            "head_hash": head_hash,
            "count": count,
            "at": at,
            "key_id": key_id,
        }
    ).encode()
