"""The reception API: facilities with occupancy, check-in (the arrivals desk), stays."""

from typing import Any

from django.http import HttpRequest

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.reception import selectors, services
from ikaze.reception.schemas import (
    CheckInIn,
    CheckInOut,
    CheckOutIn,
    FacilityDetailOut,
    FacilityPage,
    NightOut,
    StayOut,
    TransferIn,
    facility_out,
    stay_out,
)

router = GuardedRouter(tags=["reception"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get(
    "/facilities",
    perm=Perm.FACILITY_VIEW,
    response={200: FacilityPage, 401: ErrorOut, 403: ErrorOut},
)
def list_facilities(request: HttpRequest) -> Any:
    """Reception facilities with their units and beds taken."""
    return {
        "items": [
            facility_out(f) for f in selectors.facility_list_for(actor=actor_of(request))[:200]
        ]
    }


@router.get(
    "/facilities/{facility_id}", perm=Perm.FACILITY_VIEW, response={200: FacilityDetailOut, **_READ}
)
def get_facility(request: HttpRequest, facility_id: str) -> Any:
    """One facility with its units and the people housed each night of the last two weeks."""
    f = selectors.facility_get_for(actor=actor_of(request), facility_id=facility_id)
    nights = selectors.occupancy_by_night(facility=f)
    return FacilityDetailOut(
        **facility_out(f).model_dump(),
        occupancy=[NightOut(night=n.night, occupied=n.occupied, beds=n.beds) for n in nights],
    )


@router.post("/check-ins", perm=Perm.STAY_MANAGE, response={201: CheckInOut, **_WRITE})
def check_in(request: HttpRequest, payload: CheckInIn) -> Any:
    """Check arrived people (a household together) into a unit. Send an idempotency key:
    the same check-in sent again counts once; 409 `already_checked_in` when someone checked
    them in elsewhere meanwhile."""
    actor = actor_of(request)
    unit = selectors.unit_get_for(actor=actor, unit_id=payload.unit)
    stays = services.stays_check_in(
        actor=actor,
        unit=unit,
        person_ids=[str(p) for p in payload.people],
        idempotency_key=payload.idempotency_key,
    )
    return 201, {"stays": [stay_out(s) for s in stays]}


@router.post("/stays/{stay_id}/check-out", perm=Perm.STAY_MANAGE, response={200: StayOut, **_WRITE})
def check_out(request: HttpRequest, stay_id: str, payload: CheckOutIn) -> Any:
    """Close a stay; the bed is free again."""
    actor = actor_of(request)
    stay = selectors.stay_get_for(actor=actor, stay_id=stay_id)
    return stay_out(services.stay_check_out(actor=actor, stay=stay, reason=payload.reason))


@router.post("/stays/{stay_id}/transfer", perm=Perm.STAY_MANAGE, response={200: StayOut, **_WRITE})
def transfer(request: HttpRequest, stay_id: str, payload: TransferIn) -> Any:
    """Move a person to another unit (the same rules as a check-in)."""
    actor = actor_of(request)
    stay = selectors.stay_get_for(actor=actor, stay_id=stay_id)
    unit = selectors.unit_get_for(actor=actor, unit_id=payload.unit)
    return stay_out(
        services.stay_transfer(actor=actor, stay=stay, unit=unit, reason=payload.reason)
    )
