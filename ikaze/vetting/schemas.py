"""API shapes of referrals and of their vetting (facts, evaluations, decisions, overrides,
notices, alerts), and the conversions from rows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StrictBool

from ikaze.agreements.models import Agreement
from ikaze.core.text import IsoDate, IsoDateTime, ModelText, Text
from ikaze.people.models import Household, HouseholdMember, Person, SensitiveData
from ikaze.people.schemas import DocumentIn, PersonOut, person_out
from ikaze.people.validation import ALIAS_MAX_CHARS, PHONE_INPUT_MAX_CHARS
from ikaze.vetting.lateness import recorded_days_late
from ikaze.vetting.legal_events import payload_json_schema
from ikaze.vetting.models import (
    Alert,
    Decision,
    Evaluation,
    FactRemoval,
    LegalEventRecord,
    Notice,
    Override,
    Referral,
    ReferralMessage,
)
from ikaze.vetting.rules import Stage

AgreementCode = Annotated[str, ModelText(Agreement, "code", required=True)]


class ReferralOut(Schema):
    id: uuid.UUID
    agreement: str
    referring_organisation: str
    external_reference: str
    status: str
    status_reason: str
    source: str
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    person: PersonOut


class ReferralPage(Schema):
    items: list[ReferralOut]
    page: int
    pages: int
    total: int


class HouseholdIn(Schema):
    reference: Annotated[str, ModelText(Household, "reference")]
    role: Annotated[str, ModelText(HouseholdMember, "role", required=True)]
    relationship: Annotated[str, ModelText(HouseholdMember, "relationship")] = ""


class ReferralCreateIn(Schema):
    agreement: AgreementCode
    external_reference: Annotated[str, ModelText(Referral, "external_reference")] = Field(
        "", description="Your case reference for this referral."
    )
    person_reference: Annotated[str, ModelText(Person, "external_reference")] = Field(
        description="Your identifier for the person."
    )
    given_names: Annotated[str, ModelText(Person, "given_names", required=True)]
    first_surname: Annotated[str, ModelText(Person, "first_surname", required=True)]
    second_surname: Annotated[str, ModelText(Person, "second_surname")] = ""
    name_as_in_documents: Annotated[str, ModelText(Person, "name_as_in_documents")] = ""
    aliases: list[Annotated[str, Text(max_length=ALIAS_MAX_CHARS)]] = []
    sex: Annotated[str, ModelText(Person, "sex")] = ""
    date_of_birth: Annotated[str, Text(max_length=10)] = Field(
        "", description="YYYY-MM-DD, YYYY-MM or YYYY."
    )
    place_of_birth: Annotated[str, ModelText(Person, "place_of_birth")] = ""
    nationalities: list[Annotated[str, Text(max_length=2)]] = []
    languages: list[Annotated[str, Text(max_length=3)]] = []
    needs_interpreter: StrictBool = False
    # Spaces, dashes and brackets are removed; what is stored is E.164 (at most 16 characters).
    phone: Annotated[str, Text(max_length=PHONE_INPUT_MAX_CHARS)] = ""
    documents: list[DocumentIn] = []
    household: HouseholdIn | None = None
    health: Annotated[str, ModelText(SensitiveData, "health")] = ""
    health_consent: StrictBool = False
    vulnerabilities: Annotated[str, ModelText(SensitiveData, "vulnerabilities")] = ""
    submit: StrictBool = True


class ReasonIn(Schema):
    reason: Annotated[str, ModelText(Referral, "status_reason", required=True)]


def referral_out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "agreement": r.agreement.code,
        "referring_organisation": r.referring_organisation.name,
        "external_reference": r.external_reference,
        "status": r.status,
        "status_reason": r.status_reason,
        "source": r.source,
        "submitted_at": r.submitted_at,
        "created_at": r.created_at,
        "person": person_out(r.person),
    }


# --- vetting (issue 4) ---------------------------------------------------------------------


class FactIn(Schema):
    kind: Annotated[str, ModelText(LegalEventRecord, "kind", required=True)]
    # The API document shows each kind's payload with its limits (issue 9 item 15).
    payload: dict[str, Any] = Field(..., json_schema_extra=payload_json_schema())
    effective_at: IsoDate
    source_document: Annotated[str, ModelText(LegalEventRecord, "source_document", required=True)]
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
    # SAFEGUARDS F2: days between taking effect and recording, when over the threshold.
    recorded_late_days: int | None


class FactRemovalIn(Schema):
    """Ask to retract (kind "retraction") or correct (the fact's own kind) a protective fact."""

    fact_id: uuid.UUID
    justification: Annotated[str, ModelText(FactRemoval, "request_justification", required=True)]
    source_document: Annotated[
        str, ModelText(FactRemoval, "request_source_document", required=True)
    ]
    kind: Annotated[str, ModelText(FactRemoval, "kind", required=True)] = "retraction"
    payload: dict[str, Any] = Field(default_factory=dict, json_schema_extra=payload_json_schema())
    effective_at: IsoDate | None = None


class SecondIn(Schema):
    justification: Annotated[str, ModelText(FactRemoval, "second_justification", required=True)]
    source_document: Annotated[str, ModelText(FactRemoval, "second_source_document", required=True)]


class FactRemovalOut(Schema):
    id: uuid.UUID
    referral_id: uuid.UUID
    fact_id: uuid.UUID
    fact_kind: str
    kind: str
    payload: dict[str, Any]
    effective_at: dt.date
    status: str
    requested_by: str
    request_justification: str
    request_source_document: str
    requested_at: dt.datetime
    seconded_by: str
    second_justification: str
    second_source_document: str
    seconded_at: dt.datetime | None
    # The retraction or correction recorded on the second approval.
    event_id: uuid.UUID | None


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
    stage: Annotated[str, ModelText(Evaluation, "stage", required=True)] = Stage.DECISION.value


class RescreenIn(Schema):
    agreement: Annotated[str, ModelText(Agreement, "code")] = Field(
        "", description="An agreement code; empty for every agreement."
    )
    every: StrictBool = Field(
        False,
        description="Evaluate every open and accepted referral, not only those last evaluated "
        "with an older rule set (after a change of an agreement's safeguard settings).",
    )


class RescreenOut(Schema):
    ruleset_version: str
    agreement: str | None
    every: bool
    evaluated: int
    open_evaluated: int
    open_blocked: int
    accepted_evaluated: int
    alerts_raised: int
    seconds: float


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
    reason: Annotated[str, ModelText(Decision, "reason", required=True)]


class RefuseIn(Schema):
    reason_codes: list[Annotated[str, Text(max_length=40, required=True)]]
    reason: Annotated[str, ModelText(Decision, "reason")] = ""


class OverrideIn(Schema):
    rule_id: Annotated[str, ModelText(Override, "rule_id", required=True)]
    justification: Annotated[str, ModelText(Override, "request_justification", required=True)]


class JustificationIn(Schema):
    justification: Annotated[str, ModelText(Override, "second_justification", required=True)]


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
    # A request closed unanswered (status superseded, withdrawn or expired).
    closed_at: dt.datetime | None
    closed_reason: str


class OverridePage(Schema):
    items: list[OverrideOut]
    page: int
    pages: int
    total: int


class NoticeIn(Schema):
    kind: Annotated[str, ModelText(Notice, "kind", required=True)]
    # Issue 11 item 14: a notice not in English carries the decision's written reason in its
    # language, or is issued with an interpreter's record (else 409 `notice_untranslated`).
    reason_translation: Annotated[str, ModelText(Notice, "reason_translation")] = ""
    interpreter_name: Annotated[str, ModelText(Notice, "issue_interpreter_name")] = ""
    interpreter_language: Annotated[str, ModelText(Notice, "issue_interpreter_language")] = ""


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
    # SAFEGUARDS F3: service recorded late counts only once a second officer confirms it.
    service_late: bool
    awaiting_confirmation: bool
    service_confirmed_at: dt.datetime | None


class ServiceIn(Schema):
    served_on_person_at: IsoDateTime
    proof_reference: Annotated[str, ModelText(Notice, "proof_reference", required=True)]
    served_on_counsel_at: IsoDateTime | None = None
    counsel_name: Annotated[str, ModelText(Notice, "counsel_name")] = ""
    translation_recorded: StrictBool = False
    interpreter_language: Annotated[str, ModelText(Notice, "interpreter_language")] = ""


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
    resolution: Annotated[str, ModelText(Alert, "resolution", required=True)]


class MonitorNoticeOut(Schema):
    id: uuid.UUID
    kind: str
    referral_id: uuid.UUID
    override_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    fact_removal_id: uuid.UUID | None
    legal_event_id: uuid.UUID | None
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
        "recorded_late_days": recorded_days_late(
            effective_at=f.effective_at, recorded_at=f.recorded_at
        ),
    }


def fact_removal_out(r: FactRemoval) -> dict[str, Any]:
    return {
        "id": r.pk,
        "referral_id": r.referral_id,
        "fact_id": r.target_id,
        "fact_kind": r.target.kind,
        "kind": r.kind,
        "payload": r.payload,
        "effective_at": r.effective_at,
        "status": r.status,
        "requested_by": r.requested_by_name,
        "request_justification": r.request_justification,
        "request_source_document": r.request_source_document,
        "requested_at": r.requested_at,
        "seconded_by": r.seconded_by_name,
        "second_justification": r.second_justification,
        "second_source_document": r.second_source_document,
        "seconded_at": r.seconded_at,
        "event_id": r.event_id,
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
        "closed_at": o.closed_at,
        "closed_reason": o.closed_reason,
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
        "service_late": n.service_late,
        "awaiting_confirmation": n.awaiting_confirmation,
        "service_confirmed_at": n.service_confirmed_at,
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


# --- the information thread (issue 11 item 4) ------------------------------------------------


class CorrectionsIn(Schema):
    """The person's fields a liaison may correct with an answer (`person_update` checks them)."""

    given_names: Annotated[str, ModelText(Person, "given_names", required=True)] | None = None
    first_surname: Annotated[str, ModelText(Person, "first_surname", required=True)] | None = None
    second_surname: Annotated[str, ModelText(Person, "second_surname")] | None = None
    name_as_in_documents: Annotated[str, ModelText(Person, "name_as_in_documents")] | None = None
    place_of_birth: Annotated[str, ModelText(Person, "place_of_birth")] | None = None


class AnswerIn(Schema):
    answer: Annotated[str, ModelText(ReferralMessage, "body", required=True)]
    corrections: CorrectionsIn = Field(default_factory=CorrectionsIn)
    resubmit: StrictBool = True


class MessageOut(Schema):
    id: uuid.UUID
    kind: str
    body: str
    author: str
    organisation: str
    written_at: dt.datetime
    corrected_fields: list[str]
    resubmitted: bool


def message_out(m: ReferralMessage) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "body": m.body,
        "author": m.author_display,
        "organisation": m.organisation.name if m.organisation is not None else "",
        "written_at": m.written_at,
        "corrected_fields": list(m.corrected_fields),
        "resubmitted": m.resubmitted,
    }
