"""The referral API and, under it, the vetting API (issue 4): facts, evaluations, decisions,
overrides, notices, alerts and the queue."""

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements.selectors import agreement_get_for
from ikaze.core import clock
from ikaze.core.errors import NotFound, ValidationError
from ikaze.core.pagination import paginate
from ikaze.core.text import IsoDate
from ikaze.people import services as people
from ikaze.people import validation as v
from ikaze.vetting import selectors, services
from ikaze.vetting.models import Referral
from ikaze.vetting.schemas import (
    AcceptIn,
    AlertOut,
    AlertPage,
    AnswerIn,
    DecisionOut,
    EvaluationOut,
    FactIn,
    FactOut,
    FactRemovalIn,
    FactRemovalOut,
    JustificationIn,
    MessageOut,
    MonitorNoticePage,
    NoticeIn,
    NoticeOut,
    OverrideIn,
    OverrideOut,
    OverridePage,
    QueuePage,
    ReasonIn,
    ReferralCreateIn,
    ReferralOut,
    ReferralPage,
    RefuseIn,
    RescreenIn,
    RescreenOut,
    ResolveIn,
    SecondIn,
    ServiceIn,
    StageIn,
    alert_out,
    decision_out,
    evaluation_out,
    fact_out,
    fact_removal_out,
    message_out,
    notice_out,
    override_out,
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
            raise ValidationError.for_field("date_of_birth", exc.text()) from None
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


@router.get(
    "/referrals/{referral_id}/messages",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[MessageOut], **_READ},
)
def list_messages(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """The referral's information thread, oldest first: questions and answers."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    return [message_out(m) for m in selectors.referral_thread_for(actor=actor, referral=referral)]


@router.post(
    "/referrals/{referral_id}/answer",
    perm=Perm.REFERRAL_CREATE,
    response={201: MessageOut, **_WRITE},
)
def answer_information(request: HttpRequest, referral_id: uuid.UUID, payload: AnswerIn) -> Any:
    """Answer a request for information: text, corrections of the person, and (unless
    `resubmit` is false) the referral submitted again. Attach documents to the answer through
    `POST /api/v1/documents` with `target_type=referral_message`."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    message = services.referral_information_answer(
        actor=actor,
        referral=referral,
        answer=payload.answer,
        corrections=payload.corrections.model_dump(exclude_none=True),
        resubmit=payload.resubmit,
    )
    return 201, message_out(message)


# --- vetting (issue 4) ---------------------------------------------------------------------

vetting_router = GuardedRouter(tags=["vetting"])


def _op(name: str) -> str:
    # Operation ids are published: clients name their methods after them. These operations
    # were first served from a module vetting_api.py and keep the ids it gave them.
    return f"ikaze_vetting_vetting_api_{name}"


class QueueQuery(Schema):
    agreement: str = ""
    nationality: str = ""
    status: str = ""
    has_blocks: str = ""
    deadline: IsoDate | None = None
    page: int = 1
    size: int = 50


class PageQuery(Schema):
    page: int = 1
    size: int = 50


def _page(items: list[dict[str, Any]], page: Any) -> dict[str, Any]:
    return {"items": items, "page": page.number, "pages": page.pages, "total": page.total}


def _referral(request: HttpRequest, referral_id: uuid.UUID) -> Referral:
    return selectors.referral_vetting_get_for(actor=actor_of(request), referral_id=referral_id)


# --- queue ---------------------------------------------------------------------------------


@vetting_router.get(
    "/queue",
    perm=Perm.REFERRAL_DECIDE,
    response={200: QueuePage, **_READ},
    operation_id=_op("queue"),
)
def queue(request: HttpRequest, query: Query[QueueQuery]) -> Any:
    """The vetting queue, oldest submission first, filtered like the page."""
    qs = selectors.referral_queue_for(
        actor=actor_of(request),
        agreement=query.agreement,
        nationality=query.nationality,
        status=query.status,
        has_blocks=query.has_blocks,
        deadline=query.deadline,
    )
    page = paginate(qs, page=query.page, size=query.size)
    return _page(
        [
            {
                "id": r.pk,
                "agreement": r.agreement.code,
                "person_name": r.person.full_name,
                "nationalities": list(r.person.nationalities or []),
                "status": r.status,
                "submitted_at": r.submitted_at,
                "blocked": r.latest_blocked,
                "open_alert": r.open_alert,
            }
            for r in page.items
        ],
        page,
    )


# --- facts and evaluations -------------------------------------------------------------------


@vetting_router.get(
    "/referrals/{referral_id}/facts",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[FactOut], **_READ},
    operation_id=_op("list_facts"),
)
def list_facts(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """The person's legal timeline (receiving side and monitor)."""
    referral = _referral(request, referral_id)
    return [
        fact_out(f) for f in selectors.legal_facts_for(actor=actor_of(request), referral=referral)
    ]


@vetting_router.post(
    "/referrals/{referral_id}/facts",
    perm=Perm.FACT_RECORD,
    response={201: FactOut, **_WRITE},
    operation_id=_op("record_fact"),
)
def record_fact(request: HttpRequest, referral_id: uuid.UUID, payload: FactIn) -> Any:
    """Record a legal fact; the person's referrals are re-evaluated at once."""
    actor = actor_of(request)
    referral = _referral(request, referral_id)
    supersedes = (
        selectors.fact_get_for(actor=actor, fact_id=payload.supersedes)
        if payload.supersedes
        else None
    )
    fact = services.legal_fact_record(
        actor=actor,
        referral=referral,
        kind=payload.kind,
        payload=payload.payload,
        effective_at=payload.effective_at,
        source_document=payload.source_document,
        supersedes=supersedes,
    )
    return 201, fact_out(fact)


# --- removing a protective fact (SAFEGUARDS F1) -------------------------------------------


@vetting_router.get(
    "/referrals/{referral_id}/fact-removals",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[FactRemovalOut], **_READ},
    operation_id=_op("list_fact_removals"),
)
def list_fact_removals(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Requests to retract or correct the person's protective facts, newest first."""
    referral = _referral(request, referral_id)
    return [
        fact_removal_out(r)
        for r in selectors.fact_removals_for(actor=actor_of(request), referral=referral)
    ]


@vetting_router.post(
    "/referrals/{referral_id}/fact-removals",
    perm=Perm.FACT_RECORD,
    response={201: FactRemovalOut, **_WRITE},
    operation_id=_op("request_fact_removal"),
)
def request_fact_removal(
    request: HttpRequest, referral_id: uuid.UUID, payload: FactRemovalIn
) -> Any:
    """Ask to retract or correct a protective fact; it stands until a different senior
    officer seconds it (a token never can: 403)."""
    actor = actor_of(request)
    referral = _referral(request, referral_id)
    target = selectors.fact_get_for(actor=actor, fact_id=payload.fact_id)
    removal = services.fact_removal_request(
        actor=actor,
        referral=referral,
        target=target,
        kind=payload.kind,
        payload=payload.payload,
        effective_at=payload.effective_at,
        justification=payload.justification,
        source_document=payload.source_document,
    )
    return 201, fact_removal_out(removal)


@vetting_router.post(
    "/fact-removals/{fact_removal_id}/second",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: FactRemovalOut, **_WRITE},
    operation_id=_op("second_fact_removal"),
)
def second_fact_removal(request: HttpRequest, fact_removal_id: uuid.UUID, payload: SecondIn) -> Any:
    """Second a removal as a different senior officer: the fact is retracted or corrected
    now, the person re-screened, and the monitor told."""
    actor = actor_of(request)
    removal = selectors.fact_removal_get_for(actor=actor, fact_removal_id=fact_removal_id)
    return fact_removal_out(
        services.fact_removal_second(
            actor=actor,
            fact_removal=removal,
            justification=payload.justification,
            source_document=payload.source_document,
        )
    )


@vetting_router.post(
    "/fact-removals/{fact_removal_id}/decline",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: FactRemovalOut, **_WRITE},
    operation_id=_op("decline_fact_removal"),
)
def decline_fact_removal(
    request: HttpRequest, fact_removal_id: uuid.UUID, payload: JustificationIn
) -> Any:
    """Decline a removal request: the fact stands."""
    actor = actor_of(request)
    removal = selectors.fact_removal_get_for(actor=actor, fact_removal_id=fact_removal_id)
    return fact_removal_out(
        services.fact_removal_decline(
            actor=actor, fact_removal=removal, justification=payload.justification
        )
    )


@vetting_router.post(
    "/referrals/{referral_id}/evaluate",
    perm=Perm.FACT_RECORD,
    response={201: EvaluationOut, **_WRITE},
    operation_id=_op("evaluate"),
)
def evaluate(request: HttpRequest, referral_id: uuid.UUID, payload: StageIn) -> Any:
    """Run the safeguard rules at a stage and store the evaluation."""
    actor = actor_of(request)
    row = services.referral_evaluate(
        actor=actor, referral=_referral(request, referral_id), stage=payload.stage
    )
    return 201, evaluation_out(row)


@vetting_router.post(
    "/rescreen",
    perm=Perm.REFERRAL_DECIDE,
    response={200: RescreenOut, **_WRITE},
    operation_id=_op("rescreen"),
)
def rescreen(request: HttpRequest, payload: RescreenIn) -> Any:
    """Evaluate open and accepted referrals again with the rule set in force (by default only
    those last evaluated with an older one). Accepted people a block now stands against get an
    alert. Nobody is decided or moved."""
    return services.referrals_rescreen(
        actor=actor_of(request), agreement_code=payload.agreement, every=payload.every
    )


@vetting_router.get(
    "/referrals/{referral_id}/evaluation",
    perm=Perm.REFERRAL_VIEW,
    response={200: EvaluationOut, **_READ},
    operation_id=_op("latest_evaluation"),
)
def latest_evaluation(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """The latest evaluation and every finding (404 if never evaluated)."""
    ev = selectors.latest_evaluation_for(
        actor=actor_of(request), referral=_referral(request, referral_id)
    )
    if ev is None:
        raise NotFound("This referral has not been evaluated yet.")
    return evaluation_out(ev)


# --- decisions -----------------------------------------------------------------------------


@vetting_router.get(
    "/referrals/{referral_id}/decisions",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[DecisionOut], **_READ},
    operation_id=_op("list_decisions"),
)
def list_decisions(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Decisions on a referral (a sending liaison sees those on its own referrals)."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    return [decision_out(d) for d in selectors.decisions_for(actor=actor, referral=referral)]


@vetting_router.post(
    "/referrals/{referral_id}/accept",
    perm=Perm.REFERRAL_DECIDE,
    response={201: DecisionOut, **_WRITE},
    operation_id=_op("accept"),
)
def accept(request: HttpRequest, referral_id: uuid.UUID, payload: AcceptIn) -> Any:
    """Accept the person (refused with 409 while any block stands, or when the cap is full)."""
    d = services.referral_accept(
        actor=actor_of(request), referral=_referral(request, referral_id), reason=payload.reason
    )
    return 201, decision_out(d)


@vetting_router.post(
    "/referrals/{referral_id}/refuse",
    perm=Perm.REFERRAL_DECIDE,
    response={201: DecisionOut, **_WRITE},
    operation_id=_op("refuse"),
)
def refuse(request: HttpRequest, referral_id: uuid.UUID, payload: RefuseIn) -> Any:
    """Refuse the person with reason codes (e.g. incomplete_referral) and text."""
    d = services.referral_refuse(
        actor=actor_of(request),
        referral=_referral(request, referral_id),
        reason_codes=payload.reason_codes,
        reason=payload.reason,
    )
    return 201, decision_out(d)


# --- overrides -----------------------------------------------------------------------------


@vetting_router.get(
    "/overrides",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: OverridePage, **_READ},
    operation_id=_op("list_overrides"),
)
def list_overrides(request: HttpRequest, query: Query[PageQuery], status: str = "requested") -> Any:
    """Override requests (by default, those waiting for a second senior officer)."""
    page = paginate(
        selectors.override_list_for(actor=actor_of(request), status=status),
        page=query.page,
        size=query.size,
    )
    return _page([override_out(o) for o in page.items], page)


@vetting_router.post(
    "/referrals/{referral_id}/overrides",
    perm=Perm.OVERRIDE_REQUEST,
    response={201: OverrideOut, **_WRITE},
    operation_id=_op("request_override"),
)
def request_override(request: HttpRequest, referral_id: uuid.UUID, payload: OverrideIn) -> Any:
    """Request an override of a non-absolute block (a senior officer; absolute rules: 409)."""
    o = services.override_request(
        actor=actor_of(request),
        referral=_referral(request, referral_id),
        rule_id=payload.rule_id,
        justification=payload.justification,
    )
    return 201, override_out(o)


@vetting_router.post(
    "/overrides/{override_id}/second",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: OverrideOut, **_WRITE},
    operation_id=_op("second_override"),
)
def second_override(request: HttpRequest, override_id: uuid.UUID, payload: JustificationIn) -> Any:
    """Second an override as a different senior officer; the monitor is told."""
    actor = actor_of(request)
    o = selectors.override_get_for(actor=actor, override_id=override_id)
    return override_out(
        services.override_second(actor=actor, override=o, justification=payload.justification)
    )


@vetting_router.post(
    "/overrides/{override_id}/decline",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: OverrideOut, **_WRITE},
    operation_id=_op("decline_override"),
)
def decline_override(request: HttpRequest, override_id: uuid.UUID, payload: JustificationIn) -> Any:
    """Decline an override request; the block stands."""
    actor = actor_of(request)
    o = selectors.override_get_for(actor=actor, override_id=override_id)
    return override_out(
        services.override_decline(actor=actor, override=o, justification=payload.justification)
    )


# --- notices -------------------------------------------------------------------------------


@vetting_router.get(
    "/referrals/{referral_id}/notices",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[NoticeOut], **_READ},
    operation_id=_op("list_notices"),
)
def list_notices(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Notices issued for a referral."""
    referral = _referral(request, referral_id)
    return [
        notice_out(n) for n in selectors.notices_for(actor=actor_of(request), referral=referral)
    ]


@vetting_router.post(
    "/referrals/{referral_id}/notices",
    perm=Perm.NOTICE_ISSUE,
    response={201: NoticeOut, **_WRITE},
    operation_id=_op("issue_notice"),
)
def issue_notice(request: HttpRequest, referral_id: uuid.UUID, payload: NoticeIn) -> Any:
    """Issue a decision or transfer notice as PDF in the person's language. No transfer
    notice while an alert on the person is open (409 `alert_open`) or a block stands (409
    `block_stands`). Everything the notice says is in its language: a decision's written reason
    comes translated (`reason_translation`), or an interpreter is recorded
    (`interpreter_name`, `interpreter_language`); else 409 `notice_untranslated`. 409
    `notice_settings_missing` until the agreement's notice settings name its authorities."""
    n = services.notice_issue(
        actor=actor_of(request),
        referral=_referral(request, referral_id),
        kind=payload.kind,
        reason_translation=payload.reason_translation,
        interpreter_name=payload.interpreter_name,
        interpreter_language=payload.interpreter_language,
    )
    return 201, notice_out(n)


_PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The notice as PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@vetting_router.get(
    "/notices/{notice_id}/pdf",
    perm=Perm.REFERRAL_VIEW,
    response={404: ErrorOut},
    openapi_extra=_PDF_RESPONSE,
    operation_id=_op("notice_pdf"),
)
def notice_pdf(request: HttpRequest, notice_id: uuid.UUID) -> Any:
    """Download a notice's PDF."""
    n = selectors.notice_get_for(actor=actor_of(request), notice_id=notice_id)
    response = HttpResponse(bytes(n.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{n.notice_ref}.pdf"'
    return response


@vetting_router.post(
    "/notices/{notice_id}/service",
    perm=Perm.NOTICE_ISSUE,
    response={200: NoticeOut, **_WRITE},
    operation_id=_op("record_service"),
)
def record_service(request: HttpRequest, notice_id: uuid.UUID, payload: ServiceIn) -> Any:
    """Record proof of service (SAFEGUARDS A9)."""
    actor = actor_of(request)
    n = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    return notice_out(
        services.notice_record_service(
            actor=actor,
            notice=n,
            served_on_person_at=payload.served_on_person_at,
            proof_reference=payload.proof_reference,
            served_on_counsel_at=payload.served_on_counsel_at,
            counsel_name=payload.counsel_name,
            translation_recorded=payload.translation_recorded,
            interpreter_language=payload.interpreter_language,
        )
    )


@vetting_router.post(
    "/notices/{notice_id}/confirm-service",
    perm=Perm.NOTICE_ISSUE,
    response={200: NoticeOut, **_WRITE},
    operation_id=_op("confirm_service"),
)
def confirm_service(request: HttpRequest, notice_id: uuid.UUID, payload: JustificationIn) -> Any:
    """Confirm, as a second named officer, a service recorded late, saying how the proof was
    checked (SAFEGUARDS F3)."""
    actor = actor_of(request)
    n = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    return notice_out(
        services.notice_confirm_service(actor=actor, notice=n, justification=payload.justification)
    )


# --- alerts and the monitor ------------------------------------------------------------------


@vetting_router.get(
    "/alerts",
    perm=Perm.REFERRAL_VIEW,
    response={200: AlertPage, **_READ},
    operation_id=_op("list_alerts"),
)
def list_alerts(request: HttpRequest, query: Query[PageQuery], open_only: bool = True) -> Any:
    """Accepted people whom a later fact now blocks."""
    page = paginate(
        selectors.alert_list_for(actor=actor_of(request), open_only=open_only),
        page=query.page,
        size=query.size,
    )
    return _page([alert_out(a) for a in page.items], page)


@vetting_router.post(
    "/alerts/{alert_id}/resolve",
    perm=Perm.REFERRAL_DECIDE,
    response={200: AlertOut, **_WRITE},
    operation_id=_op("resolve_alert"),
)
def resolve_alert(request: HttpRequest, alert_id: uuid.UUID, payload: ResolveIn) -> Any:
    """Close an alert, saying how it was dealt with: only once the block it reports is gone
    (409 `block_stands` names the rules still blocking) or the acceptance has ended."""
    actor = actor_of(request)
    a = selectors.alert_get_for(actor=actor, alert_id=alert_id)
    return alert_out(services.alert_resolve(actor=actor, alert=a, resolution=payload.resolution))


@vetting_router.get(
    "/monitor-notices",
    perm=Perm.REFERRAL_VIEW,
    response={200: MonitorNoticePage, **_READ},
    operation_id=_op("list_monitor_notices"),
)
def list_monitor_notices(request: HttpRequest, query: Query[PageQuery]) -> Any:
    """What the monitor was told: overrides approved, alerts raised, protective facts removed,
    facts and services recorded late."""
    page = paginate(
        selectors.monitor_notice_list_for(actor=actor_of(request)), page=query.page, size=query.size
    )
    items = [
        {
            "id": m.pk,
            "kind": m.kind,
            "referral_id": m.referral_id,
            "override_id": m.override_id,
            "alert_id": m.alert_id,
            "fact_removal_id": m.fact_removal_id,
            "legal_event_id": m.legal_event_id,
            "message": m.message,
            "created_at": m.created_at,
        }
        for m in page.items
    ]
    return _page(items, page)


router.add_router("", vetting_router)
