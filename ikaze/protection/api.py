"""The protection API: cases after arrival, complaints (the monitor's), the monitor's inbox,
observations and monitor access requests."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements import selectors as agreements
from ikaze.core import monitor_inbox
from ikaze.protection import selectors, services
from ikaze.protection.models import Case
from ikaze.protection.schemas import (
    AccessDecideIn,
    AccessRequestIn,
    AccessRequestOut,
    AccessRequestPage,
    BriefIn,
    CaseDepartureIn,
    CaseDetailOut,
    CasePage,
    ClaimIn,
    CloseIn,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    ComplaintReceiptOut,
    CourtIn,
    DecisionIn,
    InboxPage,
    InterviewIn,
    MilestoneIn,
    ObservationIn,
    ObservationOut,
    ObservationPage,
    ReferralIn,
    ServeIn,
    access_request_out,
    case_detail_out,
    case_out,
    complaint_out,
    inbox_item_out,
    observation_out,
)

router = GuardedRouter(tags=["protection"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _detail(actor: Actor, case_id: Any) -> dict[str, object]:
    case = selectors.case_get_for(actor=actor, case_id=case_id)
    return case_detail_out(selectors.case_view(case=case))


def _act(
    request: HttpRequest, case_id: str, call: Callable[[Actor, Case], Any]
) -> dict[str, object]:
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, case_id=case_id)
    call(actor, case)
    return _detail(actor, case.pk)


@router.get("/cases", perm=Perm.CASE_VIEW, response={200: CasePage, **_READ})
def list_cases(request: HttpRequest, stage: str = "") -> Any:
    """The protection cases you may see (stage: open, closed, monitoring, briefing_overdue)."""
    qs = selectors.case_list_for(actor=actor_of(request), stage=stage)[:500]
    return {"items": [case_out(c) for c in qs]}


@router.get("/cases/{case_id}", perm=Perm.CASE_VIEW, response={200: CaseDetailOut, **_READ})
def get_case(request: HttpRequest, case_id: str) -> Any:
    """One case: its deadlines, stage, removal guard (B5) and decisions."""
    return _detail(actor_of(request), case_id)


@router.post(
    "/cases/{case_id}/briefing", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def brief(request: HttpRequest, case_id: str, payload: BriefIn) -> Any:
    """Record the rights briefing and its language (B2)."""
    return _act(
        request,
        case_id,
        lambda a, c: services.case_rights_brief(actor=a, case=c, language=payload.language),
    )


@router.post(
    "/cases/{case_id}/claim", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def claim(request: HttpRequest, case_id: str, payload: ClaimIn) -> Any:
    """Record the status claim (its details are sealed and never returned)."""
    return _act(
        request,
        case_id,
        lambda a, c: services.case_claim_lodge(actor=a, case=c, details=payload.details),
    )


@router.post(
    "/cases/{case_id}/interviews", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def interview(request: HttpRequest, case_id: str, payload: InterviewIn) -> Any:
    """Record an interview or hearing: interpreter language, representative or waiver (B3)."""
    return _act(
        request,
        case_id,
        lambda a, c: services.interview_record(
            actor=a,
            case=c,
            kind=payload.kind,
            held_at=payload.held_at,
            interpreter_language=payload.interpreter_language,
            legal_representative=payload.legal_representative,
            waiver_reference=payload.waiver_reference,
            notes=payload.notes,
        ),
    )


@router.post(
    "/cases/{case_id}/decisions", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def decide(request: HttpRequest, case_id: str, payload: DecisionIn) -> Any:
    """Record a written, reasoned decision (B4); serve it next."""
    return _act(
        request,
        case_id,
        lambda a, c: services.decision_record(
            actor=a,
            case=c,
            level=payload.level,
            result=payload.result,
            reasons=payload.reasons,
            decided_on=payload.decided_on,
        ),
    )


@router.post(
    "/status-decisions/{status_decision_id}/serve",
    perm=Perm.CASE_MANAGE,
    response={200: CaseDetailOut, **_WRITE},
)
def serve(request: HttpRequest, status_decision_id: str, payload: ServeIn) -> Any:
    """Serve a decision as PDF in a language the person understands (B4)."""
    actor = actor_of(request)
    decision = selectors.decision_get_for(actor=actor, decision_id=status_decision_id)
    services.decision_serve(
        actor=actor,
        decision=decision,
        language=payload.language,
        interpreter_language=payload.interpreter_language,
    )
    return _detail(actor, decision.case_id)


@router.post(
    "/cases/{case_id}/appeal", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def appeal(request: HttpRequest, case_id: str) -> Any:
    """Record an appeal against the served first-instance refusal."""
    return _act(request, case_id, lambda a, c: services.case_appeal_lodge(actor=a, case=c))


@router.post(
    "/cases/{case_id}/court", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def court(request: HttpRequest, case_id: str, payload: CourtIn) -> Any:
    """Record a court case against the served appeal refusal (B5)."""
    return _act(
        request,
        case_id,
        lambda a, c: services.case_court_file(
            actor=a, case=c, court_reference=payload.court_reference
        ),
    )


@router.post(
    "/cases/{case_id}/referrals", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def refer(request: HttpRequest, case_id: str, payload: ReferralIn) -> Any:
    """Refer the person to a service."""
    return _act(
        request,
        case_id,
        lambda a, c: services.service_referral_add(
            actor=a,
            case=c,
            kind=payload.kind,
            provider=payload.provider,
            referred_on=payload.referred_on,
        ),
    )


@router.post(
    "/cases/{case_id}/milestones", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def milestone(request: HttpRequest, case_id: str, payload: MilestoneIn) -> Any:
    """Record an integration milestone."""
    return _act(
        request,
        case_id,
        lambda a, c: services.milestone_add(
            actor=a, case=c, kind=payload.kind, reached_on=payload.reached_on
        ),
    )


@router.post(
    "/cases/{case_id}/departures",
    perm=Perm.DEPARTURE_RECORD,
    response={200: CaseDetailOut, **_WRITE},
)
def depart(request: HttpRequest, case_id: str, payload: CaseDepartureIn) -> Any:
    """Record a departure through the non-refoulement lock (B6); a refusal alerts the monitor."""
    return _act(
        request,
        case_id,
        lambda a, c: services.departure_record(
            actor=a,
            case=c,
            destination=payload.destination,
            departs_on=payload.departs_on,
            voluntary_request_reference=payload.voluntary_request_reference,
            fear_screening_on=payload.fear_screening_on,
        ),
    )


@router.post(
    "/cases/{case_id}/close", perm=Perm.CASE_MANAGE, response={200: CaseDetailOut, **_WRITE}
)
def close(request: HttpRequest, case_id: str, payload: CloseIn) -> Any:
    """Close the case with its outcome: not before a final decision (B1, B2)."""
    return _act(
        request,
        case_id,
        lambda a, c: services.case_close(
            actor=a, case=c, outcome=payload.outcome, reason=payload.reason
        ),
    )


@router.post("/complaints", perm=Perm.COMPLAINT_FILE, response={201: ComplaintReceiptOut, **_WRITE})
def file_complaint(request: HttpRequest, payload: ComplaintIn) -> Any:
    """File a complaint for a person; the answer is its receipt, never its content (C2)."""
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, case_id=payload.case)
    c = services.complaint_file(
        actor=actor, case=case, content=payload.content, language=payload.language
    )
    return 201, complaint_out(c)


@router.get("/complaints", perm=Perm.COMPLAINT_VIEW, response={200: ComplaintPage, **_READ})
def list_complaints(request: HttpRequest, status: str = "") -> Any:
    """Complaints, the monitor's alone (status: unacknowledged, overdue, acknowledged)."""
    qs = selectors.complaint_list_for(actor=actor_of(request), status=status)[:500]
    return {"items": [complaint_out(c) for c in qs]}


@router.get(
    "/complaints/{complaint_id}",
    perm=Perm.COMPLAINT_VIEW,
    response={200: ComplaintDetailOut, **_READ},
)
def get_complaint(request: HttpRequest, complaint_id: str) -> Any:
    """One complaint with its content (the monitor's alone)."""
    actor = actor_of(request)
    c = selectors.complaint_get_for(actor=actor, complaint_id=complaint_id)
    return {
        **complaint_out(c),
        "content": selectors.complaint_content_for(actor=actor, complaint=c),
    }


@router.post(
    "/complaints/{complaint_id}/acknowledge",
    perm=Perm.COMPLAINT_VIEW,
    response={200: ComplaintOut, **_WRITE},
)
def acknowledge(request: HttpRequest, complaint_id: str) -> Any:
    """Acknowledge a complaint (due within the agreement's complaint_ack_days)."""
    actor = actor_of(request)
    c = selectors.complaint_get_for(actor=actor, complaint_id=complaint_id)
    return complaint_out(services.complaint_acknowledge(actor=actor, complaint=c))


@router.get("/inbox", perm=Perm.MONITOR_INBOX_VIEW, response={200: InboxPage, **_READ})
def inbox(request: HttpRequest, source: str = "", state: str = "", agreement: str = "") -> Any:
    """The monitor's inbox: every registered source's items (state: open or closed)."""
    is_open = {"open": True, "closed": False}.get(state)
    items = monitor_inbox.items(source=source, is_open=is_open, agreement_id=agreement)
    return {"items": [inbox_item_out(i) for i in items[:500]], "total": len(items)}


@router.get("/observations", perm=Perm.OBSERVATION_WRITE, response={200: ObservationPage, **_READ})
def list_observations(request: HttpRequest) -> Any:
    """The monitors' observations and incident reports."""
    return {
        "items": [
            observation_out(o)
            for o in selectors.observation_list_for(actor=actor_of(request))[:500]
        ]
    }


@router.post("/observations", perm=Perm.OBSERVATION_WRITE, response={201: ObservationOut, **_WRITE})
def write_observation(request: HttpRequest, payload: ObservationIn) -> Any:
    """Write an observation or an incident report (optionally on an agreement, by its code)."""
    actor = actor_of(request)
    agreement = (
        agreements.agreement_get_for(actor=actor, code=payload.agreement)
        if payload.agreement
        else None
    )
    o = services.observation_write(
        actor=actor,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        observed_on=payload.observed_on,
        agreement=agreement,
    )
    return 201, observation_out(o)


@router.get(
    "/monitor-access", perm=Perm.MONITOR_ACCESS_REQUEST, response={200: AccessRequestPage, **_READ}
)
def list_access_requests(request: HttpRequest) -> Any:
    """Your state's requests to remove a monitor's access."""
    return {
        "items": [
            access_request_out(r) for r in selectors.access_request_scope(actor_of(request))[:500]
        ]
    }


@router.post(
    "/monitor-access", perm=Perm.MONITOR_ACCESS_REQUEST, response={201: AccessRequestOut, **_WRITE}
)
def request_access_removal(request: HttpRequest, payload: AccessRequestIn) -> Any:
    """Ask the monitoring body to remove a monitor's access; nothing changes until it confirms."""
    r = services.monitor_access_request(
        actor=actor_of(request), user=payload.user, kind=payload.kind, reason=payload.reason
    )
    return 201, access_request_out(r)


@router.post(
    "/monitor-access-requests/{monitor_access_request_id}/decide",
    perm=Perm.MONITOR_ACCESS_DECIDE,
    response={200: AccessRequestOut, **_WRITE},
)
def decide_access_removal(
    request: HttpRequest, monitor_access_request_id: str, payload: AccessDecideIn
) -> Any:
    """The monitoring body's administrator confirms or declines a request."""
    actor = actor_of(request)
    r = selectors.access_request_get_for(actor=actor, request_id=monitor_access_request_id)
    return access_request_out(
        services.monitor_access_decide(
            actor=actor, request=r, confirm=payload.confirm, reason=payload.reason
        )
    )
