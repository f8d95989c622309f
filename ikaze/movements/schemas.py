"""API shapes for movements. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictInt

from ikaze.core.text import IsoDate, ModelText, Text
from ikaze.movements.models import Incident, ManifestEntry, Movement
from ikaze.movements.reconciliation import Reconciliation
from ikaze.movements.selectors import ManifestRow

MAX_PEOPLE = 1000


class MovementIn(Schema):
    agreement: Annotated[str, Text(max_length=40, required=True)]
    kind: Literal["flight", "convoy"] = "flight"
    departure_date: IsoDate
    carrier: Annotated[str, ModelText(Movement, "carrier", required=True)]
    flight_number: Annotated[str, ModelText(Movement, "flight_number")] = ""
    origin: Annotated[str, ModelText(Movement, "origin", required=True)]
    destination: Annotated[str, ModelText(Movement, "destination", required=True)]
    seats: StrictInt


class ManifestAddIn(Schema):
    referrals: list[uuid.UUID] = Field(min_length=1, max_length=MAX_PEOPLE)


class BoardingIn(Schema):
    entry: uuid.UUID
    outcome: Literal["boarded", "no_show", "removed_at_gate"]
    reason: Annotated[str, ModelText(ManifestEntry, "boarding_reason")] = ""


class DepartureIn(Schema):
    boarding: list[BoardingIn] = Field(max_length=MAX_PEOPLE)


class ArrivalIn(Schema):
    arrived: list[uuid.UUID] = Field(max_length=MAX_PEOPLE)


# A carrier's PAXLST for a full flight is some tens of kilobytes.
PAXLST_MAX = 1_000_000


class PaxlstIn(Schema):
    text: Annotated[str, Text(max_length=PAXLST_MAX, multiline=True, required=True)]


class PaxlstOut(Schema):
    filename: str
    text: str


class ExplainIn(Schema):
    explanation: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class ReconciliationOut(Schema):
    manifest: int
    boarded: int
    not_boarded: int
    arrived: int
    not_arrived: int
    checked_in: int
    awaiting_check_in: int
    late_check_in: int
    pending: int
    in_flight: int
    balanced: bool


class MovementOut(Schema):
    id: uuid.UUID
    agreement: str
    kind: str
    departure_date: dt.date
    carrier: str
    flight_number: str
    origin: str
    destination: str
    seats: int
    status: str
    locked_at: dt.datetime | None
    departed_at: dt.datetime | None
    arrived_at: dt.datetime | None
    reconciliation: ReconciliationOut


class EntryOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    name: str
    document: str
    household: uuid.UUID | None
    removed_at: dt.datetime | None
    removed_reason: str
    boarding: str
    boarding_reason: str
    arrived_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    accommodation_due: dt.datetime | None


class IncidentOut(Schema):
    id: uuid.UUID
    movement: uuid.UUID
    entry: uuid.UUID | None
    kind: str
    detail: str
    opened_at: dt.datetime
    explained_at: dt.datetime | None
    explanation: str


class MovementDetailOut(MovementOut):
    entries: list[EntryOut]
    incidents: list[IncidentOut]


class MovementPage(Schema):
    items: list[MovementOut]


class IncidentPage(Schema):
    items: list[IncidentOut]


def reconciliation_out(rec: Reconciliation) -> ReconciliationOut:
    return ReconciliationOut(
        manifest=rec.manifest,
        boarded=rec.boarded,
        not_boarded=rec.not_boarded,
        arrived=rec.arrived,
        not_arrived=rec.not_arrived,
        checked_in=rec.checked_in,
        awaiting_check_in=rec.awaiting_check_in,
        late_check_in=rec.late_check_in,
        pending=rec.pending,
        in_flight=rec.in_flight,
        balanced=rec.balanced,
    )


def movement_out(m: Movement, rec: Reconciliation) -> MovementOut:
    return MovementOut(
        id=m.pk,
        agreement=m.agreement.code,
        kind=m.kind,
        departure_date=m.departure_date,
        carrier=m.carrier,
        flight_number=m.flight_number,
        origin=m.origin,
        destination=m.destination,
        seats=m.seats,
        status=m.status,
        locked_at=m.locked_at,
        departed_at=m.departed_at,
        arrived_at=m.arrived_at,
        reconciliation=reconciliation_out(rec),
    )


def incident_out(i: Incident) -> IncidentOut:
    return IncidentOut(
        id=i.pk,
        movement=i.movement_id,
        entry=i.entry_id,
        kind=i.kind,
        detail=i.detail,
        opened_at=i.opened_at,
        explained_at=i.explained_at,
        explanation=i.explanation,
    )


def entry_out(r: ManifestRow) -> EntryOut:
    e = r.entry
    return EntryOut(
        id=e.pk,
        person=e.person_id,
        name=r.name,
        document=r.document,
        household=e.household_id,
        removed_at=e.removed_at,
        removed_reason=e.removed_reason,
        boarding=e.boarding,
        boarding_reason=e.boarding_reason,
        arrived_at=e.arrived_at,
        checked_in_at=e.checked_in_at,
        accommodation_due=r.accommodation_due,
    )


def movement_detail_out(
    m: Movement, rec: Reconciliation, rows: list[ManifestRow]
) -> MovementDetailOut:
    base = movement_out(m, rec)
    return MovementDetailOut(
        **base.model_dump(),
        entries=[entry_out(r) for r in rows],
        incidents=[incident_out(i) for i in m.incidents.order_by("opened_at", "pk")],
    )
