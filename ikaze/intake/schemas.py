"""API shapes of manifest intake."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Field, Schema

from ikaze.agreements.models import Agreement
from ikaze.core.text import ModelText
from ikaze.intake.models import IntakeBatch


class BatchOut(Schema):
    id: uuid.UUID
    agreement: str
    file_name: str
    file_format: str
    sha256: str
    mode: str
    status: str
    phase: str
    encoding: str
    rows_total: int
    rows_done: int
    imported: int
    rejected: int
    duplicates: int
    conflicts: int
    possible_duplicates: int
    failure: str
    notes: list[str]
    seconds: float | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    created: bool = Field(False, description="False when the same file had been sent before.")


class BatchPage(Schema):
    items: list[BatchOut]
    page: int
    pages: int
    total: int


class RowsIn(Schema):
    agreement: Annotated[str, ModelText(Agreement, "code", required=True)]
    mode: Annotated[str, ModelText(IntakeBatch, "mode", required=True)] = "lenient"
    rows: list[dict[str, str | int | float | bool | None]] = Field(
        description="One object per person, keyed by the manifest's column names."
    )


class RowErrorOut(Schema):
    row: int
    kind: str
    column: str
    value: str
    reason: str


class RowErrorPage(Schema):
    items: list[RowErrorOut]
    page: int
    pages: int
    total: int


def batch_out(b: IntakeBatch, *, created: bool = False) -> dict[str, Any]:
    return {
        "id": b.pk,
        "agreement": b.agreement.code,
        "file_name": b.file_name,
        "file_format": b.file_format,
        "sha256": b.sha256,
        "mode": b.mode,
        "status": b.status,
        "phase": b.phase,
        "encoding": b.encoding,
        "rows_total": b.rows_total,
        "rows_done": b.rows_done,
        "imported": b.imported,
        "rejected": b.rejected,
        "duplicates": b.duplicates,
        "conflicts": b.conflicts,
        "possible_duplicates": b.possible_duplicates,
        "failure": b.failure,
        "notes": [str(n) for n in (b.notes or [])],
        "seconds": b.seconds,
        "created_at": b.created_at,
        "finished_at": b.finished_at,
        "created": created,
    }
