"""Writes of reports: asking for a monthly report, and the job that makes it."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor, command_line_actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.core.on_commit import task_enqueue_on_commit
from ikaze.reports.errors import MonthInvalid
from ikaze.reports.forms import EARLIEST
from ikaze.reports.models import MonthlyReport

# The job makes the report in its own name (the request names who asked).
# The command line asks as the job too (`ikaze monthly_report`).
REPORT_JOB = command_line_actor(roles=frozenset({Role.MONITOR}), label="system:monthly report")


def monthly_report_request(
    *, actor: Actor, month: dt.date, language: str, run_now: bool = False
) -> MonthlyReport:
    """Ask for the monthly report of `month` in `language`; the worker makes it (or the
    caller, with `run_now`). A month not yet begun is refused and the refusal recorded."""
    require(actor, Perm.MONTHLY_REPORT_MAKE, target_type="monthly_report")
    languages = {code for code, _name in settings.LANGUAGES}
    first = month.replace(day=1)
    refusal: ValidationError | None = None
    if language not in languages:
        refusal = MonthInvalid.for_field(
            "language",
            f"Unknown language {language[:20]!r}: one of {', '.join(sorted(languages))}.",
        )
    elif first < EARLIEST or first > clock.today_local():
        refusal = MonthInvalid.for_field("month", "Choose a month that has begun, from 2000 on.")
    if refusal is not None:
        audit_security(
            actor=actor,
            action="refused:monthly_report.request",
            target_type="monthly_report",
            reason=f"{refusal.code}: {refusal.message}",
        )
        raise refusal
    with transaction.atomic():
        report = MonthlyReport.objects.create(
            month=first,
            language=language,
            requested_by=actor.user,
            requested_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="monthly_report.request",
            target_type="monthly_report",
            target_id=report.pk,
            after={"month": f"{first:%Y-%m}", "language": language},
        )
        if not run_now:
            from ikaze.reports.tasks import monthly_report_task

            task_enqueue_on_commit(monthly_report_task, str(report.pk))
    return report


def monthly_report_make(*, report_id: uuid.UUID | str) -> MonthlyReport:
    """Make the PDF of a requested report and keep it (the job's step; idempotent)."""
    from ikaze.reports.monthly import monthly_pdf

    report = MonthlyReport.objects.get(pk=report_id)
    if report.status == MonthlyReport.Status.DONE:
        return report
    try:
        pdf = monthly_pdf(report.month, report.language)
    except Exception as exc:  # the page shows why the job failed
        with transaction.atomic():
            MonthlyReport.objects.filter(pk=report.pk).update(
                status=MonthlyReport.Status.FAILED, failure=str(exc)[:2000]
            )
            audit_security(
                actor=REPORT_JOB,
                action="refused:monthly_report.make",
                target_type="monthly_report",
                target_id=report.pk,
                reason=str(exc)[:500],
            )
        report.refresh_from_db()
        return report
    with transaction.atomic():
        MonthlyReport.objects.filter(pk=report.pk).update(
            status=MonthlyReport.Status.DONE,
            pdf=pdf,
            size_bytes=len(pdf),
            made_at=clock.now(),
            failure="",
        )
        audit_record(
            actor=REPORT_JOB,
            action="monthly_report.make",
            target_type="monthly_report",
            target_id=report.pk,
            after={"size_bytes": len(pdf)},
        )
    report.refresh_from_db()
    return report
