"""Manifest files and what became of each row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class IntakeBatchMode(models.TextChoices):
    LENIENT = "lenient", _("Lenient: import the valid rows, report the others")
    STRICT = "strict", _("Strict: import nothing if any row fails")


class IntakeBatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class IntakeBatch(BaseModel):
    Mode = IntakeBatchMode

    Status = IntakeBatchStatus

    class Phase(models.TextChoices):
        # Set by intake/services.py as the job runs; shown next to the progress bar.
        QUEUED = "queued", _("Waiting to start")
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking the rows")
        MATCHING = "matching", _("Looking for duplicates")
        STORING = "storing", _("Storing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="intake_batches"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by_token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    sha256 = models.CharField(max_length=64)
    # The file itself, so the worker (another process, maybe another machine) can read it.
    content = models.BinaryField()
    size_bytes = models.PositiveBigIntegerField(default=0)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LENIENT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Rows whose person (same external reference) this agreement already has: nothing new.
    duplicates = models.PositiveIntegerField(default=0)
    # Rows of a registered person whose identity differs from the registry: nothing stored,
    # each listed for a person to review (ADR 0015).
    conflicts = models.PositiveIntegerField(default=0)
    # Match candidates the batch raised for a person to adjudicate.
    possible_duplicates = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the whole file was refused.")
    notes = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "intake batches"
        constraints = [
            # A failed attempt does not hold its file: uploading it again tries afresh.
            models.UniqueConstraint(
                fields=["agreement", "sha256"],
                condition=~models.Q(status=IntakeBatchStatus.FAILED),
                name="intakebatch_same_file",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=IntakeBatchStatus.values),
                name="intakebatch_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=IntakeBatchMode.values),
                name="intakebatch_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def phase_label(self) -> str:
        """The phase in the reader's language (the code itself if it is not a known phase)."""
        return str(dict(self.Phase.choices).get(self.phase, self.phase))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class IntakeRowErrorKind(models.TextChoices):
    ERROR = "error", _("Error")
    # The row's person is registered with other identity data (ADR 0015).
    CONFLICT = "conflict", _("Conflict with the registry")


class IntakeRowError(BaseModel):
    """One problem with one row (or the whole file, row 0): the downloadable error report."""

    Kind = IntakeRowErrorKind

    batch = models.ForeignKey(IntakeBatch, on_delete=models.CASCADE, related_name="errors")
    # Row numbers count the header as row 1, as a spreadsheet shows them; 0 = the whole file.
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=60, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=400)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ERROR)

    class Meta:
        ordering = ["batch", "row", "column"]
        indexes = [models.Index(fields=["batch", "row"], name="intakerowerror_batch_row")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IntakeRowErrorKind.values),
                name="intakerowerror_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.reason}"
