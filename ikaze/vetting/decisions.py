"""Vetting writes: legal facts, evaluations, decisions, overrides, notices, alerts (issue 4).

Every service here checks its permission first, writes in one transaction, and audits in that
transaction. A refused call changes nothing (its transaction rolls back) and is still on
record: `_refusal_recorded` writes a security event `refused:<action>` after the rollback, so
every path (page, API, command, direct call) leaves a trace of the attempt.

(These services live beside services.py while the referral services are still being written
there; they may move into it later. The names are the ones STYLE.md asks for.)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements.services import agreement_take_place
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import (
    Conflict,
    IkazeError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    RuleBlocked,
    ValidationError,
)
from ikaze.vetting.legal_events import EventKind, legal_event
from ikaze.vetting.models import (
    OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    SCREENED_STATUSES,
    Alert,
    Decision,
    Evaluation,
    Finding,
    LegalEventRecord,
    MonitorNotice,
    Notice,
    Override,
    Referral,
)
from ikaze.vetting.notices import NoticeContext, NoticeKind, render_notice
from ikaze.vetting.rules import DecisionFacts, RefusalReason, Stage
from ikaze.vetting.rules import Evaluation as RuleEvaluation
from ikaze.vetting.rules.findings import Outcome, RuleKind
from ikaze.vetting.screening import screen

P = ParamSpec("P")
T = TypeVar("T")

DECIDABLE = frozenset(
    {
        Referral.Status.SUBMITTED,
        Referral.Status.UNDER_REVIEW,
        Referral.Status.INFORMATION_REQUESTED,
    }
)


class OverrideRefused(RuleBlocked):
    """SAFEGUARDS preamble: absolute rules can never be overridden, by anyone."""

    code = "absolute_rule"


class FourEyes(Conflict):
    """The second approval must come from a different senior officer."""

    code = "four_eyes"


class SeniorOfficerRequired(PermissionDenied):
    code = "senior_officer_required"


def _refusal_recorded(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record a refused call as a security event once its transaction has rolled back.

    Permission refusals are recorded by the interface (record_denial); everything else a
    service refuses (a safeguard block, the cap, a bad transition, bad input) is recorded here.
    """

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except IkazeError as exc:
                if isinstance(exc, NotFound) or (
                    isinstance(exc, PermissionDenied) and not isinstance(exc, SeniorOfficerRequired)
                ):
                    raise
                target = kwargs.get("referral") or kwargs.get("override") or kwargs.get("notice")
                audit_security(
                    actor=kwargs.get("actor"),  # type: ignore[arg-type]
                    action=f"refused:{action}",
                    target_type=type(target).__name__.lower() if target is not None else "",
                    target_id=getattr(target, "pk", "") or "",
                    reason=f"{exc.code}: {exc.message}",
                )
                raise

        return wrapper

    return decorator


def _receiving(actor: Actor) -> None:
    # Vetting writes belong to the receiving state (and its partners for facts).
    if actor.org_kind not in (OrgKind.RECEIVING_STATE, OrgKind.PARTNER):
        raise NotFound("No such referral.")


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_related("agreement", "person")
        .select_for_update(of=("self",))
        .get(pk=referral.pk)
    )


def _set_status(*, actor: Actor, referral: Referral, to: str, action: str, reason: str) -> None:
    if (referral.status, to) not in REFERRAL_TRANSITIONS:
        raise IllegalTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot become {to}.",
            details={"status": [f"{referral.status} → {to} is not allowed."]},
        )
    before = referral.status
    referral.status = to
    referral.status_reason = reason
    referral.status_changed_at = clock.now()
    referral.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"referral.{action}",
        target_type="referral",
        target_id=referral.pk,
        before={"status": before},
        after={"status": to},
        reason=reason,
    )


def _block_details(ev: RuleEvaluation, skip: Iterable[str] = ()) -> dict[str, list[str]]:
    skip = set(skip)
    out: dict[str, list[str]] = {}
    for f in ev.findings:
        if f.outcome is Outcome.BLOCK and (not f.overridable or f.rule_id not in skip):
            out.setdefault(f.rule_id, []).append(f.render_message())
    return out


def approved_override_rules(referral: Referral) -> set[str]:
    return set(
        Override.objects.filter(referral=referral, status=Override.Status.APPROVED).values_list(
            "rule_id", flat=True
        )
    )


# --- evaluations ----------------------------------------------------------------------------


def evaluation_run(
    *,
    actor: Actor | None,
    referral: Referral,
    stage: Stage,
    decision: DecisionFacts | None = None,
    store: bool = True,
) -> tuple[RuleEvaluation, Evaluation | None]:
    """Evaluate one referral through the bulk pipeline; store it unless told not to.

    The one path for every stage: submission (advisory), decision, and the movements issue's
    manifest lock and departure. No permission check: callers are services that made theirs.
    """
    qs = Referral.objects.filter(pk=referral.pk)
    ((_screened, ev, row),) = screen(
        qs,
        stage=stage,
        decisions={referral.pk: decision} if decision is not None else None,
        evaluated_by_id=actor.user.pk if actor is not None and actor.user else None,
        store=store,
    )
    return ev, row


@transaction.atomic
def referral_evaluate(*, actor: Actor, referral: Referral, stage: Stage | str) -> Evaluation:
    """Run the safeguard rules on a referral at a stage and store the evaluation."""
    require(actor, Perm.FACT_RECORD, target_type="referral", target_id=referral.pk)
    try:
        stage = Stage(stage)
    except ValueError:
        raise ValidationError.for_field("stage", f"{stage!r} is not a stage.") from None
    ev, row = evaluation_run(actor=actor, referral=referral, stage=stage)
    assert row is not None
    audit_record(
        actor=actor,
        action="referral.evaluate",
        target_type="referral",
        target_id=referral.pk,
        after={
            "stage": stage.value,
            "ruleset_version": ev.ruleset_version,
            "inputs_hash": ev.inputs_hash,
            "blocked": ev.blocked,
            "blocking_rules": sorted({f.rule_id for f in ev.blocking}),
        },
    )
    return row


# --- legal facts ----------------------------------------------------------------------------


@_refusal_recorded("legal_fact.record")
@transaction.atomic
def legal_fact_record(
    *,
    actor: Actor,
    referral: Referral,
    kind: str,
    payload: Mapping[str, Any],
    effective_at: dt.date,
    source_document: str,
    supersedes: LegalEventRecord | None = None,
) -> LegalEventRecord:
    """Record a legal fact on the person's timeline and re-screen their referrals at once.

    A fact that now blocks an accepted person raises an Alert and tells the monitor. The
    movements issue reads open alerts to take the person off any manifest.
    """
    require(actor, Perm.FACT_RECORD, target_type="referral", target_id=referral.pk)
    _receiving(actor)
    return _fact_record(
        actor=actor,
        referral=referral,
        kind=kind,
        payload=payload,
        effective_at=effective_at,
        source_document=source_document,
        supersedes=supersedes,
    )


def _fact_record(
    *,
    actor: Actor,
    referral: Referral,
    kind: str,
    payload: Mapping[str, Any],
    effective_at: dt.date,
    source_document: str,
    supersedes: LegalEventRecord | None = None,
) -> LegalEventRecord:
    now = clock.now()
    new_id = uuid.uuid4()
    errors: dict[str, list[str]] = {}
    if supersedes is not None and supersedes.person_id != referral.person_id:
        errors["supersedes"] = ["The corrected fact belongs to another person."]
    if isinstance(effective_at, dt.datetime) or not isinstance(effective_at, dt.date):
        raise ValidationError.for_field("effective_at", "A date is required.")
    try:
        event = legal_event(
            id=str(new_id),
            kind=kind,
            payload=payload,
            effective_at=effective_at,
            recorded_at=now,
            source_document=source_document or "",
            recorded_by=actor.label or "?",
            supersedes=str(supersedes.pk) if supersedes is not None else None,
        )
    except ValidationError as exc:
        exc.details = {**exc.details, **errors}
        raise
    if errors:
        raise ValidationError("The legal fact is not valid.", details=errors)
    record = LegalEventRecord.objects.create(
        id=new_id,
        person_id=referral.person_id,
        referral=referral,
        kind=event.kind.value,
        payload=event.payload.model_dump(mode="json"),
        effective_at=event.effective_at,
        recorded_at=now,
        source_document=event.source_document,
        recorded_by=actor.user,
        recorded_by_label=event.recorded_by,
        supersedes=supersedes,
    )
    # The payload may hold protection-claim details (SAFEGUARDS D1): the audit names the fact,
    # not its content.
    audit_record(
        actor=actor,
        action="legal_fact.record",
        target_type="person",
        target_id=referral.person_id,
        after={
            "event": str(record.pk),
            "kind": record.kind,
            "effective_at": record.effective_at,
            "referral": str(referral.pk),
            "supersedes": str(supersedes.pk) if supersedes else None,
        },
    )
    _rescreen_person(actor=actor, person_id=referral.person_id, cause=record)
    return record


def _rescreen_person(*, actor: Actor, person_id: Any, cause: LegalEventRecord) -> None:
    """Re-evaluate every open or accepted referral of the person (HOPE #565: checks re-run)."""
    referrals = Referral.objects.filter(person_id=person_id, status__in=SCREENED_STATUSES)
    open_qs = referrals.filter(status__in=OPEN_STATUSES)
    screen(open_qs, stage=Stage.REFERRAL, evaluated_by_id=actor.user.pk if actor.user else None)
    accepted = list(referrals.filter(status=Referral.Status.ACCEPTED))
    if not accepted:
        return
    results = screen(
        Referral.objects.filter(pk__in=[r.pk for r in accepted]),
        stage=Stage.DECISION,
        evaluated_by_id=actor.user.pk if actor.user else None,
    )
    by_pk = {r.pk: r for r in accepted}
    for screened, ev, row in results:
        referral = by_pk[screened.referral_id]
        if not ev.blocked_ignoring(approved_override_rules(referral)):
            continue
        assert row is not None
        rules = sorted(_block_details(ev, approved_override_rules(referral)))
        alert = Alert.objects.create(
            referral=referral,
            reason=_("A fact recorded after acceptance blocks this person (%(rules)s).")
            % {"rules": ", ".join(rules)},
            rule_ids=rules,
            evaluation=row,
            raised_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="alert.raise",
            target_type="referral",
            target_id=referral.pk,
            after={"alert": str(alert.pk), "rules": rules, "cause": str(cause.pk)},
        )
        # The movements issue takes the person off any manifest while an alert is open.
        _notify_monitor(
            actor=actor,
            kind=MonitorNotice.Kind.ALERT_RAISED,
            referral=referral,
            alert=alert,
            message=alert.reason,
        )


def _notify_monitor(
    *,
    actor: Actor,
    kind: str,
    referral: Referral,
    message: str,
    override: Override | None = None,
    alert: Alert | None = None,
) -> MonitorNotice:
    notice = MonitorNotice.objects.create(
        kind=kind, referral=referral, override=override, alert=alert, message=message
    )
    audit_record(
        actor=actor,
        action="monitor.notify",
        target_type="referral",
        target_id=referral.pk,
        after={"notice": str(notice.pk), "kind": kind},
    )
    return notice


# --- decisions ------------------------------------------------------------------------------


def _named_officer(actor: Actor) -> None:
    # SAFEGUARDS A5: "a named receiving-state officer": a person signed in, not a machine token.
    if actor.user is None or actor.token is not None or actor.org_kind != OrgKind.RECEIVING_STATE:
        raise SeniorOfficerRequired(
            "Only a named receiving-state officer, signed in in person, can decide.",
            code="named_officer_required",
        )


@_refusal_recorded("referral.accept")
@transaction.atomic
def referral_accept(*, actor: Actor, referral: Referral, reason: str) -> Decision:
    """Accept one person (SAFEGUARDS A5) if no block stands, taking a place under the cap (A6)."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    _receiving(actor)
    _named_officer(actor)
    assert actor.user is not None
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.for_field("reason", "Give the reason for the acceptance.")
    locked = _lock(referral)
    if locked.status not in DECIDABLE:
        raise IllegalTransition(
            f"A referral that is {locked.get_status_display().lower()} cannot be accepted.",
            details={"status": [f"{locked.status} → accepted is not allowed."]},
        )
    now = clock.now()
    facts = DecisionFacts(
        accepted=True, officer=actor.label, accepted_at=now, reason=reason, counted_in_cap=False
    )
    ev, _row = evaluation_run(
        actor=actor, referral=locked, stage=Stage.DECISION, decision=facts, store=False
    )
    overridden = approved_override_rules(locked)
    if ev.blocked_ignoring(overridden):
        raise RuleBlocked(
            "A safeguard blocks this acceptance.", details=_block_details(ev, overridden)
        )
    # SAFEGUARDS A6: the database enforces the cap (F() under a check constraint): of two
    # officers taking the last place at once, one gets CapacityExceeded.
    tranche = agreement_take_place(agreement=locked.agreement, on=clock.today_local())
    # Store the evaluation relied on, now counting the place taken.
    ev, row = evaluation_run(
        actor=actor,
        referral=locked,
        stage=Stage.DECISION,
        decision=DecisionFacts(
            accepted=True, officer=actor.label, accepted_at=now, reason=reason, counted_in_cap=True
        ),
    )
    assert row is not None
    expires = now + dt.timedelta(days=locked.agreement.acceptance_valid_days)
    decision = Decision.objects.create(
        referral=locked,
        outcome=Decision.Outcome.ACCEPTED,
        reason_codes=[],
        reason=reason,
        officer=actor.user,
        officer_name=actor.label,
        decided_at=now,
        evaluation=row,
        expires_at=expires,
        tranche=tranche,
        place_taken=True,
    )
    audit_record(
        actor=actor,
        action="decision.accept",
        target_type="referral",
        target_id=locked.pk,
        after={
            "decision": str(decision.pk),
            "evaluation": str(row.pk),
            "ruleset_version": ev.ruleset_version,
            "inputs_hash": ev.inputs_hash,
            "expires_at": expires,
            "tranche": str(tranche.pk) if tranche else None,
            "overrides": sorted(overridden),
        },
        reason=reason,
    )
    _set_status(
        actor=actor, referral=locked, to=Referral.Status.ACCEPTED, action="accept", reason=reason
    )
    return decision


@_refusal_recorded("referral.refuse")
@transaction.atomic
def referral_refuse(
    *, actor: Actor, referral: Referral, reason_codes: Sequence[str], reason: str = ""
) -> Decision:
    """Refuse one person with structured reasons ("incomplete referral" for A4) and text."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    _receiving(actor)
    _named_officer(actor)
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    for code in reason_codes or ():
        try:
            codes.append(RefusalReason(code).value)
        except ValueError:
            errors.setdefault("reason_codes", []).append(f"{code!r} is not a refusal reason.")
    if not codes and "reason_codes" not in errors:
        errors["reason_codes"] = ["Give at least one reason code."]
    reason = (reason or "").strip()
    if RefusalReason.OTHER.value in codes and not reason:
        errors["reason"] = ['Explain the reason "other".']
    if errors:
        raise ValidationError("The refusal is not valid.", details=errors)
    locked = _lock(referral)
    if locked.status not in DECIDABLE:
        raise IllegalTransition(
            f"A referral that is {locked.get_status_display().lower()} cannot be refused.",
            details={"status": [f"{locked.status} → refused is not allowed."]},
        )
    now = clock.now()
    ev, row = evaluation_run(actor=actor, referral=locked, stage=Stage.DECISION)
    assert row is not None
    text = reason or ", ".join(codes)
    decision = Decision.objects.create(
        referral=locked,
        outcome=Decision.Outcome.REFUSED,
        reason_codes=sorted(set(codes)),
        reason=text,
        officer=actor.user,
        officer_name=actor.label,
        decided_at=now,
        evaluation=row,
    )
    audit_record(
        actor=actor,
        action="decision.refuse",
        target_type="referral",
        target_id=locked.pk,
        after={
            "decision": str(decision.pk),
            "reason_codes": decision.reason_codes,
            "evaluation": str(row.pk),
            "ruleset_version": ev.ruleset_version,
        },
        reason=text,
    )
    _set_status(
        actor=actor, referral=locked, to=Referral.Status.REFUSED, action="refuse", reason=text
    )
    return decision


# --- overrides ------------------------------------------------------------------------------


def _senior(actor: Actor) -> None:
    if not actor.has_role(Role.SENIOR_OFFICER) or actor.user is None or actor.token is not None:
        raise SeniorOfficerRequired(
            "Only a senior officer, signed in in person, can request or second an override."
        )


def latest_evaluation(referral: Referral) -> Evaluation | None:
    return (
        Evaluation.objects.filter(referral=referral)
        .order_by("-evaluated_at", "-created_at")
        .first()
    )


@_refusal_recorded("override.request")
@transaction.atomic
def override_request(
    *, actor: Actor, referral: Referral, rule_id: str, justification: str
) -> Override:
    """Ask to override a non-absolute block; a second, different senior officer must agree."""
    require(actor, Perm.OVERRIDE_REQUEST, target_type="referral", target_id=referral.pk)
    _receiving(actor)
    _senior(actor)
    assert actor.user is not None
    justification = (justification or "").strip()
    rule_id = (rule_id or "").strip().upper()
    if not justification:
        raise ValidationError.for_field("justification", "A written justification is required.")
    locked = _lock(referral)
    if locked.status not in DECIDABLE:
        raise IllegalTransition(
            "Overrides are requested before the decision.",
            details={"status": [f"The referral is {locked.status}."]},
        )
    # Evaluate now: the override names a block that stands today, never a stale one.
    ev, row = evaluation_run(actor=actor, referral=locked, stage=Stage.DECISION)
    assert row is not None
    found = [f for f in ev.findings if f.rule_id == rule_id and f.outcome is Outcome.BLOCK]
    if not found:
        raise ValidationError.for_field("rule_id", f"No block of rule {rule_id or '?'} stands.")
    if any(f.kind is not RuleKind.BLOCK or not f.overridable for f in found):
        # SAFEGUARDS preamble: absolute rules can never be overridden, by anyone.
        raise OverrideRefused(
            f"Rule {rule_id} is absolute: it can never be overridden.",
            details={"rule_id": [f"{rule_id} is an absolute safeguard."]},
        )
    finding = Finding.objects.filter(evaluation=row, rule_id=rule_id, outcome="block").first()
    assert finding is not None
    try:
        with transaction.atomic():
            override = Override.objects.create(
                referral=locked,
                rule_id=rule_id,
                rule_kind=finding.kind,
                finding=finding,
                requested_by=actor.user,
                requested_by_name=actor.label,
                request_justification=justification,
                requested_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(
            f"An override of {rule_id} is already requested or approved for this referral.",
            details={"rule_id": ["Already requested."]},
        ) from None
    audit_record(
        actor=actor,
        action="override.request",
        target_type="referral",
        target_id=locked.pk,
        after={"override": str(override.pk), "rule_id": rule_id, "finding": str(finding.pk)},
        reason=justification,
    )
    return override


@_refusal_recorded("override.second")
@transaction.atomic
def override_second(*, actor: Actor, override: Override, justification: str) -> Override:
    """Second an override as a different senior officer; the monitor is told."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="override", target_id=override.pk)
    _receiving(actor)
    _senior(actor)
    assert actor.user is not None
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field("justification", "A written justification is required.")
    locked = Override.objects.select_for_update().get(pk=override.pk)
    if locked.status != Override.Status.REQUESTED:
        raise IllegalTransition(
            "This override is not waiting for a second approval.",
            details={"status": [locked.status]},
        )
    if locked.requested_by_id == actor.user.pk:
        raise FourEyes(
            "The second approval must come from a different senior officer.",
            details={"seconded_by": ["You requested this override."]},
        )
    if locked.rule_kind != RuleKind.BLOCK.value:  # belt and braces: also a check constraint
        raise OverrideRefused(f"Rule {locked.rule_id} is absolute.")
    locked.status = Override.Status.APPROVED
    locked.seconded_by = actor.user
    locked.seconded_by_name = actor.label
    locked.second_justification = justification
    locked.seconded_at = clock.now()
    locked.save(
        update_fields=[
            "status",
            "seconded_by",
            "seconded_by_name",
            "second_justification",
            "seconded_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="override.second",
        target_type="referral",
        target_id=locked.referral_id,
        after={"override": str(locked.pk), "rule_id": locked.rule_id, "status": locked.status},
        reason=justification,
    )
    _notify_monitor(
        actor=actor,
        kind=MonitorNotice.Kind.OVERRIDE_APPROVED,
        referral=locked.referral,
        override=locked,
        message=_("%(rule)s overridden by %(first)s and %(second)s: %(first_why)s / %(second_why)s")
        % {
            "rule": locked.rule_id,
            "first": locked.requested_by_name,
            "second": locked.seconded_by_name,
            "first_why": locked.request_justification,
            "second_why": justification,
        },
    )
    return locked


@_refusal_recorded("override.decline")
@transaction.atomic
def override_decline(*, actor: Actor, override: Override, justification: str) -> Override:
    """Decline a requested override (the block stands)."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="override", target_id=override.pk)
    _receiving(actor)
    _senior(actor)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field("justification", "A written justification is required.")
    locked = Override.objects.select_for_update().get(pk=override.pk)
    if locked.status != Override.Status.REQUESTED:
        raise IllegalTransition("This override is not waiting for a decision.")
    locked.status = Override.Status.DECLINED
    locked.second_justification = justification
    locked.seconded_at = clock.now()
    locked.save(update_fields=["status", "second_justification", "seconded_at", "updated_at"])
    audit_record(
        actor=actor,
        action="override.decline",
        target_type="referral",
        target_id=locked.referral_id,
        after={"override": str(locked.pk), "rule_id": locked.rule_id},
        reason=justification,
    )
    return locked


# --- notices --------------------------------------------------------------------------------


def _notice_context(referral: Referral, *, officer: str, ref: str, today: dt.date) -> NoticeContext:
    decision = referral.decisions.order_by("-decided_at").first()
    agreement = referral.agreement
    person = referral.person
    return NoticeContext(
        notice_ref=ref,
        person_name=person.full_name,
        person_reference=referral.external_reference or str(referral.pk)[:8],
        issued_on=today,
        destination=agreement.receiving_state,
        sending_state=agreement.sending_state,
        agreement_title=agreement.title,
        officer_name=officer,
        monitor_name="Independent monitoring committee",
        monitor_contact="monitor@ikaze.example",
        legal_advice_provider="Legal aid provider on record",
        legal_advice_contact="legal-aid@ikaze.example",
        appeal_body="Appeal tribunal",
        appeal_contact="appeals@ikaze.example",
        understood_languages=tuple(person.languages or ()),
        notice_period_days=agreement.notice_period_days,
        appeal_days=agreement.appeal_window_days,
        accepted=None if decision is None else decision.outcome == Decision.Outcome.ACCEPTED,
        reasons=tuple(RefusalReason(c) for c in (decision.reason_codes if decision else [])),
        reason_text=decision.reason if decision else "",
    )


@_refusal_recorded("notice.issue")
@transaction.atomic
def notice_issue(*, actor: Actor, referral: Referral, kind: str) -> Notice:
    """Render a decision or transfer notice as PDF in the person's language (SAFEGUARDS A9)."""
    require(actor, Perm.NOTICE_ISSUE, target_type="referral", target_id=referral.pk)
    _receiving(actor)
    if actor.user is None:
        raise SeniorOfficerRequired(
            "Notices are issued by a named officer.", code="named_officer_required"
        )
    try:
        kind = NoticeKind(kind).value
    except ValueError:
        raise ValidationError.for_field("kind", f"{kind!r} is not a notice kind.") from None
    locked = _lock(referral)
    if kind == NoticeKind.DECISION and locked.status not in (
        Referral.Status.ACCEPTED,
        Referral.Status.REFUSED,
    ):
        raise IllegalTransition(
            "A decision notice needs a decision.", details={"kind": ["No decision yet."]}
        )
    if kind == NoticeKind.TRANSFER and locked.status != Referral.Status.ACCEPTED:
        raise IllegalTransition(
            "A transfer notice is issued only to an accepted person.",
            details={"kind": ["The person is not accepted."]},
        )
    languages = list(locked.person.languages or ())
    language = languages[0] if languages else "en"
    today = clock.today_local()
    ref = f"N-{today:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    doc = render_notice(
        kind,
        language,
        # The notice names the officer as a person, not by their sign-in name.
        _notice_context(
            locked, officer=actor.user.get_full_name() or actor.label, ref=ref, today=today
        ),
    )
    notice = Notice.objects.create(
        referral=locked,
        kind=kind,
        notice_ref=ref,
        language=language,
        template_language=doc.template_language,
        needs_translation=doc.needs_translation,
        destination=locked.agreement.receiving_state,
        pdf=doc.pdf,
        pdf_sha256=hashlib.sha256(doc.pdf).hexdigest(),
        issued_by=actor.user,
        issued_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="notice.issue",
        target_type="referral",
        target_id=locked.pk,
        after={
            "notice": str(notice.pk),
            "kind": kind,
            "language": language,
            "template_language": doc.template_language,
            "needs_translation": doc.needs_translation,
            "sha256": notice.pdf_sha256,
        },
    )
    return notice


@_refusal_recorded("notice.record_service")
@transaction.atomic
def notice_record_service(
    *,
    actor: Actor,
    notice: Notice,
    served_on_person_at: dt.datetime,
    proof_reference: str,
    served_on_counsel_at: dt.datetime | None = None,
    counsel_name: str = "",
    translation_recorded: bool = False,
    interpreter_language: str = "",
) -> Notice:
    """Record proof of service; the service becomes a `notice_served` fact the rules read (A9).

    SAFEGUARDS A9: the rule counts it only when served on the person (and counsel, if any) with
    proof and, where the text is not in a language the person understands, a translation or an
    interpreter is recorded.
    """
    require(actor, Perm.NOTICE_ISSUE, target_type="notice", target_id=notice.pk)
    _receiving(actor)
    errors: dict[str, list[str]] = {}
    proof_reference = (proof_reference or "").strip()
    counsel_name = (counsel_name or "").strip()
    interpreter_language = (interpreter_language or "").strip().lower()
    now = clock.now()
    if not proof_reference:
        errors["proof_reference"] = ["The proof of service (reference) is required."]
    if served_on_person_at is None or served_on_person_at > now:
        errors["served_on_person_at"] = ["When the person was served (not in the future)."]
    if served_on_counsel_at is not None:
        if served_on_counsel_at > now:
            errors["served_on_counsel_at"] = ["Not in the future."]
        if not counsel_name:
            errors["counsel_name"] = ["Name the counsel served."]
    if errors:
        raise ValidationError("The proof of service is not valid.", details=errors)
    locked = Notice.objects.select_for_update().select_related("referral").get(pk=notice.pk)
    if locked.served_on_person_at is not None:
        raise Conflict(
            "Service of this notice is already recorded.", details={"notice": ["Already served."]}
        )
    served_day = served_on_person_at.astimezone(clock.local_zone()).date()
    payload = {
        "notice_ref": locked.notice_ref,
        "notice_kind": locked.kind,
        "destination_country": locked.destination,
        "language": locked.language,
        "template_language": locked.template_language,
        "translation_recorded": translation_recorded,
        "interpreter_language": interpreter_language or None,
        "served_on_person": True,
        "served_on_counsel": served_on_counsel_at is not None,
        "counsel_name": counsel_name or None,
        "proof_reference": proof_reference,
    }
    event = _fact_record(
        actor=actor,
        referral=locked.referral,
        kind=EventKind.NOTICE_SERVED.value,
        payload=payload,
        effective_at=served_day,
        source_document=proof_reference,
    )
    locked.served_on_person_at = served_on_person_at
    locked.served_on_counsel_at = served_on_counsel_at
    locked.counsel_name = counsel_name
    locked.proof_reference = proof_reference
    locked.translation_recorded = translation_recorded
    locked.interpreter_language = interpreter_language
    locked.service_event = event
    locked.save(
        update_fields=[
            "served_on_person_at",
            "served_on_counsel_at",
            "counsel_name",
            "proof_reference",
            "translation_recorded",
            "interpreter_language",
            "service_event",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="notice.record_service",
        target_type="referral",
        target_id=locked.referral_id,
        after={
            "notice": str(locked.pk),
            "served_on_counsel": served_on_counsel_at is not None,
            "translation_recorded": translation_recorded,
            "interpreter_language": interpreter_language,
            "event": str(event.pk),
        },
        reason=proof_reference,
    )
    return locked


@_refusal_recorded("alert.resolve")
@transaction.atomic
def alert_resolve(*, actor: Actor, alert: Alert, resolution: str) -> Alert:
    """Close an alert once the person's situation has been dealt with (say how)."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="alert", target_id=alert.pk)
    _receiving(actor)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError.for_field("resolution", "Say how the alert was resolved.")
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.resolved_at is not None:
        raise Conflict("The alert is already resolved.")
    locked.resolved_at = clock.now()
    locked.resolved_by = actor.user
    locked.resolution = resolution
    locked.save(update_fields=["resolved_at", "resolved_by", "resolution", "updated_at"])
    audit_record(
        actor=actor,
        action="alert.resolve",
        target_type="referral",
        target_id=locked.referral_id,
        after={"alert": str(locked.pk)},
        reason=resolution,
    )
    return locked


__all__ = [
    "FourEyes",
    "OverrideRefused",
    "SeniorOfficerRequired",
    "alert_resolve",
    "evaluation_run",
    "legal_fact_record",
    "notice_issue",
    "notice_record_service",
    "override_decline",
    "override_request",
    "override_second",
    "referral_accept",
    "referral_evaluate",
    "referral_refuse",
]
