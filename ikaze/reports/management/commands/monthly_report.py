"""`ikaze monthly_report [--month YYYY-MM] [--language fr]`: make the monthly report now.

The same job the page's button queues (ikaze.reports.tasks), run at once: the report is kept
and listed on /reports/monthly/. Without --month, the last month that has ended. Prints a
JSON summary.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make and keep the monthly report (figures, charts, incidents, overrides) now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM (default: last month)")
        parser.add_argument("--language", default="en", help="en, fr, es or rw")

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.core import clock
        from ikaze.core.errors import IkazeError
        from ikaze.reports.services import (
            REPORT_JOB,
            monthly_report_make,
            monthly_report_request,
        )

        text = opts["month"]
        if text:
            try:
                month = dt.date.fromisoformat(f"{text}-01")
            except ValueError as exc:
                raise CommandError(f"--month: {text!r} is not YYYY-MM") from exc
        else:
            month = (clock.today_local().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        try:
            report = monthly_report_request(
                actor=REPORT_JOB, month=month, language=opts["language"], run_now=True
            )
        except IkazeError as exc:
            raise CommandError(exc.message) from exc
        report = monthly_report_make(report_id=report.pk)
        self.stdout.write(
            json.dumps(
                {
                    "id": str(report.pk),
                    "month": f"{report.month:%Y-%m}",
                    "language": report.language,
                    "status": report.status,
                    "size_bytes": report.size_bytes,
                    "failure": report.failure,
                }
            )
        )
        if report.status != "done":
            raise CommandError(f"the report failed: {report.failure}")
