"""The reception API: facilities with occupancy, check-in (the arrivals desk), stays."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.core.errors import IkazeError, ValidationError
from ikaze.reception import selectors, services
from ikaze.reception.allocation import REASONS
from ikaze.reception.desk import arrivals_search
from ikaze.reception.errors import IdempotencyReused
from ikaze.reception.proposal import allocation_proposal, placement_check
from ikaze.reception.schemas import (
    ArrivalsOut,
    CheckInIn,
    CheckInOut,
    CheckOutIn,
    ConfirmIn,
    ConfirmOut,
    FacilityDetailOut,
    FacilityPage,
    NeedsIn,
    NeedsOut,
    NightOut,
    PlacementCheckOut,
    PlacementIn,
    ProposalOut,
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


# --- the arrivals desk ------------------------------------------------------------------------


@router.get("/arrivals", perm=Perm.STAY_MANAGE, response={200: ArrivalsOut, **_WRITE})
def search_arrivals(request: HttpRequest, q: str = "") -> Any:
    """Arrived people waiting for a bed, by name, document number or a machine-readable zone
    (its check digits verified: 422 `mrz_check_digit` when one is wrong); a household comes
    whole. Check them in with `POST /check-ins` and an idempotency key."""
    found = arrivals_search(actor=actor_of(request), q=q[:100])
    return {
        "query": found.query,
        "mrz_document": found.mrz,
        "items": [{"key": g["key"], "people": g["people"]} for g in found.groups],
    }


# --- arrival needs ----------------------------------------------------------------------------


@router.put("/needs/{person_id}", perm=Perm.STAY_MANAGE, response={200: NeedsOut, **_WRITE})
def record_needs(request: HttpRequest, person_id: str, payload: NeedsIn) -> Any:
    """Record what an arrived person waiting for a bed needs of a unit (replaces the last
    record): an accessible unit, a health service within some km, services nearby."""
    n = services.arrival_needs_record(
        actor=actor_of(request),
        person_id=person_id,
        accessible=payload.accessible,
        medical=payload.medical,
        medical_max_km=payload.medical_max_km,
        services=[str(s.value) for s in payload.services],
    )
    return {
        "person": n.person_id,
        "accessible": n.accessible,
        "medical": n.medical,
        "medical_max_km": n.medical_max_km,
        "services": list(n.services),
        "source": n.source,
    }


# --- allocation -------------------------------------------------------------------------------


@router.get("/allocation", perm=Perm.STAY_MANAGE, response={200: ProposalOut, **_READ})
def propose_allocation(request: HttpRequest) -> Any:
    """CP-SAT's placement of the households waiting for a bed (ADR 0022). When no placement
    exists for everyone, each household left out carries the rule that stops it."""
    p = allocation_proposal(actor=actor_of(request))
    r = p.result
    return {
        "households": [
            {
                "household": w.key,
                "people": w.people,
                "accessible": w.accessible,
                "medical": w.medical,
                "medical_max_km": w.medical_km,
                "services": list(w.services),
                "needs_recorded": w.needs_recorded,
                "unit": w.unit or None,
                "problems": [{"code": c, "message": str(REASONS.get(c, c))} for c in w.why],
            }
            for w in p.households
        ],
        "feasible": r is None or r.feasible,
        "optimal": bool(r and r.optimal),
        "units_opened": r.units_opened if r else 0,
        "objective": r.objective if r else 0,
        "seconds": round(r.seconds, 3) if r else 0.0,
    }


@router.post(
    "/allocation/check", perm=Perm.STAY_MANAGE, response={200: PlacementCheckOut, **_WRITE}
)
def check_placement(request: HttpRequest, payload: PlacementIn) -> Any:
    """Check a change by hand: would this unit take this waiting household now? The same
    rules as the proposal and the check-in; nothing is written."""
    problems = placement_check(
        actor=actor_of(request), household_key=payload.household, unit_id=str(payload.unit)
    )
    return {
        "household": payload.household,
        "unit": payload.unit,
        "fits": not problems,
        "problems": problems,
    }


@router.post("/allocation/confirm", perm=Perm.STAY_MANAGE, response={200: ConfirmOut, **_WRITE})
def confirm_allocation(request: HttpRequest, payload: ConfirmIn) -> Any:
    """Confirm placements (the proposal's or changed by hand): each household is checked in
    on its own, every rule checked again; those refused come back with the reason. With an
    idempotency key, the same confirmation sent again counts once."""
    actor = actor_of(request)
    waiting = {w.key: w for w in allocation_proposal(actor=actor, solve=False).households}
    done, refused = [], []
    for i, p in enumerate(payload.placements):
        key = f"{payload.idempotency_key}-{i}" if payload.idempotency_key else ""
        w = waiting.get(p.household)
        earlier = selectors.stays_with_key(actor=actor, key=key) if w is None and key else []
        try:
            if earlier:  # the same confirmation sent again: what it did the first time
                if any(s.unit_id != p.unit for s in earlier):
                    raise IdempotencyReused(
                        gettext("This idempotency key was used for another check-in."),
                        details={"idempotency_key": [key]},
                    )
                stays = earlier
            elif w is None:
                raise ValidationError.for_field(
                    "household", gettext("No household waiting for a bed by that key.")
                )
            else:
                unit = selectors.unit_get_for(actor=actor, unit_id=p.unit)
                stays = services.stays_check_in(
                    actor=actor, unit=unit, person_ids=w.people, idempotency_key=key
                )
        except IkazeError as exc:
            if exc.status in (401, 403):
                raise
            refused.append(
                {"household": p.household, "unit": p.unit, "code": exc.code, "message": exc.message}
            )
        else:
            done.append(
                {"household": p.household, "unit": p.unit, "stays": [stay_out(s) for s in stays]}
            )
    return {"checked_in": done, "refused": refused}
