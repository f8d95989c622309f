"""The reports app's own records: the monthly reports kept (issue 16 item 3) and the public
statistics' releases (item 2). It reads every other app and writes only these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class MonthlyReportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class MonthlyReport(BaseModel):
    """The monthly report for the monitoring body and the joint committee, as made once.

    Kept as made: a later correction of the records makes a new report, it never rewrites
    this one (the committee read what was sent)."""

    Status = MonthlyReportStatus

    month = models.DateField(help_text="The first day of the month reported")
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_label = models.CharField(max_length=200)
    pdf = models.BinaryField(blank=True, default=b"")
    size_bytes = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-month", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MonthlyReportStatus.values),
                name="monthlyreport_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.language})"


class MonthCount(BaseModel):
    """A pre-aggregated count (ADR 0028): one figure's count for a month, an agreement, a
    first nationality and its breakdown keys. `counts_refresh` rewrites them all at once; the
    dashboards read them when the period is whole months, the live tables otherwise."""

    figure = models.CharField(max_length=40)
    month = models.DateField()
    agreement_id = models.UUIDField(null=True, blank=True)
    agreement_code = models.CharField(max_length=40, blank=True)
    nationality = models.CharField(max_length=2, blank=True)
    key = models.CharField(max_length=64, blank=True)
    key2 = models.CharField(max_length=64, blank=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["figure", "month"], name="monthcount_figure_month")]


class CountsRefresh(BaseModel):
    """When the pre-aggregated counts were last rewritten, and how long it took."""

    refreshed_at = models.DateTimeField()
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()


Entry = tuple[str, str]


class PublicRelease(BaseModel):
    """One version of one public table of one agreement, as published."""

    agreement_code = models.CharField(max_length=40)
    table = models.CharField(max_length=40)
    number = models.PositiveIntegerField()
    # [[row, column, value], ...] of the published entries only (hidden ones are absent).
    cells = models.JSONField(default=list)
    digest = models.CharField(max_length=64)
    threshold = models.PositiveIntegerField()

    class Meta:
        ordering = ["agreement_code", "table", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement_code", "table", "number"], name="public_release_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_code} {self.table} #{self.number}"

    def published(self) -> dict[Entry, int]:
        return {(str(r), str(c)): int(v) for r, c, v in self.cells}
