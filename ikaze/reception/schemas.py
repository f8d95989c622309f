"""API shapes for reception. Inputs are checked again by the services (one set of rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Schema
from pydantic import Field

from ikaze.core.text import Text
from ikaze.reception.models import Facility, Stay, Unit


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
