"""`ikaze audit verify` (exit 1 naming the first bad event) and `ikaze audit export FILE`."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ikaze.audit.models import AuditEvent
from ikaze.audit.selectors import audit_export_lines, audit_verify
from ikaze.audit.services import audit_record


class Command(BaseCommand):
    help = "Verify or export the audit chain."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="walk the chain; exit 1 at the first broken event")
        exp = sub.add_parser("export", help="write the chain as JSON lines")
        exp.add_argument("file", help="output file, or - for standard output")
        exp.add_argument("--reason", default="export from the command line")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "verify":
            result = audit_verify()
            self.stdout.write(json.dumps(result.as_dict()))
            if not result.ok:
                self.stderr.write(
                    f"audit chain broken at event #{result.first_bad_seq} ({result.first_bad_id}): {result.problem}"
                )
                sys.exit(1)
            return
        if opts["action"] == "export":
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action="audit.export",
                    kind=AuditEvent.Kind.READ,
                    target_type="audit_chain",
                    reason=opts["reason"],
                )
            out = sys.stdout if opts["file"] == "-" else open(opts["file"], "w", encoding="utf-8")  # noqa: SIM115
            try:
                for line in audit_export_lines():
                    out.write(line)
            finally:
                if out is not sys.stdout:
                    out.close()
            return
        raise CommandError("unknown action")
