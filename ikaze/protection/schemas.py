"""API shapes for protection. Inputs are checked again by the services (one set of rules).

No output carries complaint content, claim details, interview notes or decision reasons except
`ComplaintDetailOut`, which only the monitor reaches (SAFEGUARDS C2, D1).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Schema

from ikaze.core.monitor_inbox import MonitorItem
from ikaze.core.text import IsoDate, IsoDateTime, Text
from ikaze.protection.models import Case, Complaint, MonitorAccessRequest, Observation
from ikaze.protection.selectors import CaseView

Lang = Annotated[str, Text(max_length=3)]


class CaseOut(Schema):
    id: uuid.UUID
    reference: str
    person: uuid.UUID
    agreement: str
    arrived_at: dt.datetime
    language: str
    rights_briefing_due: dt.datetime
    rights_briefed_at: dt.datetime | None
    claim_lodged_at: dt.datetime | None
    appeal_lodged_at: dt.datetime | None
    court_filed_at: dt.datetime | None
    final_decision_at: dt.datetime | None
    monitoring_until: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str


class StatusDecisionOut(Schema):
    id: uuid.UUID
    level: str
    result: str
    decided_on: dt.date
    served_at: dt.datetime | None
    served_language: str
    interpreter_language: str


class CaseDetailOut(CaseOut):
    stage: str
    removal_blocked: str
    decisions: list[StatusDecisionOut]


class CasePage(Schema):
    items: list[CaseOut]


def case_out(c: Case) -> dict[str, object]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "person": c.person_id,
        "agreement": c.agreement.code,
        "arrived_at": c.arrived_at,
        "language": c.language,
        "rights_briefing_due": c.rights_briefing_due,
        "rights_briefed_at": c.rights_briefed_at,
        "claim_lodged_at": c.claim_lodged_at,
        "appeal_lodged_at": c.appeal_lodged_at,
        "court_filed_at": c.court_filed_at,
        "final_decision_at": c.final_decision_at,
        "monitoring_until": c.monitoring_until,
        "closed_at": c.closed_at,
        "outcome": c.outcome,
    }


def case_detail_out(v: CaseView) -> dict[str, object]:
    return {
        **case_out(v.case),
        "stage": v.stage,
        "removal_blocked": v.removal_blocked,
        "decisions": [
            {
                "id": d.pk,
                "level": d.level,
                "result": d.result,
                "decided_on": d.decided_on,
                "served_at": d.served_at,
                "served_language": d.served_language,
                "interpreter_language": d.interpreter_language,
            }
            for d in v.case.decisions.all()
        ],
    }


class BriefIn(Schema):
    language: Annotated[str, Text(max_length=3, required=True)]


class ClaimIn(Schema):
    details: Annotated[str, Text(max_length=10_000, multiline=True)] = ""


class InterviewIn(Schema):
    kind: Literal["interview", "hearing"] = "interview"
    held_at: IsoDateTime
    interpreter_language: Lang = ""
    legal_representative: Annotated[str, Text(max_length=200)] = ""
    waiver_reference: Annotated[str, Text(max_length=100)] = ""
    notes: Annotated[str, Text(max_length=10_000, multiline=True)] = ""


class DecisionIn(Schema):
    level: Literal["first_instance", "appeal", "court"]
    result: Literal["granted", "refused"]
    reasons: Annotated[str, Text(max_length=10_000, multiline=True, required=True)]
    decided_on: IsoDate


class ServeIn(Schema):
    language: Annotated[str, Text(max_length=3, required=True)]
    interpreter_language: Lang = ""


class CourtIn(Schema):
    court_reference: Annotated[str, Text(max_length=100, required=True)]


class ReferralIn(Schema):
    kind: Literal["health", "legal_aid", "education", "language", "job_training"]
    provider: Annotated[str, Text(max_length=200, required=True)]
    referred_on: IsoDate


class MilestoneIn(Schema):
    kind: Literal[
        "language_basic", "school_enrolled", "training_completed", "employed", "own_housing"
    ]
    reached_on: IsoDate


class CaseDepartureIn(Schema):
    destination: Annotated[str, Text(max_length=2, required=True)]
    departs_on: IsoDate
    voluntary_request_reference: Annotated[str, Text(max_length=100)] = ""
    fear_screening_on: IsoDate | None = None


class CloseIn(Schema):
    outcome: Literal[
        "status_granted", "onward_resettlement", "voluntary_return", "departure", "no_claim"
    ]
    reason: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class ComplaintIn(Schema):
    case: uuid.UUID
    content: Annotated[str, Text(max_length=10_000, multiline=True, required=True)]
    language: Lang = ""


class ComplaintReceiptOut(Schema):
    """What the one who files a complaint gets back: never its content again."""

    id: uuid.UUID
    reference: str
    channel: str
    filed_at: dt.datetime
    ack_due_at: dt.datetime


class ComplaintOut(ComplaintReceiptOut):
    case: uuid.UUID
    language: str
    acknowledged_at: dt.datetime | None


class ComplaintDetailOut(ComplaintOut):
    content: str


class ComplaintPage(Schema):
    items: list[ComplaintOut]


def complaint_out(c: Complaint) -> dict[str, object]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "channel": c.channel,
        "filed_at": c.filed_at,
        "ack_due_at": c.ack_due_at,
        "case": c.case_id,
        "language": c.language,
        "acknowledged_at": c.acknowledged_at,
    }


class InboxItemOut(Schema):
    source: str
    kind: str
    title: str
    occurred_at: dt.datetime
    agreement_id: str
    url: str
    is_open: bool
    due_at: dt.datetime | None


class InboxPage(Schema):
    items: list[InboxItemOut]
    total: int


def inbox_item_out(i: MonitorItem) -> dict[str, object]:
    return {
        "source": i.source,
        "kind": i.kind,
        "title": i.title,
        "occurred_at": i.occurred_at,
        "agreement_id": i.agreement_id,
        "url": i.url,
        "is_open": i.is_open,
        "due_at": i.due_at,
    }


class ObservationIn(Schema):
    kind: Literal["observation", "incident_report"]
    title: Annotated[str, Text(max_length=200, required=True)]
    body: Annotated[str, Text(max_length=10_000, multiline=True, required=True)]
    observed_on: IsoDate
    agreement: Annotated[str, Text(max_length=40)] = ""


class ObservationOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    observed_on: dt.date
    author: str


class ObservationPage(Schema):
    items: list[ObservationOut]


def observation_out(o: Observation) -> dict[str, object]:
    return {
        "id": o.pk,
        "kind": o.kind,
        "title": o.title,
        "body": o.body,
        "observed_on": o.observed_on,
        "author": o.author_label,
    }


class AccessRequestIn(Schema):
    user: uuid.UUID
    kind: Literal["deactivate", "revoke_role"]
    reason: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class AccessDecideIn(Schema):
    confirm: bool
    reason: Annotated[str, Text(max_length=2000, multiline=True, required=True)]


class AccessRequestOut(Schema):
    id: uuid.UUID
    user: uuid.UUID
    kind: str
    status: str
    reason: str
    requested_by: str
    decided_by: str


class AccessRequestPage(Schema):
    items: list[AccessRequestOut]


def access_request_out(r: MonitorAccessRequest) -> dict[str, object]:
    return {
        "id": r.pk,
        "user": r.user_id,
        "kind": r.kind,
        "status": r.status,
        "reason": r.reason,
        "requested_by": r.requested_by_label,
        "decided_by": r.decided_by_label,
    }
