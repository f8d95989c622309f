"""Writes of reports: asking for a monthly report, and the job that makes it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

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
from ikaze.reports.models import CountsRefresh, MonthCount, MonthlyReport

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


def _month(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.local_zone()).date().replace(day=1)
    assert isinstance(value, dt.date)
    return value.replace(day=1)


def counts_refresh() -> CountsRefresh:
    """Rewrite every pre-aggregated count from the live tables (ADR 0028), in one transaction:
    a reader sees the old counts or the new ones, never half. Bulk path: a job and the bench."""
    from ikaze.core.aggregates import Scope
    from ikaze.movements import selectors as movements
    from ikaze.vetting import selectors as vetting

    started = time.perf_counter()
    codes: dict[object, str] = {}
    rows: list[MonthCount] = []
    whole = Scope()

    def add(
        figure: str, r: dict[str, Any], agreement: str, person: str | None, key: str, key2: str = ""
    ) -> None:
        rows.append(
            MonthCount(
                figure=figure,
                month=_month(r["month"]),
                agreement_id=r.get(agreement),
                agreement_code=codes.get(r.get(agreement), ""),
                nationality=(r.get(f"{person}__nationalities__0") or "") if person else "",
                key=key,
                key2=key2,
                n=r["n"],
            )
        )

    for r in vetting.referral_counts(scope=whole, detail=True):
        codes[r["agreement_id"]] = r["agreement__code"]
        add("referrals", r, "agreement_id", "person", r["status"])
    for r in vetting.decision_counts(scope=whole, detail=True):
        codes[r["referral__agreement_id"]] = r["referral__agreement__code"]
        add("decision_outcomes", r, "referral__agreement_id", "referral__person", r["outcome"])
        reasons = r["reason_codes"] or [""]
        for code in reasons if isinstance(reasons, list) else [reasons]:
            add(
                "decisions",
                r,
                "referral__agreement_id",
                "referral__person",
                r["outcome"],
                str(code),
            )
    for r in vetting.block_counts(scope=whole, detail=True):
        add(
            "blocks",
            r,
            "evaluation__referral__agreement_id",
            "evaluation__referral__person",
            r["rule_id"],
        )
    for r in vetting.decision_time_buckets(scope=whole, detail=True):
        add(
            "time:referral_decision",
            r,
            "referral__agreement_id",
            "referral__person",
            str(r["bucket"]),
        )
    for step, start in (
        ("decision_departure", "decision"),
        ("departure_arrival", "departure"),
        ("referral_arrival", "referral"),
    ):
        for r in movements.travel_time_buckets(scope=whole, start=start, detail=True):
            add(f"time:{step}", r, "movement__agreement_id", "person", str(r["bucket"]))
    for r in movements.arrival_counts(scope=whole, detail=True):
        codes[r["movement__agreement_id"]] = r["movement__agreement__code"]
        nationality = r["person__nationalities__0"] or ""
        add("arrivals", r, "movement__agreement_id", None, nationality)
        rows[-1].nationality = nationality
    for r in vetting.late_notice_counts(scope=whole, detail=True):
        add("late_notices", r, "referral__agreement_id", "referral__person", r["kind"])
    for row in rows:  # codes met after the row was made
        row.agreement_code = row.agreement_code or codes.get(row.agreement_id, "")
    with transaction.atomic():
        MonthCount.objects.all().delete()
        MonthCount.objects.bulk_create(rows, batch_size=5000)
        CountsRefresh.objects.all().delete()
        return CountsRefresh.objects.create(
            refreshed_at=clock.now(), seconds=time.perf_counter() - started, rows=len(rows)
        )
