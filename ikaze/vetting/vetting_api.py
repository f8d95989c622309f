import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.api_routing import GuardedRouter, actor_of
from ikaze.core.pagination import paginate
from ikaze.vetting import selectors as sel
from ikaze.vetting import services
from ikaze.vetting.models import (
    Alert,
    Decision,
    Evaluation,
    LegalEventRecord,
    Notice,
    Override,
    Referral,
)

vetting_router = GuardedRouter(tags=["vetting"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {**_READ, 409: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------


class FactIn(Schema):
    kind: str
    payload: dict[str, Any]
    effective_at: dt.date
    source_document: str
    supersedes: uuid.UUID | None = None


class FactOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    referral_id: uuid.UUID | None
    kind: str
    payload: dict[str, Any]
    effective_at: dt.date
    recorded_at: dt.datetime
    source_document: str
    recorded_by: str
    supersedes: uuid.UUID | None


class FindingOut(Schema):
    rule_id: str
    outcome: str
    kind: str
    message: str
    facts_used: dict[str, Any]
    overridable: bool


class EvaluationOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    stage: str
    ruleset_version: str
    inputs_hash: str
    evaluated_at: dt.datetime
    blocked: bool
    findings: list[FindingOut]


class StageIn(Schema):
    stage: str = "decision"


class DecisionOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    outcome: str
    reason_codes: list[str]
    reason: str
    officer: str
    decided_at: dt.datetime
    expires_at: dt.datetime | None
    evaluation_id: uuid.UUID


class AcceptIn(Schema):
    reason: str


class RefuseIn(Schema):
    reason_codes: list[str]
    reason: str = ""


class OverrideIn(Schema):
    rule_id: str
    justification: str


class JustificationIn(Schema):
    justification: str


class OverrideOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    rule_id: str
    status: str
    requested_by: str
    request_justification: str
    requested_at: dt.datetime
    seconded_by: str
    second_justification: str
    seconded_at: dt.datetime | None


class OverridePage(Schema):
    items: list[OverrideOut]
    page: int
    pages: int
    total: int


class NoticeIn(Schema):
    kind: str


class NoticeOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    kind: str
    notice_ref: str
    language: str
    template_language: str
    needs_translation: bool
    translation_recorded: bool
    interpreter_language: str
    pdf_sha256: str
    issued_at: dt.datetime
    served_on_person_at: dt.datetime | None
    served_on_counsel_at: dt.datetime | None
    proof_reference: str


class ServiceIn(Schema):
    served_on_person_at: dt.datetime
    proof_reference: str
    served_on_counsel_at: dt.datetime | None = None
    counsel_name: str = ""
    translation_recorded: bool = False
    interpreter_language: str = Field("", max_length=3)


class AlertOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    reason: str
    rule_ids: list[str]
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str


class AlertPage(Schema):
    items: list[AlertOut]
    page: int
    pages: int
    total: int


class ResolveIn(Schema):
    resolution: str


class MonitorNoticeOut(Schema):
    id: uuid.UUID
    kind: str
    referral_id: uuid.UUID
    override_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    message: str
    created_at: dt.datetime


class MonitorNoticePage(Schema):
    items: list[MonitorNoticeOut]
    page: int
    pages: int
    total: int


class QueueItemOut(Schema):
    id: uuid.UUID
    agreement: str
    person_name: str
    nationalities: list[str]
    status: str
    submitted_at: dt.datetime | None
    blocked: bool | None
    open_alert: bool


class QueuePage(Schema):
    items: list[QueueItemOut]
    page: int
    pages: int
    total: int


class QueueQuery(Schema):
    agreement: str = ""
    nationality: str = ""
    status: str = ""
    has_blocks: str = ""
    deadline: dt.date | None = None
    page: int = 1
    size: int = 50


class PageQuery(Schema):
    page: int = 1
    size: int = 50


# --- conversions ---------------------------------------------------------------------------


def fact_out(f: LegalEventRecord) -> dict[str, Any]:
    return {
        "id": f.pk,
        "person_id": f.person_id,
        "referral_id": f.referral_id,
        "kind": f.kind,
        "payload": f.payload,
        "effective_at": f.effective_at,
        "recorded_at": f.recorded_at,
        "source_document": f.source_document,
        "recorded_by": f.recorded_by_label,
        "supersedes": f.supersedes_id,
    }


def evaluation_out(ev: Evaluation) -> dict[str, Any]:
    findings = getattr(ev, "ordered_findings", None) or ev.finding_list()
    return {
        "id": ev.pk,
        "referral_id": ev.referral_id,
        "stage": ev.stage,
        "ruleset_version": ev.ruleset_version,
        "inputs_hash": ev.inputs_hash,
        "evaluated_at": ev.evaluated_at,
        "blocked": ev.blocked,
        "findings": [
            {
                "rule_id": f.rule_id,
                "outcome": f.outcome,
                "kind": f.kind,
                "message": f.render_message(),
                "facts_used": f.facts_used,
                "overridable": f.overridable,
            }
            for f in findings
        ],
    }


def decision_out(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "referral_id": d.referral_id,
        "outcome": d.outcome,
        "reason_codes": d.reason_codes,
        "reason": d.reason,
        "officer": d.officer_name,
        "decided_at": d.decided_at,
        "expires_at": d.expires_at,
        "evaluation_id": d.evaluation_id,
    }


def override_out(o: Override) -> dict[str, Any]:
    return {
        "id": o.pk,
        "referral_id": o.referral_id,
        "rule_id": o.rule_id,
        "status": o.status,
        "requested_by": o.requested_by_name,
        "request_justification": o.request_justification,
        "requested_at": o.requested_at,
        "seconded_by": o.seconded_by_name,
        "second_justification": o.second_justification,
        "seconded_at": o.seconded_at,
    }


def notice_out(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "referral_id": n.referral_id,
        "kind": n.kind,
        "notice_ref": n.notice_ref,
        "language": n.language,
        "template_language": n.template_language,
        "needs_translation": n.needs_translation,
        "translation_recorded": n.translation_recorded,
        "interpreter_language": n.interpreter_language,
        "pdf_sha256": n.pdf_sha256,
        "issued_at": n.issued_at,
        "served_on_person_at": n.served_on_person_at,
        "served_on_counsel_at": n.served_on_counsel_at,
        "proof_reference": n.proof_reference,
    }


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "referral_id": a.referral_id,
        "reason": a.reason,
        "rule_ids": a.rule_ids,
        "raised_at": a.raised_at,
        "resolved_at": a.resolved_at,
        "resolution": a.resolution,
    }


def _page(items: list[dict[str, Any]], page: Any) -> dict[str, Any]:
    return {"items": items, "page": page.number, "pages": page.pages, "total": page.total}


def _referral(request: HttpRequest, referral_id: uuid.UUID) -> Referral:
    return sel.referral_vetting_get_for(actor=actor_of(request), referral_id=referral_id)


# --- queue ---------------------------------------------------------------------------------


@vetting_router.get("/queue", perm=Perm.REFERRAL_DECIDE, response={200: QueuePage, **_READ})
def queue(request: HttpRequest, query: Query[QueueQuery]) -> Any:
    """The vetting queue, oldest submission first, filtered like the page."""
    qs = sel.referral_queue_for(
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
)
def list_facts(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """The person's legal timeline (receiving side and monitor)."""
    referral = _referral(request, referral_id)
    return [fact_out(f) for f in sel.legal_facts_for(actor=actor_of(request), referral=referral)]


@vetting_router.post(
    "/referrals/{referral_id}/facts", perm=Perm.FACT_RECORD, response={201: FactOut, **_WRITE}
)
def record_fact(request: HttpRequest, referral_id: uuid.UUID, payload: FactIn) -> Any:
    """Record a legal fact; the person's referrals are re-evaluated at once."""
    actor = actor_of(request)
    referral = _referral(request, referral_id)
    supersedes = (
        sel.fact_get_for(actor=actor, fact_id=payload.supersedes) if payload.supersedes else None
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


@vetting_router.post(
    "/referrals/{referral_id}/evaluate",
    perm=Perm.FACT_RECORD,
    response={201: EvaluationOut, **_WRITE},
)
def evaluate(request: HttpRequest, referral_id: uuid.UUID, payload: StageIn) -> Any:
    """Run the safeguard rules at a stage and store the evaluation."""
    actor = actor_of(request)
    row = services.referral_evaluate(
        actor=actor, referral=_referral(request, referral_id), stage=payload.stage
    )
    return 201, evaluation_out(row)


@vetting_router.get(
    "/referrals/{referral_id}/evaluation",
    perm=Perm.REFERRAL_VIEW,
    response={200: EvaluationOut, **_READ},
)
def latest_evaluation(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """The latest evaluation and every finding (404 if never evaluated)."""
    from ikaze.core.errors import NotFound

    ev = sel.latest_evaluation_for(
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
)
def list_decisions(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Decisions on a referral (a sending liaison sees those on its own referrals)."""
    from ikaze.vetting.selectors import referral_get_for

    actor = actor_of(request)
    referral = referral_get_for(actor=actor, referral_id=referral_id)
    return [decision_out(d) for d in sel.decisions_for(actor=actor, referral=referral)]


@vetting_router.post(
    "/referrals/{referral_id}/accept",
    perm=Perm.REFERRAL_DECIDE,
    response={201: DecisionOut, **_WRITE},
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


@vetting_router.get("/overrides", perm=Perm.OVERRIDE_APPROVE, response={200: OverridePage, **_READ})
def list_overrides(request: HttpRequest, query: Query[PageQuery], status: str = "requested") -> Any:
    """Override requests (by default, those waiting for a second senior officer)."""
    page = paginate(
        sel.override_list_for(actor=actor_of(request), status=status),
        page=query.page,
        size=query.size,
    )
    return _page([override_out(o) for o in page.items], page)


@vetting_router.post(
    "/referrals/{referral_id}/overrides",
    perm=Perm.OVERRIDE_REQUEST,
    response={201: OverrideOut, **_WRITE},
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
)
def second_override(request: HttpRequest, override_id: uuid.UUID, payload: JustificationIn) -> Any:
    """Second an override as a different senior officer; the monitor is told."""
    actor = actor_of(request)
    o = sel.override_get_for(actor=actor, override_id=override_id)
    return override_out(
        services.override_second(actor=actor, override=o, justification=payload.justification)
    )


@vetting_router.post(
    "/overrides/{override_id}/decline",
    perm=Perm.OVERRIDE_APPROVE,
    response={200: OverrideOut, **_WRITE},
)
def decline_override(request: HttpRequest, override_id: uuid.UUID, payload: JustificationIn) -> Any:
    """Decline an override request; the block stands."""
    actor = actor_of(request)
    o = sel.override_get_for(actor=actor, override_id=override_id)
    return override_out(
        services.override_decline(actor=actor, override=o, justification=payload.justification)
    )


# --- notices -------------------------------------------------------------------------------


@vetting_router.get(
    "/referrals/{referral_id}/notices",
    perm=Perm.REFERRAL_VIEW,
    response={200: list[NoticeOut], **_READ},
)
def list_notices(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    """Notices issued for a referral."""
    referral = _referral(request, referral_id)
    return [notice_out(n) for n in sel.notices_for(actor=actor_of(request), referral=referral)]


@vetting_router.post(
    "/referrals/{referral_id}/notices",
    perm=Perm.NOTICE_ISSUE,
    response={201: NoticeOut, **_WRITE},
)
def issue_notice(request: HttpRequest, referral_id: uuid.UUID, payload: NoticeIn) -> Any:
    """Issue a decision or transfer notice as PDF in the person's language."""
    n = services.notice_issue(
        actor=actor_of(request), referral=_referral(request, referral_id), kind=payload.kind
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
)
def notice_pdf(request: HttpRequest, notice_id: uuid.UUID) -> Any:
    """Download a notice's PDF."""
    n = sel.notice_get_for(actor=actor_of(request), notice_id=notice_id)
    response = HttpResponse(bytes(n.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{n.notice_ref}.pdf"'
    return response


@vetting_router.post(
    "/notices/{notice_id}/service",
    perm=Perm.NOTICE_ISSUE,
    response={200: NoticeOut, **_WRITE},
)
def record_service(request: HttpRequest, notice_id: uuid.UUID, payload: ServiceIn) -> Any:
    """Record proof of service (SAFEGUARDS A9)."""
    actor = actor_of(request)
    n = sel.notice_get_for(actor=actor, notice_id=notice_id)
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


# --- alerts and the monitor ------------------------------------------------------------------


@vetting_router.get("/alerts", perm=Perm.REFERRAL_VIEW, response={200: AlertPage, **_READ})
def list_alerts(request: HttpRequest, query: Query[PageQuery], open_only: bool = True) -> Any:
    """Accepted people whom a later fact now blocks."""
    page = paginate(
        sel.alert_list_for(actor=actor_of(request), open_only=open_only),
        page=query.page,
        size=query.size,
    )
    return _page([alert_out(a) for a in page.items], page)


@vetting_router.post(
    "/alerts/{alert_id}/resolve", perm=Perm.REFERRAL_DECIDE, response={200: AlertOut, **_WRITE}
)
def resolve_alert(request: HttpRequest, alert_id: uuid.UUID, payload: ResolveIn) -> Any:
    """Close an alert, saying how it was dealt with."""
    actor = actor_of(request)
    a = sel.alert_get_for(actor=actor, alert_id=alert_id)
    return alert_out(services.alert_resolve(actor=actor, alert=a, resolution=payload.resolution))


@vetting_router.get(
    "/monitor-notices", perm=Perm.REFERRAL_VIEW, response={200: MonitorNoticePage, **_READ}
)
def list_monitor_notices(request: HttpRequest, query: Query[PageQuery]) -> Any:
    """What the monitor was told: overrides approved and alerts raised."""
    page = paginate(
        sel.monitor_notice_list_for(actor=actor_of(request)), page=query.page, size=query.size
    )
    items = [
        {
            "id": m.pk,
            "kind": m.kind,
            "referral_id": m.referral_id,
            "override_id": m.override_id,
            "alert_id": m.alert_id,
            "message": m.message,
            "created_at": m.created_at,
        }
        for m in page.items
    ]
    return _page(items, page)
