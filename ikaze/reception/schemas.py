"""API shapes for reception. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ikaze.core.text import Text
from ikaze.reception.models import Facility, Service, Stay, Unit


class CheckInIn(Schema):
    unit: uuid.UUID
    people: list[uuid.UUID] = Field(min_length=1, max_length=20)
    idempotency_key: Annotated[str, Text(max_length=48)] = ""


class CheckOutIn(Schema):
    reason: Annotated[str, Text(max_length=500, required=True)]


class TransferIn(Schema):
    unit: uuid.UUID
    reason: Annotated[str, Text(max_length=500, required=True)]


class StayOut(Schema):
    id: uuid.UUID
    person: uuid.UUID
    unit: uuid.UUID
    household: uuid.UUID | None
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None


class UnitOut(Schema):
    id: uuid.UUID
    label: str
    beds: int
    occupied: int
    accessible: bool
    family_suitable: bool
    shared_by: str
    status: str


class NightOut(Schema):
    night: dt.date
    occupied: int
    beds: int


class FacilityOut(Schema):
    id: uuid.UUID
    name: str
    district: str
    address: str
    contact: str
    services: list[dict[str, object]]
    units: list[UnitOut]


class FacilityDetailOut(FacilityOut):
    occupancy: list[NightOut]


class FacilityPage(Schema):
    items: list[FacilityOut]


class CheckInOut(Schema):
    stays: list[StayOut]


def stay_out(s: Stay) -> StayOut:
    return StayOut(
        id=s.pk,
        person=s.person_id,
        unit=s.unit_id,
        household=s.household_id,
        checked_in_at=s.checked_in_at,
        checked_out_at=s.checked_out_at,
    )


def unit_out(u: Unit) -> UnitOut:
    return UnitOut(
        id=u.pk,
        label=u.label,
        beds=u.beds,
        occupied=u.occupied,
        accessible=u.accessible,
        family_suitable=u.family_suitable,
        shared_by=u.shared_by,
        status=u.status,
    )


def facility_out(f: Facility) -> FacilityOut:
    return FacilityOut(
        id=f.pk,
        name=f.name,
        district=f.district,
        address=f.address,
        contact=f.contact,
        services=list(f.services),
        units=[unit_out(u) for u in f.units.order_by("label")],
    )


# --- the arrivals desk's search ---------------------------------------------------------------


class ArrivingPersonOut(Schema):
    id: uuid.UUID
    name: str
    document: str
    arrived_at: dt.datetime | None


class ArrivingGroupOut(Schema):
    key: str
    people: list[ArrivingPersonOut]


class ArrivalsOut(Schema):
    query: str
    mrz_document: str
    items: list[ArrivingGroupOut]


# --- arrival needs ----------------------------------------------------------------------------


class NeedsIn(Schema):
    accessible: bool = False
    medical: bool = False
    medical_max_km: float | None = Field(default=None, ge=0.1, le=100)
    services: list[Service] = Field(default_factory=list, max_length=20)


class NeedsOut(Schema):
    person: uuid.UUID
    accessible: bool
    medical: bool
    medical_max_km: Decimal
    services: list[str]
    source: str


# --- allocation -------------------------------------------------------------------------------


class ProblemOut(Schema):
    code: str
    message: str


class WaitingOut(Schema):
    household: str
    people: list[uuid.UUID]
    accessible: bool
    medical: bool
    medical_max_km: float
    services: list[str]
    needs_recorded: bool
    unit: uuid.UUID | None
    problems: list[ProblemOut]


class ProposalOut(Schema):
    households: list[WaitingOut]
    feasible: bool
    optimal: bool
    units_opened: int
    objective: int
    seconds: float


class PlacementIn(Schema):
    household: Annotated[str, Text(max_length=40, required=True)]
    unit: uuid.UUID


class PlacementCheckOut(Schema):
    household: str
    unit: uuid.UUID
    fits: bool
    problems: list[str]


class ConfirmIn(Schema):
    placements: list[PlacementIn] = Field(min_length=1, max_length=200)
    idempotency_key: Annotated[str, Text(max_length=40)] = ""


class ConfirmedOut(Schema):
    household: str
    unit: uuid.UUID
    stays: list[StayOut]


class RefusedOut(Schema):
    household: str
    unit: uuid.UUID
    code: str
    message: str


class ConfirmOut(Schema):
    checked_in: list[ConfirmedOut]
    refused: list[RefusedOut]
