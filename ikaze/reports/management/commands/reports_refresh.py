"""`ikaze reports_refresh`: rewrite the pre-aggregated month counts the dashboards read
(ADR 0028) from the live tables; print a JSON summary. Run it regularly (the worker's
`counts_refresh_task` does the same): until the next run, a dashboard over whole months shows
the counts as of this run, and says so."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rewrite the dashboards' pre-aggregated month counts from the live tables."

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.reports.services import counts_refresh

        refresh = counts_refresh()
        self.stdout.write(
            json.dumps(
                {
                    "refreshed_at": refresh.refreshed_at.isoformat(),
                    "rows": refresh.rows,
                    "seconds": round(refresh.seconds, 2),
                }
            )
        )
