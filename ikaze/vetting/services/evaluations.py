"""Safeguard evaluations: the one path every stage runs through; a stored evaluation on demand."""

from __future__ import annotations

from django.db import transaction

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core.errors import ValidationError
from ikaze.vetting.models import Evaluation, Referral
from ikaze.vetting.rules import DecisionFacts, Stage
from ikaze.vetting.rules import Evaluation as RuleEvaluation
from ikaze.vetting.screening import screen


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


def latest_evaluation(referral: Referral) -> Evaluation | None:
    return (
        Evaluation.objects.filter(referral=referral)
        .order_by("-evaluated_at", "-created_at")
        .first()
    )
