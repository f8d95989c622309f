from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements import selectors, services
from ikaze.agreements.notice_settings import NoticeSettings
from ikaze.agreements.schemas import (
    AgreementCreateIn,
    AgreementDetailOut,
    AgreementOut,
    AgreementPage,
    AgreementPatchIn,
    CompensationLineIn,
    CompensationLineOut,
    PaymentIn,
    PaymentOut,
    ReversalIn,
    SupportItemIn,
    SupportItemOut,
    TrancheIn,
    TrancheOut,
    TransitionIn,
    agreement_detail_out,
    agreement_list_item_out,
    agreement_out,
    decimal_or_text,
    payment_out,
)
from ikaze.core.errors import NotFound

router = GuardedRouter(tags=["agreements"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ListQuery(Schema):
    status: str = ""
    page: int = 1
    size: int = 50


@router.get(
    "",
    perm=Perm.AGREEMENT_VIEW,
    response={200: AgreementPage, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
)
def list_agreements(request: HttpRequest, query: Query[ListQuery]) -> Any:
    """List the agreements you may see: parties, status, cap use and below-standard settings.

    The rest of an agreement (instrument, validity, every setting, money) is at /{code}.
    """
    page = selectors.agreement_list_rows(
        actor=actor_of(request), status=query.status, page=query.page, size=query.size
    )
    return {
        "items": [agreement_list_item_out(row) for row in page.rows],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }


@router.get("/{code}", perm=Perm.AGREEMENT_VIEW, response={200: AgreementDetailOut, **_READ})
def get_agreement(request: HttpRequest, code: str) -> Any:
    """One agreement with its cap periods, support package, schedule, payments and money."""
    agreement = selectors.agreement_get_for(actor=actor_of(request), code=code)
    return agreement_detail_out(agreement)


@router.post("", perm=Perm.AGREEMENT_MANAGE, response={201: AgreementOut, **_WRITE})
def create_agreement(request: HttpRequest, payload: AgreementCreateIn) -> Any:
    """Create an agreement in draft."""
    data = payload.model_dump()
    code = data.pop("code")
    agreement = services.agreement_create(actor=actor_of(request), code=code, fields=data)
    return 201, agreement_out(agreement)


@router.patch("/{code}", perm=Perm.AGREEMENT_MANAGE, response={200: AgreementOut, **_WRITE})
def update_agreement(request: HttpRequest, code: str, payload: AgreementPatchIn) -> Any:
    """Edit an agreement; send the `version` you read (409 stale_version if it changed)."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    agreement = services.agreement_update(
        actor=actor, agreement=agreement, version=version, changes=changes
    )
    return agreement_out(agreement)


@router.post(
    "/{code}/transitions", perm=Perm.AGREEMENT_TRANSITION, response={200: AgreementOut, **_WRITE}
)
def transition_agreement(request: HttpRequest, code: str, payload: TransitionIn) -> Any:
    """Change the status (suspend and resume: senior officer; other steps: administrator)."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    agreement = services.agreement_transition(
        actor=actor, agreement=agreement, to=payload.to, reason=payload.reason
    )
    return agreement_out(agreement)


@router.post(
    "/{code}/payments", perm=Perm.INTERSTATE_PAYMENT_RECORD, response={201: PaymentOut, **_WRITE}
)
def record_payment(request: HttpRequest, code: str, payload: PaymentIn) -> Any:
    """Record a payment from the sending state against a schedule line (SAFEGUARDS C5).

    One currency per line: a payment in another currency is refused
    (`payment_currency_mismatch`) unless `exchange_rate`, `rate_on` and `rate_source` are given.
    """
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    data = payload.model_dump()
    data["exchange_rate"] = decimal_or_text(data["exchange_rate"])
    p = services.interstate_payment_record(actor=actor, agreement=agreement, **data)
    return 201, payment_out(p, unscheduled=p.line_id is None, reversed_=False)


@router.post(
    "/{code}/payments/{payment_id}/reversal",
    perm=Perm.INTERSTATE_PAYMENT_RECORD,
    response={201: PaymentOut, **_WRITE},
)
def reverse_payment(request: HttpRequest, code: str, payment_id: str, payload: ReversalIn) -> Any:
    """Reverse a payment with a new record that points to it (a payment is never edited).

    Refused: `payment_already_reversed`, `payment_is_reversal`.
    """
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    r = services.interstate_payment_reverse(
        actor=actor, agreement=agreement, payment_id=payment_id, **payload.model_dump()
    )
    return 201, payment_out(r, unscheduled=r.line_id is None, reversed_=False)


@router.put(
    "/{code}/notice-settings",
    perm=Perm.AGREEMENT_MANAGE,
    response={200: NoticeSettings, **_WRITE},
)
def set_notice_settings(request: HttpRequest, code: str, payload: NoticeSettings) -> Any:
    """Set what the agreement's notices name, per language (en, es, fr, rw): the authorities
    with their articles, the issuing office and its address, the place of signature, the
    appeal body, the legal-aid provider and the monitor, with their contacts."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    agreement = services.agreement_notice_settings_set(
        actor=actor, agreement=agreement, settings=payload.model_dump()
    )
    return agreement.notice_settings


@router.get(
    "/{code}/notice-settings",
    perm=Perm.AGREEMENT_VIEW,
    response={200: NoticeSettings, **_READ},
)
def get_notice_settings(request: HttpRequest, code: str) -> Any:
    """What the agreement's notices name, per language (404 until set)."""
    agreement = selectors.agreement_get_for(actor=actor_of(request), code=code)
    current = selectors.agreement_notice_settings(agreement)
    if current is None:
        raise NotFound("The notice settings of this agreement are not set.")
    return current


@router.post("/{code}/tranches", perm=Perm.AGREEMENT_MANAGE, response={201: TrancheOut, **_WRITE})
def add_tranche(request: HttpRequest, code: str, payload: TrancheIn) -> Any:
    """Add a cap period (periods of one agreement never overlap)."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    t = services.tranche_add(actor=actor, agreement=agreement, **payload.model_dump())
    return 201, {
        "id": str(t.pk),
        "label": t.label,
        "starts_on": t.starts_on,
        "ends_on": t.ends_on,
        "cap": t.cap,
        "places_used": t.places_used,
    }


@router.post(
    "/{code}/support-items", perm=Perm.AGREEMENT_MANAGE, response={201: SupportItemOut, **_WRITE}
)
def add_support_item(request: HttpRequest, code: str, payload: SupportItemIn) -> Any:
    """Add an entitlement to the support package."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    s = services.support_item_add(actor=actor, agreement=agreement, **payload.model_dump())
    return 201, {
        "id": str(s.pk),
        "kind": s.kind,
        "description": s.description,
        "amount_minor": s.amount_minor,
        "currency": s.currency,
        "frequency": s.frequency,
        "duration_months": s.duration_months,
    }


@router.post(
    "/{code}/compensation-lines",
    perm=Perm.AGREEMENT_MANAGE,
    response={201: CompensationLineOut, **_WRITE},
)
def add_compensation_line(request: HttpRequest, code: str, payload: CompensationLineIn) -> Any:
    """Add a line to the compensation schedule."""
    actor = actor_of(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    line = services.compensation_line_add(actor=actor, agreement=agreement, **payload.model_dump())
    due = selectors.line_due(line, selectors.relocated_count(agreement)).due
    return 201, {
        "id": str(line.pk),
        "category": line.category,
        "description": line.description,
        "amount_minor": line.amount_minor,
        "currency": line.currency,
        "trigger_people": line.trigger_people,
        "per_person": line.per_person,
        "due_so_far": {"amount_minor": due.minor, "currency": due.currency},
        # A new line has no payment against it yet: all that is due is in arrears.
        "paid": {"amount_minor": 0, "currency": line.currency},
        "arrears": {"amount_minor": due.minor, "currency": due.currency},
    }
