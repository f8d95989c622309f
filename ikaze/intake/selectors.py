"""Reads of intake batches, scoped to the uploading organisation."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require, scoped_get
from ikaze.core.spreadsheet import csv_writer
from ikaze.intake.models import IntakeBatch, IntakeRowError


def batch_list_for(*, actor: Actor) -> QuerySet[IntakeBatch]:
    """The actor's organisation's batches (the monitor's: every batch, SAFEGUARDS C1), newest
    first (the file content is not loaded)."""
    require(actor, Perm.INTAKE_VIEW, target_type="intake_batch")
    qs = IntakeBatch.objects.all()
    if actor.org_kind != OrgKind.MONITORING_BODY:
        if actor.organisation_id is None:
            return IntakeBatch.objects.none()
        qs = qs.filter(organisation_id=actor.organisation_id)
    return (
        qs.select_related("agreement", "uploaded_by").defer("content").order_by("-created_at", "pk")
    )


def batch_get_for(*, actor: Actor, batch_id: uuid.UUID | str) -> IntakeBatch:
    """One batch of the actor's organisation, or NotFound."""
    return scoped_get(
        batch_list_for(actor=actor),
        target_type="intake_batch",
        message="No such intake batch.",
        pk=batch_id,
    )


def batch_file_names(*, ids: list[str]) -> dict[str, str]:
    """Batch id (as text) → the name of the file uploaded, for these ids (pages name a
    manifest by its file, never by its id)."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    rows = IntakeBatch.objects.filter(pk__in=valid).values_list("pk", "file_name")
    return {str(pk): name for pk, name in rows}


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


def batch_audit_names(actor: Actor, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Batch id → (file name, the batch's page) for the batches the actor may open."""
    from django.urls import reverse

    from ikaze.audit.targets import valid_uuids

    if not actor.can(Perm.INTAKE_VIEW):
        return {}
    rows = batch_list_for(actor=actor).filter(pk__in=valid_uuids(ids))
    return {str(b.pk): (b.file_name, reverse("intake:batch_detail", args=[b.pk])) for b in rows}


def batch_file_names_by_prefix(*, prefixes: list[str]) -> dict[str, str]:
    """The first eight characters of a batch id (as a possible duplicate records where it was
    found: "intake:<8>") → the name of the file uploaded, for these prefixes."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    wanted = {p.lower() for p in prefixes if len(p) == 8}
    if not wanted:
        return {}
    q = Q()
    for prefix in wanted:
        q |= Q(pk_text__startswith=prefix)
    rows = (
        IntakeBatch.objects.annotate(pk_text=Cast("pk", CharField()))
        .filter(q)
        .values_list("pk", "file_name")
    )
    return {str(pk)[:8]: name for pk, name in rows}
