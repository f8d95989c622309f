"""Reads of intake batches, scoped to the uploading organisation."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

from django.db.models import QuerySet

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require, scoped_get
from ikaze.core.spreadsheet import csv_writer
from ikaze.intake.models import IntakeBatch, IntakeRowError


def batch_list_for(*, actor: Actor) -> QuerySet[IntakeBatch]:
    """The actor's organisation's batches, newest first (the file content is not loaded)."""
    require(actor, Perm.INTAKE_UPLOAD, target_type="intake_batch")
    if actor.organisation_id is None:
        return IntakeBatch.objects.none()
    return (
        IntakeBatch.objects.filter(organisation_id=actor.organisation_id)
        .select_related("agreement", "uploaded_by")
        .defer("content")
        .order_by("-created_at", "pk")
    )


def batch_get_for(*, actor: Actor, batch_id: uuid.UUID | str) -> IntakeBatch:
    """One batch of the actor's organisation, or NotFound."""
    return scoped_get(
        batch_list_for(actor=actor),
        target_type="intake_batch",
        message="No such intake batch.",
        pk=batch_id,
    )


def batch_errors(*, batch: IntakeBatch) -> QuerySet[IntakeRowError]:
    return IntakeRowError.objects.filter(batch=batch).order_by("row", "column", "pk")


def error_report_csv(*, batch: IntakeBatch) -> Iterator[str]:
    """The error report as CSV lines: row, column, value, reason."""
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(["row", "column", "value", "reason"])
    yield buf.getvalue()
    for e in (
        batch_errors(batch=batch).values_list("row", "column", "value", "reason").iterator(2000)
    ):
        buf.seek(0)
        buf.truncate()
        # No cell is a live formula (ikaze.core.spreadsheet).
        w.writerow(e)
        yield buf.getvalue()
