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
from ikaze.documents.models import Document, TargetType
from ikaze.vetting import locks
from ikaze.vetting.errors import ProtectiveFactFourEyes
from ikaze.vetting.labels import fact_kind_label
from ikaze.vetting.lateness import recorded_days_late
from ikaze.vetting.legal_events import (
    SERVICE_ONLY_KINDS,
    EventKind,
    is_protective,
    legal_event,
    parse_payload,
    restatement_key,
)
from ikaze.vetting.models import (
    OPEN_STATUSES,
    SCREENED_STATUSES,
    Alert,
    LegalEventRecord,
    MonitorNotice,
    Referral,
)
from ikaze.vetting.rules import Stage
from ikaze.vetting.screening import screen, screen_bulk
from ikaze.vetting.services._common import (
    _block_details,
    _lock,
    _notify_monitor,
    _receiving,
    _refusal_recorded,
    approved_override_rules,
    text_require,
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
    source_file: Document | None = None,
) -> LegalEventRecord:
    """Record a legal fact on the person's timeline and re-screen their referrals at once.

    A fact that now blocks an accepted person raises an Alert and tells the monitor. The
    movements issue reads open alerts to take the person off any manifest. Refused here:
    a fact only a service may produce (F3), and taking a protective fact away, by retraction,
    correction or restatement (F1: `fact_removal_request`, seconded by a senior officer).
    """
    require(actor, Perm.FACT_RECORD, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    if kind in SERVICE_ONLY_KINDS:
        raise ValidationError.for_field(
            "kind",
            _("A served notice is recorded only as proof of service of an issued notice."),
        )
    if supersedes is not None:
        correction_check(kind=kind, target=supersedes, person_id=referral.person_id)
        if _protects(supersedes):
            raise ProtectiveFactFourEyes(
                _(
                    "This fact protects the person: retracting or correcting it needs a request "
                    "seconded by a different senior officer."
                ),
                details={"supersedes": [_("Ask for its removal instead (four eyes).")]},
            )
    else:
        _restatement_check(kind=kind, payload=payload, referral=referral)
    return _fact_record(
        actor=actor,
        referral=referral,
        kind=kind,
        payload=payload,
        effective_at=effective_at,
        source_document=source_document,
        supersedes=supersedes,
        source_file=source_file,
    )


def _source_file_check(source_file: Document, *, referral: Referral) -> None:
    """An uploaded source is one of this person's or this referral's documents (issue 11)."""
    mine = {
        (TargetType.PERSON.value, referral.person_id),
        (TargetType.REFERRAL.value, referral.pk),
    }
    if (source_file.target_type, source_file.target_id) not in mine:
        raise ValidationError.for_field(
            "source_file", _("Choose a document uploaded to this person or this referral.")
        )


def _protects(record: LegalEventRecord) -> bool:
    return is_protective(record.kind, parse_payload(record.kind, record.payload))


def correction_check(*, kind: str, target: LegalEventRecord, person_id: Any) -> None:
    """SAFEGUARDS F1: a fact supersedes only a live fact of the same person and kind (a
    retraction retracts any kind); a retraction is never itself corrected or retracted."""
    if target.person_id != person_id:
        raise ValidationError.for_field(
            "supersedes", _("The corrected fact belongs to another person.")
        )
    if target.kind == EventKind.RETRACTION:
        raise ValidationError.for_field(
            "supersedes", _("A retraction cannot be corrected or retracted: record the fact again.")
        )
    if kind != EventKind.RETRACTION and kind != target.kind:
        raise ValidationError.for_field(
            "supersedes",
            _("A fact supersedes only a fact of its own kind (%(kind)s).")
            % {"kind": fact_kind_label(target.kind)},
        )
    if LegalEventRecord.objects.filter(supersedes=target).exists():
        raise Conflict(
            _("This fact was already retracted or corrected."),
            details={"supersedes": [_("Correct the latest version instead.")]},
        )


def _restatement_check(*, kind: str, payload: Mapping[str, Any], referral: Referral) -> None:
    """A new fact that would replace a protective one in the timeline (same kind and reference,
    e.g. a second stay with an earlier end) is a correction of it (SAFEGUARDS F1)."""
    try:
        body = parse_payload(kind, payload)
    except ValidationError:
        return  # _fact_record reports the invalid payload
    key = restatement_key(kind, body)
    if key is None:
        return
    for other in LegalEventRecord.objects.filter(
        person_id=referral.person_id, kind=kind, superseded_by__isnull=True
    ).order_by("recorded_at", "pk"):
        earlier = parse_payload(other.kind, other.payload)
        if restatement_key(kind, earlier) == key and is_protective(kind, earlier):
            raise ProtectiveFactFourEyes(
                _(
                    "A fact of this kind and reference is already recorded and protects the "
                    "person: changing it is a correction, which needs a request seconded by a "
                    "different senior officer."
                ),
                details={"supersedes": [_("Ask for its removal or correction (four eyes).")]},
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
    flag_late: bool = True,
    rescreen: bool = True,
    source_file: Document | None = None,
) -> LegalEventRecord:
    """The one write path of a fact (generic, notice service, removals): validate, store,
    audit, tell the monitor when it is late (F2), and, unless the caller does it once its own
    rows are written, re-screen the person."""
    now = clock.now()
    new_id = uuid.uuid4()
    errors: dict[str, list[str]] = {}
    if source_file is not None:
        _source_file_check(source_file, referral=referral)
        source_document = (source_document or "").strip() or source_file.original_name
    if supersedes is not None and supersedes.person_id != referral.person_id:
        errors["supersedes"] = [_("The corrected fact belongs to another person.")]
    if isinstance(effective_at, dt.datetime) or not isinstance(effective_at, dt.date):
        raise ValidationError.for_field("effective_at", _("A date is required."))
    text_require(
        LegalEventRecord, {"source_document": (source_document or "").strip()}, errors=errors
    )
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
        source_file=source_file,
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
            "source_file": str(source_file.pk) if source_file else None,
        },
    )
    late = recorded_days_late(effective_at=record.effective_at, recorded_at=now)
    if late is not None and flag_late:
        # SAFEGUARDS F2: a fact recorded long after it took effect is told to the monitor
        # (the protective clocks already run from its recording).
        _notify_monitor(
            actor=actor,
            kind=MonitorNotice.Kind.FACT_LATE,
            referral=referral,
            legal_event=record,
            message=_(
                "%(kind)s taking effect on %(effective_at)s was recorded %(days)s days later, "
                "on %(recorded_on)s, by %(by)s."
            )
            % {
                "kind": fact_kind_label(record.kind),
                "effective_at": record.effective_at.isoformat(),
                "days": late,
                "recorded_on": clock.today_local().isoformat(),
                "by": record.recorded_by_display,
            },
        )
    if rescreen:
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
    bulk: bool = False,
) -> int:
    """Evaluate accepted people again at stage "decision"; raise an alert (audited, the monitor
    told) for each one a block now stands against. `reason` names the rules with %(rules)s,
    and whatever else `reason_params` gives.
    With `unless_open`, a person whose open alert already names the same rules gets no second
    one. With `bulk` (a whole rescreen), stored through `screen_bulk`. Returns the number of
    alerts raised."""
    if not accepted:
        return 0
    results = (screen_bulk if bulk else screen)(
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
    _receiving(actor, alert.referral)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError.for_field("resolution", _("Say how the alert was resolved."))
    text_require(Alert, {"resolution": resolution})
    # Fixed order: the referral, then its alert (as withdrawal and expiry lock them).
    referral = _lock(Referral(pk=alert.referral_id), actor=actor)
    locked = locks.alert_lock(alert.pk)
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
