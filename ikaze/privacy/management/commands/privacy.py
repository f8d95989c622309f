"""`ikaze privacy purge [--dry-run]`: the retention job (SAFEGUARDS D4), to run daily.

Destroys the sensitive data whose retention period is over (settings.IKAZE_RETENTION_DAYS),
skipping (and recording) people under a legal hold. Prints one JSON object with the counts.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from ikaze.accounts.access import Role
from ikaze.accounts.actor import command_line_actor
from ikaze.privacy import services


class Command(BaseCommand):
    help = "Run the retention job: destroy personal data whose period is over (not under hold)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="destroy what outlived its retention period")
        purge.add_argument("--dry-run", action="store_true", help="count only; change nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = command_line_actor(roles=frozenset({Role.ADMIN}), label="ikaze privacy purge")
        run = services.purge_due(actor=actor, dry_run=opts["dry_run"])
        self.stdout.write(
            json.dumps(
                {
                    "purged": run.purged,
                    "held": run.held,
                    "details_cleared": run.details_cleared,
                    "dry_run": run.dry_run,
                }
            )
        )
