"""Overrides of a non-absolute block: requested and seconded by two different senior officers;
asked for by a vetting officer (issue 11 item 6), which a senior officer takes up or declines."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import Conflict, IllegalTransition, ValidationError
from ikaze.vetting import locks
from ikaze.vetting.errors import FourEyes, OverrideRefused, SeniorOfficerRequired
from ikaze.vetting.models import (
    OVERRIDE_LIVE_STATUSES,
    Finding,
    MonitorNotice,
    Override,
    OverrideAsk,
    Referral,
)
from ikaze.vetting.rules import Stage
from ikaze.vetting.rules.findings import Outcome, RuleKind
from ikaze.vetting.services._common import (
    DECIDABLE,
    _lock,
    _notify_monitor,
    _receiving,
    _refusal_recorded,
    _second_answer_record,
    text_require,
)
from ikaze.vetting.services.evaluations import evaluation_run

_SECOND = {"justification": "second_justification"}


def _senior(actor: Actor) -> None:
    if not actor.has_role(Role.SENIOR_OFFICER) or actor.user is None or actor.token is not None:
        raise SeniorOfficerRequired(
            _("Only a senior officer, signed in in person, can request or second an override.")
        )


def _undecidable(referral: Referral, message: str) -> IllegalTransition:
    return IllegalTransition(
        message,
        details={
            "status": [
                _("The referral is %(status)s.")
                % {"status": str(referral.get_status_display()).lower()}
            ]
        },
    )


def _standing_block(actor: Actor, locked: Referral, rule_id: str) -> Finding:
    """The finding of an overridable block of `rule_id` that stands today (evaluated now, so an
    override or an ask names a block that stands, never a stale one); refused otherwise."""
    ev, row = evaluation_run(actor=actor, referral=locked, stage=Stage.DECISION)
    assert row is not None
    found = [f for f in ev.findings if f.rule_id == rule_id and f.outcome is Outcome.BLOCK]
    if not found:
        raise ValidationError.for_field(
            "rule_id", _("No block of rule %(rule)s stands.") % {"rule": rule_id or "?"}
        )
    if any(f.kind is not RuleKind.BLOCK or not f.overridable for f in found):
        # SAFEGUARDS preamble: absolute rules can never be overridden, by anyone.
        raise OverrideRefused(
            _("Rule %(rule)s is absolute: it can never be overridden.") % {"rule": rule_id},
            details={"rule_id": [_("%(rule)s is an absolute safeguard.") % {"rule": rule_id}]},
        )
    finding = Finding.objects.filter(evaluation=row, rule_id=rule_id, outcome="block").first()
    assert finding is not None
    return finding


@_refusal_recorded("override.request")
@transaction.atomic
def override_request(
    *, actor: Actor, referral: Referral, rule_id: str, justification: str
) -> Override:
    """Ask to override a non-absolute block; a second, different senior officer must agree."""
    require(actor, Perm.OVERRIDE_REQUEST, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    _senior(actor)
    assert actor.user is not None
    justification = (justification or "").strip()
    rule_id = (rule_id or "").strip().upper()
    if not justification:
        raise ValidationError.for_field("justification", _("A written justification is required."))
    text_require(
        Override,
        {"justification": justification},
        fields={"justification": "request_justification"},
    )
    locked = _lock(referral, actor=actor)
    if locked.status not in DECIDABLE:
        raise _undecidable(locked, _("Overrides are requested before the decision."))
    finding = _standing_block(actor, locked, rule_id)
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
            _("An override of %(rule)s is already requested or approved for this referral.")
            % {"rule": rule_id},
            details={"rule_id": [_("Already requested.")]},
        ) from None
    audit_record(
        actor=actor,
        action="override.request",
        target_type="referral",
        target_id=locked.pk,
        after={"override": str(override.pk), "rule_id": rule_id, "finding": str(finding.pk)},
        reason=justification,
    )
    _asks_take_up(actor=actor, override=override)
    return override


def _asks_take_up(*, actor: Actor, override: Override) -> None:
    """A senior officer's request answers the vetting officers' open asks for that rule."""
    assert actor.user is not None
    now = clock.now()
    for ask in locks.override_asks_lock_open(override.referral_id, override.rule_id):
        ask.status = OverrideAsk.Status.TAKEN_UP
        ask.answered_by = actor.user
        ask.answered_by_name = actor.label
        ask.answered_at = now
        ask.override = override
        ask.save(
            update_fields=[
                "status",
                "answered_by",
                "answered_by_name",
                "answered_at",
                "override",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="override.ask_take_up",
            target_type="referral",
            target_id=override.referral_id,
            after={"ask": str(ask.pk), "override": str(override.pk), "rule_id": ask.rule_id},
        )


@_refusal_recorded("override.second")
@transaction.atomic
def override_second(*, actor: Actor, override: Override, justification: str) -> Override:
    """Second an override as a different senior officer; the monitor is told."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="override", target_id=override.pk)
    _receiving(actor, override.referral)
    _senior(actor)
    assert actor.user is not None
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field("justification", _("A written justification is required."))
    text_require(Override, {"justification": justification}, fields=_SECOND)
    locked = locks.override_lock(override.pk)
    if locked.status != Override.Status.REQUESTED:
        raise IllegalTransition(
            _("This override is not waiting for a second approval."),
            details={"status": [str(locked.get_status_display())]},
        )
    if locked.requested_by_id == actor.user.pk:
        raise FourEyes(
            _("The second approval must come from a different senior officer."),
            details={"seconded_by": [_("You requested this override.")]},
        )
    if locked.rule_kind != RuleKind.BLOCK.value:  # belt and braces: also a check constraint
        raise OverrideRefused(_("Rule %(rule)s is absolute.") % {"rule": locked.rule_id})
    _second_answer_record(
        locked, actor=actor, status=Override.Status.APPROVED, justification=justification
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
            # The monitor reads people's names; the audit chain keeps their sign-in names.
            "first": locked.requested_by_display,
            "second": locked.seconded_by_display,
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
    _receiving(actor, override.referral)
    _senior(actor)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field("justification", _("A written justification is required."))
    text_require(Override, {"justification": justification}, fields=_SECOND)
    locked = locks.override_lock(override.pk)
    if locked.status != Override.Status.REQUESTED:
        raise IllegalTransition(_("This override is not waiting for a decision."))
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


@_refusal_recorded("override.ask")
@transaction.atomic
def override_ask(
    *, actor: Actor, referral: Referral, rule_id: str, justification: str
) -> OverrideAsk:
    """A vetting officer asks a senior officer to override a non-absolute block that stands
    now; the ask lifts nothing (a senior officer requests the override, or declines)."""
    require(actor, Perm.OVERRIDE_REQUEST, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    if actor.has_role(Role.SENIOR_OFFICER):
        raise IllegalTransition(
            _("A senior officer requests the override directly; there is nothing to ask.")
        )
    assert actor.user is not None
    justification = (justification or "").strip()
    rule_id = (rule_id or "").strip().upper()
    if not justification:
        raise ValidationError.for_field("justification", _("A written justification is required."))
    text_require(OverrideAsk, {"justification": justification})
    locked = _lock(referral, actor=actor)
    if locked.status not in DECIDABLE:
        raise _undecidable(locked, _("Overrides are asked for before the decision."))
    _standing_block(actor, locked, rule_id)
    if Override.objects.filter(
        referral=locked, rule_id=rule_id, status__in=OVERRIDE_LIVE_STATUSES
    ).exists():
        raise Conflict(
            _("An override of %(rule)s is already requested or approved for this referral.")
            % {"rule": rule_id},
            details={"rule_id": [_("Already requested.")]},
        )
    try:
        with transaction.atomic():
            ask = OverrideAsk.objects.create(
                referral=locked,
                rule_id=rule_id,
                asked_by=actor.user,
                asked_by_name=actor.label,
                justification=justification,
                asked_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(
            _("A senior officer is already asked to override %(rule)s for this referral.")
            % {"rule": rule_id},
            details={"rule_id": [_("Already asked.")]},
        ) from None
    audit_record(
        actor=actor,
        action="override.ask",
        target_type="referral",
        target_id=locked.pk,
        after={"ask": str(ask.pk), "rule_id": rule_id},
        reason=justification,
    )
    _notify_monitor(
        actor=actor,
        kind=MonitorNotice.Kind.OVERRIDE_ASKED,
        referral=locked,
        message=_("%(officer)s asked a senior officer to override %(rule)s: %(why)s")
        % {"officer": ask.asked_by_display, "rule": rule_id, "why": justification},
    )
    return ask


@_refusal_recorded("override.ask_decline")
@transaction.atomic
def override_ask_decline(*, actor: Actor, ask: OverrideAsk, note: str) -> OverrideAsk:
    """A senior officer declines a vetting officer's ask, with a note (the block stands)."""
    require(actor, Perm.OVERRIDE_APPROVE, target_type="override_ask", target_id=ask.pk)
    _receiving(actor, ask.referral)
    _senior(actor)
    assert actor.user is not None
    note = (note or "").strip()
    if not note:
        raise ValidationError.for_field("note", _("A note for the vetting officer is required."))
    text_require(OverrideAsk, {"note": note}, fields={"note": "answer_note"})
    locked = locks.override_ask_lock(ask.pk)
    if locked.status != OverrideAsk.Status.OPEN:
        raise IllegalTransition(
            _("This ask is already answered."),
            details={"status": [str(locked.get_status_display())]},
        )
    locked.status = OverrideAsk.Status.DECLINED
    locked.answered_by = actor.user
    locked.answered_by_name = actor.label
    locked.answered_at = clock.now()
    locked.answer_note = note
    locked.save(
        update_fields=[
            "status",
            "answered_by",
            "answered_by_name",
            "answered_at",
            "answer_note",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="override.ask_decline",
        target_type="referral",
        target_id=locked.referral_id,
        after={"ask": str(locked.pk), "rule_id": locked.rule_id},
        reason=note,
    )
    return locked
