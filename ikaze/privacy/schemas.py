"""API shapes for personal data. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from ikaze.core.text import IsoDateTime, Text
from ikaze.privacy.models import Breach, DataRequest, ExportRecord, LegalHold
from ikaze.privacy.selectors import BreachClock


class RequestIn(Schema):
    kind: Literal["access", "rectification", "restriction"]
    detail: Annotated[str, Text(max_length=2000, multiline=True)] = ""
    field: Literal["", "health", "vulnerabilities"] = ""
    proposed_value: Annotated[str, Text(max_length=2000, multiline=True)] = ""
    received_at: IsoDateTime | None = None


class DataRequestDecideIn(Schema):
    accept: bool = Field(strict=True)
    note: Annotated[str, Text(max_length=2000, multiline=True)] = ""


class RequestOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    kind: str
    status: str
    field: str
    received_at: dt.datetime
    due_at: dt.datetime
    late: bool
    decided_at: dt.datetime | None
    lifted_at: dt.datetime | None


class RequestPage(Schema):
    items: list[RequestOut]


class HoldIn(Schema):
    reference: Annotated[str, Text(max_length=200, required=True)]
    reason: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class PurgeReasonIn(Schema):
    reason: Annotated[str, Text(max_length=200, required=True)]


class NoteIn(Schema):
    note: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class HoldOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    reference: str
    placed_at: dt.datetime
    released_at: dt.datetime | None


class PurgeOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    category: str
    purged_at: dt.datetime


class BreachIn(Schema):
    title: Annotated[str, Text(max_length=200, required=True)]
    description: Annotated[str, Text(max_length=4000, multiline=True, required=True)]
    discovered_at: IsoDateTime
    people_affected: int = Field(default=0, ge=0, le=10_000_000, strict=True)
    categories: list[
        Literal["identity", "health", "protection_claim", "criminal_record", "family", "location"]
    ] = Field(default_factory=list, max_length=6)


class BreachStepIn(Schema):
    reference: Annotated[str, Text(max_length=200, required=True)]


class BreachOut(Schema):
    id: uuid.UUID
    title: str
    discovered_at: IsoDateTime
    people_affected: int
    notice_due_at: dt.datetime
    report_due_at: dt.datetime
    notified_at: dt.datetime | None
    reported_at: dt.datetime | None
    notice_late: bool
    report_late: bool
    status: str


class BreachPage(Schema):
    items: list[BreachOut]


class ExportOut(Schema):
    id: uuid.UUID
    kind: str
    destination_country: str
    basis: str
    basis_reference: str
    exported_by: str
    at: dt.datetime


class ExportPage(Schema):
    items: list[ExportOut]


def request_out(r: DataRequest, *, now: dt.datetime) -> RequestOut:
    return RequestOut(
        id=r.pk,
        person=r.person_id,
        kind=r.kind,
        status=r.status,
        field=r.field,
        received_at=r.received_at,
        due_at=r.due_at,
        late=(r.decided_at or now) > r.due_at,
        decided_at=r.decided_at,
        lifted_at=r.lifted_at,
    )


def hold_out(h: LegalHold) -> HoldOut:
    return HoldOut(
        id=h.pk,
        person=h.person_id,
        reference=h.reference,
        placed_at=h.created_at,
        released_at=h.released_at,
    )


def breach_out(c: BreachClock) -> BreachOut:
    b: Breach = c.breach
    return BreachOut(
        id=b.pk,
        title=b.title,
        discovered_at=b.discovered_at,
        people_affected=b.people_affected,
        notice_due_at=b.notice_due_at,
        report_due_at=b.report_due_at,
        notified_at=b.notified_at,
        reported_at=b.reported_at,
        notice_late=c.notice_late,
        report_late=c.report_late,
        status=b.status,
    )


def export_out(e: ExportRecord) -> ExportOut:
    return ExportOut(
        id=e.pk,
        kind=e.kind,
        destination_country=e.destination_country,
        basis=e.basis,
        basis_reference=e.basis_reference,
        exported_by=e.exported_by_label,
        at=e.created_at,
    )


AccessOut = dict[str, Any]
