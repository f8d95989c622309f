"""The movements API: movements, their manifests, boarding, arrival and incidents."""

from typing import Any

from django.http import HttpRequest

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements import selectors as agreements
from ikaze.movements import selectors, services
from ikaze.movements.schemas import (
    ArrivalIn,
    DepartureIn,
    ExplainIn,
    IncidentOut,
    IncidentPage,
    ManifestAddIn,
    MovementDetailOut,
    MovementIn,
    MovementOut,
    MovementPage,
    PaxlstIn,
    PaxlstOut,
    incident_out,
    movement_detail_out,
    movement_out,
)

router = GuardedRouter(tags=["movements"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _detail(movement_id: Any, request: HttpRequest) -> MovementDetailOut:
    m = selectors.movement_get_for(actor=actor_of(request), movement_id=movement_id)
    return movement_detail_out(
        m, selectors.movement_reconciliation(movement=m), selectors.manifest_rows(movement=m)
    )


@router.get("", perm=Perm.MOVEMENT_VIEW, response={200: MovementPage, 401: ErrorOut, 403: ErrorOut})
def list_movements(request: HttpRequest) -> Any:
    """List the movements you may see, with each one's reconciliation counts."""
    items = [
        movement_out(m, selectors.movement_reconciliation(movement=m))
        for m in selectors.movement_list_for(actor=actor_of(request))[:500]
    ]
    return {"items": items}


@router.post("", perm=Perm.MOVEMENT_PROPOSE, response={201: MovementOut, **_WRITE})
def propose_movement(request: HttpRequest, payload: MovementIn) -> Any:
    """Propose a flight or convoy under an agreement in force (its code)."""
    actor = actor_of(request)
    agreement = agreements.agreement_get_for(actor=actor, code=payload.agreement)
    m = services.movement_propose(
        actor=actor,
        agreement=agreement,
        kind=payload.kind,
        departure_date=payload.departure_date,
        carrier=payload.carrier,
        flight_number=payload.flight_number,
        origin=payload.origin,
        destination=payload.destination,
        seats=payload.seats,
    )
    return 201, movement_out(m, selectors.movement_reconciliation(movement=m))


@router.get("/incidents", perm=Perm.MOVEMENT_VIEW, response={200: IncidentPage, **_READ})
def list_incidents(request: HttpRequest, open_only: bool = False) -> Any:
    """Discrepancies of the movements you may see (open until explained)."""
    qs = selectors.incident_list_for(actor=actor_of(request), open_only=open_only)[:500]
    return {"items": [incident_out(i) for i in qs]}


@router.post(
    "/incidents/{incident_id}/explain",
    perm=Perm.INCIDENT_EXPLAIN,
    response={200: IncidentOut, **_WRITE},
)
def explain_incident(request: HttpRequest, incident_id: str, payload: ExplainIn) -> Any:
    """Close an incident with its explanation."""
    actor = actor_of(request)
    incident = selectors.incident_get_for(actor=actor, incident_id=incident_id)
    return incident_out(
        services.incident_explain(actor=actor, incident=incident, explanation=payload.explanation)
    )


@router.get("/{movement_id}", perm=Perm.MOVEMENT_VIEW, response={200: MovementDetailOut, **_READ})
def get_movement(request: HttpRequest, movement_id: str) -> Any:
    """One movement: its manifest, reconciliation and incidents."""
    return _detail(movement_id, request)


@router.post(
    "/{movement_id}/manifest",
    perm=Perm.MOVEMENT_PROPOSE,
    response={200: MovementDetailOut, **_WRITE},
)
def add_to_manifest(request: HttpRequest, movement_id: str, payload: ManifestAddIn) -> Any:
    """Put accepted people (their referral ids) on the manifest; households travel whole."""
    actor = actor_of(request)
    m = selectors.movement_get_for(actor=actor, movement_id=movement_id)
    services.manifest_add(actor=actor, movement=m, referral_ids=payload.referrals)
    return _detail(movement_id, request)


@router.post(
    "/{movement_id}/lock", perm=Perm.MANIFEST_LOCK, response={200: MovementDetailOut, **_WRITE}
)
def lock_manifest(request: HttpRequest, movement_id: str) -> Any:
    """Lock the manifest: everyone is screened again; anyone blocked comes off with the reason."""
    actor = actor_of(request)
    m = selectors.movement_get_for(actor=actor, movement_id=movement_id)
    services.manifest_lock(actor=actor, movement=m)
    return _detail(movement_id, request)


@router.post(
    "/{movement_id}/departure",
    perm=Perm.MOVEMENT_BOARD,
    response={200: MovementDetailOut, **_WRITE},
)
def record_departure(request: HttpRequest, movement_id: str, payload: DepartureIn) -> Any:
    """Record the departure and each person's boarding."""
    actor = actor_of(request)
    m = selectors.movement_get_for(actor=actor, movement_id=movement_id)
    services.movement_depart(
        actor=actor,
        movement=m,
        boarding={str(b.entry): (b.outcome, b.reason) for b in payload.boarding},
    )
    return _detail(movement_id, request)


@router.post(
    "/{movement_id}/arrival",
    perm=Perm.MOVEMENT_ARRIVE,
    response={200: MovementDetailOut, **_WRITE},
)
def record_arrival(request: HttpRequest, movement_id: str, payload: ArrivalIn) -> Any:
    """Record who arrived (manifest entry ids); only those who boarded."""
    actor = actor_of(request)
    m = selectors.movement_get_for(actor=actor, movement_id=movement_id)
    services.movement_arrive(actor=actor, movement=m, arrived=[str(a) for a in payload.arrived])
    return _detail(movement_id, request)


@router.get("/{movement_id}/paxlst", perm=Perm.MOVEMENT_VIEW, response={200: PaxlstOut, **_READ})
def export_paxlst(request: HttpRequest, movement_id: str) -> Any:
    """The manifest as a UN/EDIFACT PAXLST message (the people still on it)."""
    m = selectors.movement_get_for(actor=actor_of(request), movement_id=movement_id)
    return {
        "filename": f"paxlst-{m.flight_number}.edi",
        "text": services.movement_paxlst(movement=m),
    }


@router.post(
    "/{movement_id}/paxlst",
    perm=Perm.MOVEMENT_BOARD,
    response={200: MovementDetailOut, **_WRITE},
)
def import_paxlst(request: HttpRequest, movement_id: str, payload: PaxlstIn) -> Any:
    """Record the departure from the carrier's PAXLST: whoever it lists boarded, the rest of
    the manifest did not; a message naming someone not on the manifest is refused (422)."""
    actor = actor_of(request)
    m = selectors.movement_get_for(actor=actor, movement_id=movement_id)
    services.movement_depart_from_paxlst(actor=actor, movement=m, text=payload.text)
    return _detail(movement_id, request)
