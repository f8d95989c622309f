"""`ikaze audit verify [--checkpoint FILE]`, `ikaze audit checkpoint`, `ikaze audit public-key`
and `ikaze audit export FILE`.

verify exits 1 naming what is wrong: the first broken event, or the signed checkpoint the
chain no longer matches (a cut tail, a rewrite with recomputed hashes).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ikaze.audit import signing
from ikaze.audit.permissions import ALL_LEVELS
from ikaze.audit.selectors import audit_export_lines, audit_verify, checkpoint_record
from ikaze.audit.services import audit_checkpoint_make, audit_export_begin


def _read_checkpoints(path: str) -> list[dict[str, Any]]:
    """Checkpoints from a file the monitor kept: one JSON object, a list, or JSON lines (an
    export: its checkpoint lines are taken)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    found = [i for i in items if isinstance(i, dict) and i.get("type") == "checkpoint"]
    if not found:
        raise CommandError(f"{path} holds no checkpoint")
    return found


class Command(BaseCommand):
    help = "Verify, checkpoint or export the audit chain; print the checkpoint public key."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ver = sub.add_parser("verify", help="walk the chain; exit 1 naming what is wrong")
        ver.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="also check against the checkpoint(s) in FILE (kept by the monitor)",
        )
        sub.add_parser("checkpoint", help="sign the chain's head now (run it on a schedule)")
        sub.add_parser("public-key", help="print the key checkpoints are signed with")
        exp = sub.add_parser("export", help="write the chain as JSON lines")
        exp.add_argument("file", help="output file, or - for standard output")
        exp.add_argument("--reason", default="export from the command line")
        exp.add_argument(
            "--with-personal-values",
            action="store_true",
            help="include the sealed personal values (for the monitor or a court)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "verify":
            extra = [cp for path in opts["checkpoint"] for cp in _read_checkpoints(path)]
            result = audit_verify(checkpoints=extra)
            self.stdout.write(json.dumps(result.as_dict()))
            if not result.ok:
                where = f"event #{result.first_bad_seq}"
                if result.first_bad_id:
                    where += f" ({result.first_bad_id})"
                self.stderr.write(f"audit chain broken at {where}: {result.problem}")
                sys.exit(1)
            return
        if action == "checkpoint":
            cp = audit_checkpoint_make()
            self.stdout.write(json.dumps(checkpoint_record(cp) if cp else None))
            return
        if action == "public-key":
            self.stdout.write(
                json.dumps({"key_id": signing.key_id(), "public_key": signing.public_key_hex()})
            )
            return
        if action == "export":
            upto = audit_export_begin(actor=None, reason=opts["reason"])
            levels = ALL_LEVELS if opts["with_personal_values"] else frozenset()
            out = sys.stdout if opts["file"] == "-" else open(opts["file"], "w", encoding="utf-8")  # noqa: SIM115
            try:
                for line in audit_export_lines(levels=levels, upto_seq=upto):
                    out.write(line)
            finally:
                if out is not sys.stdout:
                    out.close()
            return
        raise CommandError("unknown action")
