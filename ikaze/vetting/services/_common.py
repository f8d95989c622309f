"""What the vetting services share: the refusal record, the receiving-side check, the row lock,
the status change, the monitor's notices, and which blocks an approved override lifts.

Every vetting service checks its permission first, writes in one transaction, and audits in
that transaction. A refused call changes nothing (its transaction rolls back) and is still on
record: `_refusal_recorded` writes a security event `refused:<action>` after the rollback, so
every path (page, API, command, direct call) leaves a trace of the attempt.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import ParamSpec, TypeVar

from django.db import models
from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import OutOfScope, out_of_scope, record_probe
from ikaze.agreements.parties import acts_for_receiving_state, acts_for_sending_state
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import (
    IkazeError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ikaze.core.text import text_problems
from ikaze.vetting import locks
from ikaze.vetting.errors import SeniorOfficerRequired
from ikaze.vetting.models import (
    DECIDABLE_STATUSES,
    OVERRIDE_CLOSED_BY,
    REFERRAL_TRANSITIONS,
    Alert,
    FactRemoval,
    LegalEventRecord,
    MonitorNotice,
    Override,
    Referral,
)
from ikaze.vetting.rules import Evaluation as RuleEvaluation
from ikaze.vetting.rules.findings import Outcome

P = ParamSpec("P")
T = TypeVar("T")

DECIDABLE = DECIDABLE_STATUSES


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
                if isinstance(exc, OutOfScope):
                    # A referral of an agreement the actor is no party to: a probe, on record
                    # whatever path called (a command, a direct call), once.
                    record_probe(kwargs.get("actor"), exc, path=f"service:{action}")  # type: ignore[arg-type]
                    raise
                if isinstance(exc, NotFound) or (
                    isinstance(exc, PermissionDenied) and not isinstance(exc, SeniorOfficerRequired)
                ):
                    raise
                target = (
                    kwargs.get("referral")
                    or kwargs.get("override")
                    or kwargs.get("notice")
                    or kwargs.get("fact_removal")
                    or kwargs.get("ask")
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


def text_require(
    model: type[models.Model],
    values: Mapping[str, str | None],
    *,
    fields: Mapping[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> None:
    """Refuse text that the column storing it may not hold (ikaze.core.text: its length, no
    control characters, one line in a one-line field), before anything is written (issue 9
    item 15). `values` is keyed by the input's name; `fields` names the model field that stores
    an input when the names differ. With `errors`, the reasons are added there (the caller
    raises once); otherwise a ValidationError naming the fields is raised here.
    """
    found: dict[str, list[str]] = {}
    for name, value in values.items():
        field = (fields or {}).get(name, name)
        problems = text_problems(model, {field: value})
        if problems:
            found[name] = problems[field]
    if errors is not None:
        for name, reasons in found.items():
            errors.setdefault(name, []).extend(reasons)
    elif found:
        message = "; ".join(f"{name}: {reasons[0]}" for name, reasons in found.items())
        raise ValidationError(message, details=found)


def referral_party_require(actor: Actor, referral: Referral) -> None:
    """The one rule of who acts on a referral (issue 9 item 10, for vetting): only a party to
    its agreement, on its own side. The sending state that referred the person (and only
    under an agreement whose sending state it is); the receiving side (the receiving state's
    officers, its partners) of an agreement whose receiving state is theirs; an operator's
    command. Anyone else, the monitor included (it reads, it does not act), is answered "no
    such referral", as the selectors answer: OutOfScope, recorded as a probe.

    Every vetting write reaches it: through `_receiving` (each receiving-side service) and
    through `_lock` (every status change, on the locked row)."""
    agreement = referral.agreement
    if actor.org_kind == OrgKind.SENDING_STATE:
        allowed = referral.referring_organisation_id == actor.organisation_id and (
            acts_for_sending_state(actor, sending_state=agreement.sending_state)
        )
    else:
        allowed = acts_for_receiving_state(actor, receiving_state=agreement.receiving_state)
    if not allowed:
        raise out_of_scope(
            Referral, target_type="referral", message=gettext("No such referral."), pk=referral.pk
        )


def _receiving(actor: Actor, referral: Referral) -> None:
    """Vetting writes belong to the receiving side (the receiving state, and its partners for
    facts), and only of the agreements whose receiving state is the actor's own."""
    if actor.org_kind not in (OrgKind.RECEIVING_STATE, OrgKind.PARTNER):
        raise NotFound(gettext("No such referral."))
    referral_party_require(actor, referral)


def _receiving_any(actor: Actor) -> None:
    """A receiving-side run over many referrals (rescreen, expiry): the kind of actor only;
    the run then keeps to `referrals_of_party` (each referral it changes is locked, and
    `_lock` asks `referral_party_require` again)."""
    if actor.org_kind not in (OrgKind.RECEIVING_STATE, OrgKind.PARTNER):
        raise NotFound(gettext("No such referral."))


def _lock(referral: Referral, *, actor: Actor) -> Referral:
    """The referral's row, locked, once the actor is found to be a party on its side."""
    locked = locks.referral_lock(referral.pk)
    referral_party_require(actor, locked)
    return locked


def _illegal_transition(referral: Referral, to: str) -> IllegalTransition:
    """The refusal of a status change the referral's status does not allow, in the reader's
    language (the statuses by their labels)."""
    now_label = str(referral.get_status_display())
    to_label = str(dict(Referral.Status.choices).get(to, to))
    return IllegalTransition(
        gettext("A referral that is %(status)s cannot become %(to)s.")
        % {"status": now_label.lower(), "to": to_label.lower()},
        details={
            "status": [
                gettext("%(status)s → %(to)s is not allowed.")
                % {"status": now_label, "to": to_label}
            ]
        },
    )


def _set_status(*, actor: Actor, referral: Referral, to: str, action: str, reason: str) -> None:
    if (referral.status, to) not in REFERRAL_TRANSITIONS:
        raise _illegal_transition(referral, to)
    before = referral.status
    now = clock.now()
    referral.status = to
    referral.status_reason = reason
    referral.status_changed_at = now
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
    _overrides_close_pending(actor=actor, referral=referral, to=to, at=now, reason=reason)
    # SAFEGUARDS A6, F4, F5: the place, the alerts and the household follow, in this
    # transaction (imported here: that module builds on this one).
    from ikaze.vetting.services.acceptances import referral_status_followed

    referral_status_followed(
        actor=actor, referral=referral, before=before, to=to, at=now, reason=reason
    )


def _overrides_close_pending(
    *, actor: Actor, referral: Referral, to: str, at: dt.datetime, reason: str
) -> None:
    """Close the override requests still waiting when the referral stops being decidable.

    Called in the transaction of the status change, with the referral row locked; each
    request row is locked too, so a concurrent second approval waits and then finds it closed.
    """
    status = OVERRIDE_CLOSED_BY.get(to)
    if status is None:
        return
    pending = locks.overrides_lock_requested(referral.pk)
    for override in sorted(pending, key=lambda o: (o.requested_at, o.pk)):
        override.status = status
        override.closed_at = at
        override.closed_reason = reason
        override.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="override.close",
            target_type="referral",
            target_id=referral.pk,
            before={"override": str(override.pk), "status": Override.Status.REQUESTED.value},
            after={"override": str(override.pk), "rule_id": override.rule_id, "status": status},
            reason=reason,
        )


def _second_answer_record(
    locked: Override | FactRemoval,
    *,
    actor: Actor,
    status: str,
    justification: str,
    at: dt.datetime | None = None,
    **extra: object,
) -> None:
    """Stamp the second officer's answer (four eyes: overrides, fact removals) on a locked
    request and save exactly those fields."""
    locked.status = status
    locked.seconded_by = actor.user
    locked.seconded_by_name = actor.label
    locked.second_justification = justification
    locked.seconded_at = at or clock.now()
    for name, value in extra.items():
        setattr(locked, name, value)
    locked.save(
        update_fields=[
            "status",
            "seconded_by",
            "seconded_by_name",
            "second_justification",
            "seconded_at",
            *extra,
            "updated_at",
        ]
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


def _notify_monitor(
    *,
    actor: Actor,
    kind: str,
    referral: Referral,
    message: str,
    override: Override | None = None,
    alert: Alert | None = None,
    fact_removal: FactRemoval | None = None,
    legal_event: LegalEventRecord | None = None,
) -> MonitorNotice:
    notice = MonitorNotice.objects.create(
        kind=kind,
        referral=referral,
        override=override,
        alert=alert,
        fact_removal=fact_removal,
        legal_event=legal_event,
        message=message,
    )
    audit_record(
        actor=actor,
        action="monitor.notify",
        target_type="referral",
        target_id=referral.pk,
        after={"notice": str(notice.pk), "kind": kind},
    )
    return notice
