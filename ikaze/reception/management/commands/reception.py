"""`ikaze reception check-late`: raise an incident for each arrived person not checked in
within 24 hours (SAFEGUARDS B1); print a JSON summary.

The worker runs the same every 15 minutes (`ikaze.reception.tasks`); running it again opens
nothing new.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Reception jobs. check-late: raise the late check-ins (over 24 h) as incidents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["check-late"])

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.movements.services import SYSTEM_LATE_CHECK_IN, late_check_ins_raise

        summary = late_check_ins_raise(actor=SYSTEM_LATE_CHECK_IN)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
