#!/usr/bin/env python3
"""Verify an Ikaze audit export (JSON lines) without Ikaze installed. Python 3.9+, stdlib only.

    python3 verify_audit_export.py ikaze-audit.jsonl

Each line is one event. Its hash is SHA-256 over the UTF-8 JSON of these fields, with sorted
keys, no spaces and non-ASCII characters kept as they are; `prev_hash` links each event to the one
before it, and the first event's `prev_hash` is 64 zeros. Exit 0 if the whole chain holds, 1 at
the first broken event (named on standard error).
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


def main(path):
    prev, expected_seq, count = "0" * 64, None, 0
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            event = json.loads(line)
            if expected_seq is None:
                expected_seq = event["seq"]
                prev = event["prev_hash"] if event["seq"] != 1 else "0" * 64
            payload = {k: event[k] for k in FIELDS}
            digest = hashlib.sha256(
                json.dumps(
                    payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode("utf-8")
            ).hexdigest()
            problem = None
            if event["seq"] != expected_seq:
                problem = f"sequence gap: expected #{expected_seq}"
            elif event["prev_hash"] != prev:
                problem = "previous-hash link broken"
            elif digest != event["hash"]:
                problem = "content does not match its hash"
            if problem:
                print(
                    f"broken at event #{event['seq']} ({event['id']}), line {lineno}: {problem}",
                    file=sys.stderr,
                )
                return 1
            prev, expected_seq, count = event["hash"], expected_seq + 1, count + 1
    print(f"ok: {count} events, head {prev}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
