import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.api_routing import GuardedRouter, actor_of
from ikaze.agreements.selectors import agreement_get_for
from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.core.pagination import paginate
from ikaze.people import services as people
from ikaze.people import validation as v
from ikaze.vetting import selectors, services
from ikaze.vetting.schemas import (
    ReasonIn,
    ReferralCreateIn,
    ReferralOut,
    ReferralPage,
    referral_out,
)

router = GuardedRouter(tags=["referrals"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {**_READ, 409: ErrorOut, 422: ErrorOut}


class ListQuery(Schema):
    status: str = ""
    agreement: str = ""
    q: str = ""
    page: int = 1
    size: int = 50


@router.get("/referrals", perm=Perm.REFERRAL_VIEW, response={200: ReferralPage, **_READ})
def list_referrals(request: HttpRequest, query: Query[ListQuery]) -> Any:
    """List referrals (a sending state sees only its own), newest first."""
    actor = actor_of(request)
    qs = selectors.referral_list_for(
        actor=actor, status=query.status, agreement=query.agreement, q=query.q
    )
    page = paginate(qs.prefetch_related("person__documents"), page=query.page, size=query.size)
    selectors.referral_list_audited(actor=actor, referrals=page.items)
    return {
        "items": [referral_out(r) for r in page.items],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }


@router.post("/referrals", perm=Perm.REFERRAL_CREATE, response={201: ReferralOut, **_WRITE})
def create_referral(request: HttpRequest, payload: ReferralCreateIn) -> Any:
    """Refer a person: register them and (unless submit is false) submit the referral."""
    actor = actor_of(request)
    agreement = agreement_get_for(actor=actor, code=payload.agreement)
    dob, precision = None, "exact"
    if payload.date_of_birth:
        try:
            dob, precision = v.birth_date(payload.date_of_birth, today=clock.today_local())
        except v.FieldProblem as exc:
            raise ValidationError.for_field("date_of_birth", str(exc)) from None
    data = people.PersonIn(
        given_names=payload.given_names,
        first_surname=payload.first_surname,
        second_surname=payload.second_surname,
        name_as_in_documents=payload.name_as_in_documents,
        aliases=list(payload.aliases),
        sex=payload.sex.upper(),
        date_of_birth=dob,
        dob_precision=precision,
        place_of_birth=payload.place_of_birth,
        nationalities=list(payload.nationalities),
        languages=list(payload.languages),
        needs_interpreter=payload.needs_interpreter,
        phone=payload.phone,
        external_reference=payload.person_reference,
        documents=[
            people.DocumentIn(d.kind, d.number, d.issuing_state, d.expiry)
            for d in payload.documents
        ],
        health=payload.health,
        vulnerabilities=payload.vulnerabilities,
        health_consent=payload.health_consent,
    )
    household = (
        services.HouseholdIn(
            payload.household.reference, payload.household.role, payload.household.relationship
        )
        if payload.household
        else None
    )
    referral = services.referral_refer_person(
        actor=actor,
        agreement=agreement,
        data=data,
        external_reference=payload.external_reference,
        household=household,
        submit=payload.submit,
        source="api",
    )
    return 201, referral_out(selectors.referral_get_for(actor=actor, referral_id=referral.pk))


@router.get(
    "/referrals/{referral_id}", perm=Perm.REFERRAL_VIEW, response={200: ReferralOut, **_READ}
)
def get_referral(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """One referral."""
    return referral_out(
        selectors.referral_get_for(actor=actor_of(request), referral_id=referral_id)
    )


@router.post(
    "/referrals/{referral_id}/submit",
    perm=Perm.REFERRAL_CREATE,
    response={200: ReferralOut, **_WRITE},
)
def submit_referral(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Submit a draft (or answer a request for information); refused if incomplete (A4)."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    services.referral_submit(actor=actor, referral=referral)
    return referral_out(selectors.referral_get_for(actor=actor, referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/withdraw",
    perm=Perm.REFERRAL_CREATE,
    response={200: ReferralOut, **_WRITE},
)
def withdraw_referral(request: HttpRequest, referral_id: uuid.UUID, payload: ReasonIn) -> Any:
    """Withdraw a referral, with the reason."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    services.referral_withdraw(actor=actor, referral=referral, reason=payload.reason)
    return referral_out(selectors.referral_get_for(actor=actor, referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/review",
    perm=Perm.REFERRAL_DECIDE,
    response={200: ReferralOut, **_WRITE},
)
def start_review(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Take a submitted referral into review."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    services.referral_start_review(actor=actor, referral=referral)
    return referral_out(selectors.referral_get_for(actor=actor, referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/request-information",
    perm=Perm.REFERRAL_DECIDE,
    response={200: ReferralOut, **_WRITE},
)
def request_information(request: HttpRequest, referral_id: uuid.UUID, payload: ReasonIn) -> Any:
    """Ask the sending state for more information about a referral under review."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    services.referral_request_information(actor=actor, referral=referral, reason=payload.reason)
    return referral_out(selectors.referral_get_for(actor=actor, referral_id=referral_id))


from ikaze.vetting.vetting_api import vetting_router  # noqa: E402  (issue 4: decisions)

router.add_router("", vetting_router)
