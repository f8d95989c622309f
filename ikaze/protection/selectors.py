"""Reads of protection, scoped to the actor.

Cases: the caseworkers of the receiving state (and its partners) of the case's agreement, and
the monitor. Complaints: the monitor alone (SAFEGUARDS C2): to anyone else a complaint does
not exist. Observations: the monitor. Monitor access requests: the asking state's
administrators and the monitoring body's administrators.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import scoped_get
from ikaze.agreements.parties import acts_from_command_line
from ikaze.core import clock
from ikaze.core.errors import NotFound
from ikaze.people import selectors as people
from ikaze.privacy.vault import open_field
from ikaze.protection import rules
from ikaze.protection.models import (
    AdverseAction,
    Case,
    Complaint,
    LockHit,
    MonitorAccessRequest,
    Observation,
    StatusDecision,
)

_RECEIVING_SIDE = (OrgKind.RECEIVING_STATE, OrgKind.PARTNER)


def case_scope(actor: Actor) -> QuerySet[Case]:
    """The cases the actor may see: those of agreements its state receives under (partners
    included); the monitor sees every one."""
    qs = Case.objects.select_related("agreement")
    if not actor.can(Perm.CASE_VIEW):
        return qs.none()
    if acts_from_command_line(actor) or actor.has_role(Role.MONITOR):
        return qs
    org = actor.organisation
    if org is None or actor.org_kind not in _RECEIVING_SIDE:
        return qs.none()
    return qs.filter(agreement__receiving_state=str(org.country).upper())


def case_list_for(*, actor: Actor, stage: str = "", q: str = "") -> QuerySet[Case]:
    """List the cases the actor may see; `stage` filters open / closed / monitoring /
    briefing_overdue."""
    qs = case_scope(actor)
    now = clock.now()
    if stage == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif stage == "closed":
        qs = qs.filter(closed_at__isnull=False)
    elif stage == "monitoring":
        qs = qs.filter(closed_at__isnull=False, monitoring_until__gt=now)
    elif stage == "briefing_overdue":
        qs = qs.filter(rights_briefed_at__isnull=True, rights_briefing_due__lt=now)
    if q.strip():
        qs = qs.filter(
            Q(reference__iexact=q.strip()) | Q(person_id__in=people.person_ids_matching(text=q))
        )
    return qs


def case_get_for(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    """One case the actor may see, else not found."""
    return scoped_get(case_scope(actor), target_type="case", message="No such case.", pk=case_id)


def decision_get_for(*, actor: Actor, decision_id: uuid.UUID | str) -> StatusDecision:
    """One decision of a case the actor may see, else not found."""
    return scoped_get(
        StatusDecision.objects.filter(case__in=case_scope(actor)).select_related(
            "case", "case__agreement"
        ),
        target_type="decision",
        message="No such decision.",
        pk=decision_id,
    )


def cases_under_monitoring(*, at: dt.datetime | None = None) -> QuerySet[Case]:
    """Cases whose monitoring is still open (SAFEGUARDS B7): open ones, and closed ones until
    five years after the final decision."""
    at = at or clock.now()
    return Case.objects.filter(Q(closed_at__isnull=True) | Q(monitoring_until__gt=at))


@dataclass(frozen=True)
class CaseView:
    case: Case
    name: str
    stage: str
    removal_blocked: str
    final_at: dt.datetime | None
    briefing_overdue: bool


def stage_of(case: Case, decisions: list[StatusDecision]) -> str:
    """The claim's stage: arrived, claim, decision, appeal, court, final, closed."""
    if case.closed_at is not None:
        return "closed"
    if case.final_decision_at is not None:
        return "final"
    if case.court_filed_at is not None:
        return "court"
    if case.appeal_lodged_at is not None:
        return "appeal"
    if decisions:
        return "decision"
    if case.claim_lodged_at is not None:
        return "claim"
    return "arrived"


STAGE_LABELS: dict[str, str] = {}


def case_view(*, case: Case) -> CaseView:
    """A case with what its page shows: the person's name, stage, the removal guard (B5)."""
    decisions = list(case.decisions.all())
    facts = rules.ClaimFacts(
        claim_lodged_at=case.claim_lodged_at,
        appeal_lodged_at=case.appeal_lodged_at,
        court_filed_at=case.court_filed_at,
        decisions=[rules.DecisionFact(d.level, d.result, d.served_at) for d in decisions],
        appeal_window_days=case.agreement.appeal_window_days,
    )
    now = clock.now()
    return CaseView(
        case=case,
        name=people.person_names(ids=[case.person_id]).get(str(case.person_id), ""),
        stage=stage_of(case, decisions),
        removal_blocked=rules.removal_blocked(facts, now),
        final_at=case.final_decision_at or rules.final_decision_at(facts, now),
        briefing_overdue=case.rights_briefed_at is None and case.rights_briefing_due < now,
    )


def case_names(cases: list[Case]) -> dict[str, str]:
    return people.person_names(ids=[c.person_id for c in cases])


# --- complaints: the monitor's alone (C2) ----------------------------------------------------


def complaint_scope(actor: Actor) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("case", "case__agreement")
    if not actor.can(Perm.COMPLAINT_VIEW):
        return qs.none()
    return qs


def complaint_list_for(*, actor: Actor, status: str = "") -> QuerySet[Complaint]:
    """The complaints (the monitor's); `status`: unacknowledged / overdue / acknowledged."""
    qs = complaint_scope(actor)
    if status == "unacknowledged":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif status == "overdue":
        qs = qs.filter(acknowledged_at__isnull=True, ack_due_at__lt=clock.now())
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    return qs


def complaint_get_for(*, actor: Actor, complaint_id: uuid.UUID | str) -> Complaint:
    """One complaint, for the monitor; not found for anyone else (never a leak)."""
    return scoped_get(
        complaint_scope(actor),
        target_type="complaint",
        message="No such complaint.",
        pk=complaint_id,
    )


def complaint_content_for(*, actor: Actor, complaint: Complaint) -> str:
    """The complaint's content, opened for the monitor alone (C2); the read is audited as
    every monitor read is (ReadAuditMiddleware), and never copied into the audit log."""
    if not actor.can(Perm.COMPLAINT_VIEW):
        raise NotFound("No such complaint.")
    return open_field(complaint, "content")


def adverse_actions_for(*, actor: Actor, person_id: Any) -> QuerySet[AdverseAction]:
    if not actor.can(Perm.COMPLAINT_VIEW):
        return AdverseAction.objects.none()
    return AdverseAction.objects.filter(person_id=person_id)


# --- the monitor's records ---------------------------------------------------------------------


def observation_list_for(*, actor: Actor) -> QuerySet[Observation]:
    if not actor.can(Perm.OBSERVATION_WRITE):
        return Observation.objects.none()
    return Observation.objects.select_related("agreement")


def lock_hits() -> QuerySet[LockHit]:
    return LockHit.objects.select_related("case", "case__agreement")


def access_request_scope(actor: Actor) -> QuerySet[MonitorAccessRequest]:
    """Requests the actor asked for (its state's) or answers (its monitoring body's)."""
    qs = MonitorAccessRequest.objects.select_related("user", "monitoring_body")
    org = actor.organisation_id
    if org is None:
        return qs.none()
    if actor.can(Perm.MONITOR_ACCESS_DECIDE) and actor.org_kind == OrgKind.MONITORING_BODY:
        return qs.filter(monitoring_body_id=org)
    if actor.can(Perm.MONITOR_ACCESS_REQUEST):
        return qs.filter(requested_by_organisation_id=org)
    return qs.none()


def access_request_get_for(*, actor: Actor, request_id: uuid.UUID | str) -> MonitorAccessRequest:
    return scoped_get(
        access_request_scope(actor),
        target_type="monitor_access_request",
        message="No such request.",
        pk=request_id,
    )
