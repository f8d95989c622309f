"""`ikaze support_send BATCH_ID`: run the sender of a batch being sent, in this process (what
the background job does; also how an operator resumes a batch whose sender was killed)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ikaze.support.sender import batch_send_run


class Command(BaseCommand):
    help = "Send what is left of a payment batch being sent (exactly once per payment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id")
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--chunk", type=int, default=256)

    def handle(self, *args: Any, **options: Any) -> None:
        result = batch_send_run(
            batch_id=options["batch_id"], workers=options["workers"], chunk=options["chunk"]
        )
        self.stdout.write(
            json.dumps({"claimed": result.claimed, "done": result.done, "counts": result.counts})
        )
