"""Legal facts on a person's timeline, the re-screening they trigger, and the alerts it raises."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import Conflict, ValidationError
from ikaze.vetting.legal_events import legal_event
from ikaze.vetting.models import (
    OPEN_STATUSES,
    SCREENED_STATUSES,
    Alert,
    LegalEventRecord,
    MonitorNotice,
    Referral,
)
from ikaze.vetting.rules import Stage
from ikaze.vetting.screening import screen
from ikaze.vetting.services._common import (
    _block_details,
    _lock,
    _notify_monitor,
    _receiving,
    _refusal_recorded,
    approved_override_rules,
)


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
        errors["supersedes"] = [_("The corrected fact belongs to another person.")]
    if isinstance(effective_at, dt.datetime) or not isinstance(effective_at, dt.date):
        raise ValidationError.for_field("effective_at", _("A date is required."))
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
        raise ValidationError(_("The legal fact is not valid."), details=errors)
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
    rescreen_accepted(
        actor=actor,
        accepted=accepted,
        cause={"cause": str(cause.pk)},
        reason=_("A fact recorded after acceptance blocks this person (%(rules)s)."),
    )


def rescreen_accepted(
    *,
    actor: Actor,
    accepted: list[Referral],
    cause: dict[str, Any],
    reason: str,
    reason_params: dict[str, str] | None = None,
    unless_open: bool = False,
) -> int:
    """Evaluate accepted people again at stage "decision"; raise an alert (audited, the monitor
    told) for each one a block now stands against. `reason` names the rules with %(rules)s,
    and whatever else `reason_params` gives.
    With `unless_open`, a person whose open alert already names the same rules gets no second
    one. Returns the number of alerts raised."""
    if not accepted:
        return 0
    results = screen(
        Referral.objects.filter(pk__in=[r.pk for r in accepted]),
        stage=Stage.DECISION,
        evaluated_by_id=actor.user.pk if actor.user else None,
    )
    by_pk = {r.pk: r for r in accepted}
    open_alerts: set[tuple[Any, tuple[str, ...]]] = set()
    if unless_open:
        open_alerts = {
            (a.referral_id, tuple(a.rule_ids))
            for a in Alert.objects.filter(referral__in=accepted, resolved_at__isnull=True)
        }
    raised = 0
    for screened, ev, row in results:
        referral = by_pk[screened.referral_id]
        if not ev.blocked_ignoring(approved_override_rules(referral)):
            continue
        assert row is not None
        rules = sorted(_block_details(ev, approved_override_rules(referral)))
        if (referral.pk, tuple(rules)) in open_alerts:
            continue
        alert = Alert.objects.create(
            referral=referral,
            reason=reason % {**(reason_params or {}), "rules": ", ".join(rules)},
            rule_ids=rules,
            evaluation=row,
            raised_at=clock.now(),
        )
        raised += 1
        audit_record(
            actor=actor,
            action="alert.raise",
            target_type="referral",
            target_id=referral.pk,
            after={"alert": str(alert.pk), "rules": rules, **cause},
        )
        # The movements issue takes the person off any manifest while an alert is open.
        _notify_monitor(
            actor=actor,
            kind=MonitorNotice.Kind.ALERT_RAISED,
            referral=referral,
            alert=alert,
            message=alert.reason,
        )
    return raised


@_refusal_recorded("alert.resolve")
@transaction.atomic
def alert_resolve(*, actor: Actor, alert: Alert, resolution: str) -> Alert:
    """Close an alert once the block it reports is gone (say how); SAFEGUARDS F5.

    The person is evaluated afresh: while any block stands (an approved override lifts an
    overridable rule's, never an absolute one's) the alert stays open and BlockStands names
    the rules. An alert on an acceptance that has ended closes: the decision it threatened is
    gone (withdrawal and expiry close them by themselves).
    """
    from ikaze.vetting.errors import BlockStands
    from ikaze.vetting.services.acceptances import referral_blocks_standing

    require(actor, Perm.REFERRAL_DECIDE, target_type="alert", target_id=alert.pk)
    _receiving(actor)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError.for_field("resolution", _("Say how the alert was resolved."))
    # Fixed order: the referral, then its alert (as withdrawal and expiry lock them).
    referral = _lock(Referral(pk=alert.referral_id))
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.resolved_at is not None:
        raise Conflict(_("The alert is already resolved."))
    evaluation = None
    if referral.status == Referral.Status.ACCEPTED:
        blocks, evaluation = referral_blocks_standing(referral=referral, actor=actor, store=True)
        if blocks:
            raise BlockStands(
                _(
                    "The alert stays open: a block still stands against this person "
                    "(%(rules)s). It closes when the block is gone or the acceptance is "
                    "withdrawn."
                )
                % {"rules": ", ".join(sorted(blocks))},
                details=blocks,
            )
    locked.resolved_at = clock.now()
    locked.resolved_by = actor.user
    locked.resolution = resolution
    locked.save(update_fields=["resolved_at", "resolved_by", "resolution", "updated_at"])
    audit_record(
        actor=actor,
        action="alert.resolve",
        target_type="referral",
        target_id=locked.referral_id,
        after={
            "alert": str(locked.pk),
            "status": referral.status,
            "evaluation": str(evaluation.pk) if evaluation is not None else None,
        },
        reason=resolution,
    )
    return locked
