"""Background jobs of reports (run by `ikaze worker`): the monthly report, and the month
counts the dashboards read for whole months, refreshed every `REFRESH_EVERY` (each run
schedules the next, ADR 0008)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from ikaze.core.on_commit import task_schedule_once

REFRESH_EVERY = dt.timedelta(hours=1)


@task()
def monthly_report_task(report_id: str) -> dict[str, object]:
    from ikaze.reports.services import monthly_report_make

    report = monthly_report_make(report_id=report_id)
    return {"status": report.status, "size_bytes": report.size_bytes}


@task()
def counts_refresh_task() -> dict[str, object]:
    from ikaze.reports.services import counts_refresh

    try:
        refresh = counts_refresh()
        return {"rows": refresh.rows, "seconds": round(refresh.seconds, 2)}
    finally:
        counts_refresh_schedule(delay=REFRESH_EVERY)


def counts_refresh_schedule(*, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Enqueue a refresh `delay` from now unless one is already waiting."""
    return task_schedule_once(counts_refresh_task, delay=delay)
