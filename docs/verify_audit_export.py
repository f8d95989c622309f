#!/usr/bin/env python3
"""Verify an Ikaze audit export (JSON lines) without Ikaze installed. Python 3.9+, stdlib only.

    python3 verify_audit_export.py ikaze-audit.jsonl [--public-key HEX] [--checkpoint FILE]...

Each event line's hash is SHA-256 over the UTF-8 JSON of the fields below, with sorted keys,
no spaces and non-ASCII characters kept as they are (events of version 2 and later also hash
their `version`); `prev_hash` links each event to the one before it, and the first event's
`prev_hash` is 64 zeros.

Personal values are sealed: the event holds {"$sealed": SHA-256(salt bytes + value's JSON)}
in their place. An export made for a reader allowed to see them carries them, with their
salts, under `openings`; each is checked against its commitment.

The export ends with signed checkpoints (`"type": "checkpoint"`): the sequence, head hash and
count of the chain at a moment, signed with Ikaze's Ed25519 key (checked here with the RFC 8032
verification below, no library needed). The chain must reach each checkpoint's event with the
signed hash, so a copy whose tail was cut, or rewritten with recomputed hashes, fails. Compare
the key with the one Ikaze publishes (`ikaze audit public-key`, GET /api/v1/audit/public-key),
or pass it with --public-key; --checkpoint adds checkpoints kept separately (by the monitor).

Exit 0 if the whole chain holds, 1 naming what is wrong (on standard error), 2 on bad usage.
"""

import hashlib
import json
import sys

FIELDS = (
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
GENESIS = "0" * 64


def _dumps(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- Ed25519 verification (RFC 8032, section 6) ------------------------------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


def ed25519_verify(public, message, signature):
    """True if `signature` (64 bytes) is `public`'s (32 bytes) signature of `message`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# --- the chain ---------------------------------------------------------------------------


def event_hash(event):
    payload = {k: event[k] for k in FIELDS}
    if event.get("version", 1) != 1:
        payload["version"] = event["version"]
    return hashlib.sha256(_dumps(payload).encode("utf-8")).hexdigest()


def opening_problem(event):
    for path, opening in (event.get("openings") or {}).items():
        where, *keys = path.split(".")
        node = event.get(where)
        for key in keys:  # dict keys, and list items by index
            if isinstance(node, dict):
                node = node.get(key)
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                node = None
        sealed = node.get("$sealed") if isinstance(node, dict) else None
        digest = hashlib.sha256(
            bytes.fromhex(opening["salt"]) + _dumps(opening["value"]).encode("utf-8")
        ).hexdigest()
        if sealed != digest:
            return f"the personal value {path} does not match its commitment"
    return None


def checkpoint_problem(cp, public_key):
    key = bytes.fromhex(public_key or cp.get("public_key", ""))
    if hashlib.sha256(key).hexdigest()[:16] != cp.get("key_id"):
        return f"checkpoint #{cp.get('seq')} is signed by another key ({cp.get('key_id')})"
    message = _dumps(
        {
            "type": "ikaze-audit-checkpoint",
            "seq": cp["seq"],
            "head_hash": cp["head_hash"],
            "count": cp["count"],
            "at": cp["at"],
            "key_id": cp["key_id"],
        }
    ).encode("utf-8")
    if not ed25519_verify(key, message, bytes.fromhex(cp.get("signature", ""))):
        return f"checkpoint #{cp['seq']} ({cp['at']}) has no valid signature (forged or edited)"
    return None


def _read_checkpoints(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except ValueError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [i for i in items if isinstance(i, dict) and i.get("type") == "checkpoint"]


def main(path, public_key=None, checkpoint_files=()):
    prev, expected_seq, count, first = GENESIS, None, 0, None
    hashes, checkpoints = {}, []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            event = json.loads(line)
            if event.get("type") == "checkpoint":
                checkpoints.append(event)
                continue
            if expected_seq is None:
                expected_seq = first = event["seq"]
                prev = event["prev_hash"] if event["seq"] != 1 else GENESIS
            problem = None
            if event["seq"] != expected_seq:
                problem = f"sequence gap: expected #{expected_seq}"
            elif event["prev_hash"] != prev:
                problem = "previous-hash link broken"
            elif event_hash(event) != event["hash"]:
                problem = "content does not match its hash"
            else:
                problem = opening_problem(event)
            if problem:
                print(
                    f"broken at event #{event['seq']} ({event['id']}), line {lineno}: {problem}",
                    file=sys.stderr,
                )
                return 1
            hashes[event["seq"]] = event["hash"]
            prev, expected_seq, count = event["hash"], expected_seq + 1, count + 1
    for extra in checkpoint_files:
        checkpoints.extend(_read_checkpoints(extra))
    if not checkpoints:
        print(
            "no signed checkpoint: a cut tail or a rewrite with recomputed hashes cannot be seen",
            file=sys.stderr,
        )
        return 1
    last = (first or 1) + count - 1
    for cp in sorted(checkpoints, key=lambda c: c["seq"]):
        problem = checkpoint_problem(cp, public_key)
        if not problem and cp["seq"] > last:
            problem = (
                f"the export ends at #{last} but the checkpoint signed at {cp['at']} covers "
                f"#{cp['seq']}: events were removed from the tail"
            )
        elif (
            not problem
            and first is not None
            and cp["seq"] >= first
            and hashes.get(cp["seq"]) != cp["head_hash"]
        ):
            problem = (
                f"event #{cp['seq']} does not match the checkpoint signed at {cp['at']}: "
                "the chain was rewritten at or before it"
            )
        if problem:
            print(f"broken: {problem}", file=sys.stderr)
            return 1
    key_id = checkpoints[-1]["key_id"]
    trust = "" if public_key else " (compare the key id with the one Ikaze publishes)"
    print(
        f"ok: {count} events, head {prev}; {len(checkpoints)} checkpoints signed by {key_id}{trust}"
    )
    return 0


def _args(argv):
    path, public_key, files = None, None, []
    it = iter(argv)
    for arg in it:
        if arg == "--public-key":
            public_key = next(it, None)
        elif arg == "--checkpoint":
            files.append(next(it, None))
        elif path is None and not arg.startswith("-"):
            path = arg
        else:
            return None
    if path is None or public_key == "" or None in files:
        return None
    return path, public_key, files


if __name__ == "__main__":
    parsed = _args(sys.argv[1:])
    if parsed is None:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*parsed))
