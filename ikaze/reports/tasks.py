"""Background jobs of reports (run by `ikaze worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def monthly_report_task(report_id: str) -> dict[str, object]:
    from ikaze.reports.services import monthly_report_make

    report = monthly_report_make(report_id=report_id)
    return {"status": report.status, "size_bytes": report.size_bytes}


@task()
def counts_refresh_task() -> dict[str, object]:
    from ikaze.reports.services import counts_refresh

    refresh = counts_refresh()
    return {"rows": refresh.rows, "seconds": round(refresh.seconds, 2)}
