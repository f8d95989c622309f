"""Safeguard evaluations: the one path every stage runs through; a stored evaluation on demand."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope, require
from ikaze.agreements.models import Agreement
from ikaze.agreements.parties import acts_for_receiving_state
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.vetting.models import Alert, Evaluation, MonitorNotice, Referral
from ikaze.vetting.rules import RULESET_VERSION, DecisionFacts, Stage
from ikaze.vetting.rules import Evaluation as RuleEvaluation
from ikaze.vetting.screening import screen, screen_bulk
from ikaze.vetting.selectors import referral_party_q, referrals_to_rescreen
from ikaze.vetting.services._common import (
    _block_details,
    _notify_monitor,
    _receiving,
    _receiving_any,
    _refusal_recorded,
    approved_override_rules,
)
from ikaze.vetting.services.facts import rescreen_accepted


def evaluation_run(
    *,
    actor: Actor | None,
    referral: Referral,
    stage: Stage,
    decision: DecisionFacts | None = None,
    store: bool = True,
) -> tuple[RuleEvaluation, Evaluation | None]:
    """Evaluate one referral (the plain path, `screen`); store it unless told not to.

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


@_refusal_recorded("referral.evaluate")
@transaction.atomic
def referral_evaluate(*, actor: Actor, referral: Referral, stage: Stage | str) -> Evaluation:
    """Run the safeguard rules on a referral at a stage and store the evaluation."""
    require(actor, Perm.FACT_RECORD, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
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


def latest_evaluation(referral: Referral) -> Evaluation | None:
    return (
        Evaluation.objects.filter(referral=referral)
        .order_by("-evaluated_at", "-created_at")
        .first()
    )


@_refusal_recorded("referral.rescreen")
@transaction.atomic
def referrals_rescreen(
    *, actor: Actor, agreement_code: str = "", every: bool = False
) -> dict[str, Any]:
    """Evaluate referrals again with the rule set in force (after an upgrade of the rule set,
    or with `every` after a change of an agreement's safeguard settings).

    Open referrals are evaluated at stage "referral" (advisory), accepted people at stage
    "decision": a block that now stands against an accepted person raises an alert, as a new
    fact does, unless an open alert already names the same rules. Nobody is accepted, refused
    or moved here. One audit event records the run; each alert has its own.
    """
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral")
    _receiving_any(actor)
    agreement_code = (agreement_code or "").strip().upper()
    if agreement_code and not Agreement.objects.filter(code=agreement_code).exists():
        raise ValidationError.for_field(
            "agreement", _("No agreement with code %(code)s.") % {"code": agreement_code}
        )
    t0 = time.perf_counter()
    if agreement_code:
        agreement = Agreement.objects.get(code=agreement_code)
        if not acts_for_receiving_state(actor, receiving_state=agreement.receiving_state):
            # Another pair of states' agreement: not found, as the selectors answer.
            raise out_of_scope(
                Agreement,
                target_type="agreement",
                message=_("No agreement with code %(code)s.") % {"code": agreement_code},
                pk=agreement.pk,
            )
    candidates = referrals_to_rescreen(agreement_code=agreement_code, every=every).filter(
        referral_party_q(actor)
    )
    # Chosen by a subquery, not a list of ids: tens of thousands of ids exceed what SQLite
    # takes as parameters of one statement.
    open_qs = Referral.objects.filter(
        pk__in=candidates.exclude(status=Referral.Status.ACCEPTED).values("pk")
    )
    accepted = list(
        Referral.objects.filter(
            pk__in=candidates.filter(status=Referral.Status.ACCEPTED).values("pk")
        ).select_related("agreement")
    )
    by = actor.user.pk if actor.user else None
    results = screen_bulk(open_qs, stage=Stage.REFERRAL, evaluated_by_id=by)
    blocked = sum(1 for _s, ev, _row in results if ev.blocked)
    alerts = rescreen_accepted(
        actor=actor,
        accepted=accepted,
        cause={"cause": "rescreen", "ruleset_version": RULESET_VERSION},
        reason=_("Evaluated again with rule set %(version)s: a block now stands (%(rules)s)."),
        reason_params={"version": RULESET_VERSION},
        unless_open=True,
        bulk=True,
    )
    summary: dict[str, Any] = {
        "ruleset_version": RULESET_VERSION,
        "agreement": agreement_code or None,
        "every": every,
        "evaluated": len(results) + len(accepted),
        "open_evaluated": len(results),
        "open_blocked": blocked,
        "accepted_evaluated": len(accepted),
        "alerts_raised": alerts,
    }
    audit_record(
        actor=actor, action="referral.rescreen", target_type="referral", target_id="", after=summary
    )
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    return summary


def referrals_screen_for_movement(
    *,
    actor: Actor,
    referrals: list[Referral],
    stage: Stage,
    cause: dict[str, Any],
    planned_departure: dt.date | None = None,
) -> dict[Any, dict[str, list[str]]]:
    """Evaluate people on a manifest at a movement stage (manifest lock, departure), stored.

    For each person a block now stands against (an approved override lifts an overridable
    rule's block, never an absolute one), raise an alert, audited, and tell the monitor.
    Returns referral id → the rules that block, with their messages. Called by the movements
    service that locks the movement and made its permission check.
    """
    if stage not in (Stage.MANIFEST_LOCK, Stage.DEPARTURE):
        raise ValidationError.for_field("stage", f"{stage!r} is not a movement stage.")
    if not referrals:
        return {}
    results = screen(
        Referral.objects.filter(pk__in=[r.pk for r in referrals]),
        stage=stage,
        evaluated_by_id=actor.user.pk if actor.user else None,
        planned_departure=planned_departure,
    )
    by_pk = {r.pk: r for r in referrals}
    blocked: dict[Any, dict[str, list[str]]] = {}
    for screened, ev, row in results:
        referral = by_pk[screened.referral_id]
        lifted = approved_override_rules(referral)
        if not ev.blocked_ignoring(lifted):
            continue
        assert row is not None
        details = _block_details(ev, lifted)
        blocked[referral.pk] = details
        rules = sorted(details)
        alert = Alert.objects.create(
            referral=referral,
            reason=_("Blocked at %(stage)s: %(rules)s.")
            % {"stage": stage.label, "rules": ", ".join(rules)},
            rule_ids=rules,
            evaluation=row,
            raised_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="alert.raise",
            target_type="referral",
            target_id=referral.pk,
            after={"alert": str(alert.pk), "rules": rules, "stage": stage.value, **cause},
        )
        _notify_monitor(
            actor=actor,
            kind=MonitorNotice.Kind.ALERT_RAISED,
            referral=referral,
            alert=alert,
            message=alert.reason,
        )
    return blocked
