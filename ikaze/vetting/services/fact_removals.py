"""Taking a protective fact away (SAFEGUARDS F1): requested by one named officer, seconded by a
different senior officer, each with a justification and a source document.

The shape is the override's (services/overrides.py): request, then second or decline. Only the
second approval records the retraction or correction on the timeline (through the one fact
write path, which re-screens the person and raises alerts); the monitor is told. Which facts are
protective is declared once: `legal_events.PROTECTIVE`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import Conflict, IllegalTransition, ValidationError
from ikaze.vetting import locks
from ikaze.vetting.errors import FourEyes, NamedOfficerRequired, SeniorOfficerRequired
from ikaze.vetting.labels import fact_kind_label
from ikaze.vetting.legal_events import EventKind, is_protective, legal_event, parse_payload
from ikaze.vetting.models import FactRemoval, LegalEventRecord, MonitorNotice, Referral
from ikaze.vetting.services._common import (
    _notify_monitor,
    _receiving,
    _refusal_recorded,
    _second_answer_record,
    text_require,
)
from ikaze.vetting.services.facts import _fact_record, correction_check

_SECOND = {"justification": "second_justification", "source_document": "second_source_document"}


def _named(actor: Actor) -> None:
    # SAFEGUARDS F1: a token without a named person never takes a protective fact away.
    if actor.user is None or actor.token is not None:
        raise NamedOfficerRequired(
            _("Only a named officer, signed in in person, can ask to remove a protective fact.")
        )


def _senior(actor: Actor) -> None:
    if not actor.has_role(Role.SENIOR_OFFICER) or actor.user is None or actor.token is not None:
        raise SeniorOfficerRequired(
            _("Only a senior officer, signed in in person, can second the removal of a fact.")
        )


def _required(errors: dict[str, list[str]], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = [message]
    return value


@_refusal_recorded("fact_removal.request")
@transaction.atomic
def fact_removal_request(
    *,
    actor: Actor,
    referral: Referral,
    target: LegalEventRecord,
    justification: str,
    source_document: str,
    kind: str = EventKind.RETRACTION.value,
    payload: Mapping[str, Any] | None = None,
    effective_at: dt.date | None = None,
) -> FactRemoval:
    """Ask to retract (kind "retraction") or correct (the fact's own kind, a new payload) a
    protective fact; nothing changes until a different senior officer seconds it."""
    require(actor, Perm.FACT_RECORD, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    _named(actor)
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    justification = _required(
        errors, "justification", justification, _("A written justification is required.")
    )
    source_document = _required(
        errors, "source_document", source_document, _("A source document is required.")
    )
    text_require(
        FactRemoval,
        {"justification": justification, "source_document": source_document},
        fields={
            "justification": "request_justification",
            "source_document": "request_source_document",
        },
        errors=errors,
    )
    if errors:
        raise ValidationError(_("The removal request is not valid."), details=errors)
    correction_check(kind=kind, target=target, person_id=referral.person_id)
    if not is_protective(target.kind, parse_payload(target.kind, target.payload)):
        raise ValidationError.for_field(
            "supersedes",
            _("This fact does not protect the person: correct or retract it directly."),
        )
    if kind == EventKind.RETRACTION and not payload:
        payload = {"reason": justification[:2000]}
    effective_at = effective_at or clock.today_local()
    # Validate now what the second approval will record (it is recorded as asked).
    event = legal_event(
        id=str(uuid.uuid4()),
        kind=kind,
        payload=payload or {},
        effective_at=effective_at,
        recorded_at=clock.now(),
        source_document=source_document,
        recorded_by=actor.label or "?",
        supersedes=str(target.pk),
    )
    try:
        with transaction.atomic():
            removal = FactRemoval.objects.create(
                referral=referral,
                target=target,
                kind=event.kind.value,
                payload=event.payload.model_dump(mode="json"),
                effective_at=event.effective_at,
                requested_by=actor.user,
                requested_by_name=actor.label,
                request_justification=justification,
                request_source_document=source_document,
                requested_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(
            _("A removal of this fact is already waiting for a second officer."),
            details={"supersedes": [_("Already requested.")]},
        ) from None
    # SAFEGUARDS D1: the audit names the facts, not their content.
    audit_record(
        actor=actor,
        action="fact_removal.request",
        target_type="person",
        target_id=referral.person_id,
        after={
            "fact_removal": str(removal.pk),
            "target": str(target.pk),
            "target_kind": target.kind,
            "kind": removal.kind,
            "referral": str(referral.pk),
            "source_document": source_document,
        },
        reason=justification,
    )
    return removal


@_refusal_recorded("fact_removal.second")
@transaction.atomic
def fact_removal_second(
    *, actor: Actor, fact_removal: FactRemoval, justification: str, source_document: str
) -> FactRemoval:
    """Second a removal as a different senior officer: the retraction or correction is
    recorded now, the person re-screened, and the monitor told."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="fact_removal", target_id=fact_removal.pk)
    _receiving(actor, fact_removal.referral)
    _senior(actor)
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    justification = _required(
        errors, "justification", justification, _("A written justification is required.")
    )
    source_document = _required(
        errors, "source_document", source_document, _("A source document is required.")
    )
    text_require(
        FactRemoval,
        {"justification": justification, "source_document": source_document},
        fields=_SECOND,
        errors=errors,
    )
    if errors:
        raise ValidationError(_("The second approval is not valid."), details=errors)
    locked = locks.fact_removal_lock(fact_removal.pk, with_referral_and_target=True)
    if locked.status != FactRemoval.Status.REQUESTED:
        raise IllegalTransition(
            _("This removal is not waiting for a second approval."),
            details={"status": [str(locked.get_status_display())]},
        )
    if locked.requested_by_id == actor.user.pk:
        raise FourEyes(
            _("The second approval must come from a different senior officer."),
            details={"seconded_by": [_("You requested this removal.")]},
        )
    target = locks.legal_event_lock(locked.target_id)
    correction_check(kind=locked.kind, target=target, person_id=locked.referral.person_id)
    event = _fact_record(
        actor=actor,
        referral=locked.referral,
        kind=locked.kind,
        payload=locked.payload,
        effective_at=locked.effective_at,
        source_document=locked.request_source_document,
        supersedes=target,
    )
    now = clock.now()
    _second_answer_record(
        locked,
        actor=actor,
        status=FactRemoval.Status.APPROVED,
        justification=justification,
        at=now,
        second_source_document=source_document,
        event=event,
    )
    audit_record(
        actor=actor,
        action="fact_removal.second",
        target_type="person",
        target_id=locked.referral.person_id,
        after={
            "fact_removal": str(locked.pk),
            "target": str(target.pk),
            "event": str(event.pk),
            "referral": str(locked.referral_id),
            "source_document": source_document,
        },
        reason=justification,
    )
    _notify_monitor(
        actor=actor,
        kind=MonitorNotice.Kind.FACT_REMOVED,
        referral=locked.referral,
        fact_removal=locked,
        legal_event=event,
        message=removal_summary(locked)
        + " "
        + _("Reasons: %(first_why)s / %(second_why)s")
        % {"first_why": locked.request_justification, "second_why": justification},
    )
    return locked


@_refusal_recorded("fact_removal.decline")
@transaction.atomic
def fact_removal_decline(
    *, actor: Actor, fact_removal: FactRemoval, justification: str
) -> FactRemoval:
    """Decline a removal request: the fact stands."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="fact_removal", target_id=fact_removal.pk)
    _receiving(actor, fact_removal.referral)
    _senior(actor)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field("justification", _("A written justification is required."))
    text_require(FactRemoval, {"justification": justification}, fields=_SECOND)
    locked = locks.fact_removal_lock(fact_removal.pk)
    if locked.status != FactRemoval.Status.REQUESTED:
        raise IllegalTransition(_("This removal is not waiting for a decision."))
    _second_answer_record(
        locked, actor=actor, status=FactRemoval.Status.DECLINED, justification=justification
    )
    audit_record(
        actor=actor,
        action="fact_removal.decline",
        target_type="person",
        target_id=locked.target.person_id,
        after={"fact_removal": str(locked.pk), "target": str(locked.target_id)},
        reason=justification,
    )
    return locked


def removal_summary(removal: FactRemoval) -> str:
    """ "Fear expressed retracted on 2026-12-04 by A, seconded by B." (as the file shows it)."""
    values = {
        "fact": fact_kind_label(removal.target.kind),
        "on": removal.seconded_at.astimezone(clock.local_zone()).date().isoformat()
        if removal.seconded_at
        else "",
        "first": removal.requested_by_display,
        "second": removal.seconded_by_display,
    }
    if removal.kind == EventKind.RETRACTION:
        return _("%(fact)s retracted on %(on)s by %(first)s, seconded by %(second)s.") % values
    return _("%(fact)s corrected on %(on)s by %(first)s, seconded by %(second)s.") % values
