"""The personal-data API (SAFEGUARDS D2-D5): requests, holds, purge, the subject-access
export, the breach register, the exports abroad."""

import uuid
from typing import Any

from django.http import HttpRequest

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.core import clock
from ikaze.privacy import selectors, services
from ikaze.privacy.schemas import (
    BreachIn,
    BreachOut,
    BreachPage,
    BreachStepIn,
    DataRequestDecideIn,
    ExportPage,
    HoldIn,
    HoldOut,
    NoteIn,
    PurgeOut,
    PurgeReasonIn,
    RequestIn,
    RequestOut,
    RequestPage,
    breach_out,
    export_out,
    hold_out,
    request_out,
)

router = GuardedRouter(tags=["privacy"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/requests", perm=Perm.PRIVACY_VIEW, response={200: RequestPage, **_READ})
def list_requests(request: HttpRequest) -> Any:
    """Open data-subject requests, the nearest deadline first."""
    now = clock.now()
    items = selectors.request_list_for(actor=actor_of(request))[:500]
    return {"items": [request_out(r, now=now) for r in items]}


@router.post(
    "/people/{person_id}/requests", perm=Perm.PRIVACY_MANAGE, response={201: RequestOut, **_WRITE}
)
def create_request(request: HttpRequest, person_id: uuid.UUID, payload: RequestIn) -> Any:
    """Record a person's access, rectification or restriction request (due in 30 days)."""
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    r = services.request_open(actor=actor, person=person, **payload.dict())
    return 201, request_out(r, now=clock.now())


@router.post(
    "/requests/{datarequest_id}/decide",
    perm=Perm.PRIVACY_MANAGE,
    response={200: RequestOut, **_WRITE},
)
def decide_request(
    request: HttpRequest, datarequest_id: uuid.UUID, payload: DataRequestDecideIn
) -> Any:
    """Accept (a rectification is applied, a restriction takes effect) or refuse (with a note)."""
    actor = actor_of(request)
    r = selectors.request_get_for(actor=actor, request_id=datarequest_id)
    r = services.request_decide(actor=actor, request=r, accept=payload.accept, note=payload.note)
    return request_out(r, now=clock.now())


@router.post(
    "/requests/{datarequest_id}/lift",
    perm=Perm.PRIVACY_MANAGE,
    response={200: RequestOut, **_WRITE},
)
def lift_restriction(request: HttpRequest, datarequest_id: uuid.UUID, payload: NoteIn) -> Any:
    actor = actor_of(request)
    r = selectors.request_get_for(actor=actor, request_id=datarequest_id)
    r = services.restriction_lift(actor=actor, request=r, note=payload.note)
    return request_out(r, now=clock.now())


@router.get("/people/{person_id}/access", perm=Perm.PRIVACY_MANAGE, response={200: dict, **_READ})
def subject_access(request: HttpRequest, person_id: uuid.UUID, lang: str = "") -> Any:
    """Everything held about the person, purposes, recipients, transfers abroad (audited)."""
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    return selectors.access_export(actor=actor, person=person, language=lang[:5])


@router.post(
    "/people/{person_id}/holds", perm=Perm.PRIVACY_MANAGE, response={201: HoldOut, **_WRITE}
)
def place_hold(request: HttpRequest, person_id: uuid.UUID, payload: HoldIn) -> Any:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    hold = services.hold_place(
        actor=actor, person=person, reason=payload.reason, reference=payload.reference
    )
    return 201, hold_out(hold)


@router.post(
    "/holds/{legalhold_id}/release", perm=Perm.PRIVACY_MANAGE, response={200: HoldOut, **_WRITE}
)
def release_hold(request: HttpRequest, legalhold_id: uuid.UUID, payload: NoteIn) -> Any:
    actor = actor_of(request)
    hold = selectors.hold_get_for(actor=actor, hold_id=legalhold_id)
    return hold_out(services.hold_release(actor=actor, hold=hold, reason=payload.note))


@router.post(
    "/people/{person_id}/purge", perm=Perm.PRIVACY_MANAGE, response={201: PurgeOut, **_WRITE}
)
def purge_person(request: HttpRequest, person_id: uuid.UUID, payload: PurgeReasonIn) -> Any:
    """Destroy the person's sensitive data irrecoverably; refused under a legal hold."""
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    p = services.purge_person(actor=actor, person=person, reason=payload.reason)
    return 201, PurgeOut(
        id=p.pk, person=p.person_id_erased, category=p.category, purged_at=p.created_at
    )


@router.get("/breaches", perm=Perm.PRIVACY_VIEW, response={200: BreachPage, **_READ})
def list_breaches(request: HttpRequest) -> Any:
    """The breach register with its 48 h notice and 72 h report clocks."""
    breaches = list(selectors.breach_list_for(actor=actor_of(request))[:500])
    return {"items": [breach_out(c) for c in selectors.breach_clocks(breaches)]}


@router.post("/breaches", perm=Perm.PRIVACY_MANAGE, response={201: BreachOut, **_WRITE})
def record_breach(request: HttpRequest, payload: BreachIn) -> Any:
    b = services.breach_record(actor=actor_of(request), **payload.dict())
    return 201, breach_out(selectors.breach_clocks([b])[0])


@router.post(
    "/breaches/{breach_id}/notify", perm=Perm.PRIVACY_MANAGE, response={200: BreachOut, **_WRITE}
)
def notify_breach(request: HttpRequest, breach_id: uuid.UUID, payload: BreachStepIn) -> Any:
    actor = actor_of(request)
    b = selectors.breach_get_for(actor=actor, breach_id=breach_id)
    b = services.breach_notify(actor=actor, breach=b, reference=payload.reference)
    return breach_out(selectors.breach_clocks([b])[0])


@router.post(
    "/breaches/{breach_id}/report", perm=Perm.PRIVACY_MANAGE, response={200: BreachOut, **_WRITE}
)
def report_breach(request: HttpRequest, breach_id: uuid.UUID, payload: BreachStepIn) -> Any:
    actor = actor_of(request)
    b = selectors.breach_get_for(actor=actor, breach_id=breach_id)
    b = services.breach_report(actor=actor, breach=b, reference=payload.reference)
    return breach_out(selectors.breach_clocks([b])[0])


@router.get("/exports", perm=Perm.PRIVACY_VIEW, response={200: ExportPage, **_READ})
def list_exports(request: HttpRequest) -> Any:
    """Exports that left the receiving state, with their legal basis (D2)."""
    return {"items": [export_out(e) for e in selectors.export_list_for(actor=actor_of(request))]}
