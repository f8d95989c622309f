"""`ikaze expire-acceptances`: expire the acceptances past their validity now; print a JSON
summary.

SAFEGUARDS A5 and A6: each acceptance whose `acceptance_valid_days` have passed becomes
expired, its place under the cap goes back, its open alerts close and its household is
evaluated again; a place still held by an acceptance that ended earlier goes back too. The
worker runs the same every hour (`ikaze.vetting.tasks`); running it again changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Expire the acceptances past their validity and give their places back under the "
        "cap; print a JSON summary."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.vetting.services import SYSTEM_EXPIRY, acceptances_expire

        summary = acceptances_expire(actor=SYSTEM_EXPIRY)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
