"""Protection writes: the case after arrival, its claim, departures through the
non-refoulement lock, complaints, adverse actions, monitors' observations and access.

Each service: permission → validation → row locks (`locks.py`) → change → audit event, in
one transaction. A refusal changes nothing and is recorded after the rollback as a security
event `refused:<action>`; a refused departure also leaves a lock hit for the monitor (B6).
Complaint content, claim details, interview notes and decision reasons never enter the audit
log (SAFEGUARDS C2, D1): events carry ids, kinds and dates only.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pycountry
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ikaze.accounts import selectors as accounts_selectors
from ikaze.accounts import services as accounts
from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements.models import Agreement
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied, ValidationError
from ikaze.people import selectors as people
from ikaze.privacy.vault import seal_fields
from ikaze.protection import locks, rules
from ikaze.protection.errors import (
    CaseClosed,
    MonitorRevocation,
    NoBriefing,
    NoRepresentation,
    NotFinal,
    NotReasoned,
    NotUnderstood,
    ReasonForbidden,
    Refoulement,
    RemovalBlocked,
    RequestDecided,
    SelfServiceRefused,
    StageOrder,
)
from ikaze.protection.models import (
    AdverseAction,
    Case,
    CaseOutcome,
    Complaint,
    ComplaintChannel,
    Departure,
    Interview,
    LockHit,
    Milestone,
    MonitorAccessRequest,
    Observation,
    PersonalCode,
    SelfServiceAttempt,
    ServiceReferral,
    StatusDecision,
)

P = ParamSpec("P")
T = TypeVar("T")

TEXT_MAX = 10_000
REASONS_MIN = 40  # B4: a reasoned decision says why, in more than a word or two


def _refusal_recorded(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record a refused call (not a permission or scope refusal, which the interface records)
    as a security event once its transaction has rolled back."""

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except IkazeError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                target = next(
                    (
                        kwargs[k]
                        for k in ("case", "decision", "complaint", "request")
                        if kwargs.get(k)
                    ),
                    None,
                )
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


def _reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


def _text(value: str, field: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError.for_field(field, gettext("This is required."))
    if len(value) > limit:
        raise ValidationError.for_field(field, gettext("At most %(n)d characters.") % {"n": limit})
    return value


def _language(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip().lower()
    if not value and not required:
        return ""
    if not (2 <= len(value) <= 3) or (
        pycountry.languages.get(alpha_2=value) is None
        and pycountry.languages.get(alpha_3=value) is None
    ):
        raise ValidationError.for_field(
            field, gettext("An ISO 639 language code, such as es or ht.")
        )
    return value


def _country(value: str, field: str) -> str:
    value = (value or "").strip().upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError.for_field(field, gettext("An ISO 3166 country code, such as HN."))
    return value


def _open_case(case: Case) -> Case:
    case = locks.case_lock(case.pk)
    if case.closed_at is not None:
        raise CaseClosed(gettext("The case is closed."), details={"case": [case.reference]})
    return case


def _facts(case: Case) -> rules.ClaimFacts:
    return rules.ClaimFacts(
        claim_lodged_at=case.claim_lodged_at,
        appeal_lodged_at=case.appeal_lodged_at,
        court_filed_at=case.court_filed_at,
        decisions=[
            rules.DecisionFact(d.level, d.result, d.served_at)
            for d in case.decisions.order_by("decided_on", "created_at")
        ],
        appeal_window_days=case.agreement.appeal_window_days,
    )


def _refresh_finality(case: Case, now: dt.datetime) -> None:
    """Store the final decision's time and the end of monitoring once final (B1, B7)."""
    if case.final_decision_at is not None:
        return
    final = rules.final_decision_at(_facts(case), now)
    if final is not None:
        case.final_decision_at = final
        case.monitoring_until = rules.monitoring_until(final)
        case.save(update_fields=["final_decision_at", "monitoring_until", "updated_at"])


# --- the case opens at arrival ----------------------------------------------------------------


@transaction.atomic
def case_open_on_arrival(
    *, actor: Actor, person_id: Any, agreement: Agreement, arrived_at: dt.datetime
) -> Case:
    """Open the person's protection case at arrival (SAFEGUARDS B1); the rights briefing is
    due within the agreement's `rights_briefing_days` (B2). A second arrival keeps the case."""
    existing = Case.objects.filter(person_id=person_id).first()
    if existing is not None:
        return existing
    facts = people.person_protection_facts(person_ids=[person_id]).get(person_id) or {}
    languages = facts.get("languages") or [""]
    case = Case.objects.create(
        person_id=person_id,
        agreement=agreement,
        reference=_reference("PC"),
        arrived_at=arrived_at,
        language=str(languages[0])[:3],
        rights_briefing_due=arrived_at + dt.timedelta(days=agreement.rights_briefing_days),
    )
    audit_record(
        actor=actor,
        action="case.open",
        target_type="case",
        target_id=case.pk,
        after={"person": str(person_id), "agreement": agreement.code, "reference": case.reference},
    )
    return case


@_refusal_recorded("case.rights_brief")
@transaction.atomic
def case_rights_brief(
    *, actor: Actor, case: Case, language: str, briefed_at: dt.datetime | None = None
) -> Case:
    """Record the rights briefing (how to claim asylum, appeal and complain) and its language."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    language = _language(language, "language")
    case = _open_case(case)
    now = clock.now()
    at = briefed_at or now
    if at > now or at < case.arrived_at:
        raise ValidationError.for_field("briefed_at", gettext("Between the arrival and now."))
    case.rights_briefed_at = at
    case.rights_briefing_language = language
    case.rights_briefed_by_label = actor.label[:200]
    case.save(
        update_fields=[
            "rights_briefed_at",
            "rights_briefing_language",
            "rights_briefed_by_label",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="case.rights_brief",
        target_type="case",
        target_id=case.pk,
        after={"language": language, "at": at.isoformat(), "late": at > case.rights_briefing_due},
    )
    return case


@_refusal_recorded("case.claim_lodge")
@transaction.atomic
def case_claim_lodge(*, actor: Actor, case: Case, details: str = "") -> Case:
    """Record that the person claimed status in the receiving state."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    details = _text(details, "details", required=False)
    case = _open_case(case)
    if case.claim_lodged_at is not None:
        raise StageOrder(
            gettext("The claim is already lodged."), details={"claim": [case.reference]}
        )
    case.claim_lodged_at = clock.now()
    seal_fields(case, claim_details=details)
    case.save(update_fields=["claim_lodged_at", "claim_details", "updated_at"])
    audit_record(actor=actor, action="case.claim_lodge", target_type="case", target_id=case.pk)
    return case


@_refusal_recorded("case.interview")
@transaction.atomic
def interview_record(
    *,
    actor: Actor,
    case: Case,
    held_at: dt.datetime,
    interpreter_language: str,
    legal_representative: str = "",
    waiver_reference: str = "",
    kind: str = Interview.Kind.INTERVIEW,
    notes: str = "",
) -> Interview:
    """Record an interview or hearing: interpreter language, and a legal representative or the
    person's signed waiver (SAFEGUARDS B3)."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    errors: dict[str, list[str]] = {}
    try:
        interpreter_language = _language(interpreter_language, "interpreter_language")
    except ValidationError as exc:
        errors.update(exc.details)
    legal_representative = _text(
        legal_representative, "legal_representative", required=False, limit=200
    )
    waiver_reference = _text(waiver_reference, "waiver_reference", required=False, limit=100)
    notes = _text(notes, "notes", required=False)
    if not legal_representative and not waiver_reference:
        errors["legal_representative"] = [
            gettext("Name the legal representative, or record the person's signed waiver.")
        ]
    if kind not in Interview.Kind.values:
        errors["kind"] = [gettext("Choose interview or hearing.")]
    if held_at > clock.now():
        errors["held_at"] = [gettext("An interview is recorded once it has taken place.")]
    if errors:
        raise NoRepresentation(gettext("The interview cannot be recorded."), details=errors)
    case = _open_case(case)
    if case.claim_lodged_at is None:
        raise StageOrder(
            gettext("Record the claim first."), details={"claim": [gettext("not lodged")]}
        )
    interview = Interview(
        case=case,
        person_id=case.person_id,
        kind=kind,
        held_at=held_at,
        interpreter_language=interpreter_language,
        legal_representative=legal_representative,
        waiver_reference=waiver_reference,
        recorded_by_label=actor.label[:200],
    )
    seal_fields(interview, notes=notes)
    interview.save(force_insert=True)
    audit_record(
        actor=actor,
        action="case.interview",
        target_type="case",
        target_id=case.pk,
        after={
            "interview": str(interview.pk),
            "interpreter_language": interpreter_language,
            "representative": bool(legal_representative),
            "waiver": waiver_reference,
        },
    )
    return interview


_LEVEL_NEEDS = {
    StatusDecision.Level.FIRST_INSTANCE: "claim_lodged_at",
    StatusDecision.Level.APPEAL: "appeal_lodged_at",
    StatusDecision.Level.COURT: "court_filed_at",
}


@_refusal_recorded("case.decide")
@transaction.atomic
def decision_record(
    *, actor: Actor, case: Case, level: str, result: str, reasons: str, decided_on: dt.date
) -> StatusDecision:
    """Record a written, reasoned decision on status (SAFEGUARDS B4); it counts once served."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    errors: dict[str, list[str]] = {}
    if level not in StatusDecision.Level.values:
        errors["level"] = [gettext("Choose first instance, appeal or court.")]
    if result not in StatusDecision.Result.values:
        errors["result"] = [gettext("Choose granted or refused.")]
    reasons = (reasons or "").strip()
    if len(reasons) < REASONS_MIN:
        errors["reasons"] = [
            gettext("Write the reasons for the decision (at least %(n)d characters).")
            % {"n": REASONS_MIN}
        ]
    elif len(reasons) > TEXT_MAX:
        errors["reasons"] = [gettext("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if decided_on > clock.today_local():
        errors["decided_on"] = [gettext("A decision date cannot be in the future.")]
    if errors:
        raise NotReasoned(gettext("The decision cannot be recorded."), details=errors)
    case = _open_case(case)
    if getattr(case, _LEVEL_NEEDS[StatusDecision.Level(level)]) is None:
        raise StageOrder(
            gettext("Nothing is lodged at this level yet."), details={"level": [level]}
        )
    if case.decisions.filter(level=level).exists():
        raise StageOrder(gettext("This level is already decided."), details={"level": [level]})
    decision = StatusDecision(
        case=case,
        person_id=case.person_id,
        level=level,
        result=result,
        decided_on=decided_on,
        decided_by_label=actor.label[:200],
    )
    seal_fields(decision, reasons=reasons)
    decision.save(force_insert=True)
    audit_record(
        actor=actor,
        action="case.decide",
        target_type="case",
        target_id=case.pk,
        after={"decision": str(decision.pk), "level": level, "result": result},
    )
    return decision


@_refusal_recorded("decision.serve")
@transaction.atomic
def decision_serve(
    *, actor: Actor, decision: StatusDecision, language: str, interpreter_language: str = ""
) -> StatusDecision:
    """Serve the decision as a PDF in a language the person understands (SAFEGUARDS B4): one
    of their languages, or through an interpreter of theirs when the text is in another."""
    from ikaze.protection.documents import render_decision

    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=decision.case_id)
    language = _language(language, "language")
    interpreter_language = _language(interpreter_language, "interpreter_language", required=False)
    case = _open_case(decision.case)
    decision = locks.decision_lock(decision.pk)
    if decision.served_at is not None:
        raise StageOrder(gettext("The decision is already served."), details={})
    understood = (
        people.person_protection_facts(person_ids=[case.person_id]).get(case.person_id) or {}
    ).get("languages", [])
    document = render_decision(decision=decision, case=case, language=language)
    if document.template_language not in understood and interpreter_language not in understood:
        raise NotUnderstood(
            gettext(
                "The person does not understand %(language)s: serve it in one of their languages "
                "(%(theirs)s), or record an interpreter of theirs."
            )
            % {"language": document.template_language, "theirs": ", ".join(understood) or "—"},
            details={"language": [document.template_language]},
        )
    now = clock.now()
    decision.served_at = now
    decision.served_language = document.template_language
    decision.interpreter_language = interpreter_language
    decision.document_sha256 = hashlib.sha256(document.pdf).hexdigest()
    decision.save(
        update_fields=[
            "served_at",
            "served_language",
            "interpreter_language",
            "document_sha256",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="decision.serve",
        target_type="case",
        target_id=case.pk,
        after={
            "decision": str(decision.pk),
            "language": document.template_language,
            "interpreter_language": interpreter_language,
            "sha256": decision.document_sha256,
        },
    )
    _refresh_finality(case, now)
    return decision


@_refusal_recorded("case.appeal")
@transaction.atomic
def case_appeal_lodge(*, actor: Actor, case: Case) -> Case:
    """Record an appeal against the served first-instance refusal."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    case = _open_case(case)
    first = case.decisions.filter(level="first_instance", served_at__isnull=False).first()
    if first is None or first.result != "refused" or case.appeal_lodged_at is not None:
        raise StageOrder(
            gettext("An appeal follows a served refusal at first instance, once."), details={}
        )
    if case.final_decision_at is not None or rules.final_decision_at(_facts(case), clock.now()):
        raise StageOrder(gettext("The window to appeal has passed."), details={})
    case.appeal_lodged_at = clock.now()
    case.save(update_fields=["appeal_lodged_at", "updated_at"])
    audit_record(actor=actor, action="case.appeal", target_type="case", target_id=case.pk)
    return case


@_refusal_recorded("case.court")
@transaction.atomic
def case_court_file(*, actor: Actor, case: Case, court_reference: str) -> Case:
    """Record a court case against the served appeal decision (SAFEGUARDS B5: no removal while
    it is pending)."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    court_reference = _text(court_reference, "court_reference", limit=100)
    case = _open_case(case)
    appeal = case.decisions.filter(level="appeal", served_at__isnull=False).first()
    if appeal is None or appeal.result != "refused" or case.court_filed_at is not None:
        raise StageOrder(
            gettext("A court case follows a served refusal on appeal, once."), details={}
        )
    if case.final_decision_at is not None:
        raise StageOrder(gettext("The decision is already final."), details={})
    case.court_filed_at = clock.now()
    case.court_reference = court_reference
    case.save(update_fields=["court_filed_at", "court_reference", "updated_at"])
    audit_record(
        actor=actor,
        action="case.court",
        target_type="case",
        target_id=case.pk,
        after={"court_reference": court_reference},
    )
    return case


@_refusal_recorded("case.refer")
@transaction.atomic
def service_referral_add(
    *, actor: Actor, case: Case, kind: str, provider: str, referred_on: dt.date
) -> ServiceReferral:
    """Refer the person to a service: health, legal aid, education, language, job training."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    if kind not in ServiceReferral.Kind.values:
        raise ValidationError.for_field("kind", gettext("Choose a kind of service."))
    provider = _text(provider, "provider", limit=200)
    if referred_on > clock.today_local():
        raise ValidationError.for_field("referred_on", gettext("Not in the future."))
    case = _open_case(case)
    row = ServiceReferral.objects.create(
        case=case,
        kind=kind,
        provider=provider,
        referred_on=referred_on,
        recorded_by_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="case.refer",
        target_type="case",
        target_id=case.pk,
        after={"kind": kind, "provider": provider, "on": referred_on.isoformat()},
    )
    return row


@_refusal_recorded("case.milestone")
@transaction.atomic
def milestone_add(*, actor: Actor, case: Case, kind: str, reached_on: dt.date) -> Milestone:
    """Record an integration milestone."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    if kind not in Milestone.Kind.values:
        raise ValidationError.for_field("kind", gettext("Choose a milestone."))
    if reached_on > clock.today_local():
        raise ValidationError.for_field("reached_on", gettext("Not in the future."))
    case = _open_case(case)
    row = Milestone.objects.create(
        case=case, kind=kind, reached_on=reached_on, recorded_by_label=actor.label[:200]
    )
    audit_record(
        actor=actor,
        action="case.milestone",
        target_type="case",
        target_id=case.pk,
        after={"kind": kind, "on": reached_on.isoformat()},
    )
    return row


# --- departures through the non-refoulement lock (B5, B6) ------------------------------------


def _departure_refused(fn: Callable[P, T]) -> Callable[P, T]:
    """A refused departure leaves a lock hit for the monitor, after the rollback (B6)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except Refoulement as exc:
            case: Case = kwargs["case"]  # type: ignore[assignment]
            actor: Actor = kwargs["actor"]  # type: ignore[assignment]
            with transaction.atomic():
                hit = LockHit.objects.create(
                    case_id=case.pk,
                    destination=str(kwargs.get("destination", ""))[:2].upper(),
                    reason=str(exc.details.get("reason", [""])[0]),
                    attempted_by_label=actor.label[:200],
                )
                audit_security(
                    actor=actor,
                    action="lock_hit.raise",
                    target_type="case",
                    target_id=case.pk,
                    reason=f"{hit.destination}: {hit.reason}",
                )
            raise

    return wrapper


@_departure_refused
@_refusal_recorded("case.depart")
@transaction.atomic
def departure_record(
    *,
    actor: Actor,
    case: Case,
    destination: str,
    departs_on: dt.date,
    voluntary_request_reference: str = "",
    fear_screening_on: dt.date | None = None,
) -> Departure:
    """Record a departure, through the non-refoulement lock (SAFEGUARDS B6): to the sending
    state, or to the country of origin at the person's own documented request after a fear
    screening. Other destinations are refused and the monitor alerted. A removal (not at the
    person's request) waits for the final decision, the 30 days after a negative appeal and
    any court case (B5)."""
    require(actor, Perm.DEPARTURE_RECORD, target_type="case", target_id=case.pk)
    destination = _country(destination, "destination")
    voluntary_request_reference = _text(
        voluntary_request_reference, "voluntary_request_reference", required=False, limit=100
    )
    if fear_screening_on is not None and fear_screening_on > clock.today_local():
        raise ValidationError.for_field("fear_screening_on", gettext("Not in the future."))
    case = _open_case(case)
    facts = people.person_protection_facts(person_ids=[case.person_id]).get(case.person_id) or {}
    check = rules.departure_check(
        destination=destination,
        sending_state=case.agreement.sending_state,
        nationalities=facts.get("nationalities", []),
        voluntary_request_reference=voluntary_request_reference,
        fear_screening_on=fear_screening_on,
    )
    if not check.allowed:
        messages = {
            "third_country": gettext(
                "%(country)s is neither the sending state nor the person's country of origin: "
                "the non-refoulement lock refuses it. The monitor is told."
            ),
            "origin_not_voluntary": gettext(
                "A departure to the country of origin (%(country)s) needs the person's own "
                "documented, voluntary request. The monitor is told."
            ),
            "origin_no_screening": gettext(
                "A departure to the country of origin (%(country)s) needs a fear screening "
                "first. The monitor is told."
            ),
        }
        raise Refoulement(
            messages[check.reason] % {"country": destination},
            details={"reason": [check.reason], "destination": [destination]},
        )
    if not voluntary_request_reference:
        blocked = rules.removal_blocked(_facts(case), clock.now())
        if blocked:
            raise RemovalBlocked(
                {
                    "court_pending": gettext("No removal while a court case is pending (B5)."),
                    "appeal_window": gettext(
                        "No removal within %(n)d days of a negative appeal decision (B5)."
                    )
                    % {"n": case.agreement.appeal_window_days},
                    "claim_pending": gettext(
                        "No removal before a final decision on the claim (B1, B5)."
                    ),
                }[blocked],
                details={"reason": [blocked]},
            )
    departure = Departure.objects.create(
        case=case,
        destination=destination,
        voluntary_request_reference=voluntary_request_reference,
        fear_screening_on=fear_screening_on,
        departs_on=departs_on,
        recorded_by_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="case.depart",
        target_type="case",
        target_id=case.pk,
        after={
            "destination": destination,
            "on": departs_on.isoformat(),
            "voluntary": bool(voluntary_request_reference),
        },
    )
    return departure


# --- closing a case (B1, B2, B7) -------------------------------------------------------------


@_refusal_recorded("case.close")
@transaction.atomic
def case_close(*, actor: Actor, case: Case, outcome: str, reason: str) -> Case:
    """Close the case's support with its outcome. Not before a final decision on status,
    appeals included (B1); "no claim" only after the rights briefing (B2). Monitoring stays
    open five years after the final decision (B7). The close is an adverse action (C2)."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    reason = _text(reason, "reason", limit=2000)
    if outcome not in CaseOutcome.values:
        raise ValidationError.for_field("outcome", gettext("Choose an outcome."))
    case = _open_case(case)
    now = clock.now()
    final: dt.datetime | None
    if outcome == CaseOutcome.NO_CLAIM:
        if case.rights_briefed_at is None:
            raise NoBriefing(
                gettext(
                    "The person was not briefed on their rights: a case cannot close as "
                    '"no claim" before that (B2).'
                ),
                details={"outcome": [outcome]},
            )
        if case.claim_lodged_at is not None:
            raise StageOrder(gettext("A claim is lodged."), details={"outcome": [outcome]})
        final = now
    else:
        final = case.final_decision_at or rules.final_decision_at(_facts(case), now)
        if final is None:
            raise NotFinal(
                gettext(
                    "Support cannot close before a final decision on status, appeals included (B1)."
                ),
                details={"outcome": [outcome]},
            )
        if (
            outcome in (CaseOutcome.VOLUNTARY_RETURN, CaseOutcome.DEPARTURE)
            and not case.departures.exists()
        ):
            raise StageOrder(gettext("Record the departure first."), details={"outcome": [outcome]})
    case.final_decision_at = final
    case.monitoring_until = rules.monitoring_until(final)
    case.closed_at = now
    case.outcome = outcome
    case.close_reason = reason
    case.save(
        update_fields=[
            "final_decision_at",
            "monitoring_until",
            "closed_at",
            "outcome",
            "close_reason",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="case.close",
        target_type="case",
        target_id=case.pk,
        after={"outcome": outcome, "monitoring_until": case.monitoring_until.isoformat()},
        reason=reason,
    )
    note_adverse_action(
        case.person_id, AdverseAction.Kind.CASE_CLOSED, actor=actor, reason_code=outcome
    )
    return case


# --- adverse actions (C2, B8) ---------------------------------------------------------------


@transaction.atomic
def note_adverse_action(
    person: Any, kind: str, *, actor: Actor, reason_code: str, detail: str = ""
) -> AdverseAction:
    """Keep an action against a person's interest with its reason code, visible to the monitor
    (B8); flag it when the person complained within the last 90 days (C2). Called by reception
    (transfer, check-out), by support (reduced, stopped) and by `case_close`. A reduction
    because of a complaint, appeal or fear claim is refused (B8)."""
    person_id = getattr(person, "pk", person)
    if kind not in AdverseAction.Kind.values:
        raise ValidationError.for_field("kind", gettext("Not a known kind of adverse action."))
    reason_code = (reason_code or "").strip().lower()[:40]
    if not reason_code:
        raise ValidationError.for_field("reason_code", gettext("A reason code is required (B8)."))
    if (
        kind in (AdverseAction.Kind.SUPPORT_REDUCED, AdverseAction.Kind.SUPPORT_STOPPED)
        and reason_code in rules.FORBIDDEN_REDUCTION_REASONS
    ):
        raise ReasonForbidden(
            gettext(
                "Support is never reduced or stopped because of a complaint, appeal or fear claim (B8)."
            ),
            details={"reason_code": [reason_code]},
        )
    now = clock.now()
    complaint = (
        Complaint.objects.filter(person_id=person_id, filed_at__gte=now - rules.ADVERSE_WINDOW)
        .order_by("-filed_at")
        .first()
    )
    row = AdverseAction.objects.create(
        person_id=person_id,
        kind=kind,
        reason_code=reason_code,
        detail=detail[:2000],
        occurred_at=now,
        recorded_by_label=actor.label[:200],
        complaint=complaint,
    )
    audit_record(
        actor=actor,
        action="adverse_action.note",
        target_type="person",
        target_id=person_id,
        after={"kind": kind, "reason_code": reason_code, "flagged": complaint is not None},
    )
    return row


# --- complaints (C2) --------------------------------------------------------------------------


def _complaint_create(
    *, actor: Actor | None, case: Case, channel: str, content: str, language: str
) -> Complaint:
    content = _text(content, "content")
    language = _language(language, "language", required=False) or case.language
    now = clock.now()
    complaint = Complaint(
        person_id=case.person_id,
        case=case,
        reference=_reference("CP"),
        channel=channel,
        language=language,
        filed_at=now,
        ack_due_at=now + dt.timedelta(days=case.agreement.complaint_ack_days),
    )
    seal_fields(complaint, content=content)
    complaint.save(force_insert=True)
    # C2: the content never enters the audit log, only that a complaint was filed.
    audit_record(
        actor=actor,
        action="complaint.file",
        target_type="complaint",
        target_id=complaint.pk,
        after={"channel": channel, "ack_due": complaint.ack_due_at.isoformat()},
    )
    return complaint


@_refusal_recorded("complaint.file")
@transaction.atomic
def complaint_file(*, actor: Actor, case: Case, content: str, language: str = "") -> Complaint:
    """File a complaint for the person through a caseworker or a monitor (C2). The one who
    files it gets its reference and deadline; only the monitor reads it afterwards."""
    require(actor, Perm.COMPLAINT_FILE, target_type="case", target_id=case.pk)
    channel = (
        ComplaintChannel.MONITOR if actor.has_role(Role.MONITOR) else ComplaintChannel.CASEWORKER
    )
    return _complaint_create(
        actor=actor, case=case, channel=channel, content=content, language=language
    )


@_refusal_recorded("complaint.acknowledge")
@transaction.atomic
def complaint_acknowledge(*, actor: Actor, complaint: Complaint) -> Complaint:
    """The monitor acknowledges a complaint (due within `complaint_ack_days`)."""
    require(actor, Perm.COMPLAINT_VIEW, target_type="complaint", target_id=complaint.pk)
    complaint = locks.complaint_lock(complaint.pk)
    if complaint.acknowledged_at is not None:
        raise RequestDecided(gettext("The complaint is already acknowledged."), details={})
    complaint.acknowledged_at = clock.now()
    complaint.acknowledged_by_label = actor.label[:200]
    complaint.save(update_fields=["acknowledged_at", "acknowledged_by_label", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.acknowledge",
        target_type="complaint",
        target_id=complaint.pk,
        after={"late": complaint.acknowledged_at > complaint.ack_due_at},
    )
    return complaint


# --- self-service: personal code and PIN (C2) ---------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
PIN_LENGTH = 6
PIN_FAILURES_LOCK = 5  # wrong PINs in a row lock the code…
CODE_LOCK = dt.timedelta(hours=1)  # …for an hour
RATE_WINDOW = dt.timedelta(minutes=15)
RATE_PER_CLIENT = 20  # failed attempts from one address within the window
RATE_PER_CODE = 10  # failed attempts at one code (known or not) within the window


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the code is unknown or locked: the same work as a wrong PIN.
    return make_password(secrets.token_hex(8))


@_refusal_recorded("personal_code.issue")
@transaction.atomic
def personal_code_issue(
    *, actor: Actor, case: Case, code: str = "", pin: str = ""
) -> tuple[PersonalCode, str]:
    """Give the person a personal code and PIN for the self-service complaint page; the PIN is
    shown once (stored hashed). An earlier code stops working. `code` and `pin` given: the
    demo's printed pair only (random otherwise)."""
    require(actor, Perm.CASE_MANAGE, target_type="case", target_id=case.pk)
    case = locks.case_lock(case.pk)
    now = clock.now()
    PersonalCode.objects.filter(person_id=case.person_id, revoked_at__isnull=True).update(
        revoked_at=now
    )
    pin = pin or "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
    code = _normalise_code(code) or "".join(
        secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)
    )
    row = PersonalCode.objects.create(
        person_id=case.person_id, code=code, pin_hash=make_password(pin)
    )
    audit_record(actor=actor, action="personal_code.issue", target_type="case", target_id=case.pk)
    return row, pin


def _normalise_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())[:32]


def personal_code_exists(*, code: str) -> bool:
    """Whether this personal code is in use (the demo's printed pair; never a page's answer)."""
    return PersonalCode.objects.filter(code=_normalise_code(code), revoked_at__isnull=True).exists()


def self_service_sign_in(*, code: str, pin: str, client: str) -> PersonalCode:
    """Open the self-service page with a personal code and PIN. Every failure (unknown code,
    wrong PIN, locked code, too many attempts) answers the same and costs the same work, so
    the page cannot tell whether a code exists (C2); attempts are limited per address and per
    code, and wrong PINs lock the code."""
    code = _normalise_code(code)
    digest = _digest(code)
    client = (client or "")[:64]
    now = clock.now()
    since = now - RATE_WINDOW
    failures = SelfServiceAttempt.objects.filter(created_at__gte=since, succeeded=False)
    limited = (
        failures.filter(client=client).count() >= RATE_PER_CLIENT
        or failures.filter(code_digest=digest).count() >= RATE_PER_CODE
    )
    row = (
        None if limited else PersonalCode.objects.filter(code=code, revoked_at__isnull=True).first()
    )
    usable = row is not None and (row.locked_until is None or row.locked_until <= now)
    ok = check_password(
        str(pin or "")[:32], row.pin_hash if usable and row is not None else _dummy_hash()
    )
    ok = ok and usable
    with transaction.atomic():
        SelfServiceAttempt.objects.create(client=client, code_digest=digest, succeeded=ok)
        if row is not None and usable:
            locked = locks.personal_code_lock(row.pk)
            if ok:
                locked.failed_attempts = 0
            else:
                locked.failed_attempts += 1
                if locked.failed_attempts >= PIN_FAILURES_LOCK:
                    locked.failed_attempts = 0
                    locked.locked_until = now + CODE_LOCK
            locked.save(update_fields=["failed_attempts", "locked_until", "updated_at"])
        if not ok:
            audit_security(
                actor=None,
                action="refused:self_service.sign_in",
                reason=f"client={client}",
            )
    if not ok or row is None:
        raise SelfServiceRefused(
            gettext(
                "The code and PIN do not open the page. Check them and try again later, or ask "
                "your caseworker or the monitor."
            )
        )
    return row


@transaction.atomic
def self_service_complaint_file(
    *, personal_code: PersonalCode, content: str, language: str
) -> Complaint:
    """File a complaint on the self-service page (the person, signed in with code and PIN)."""
    code = PersonalCode.objects.filter(pk=personal_code.pk, revoked_at__isnull=True).first()
    case = (
        Case.objects.filter(person_id=personal_code.person_id).select_related("agreement").first()
    )
    if code is None or case is None:
        raise SelfServiceRefused(gettext("The code no longer opens the page."))
    return _complaint_create(
        actor=None,
        case=case,
        channel=ComplaintChannel.SELF_SERVICE,
        content=content,
        language=language,
    )


# --- the monitor's observations and access (C1) --------------------------------------------


@_refusal_recorded("observation.write")
@transaction.atomic
def observation_write(
    *,
    actor: Actor,
    kind: str,
    title: str,
    body: str,
    observed_on: dt.date,
    agreement: Agreement | None = None,
) -> Observation:
    """A monitor writes an observation or an incident report."""
    require(actor, Perm.OBSERVATION_WRITE, target_type="observation")
    if kind not in Observation.Kind.values:
        raise ValidationError.for_field("kind", gettext("Choose observation or incident report."))
    title = _text(title, "title", limit=200)
    body = _text(body, "body")
    if observed_on > clock.today_local():
        raise ValidationError.for_field("observed_on", gettext("Not in the future."))
    if actor.user is None:
        raise ValidationError.for_field("author", gettext("A named monitor writes observations."))
    row = Observation.objects.create(
        kind=kind,
        title=title,
        body=body,
        observed_on=observed_on,
        agreement=agreement,
        author=actor.user,
        author_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="observation.write",
        target_type="observation",
        target_id=row.pk,
        after={"kind": kind, "title": title},
    )
    return row


@_refusal_recorded("monitor_access.request")
@transaction.atomic
def monitor_access_request(
    *, actor: Actor, user: Any, kind: str, reason: str
) -> MonitorAccessRequest:
    """The receiving state's administrator asks to deactivate a monitor's account or remove
    its role; nothing changes until the monitoring body's administrator confirms (C1)."""
    require(
        actor, Perm.MONITOR_ACCESS_REQUEST, target_type="user", target_id=getattr(user, "pk", user)
    )
    if actor.org_kind != OrgKind.RECEIVING_STATE or actor.organisation is None:
        raise PermissionDenied(gettext("Only the receiving state's administrator asks this."))
    reason = _text(reason, "reason", limit=2000)
    if kind not in MonitorAccessRequest.Kind.values:
        raise ValidationError.for_field("kind", gettext("Choose deactivate or remove the role."))
    membership = accounts_selectors.monitor_membership_of(user_id=getattr(user, "pk", user))
    if membership is None:
        raise NotFound(gettext("No such monitor."))
    try:
        with transaction.atomic():
            row = MonitorAccessRequest.objects.create(
                user_id=membership.user_id,
                monitoring_body_id=membership.organisation_id,
                kind=kind,
                reason=reason,
                requested_by_label=actor.label[:200],
                requested_by_organisation=actor.organisation,
            )
    except IntegrityError as exc:
        raise RequestDecided(
            gettext("The same request is already waiting for the monitoring body."), details={}
        ) from exc
    audit_record(
        actor=actor,
        action="monitor_access.request",
        target_type="user",
        target_id=membership.user_id,
        after={"kind": kind, "monitoring_body": str(membership.organisation_id)},
        reason=reason,
    )
    return row


@_refusal_recorded("monitor_access.decide")
@transaction.atomic
def monitor_access_decide(
    *, actor: Actor, request: MonitorAccessRequest, confirm: bool, reason: str
) -> MonitorAccessRequest:
    """The monitoring body's administrator confirms (the access is removed) or declines."""
    require(
        actor,
        Perm.MONITOR_ACCESS_DECIDE,
        target_type="monitor_access_request",
        target_id=request.pk,
    )
    if not actor.administers_organisation(request.monitoring_body_id):
        raise MonitorRevocation(
            gettext("Only an administrator of the monitoring body answers this request."),
            details={"request": [str(request.pk)]},
        )
    reason = _text(reason, "reason", limit=2000)
    request = locks.access_request_lock(request.pk)
    if request.status != MonitorAccessRequest.Status.PENDING:
        raise RequestDecided(gettext("The request was already answered."), details={})
    if confirm:
        if request.kind == MonitorAccessRequest.Kind.DEACTIVATE:
            accounts.user_deactivate(actor=actor, user=request.user, reason=reason)
        else:
            membership = accounts_selectors.monitor_membership_of(user_id=request.user_id)
            if membership is not None:
                accounts.membership_revoke(actor=actor, membership=membership, reason=reason)
    request.status = (
        MonitorAccessRequest.Status.CONFIRMED if confirm else MonitorAccessRequest.Status.DECLINED
    )
    request.decided_by_label = actor.label[:200]
    request.decided_at = clock.now()
    request.decision_reason = reason
    request.save(
        update_fields=["status", "decided_by_label", "decided_at", "decision_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="monitor_access.decide",
        target_type="user",
        target_id=request.user_id,
        after={"kind": request.kind, "status": request.status},
        reason=reason,
    )
    return request
