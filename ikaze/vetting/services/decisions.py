"""Decisions: a named receiving-state officer accepts or refuses one person (SAFEGUARDS A5, A6).

`Referral.status` becomes accepted or refused only here, from a Decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements.services import agreement_take_place
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import RuleBlocked, ValidationError
from ikaze.vetting.errors import NamedOfficerRequired
from ikaze.vetting.models import Decision, Referral
from ikaze.vetting.rules import DecisionFacts, RefusalReason, Stage
from ikaze.vetting.services._common import (
    DECIDABLE,
    _block_details,
    _illegal_transition,
    _lock,
    _receiving,
    _refusal_recorded,
    _set_status,
    approved_override_rules,
    text_require,
)
from ikaze.vetting.services.evaluations import evaluation_run


def _named_officer(actor: Actor) -> None:
    # SAFEGUARDS A5: "a named receiving-state officer": a person signed in, not a machine token.
    if actor.user is None or actor.token is not None or actor.org_kind != OrgKind.RECEIVING_STATE:
        raise NamedOfficerRequired(
            gettext("Only a named receiving-state officer, signed in in person, can decide.")
        )


@_refusal_recorded("referral.accept")
@transaction.atomic
def referral_accept(*, actor: Actor, referral: Referral, reason: str) -> Decision:
    """Accept one person (SAFEGUARDS A5) if no block stands, taking a place under the cap (A6)."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    _named_officer(actor)
    assert actor.user is not None
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.for_field("reason", gettext("Give the reason for the acceptance."))
    text_require(Decision, {"reason": reason})
    locked = _lock(referral, actor=actor)
    if locked.status not in DECIDABLE:
        raise _illegal_transition(locked, Referral.Status.ACCEPTED)
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
            gettext("A safeguard blocks this acceptance."), details=_block_details(ev, overridden)
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
    _receiving(actor, referral)
    _named_officer(actor)
    assert actor.user is not None
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    for code in reason_codes or ():
        try:
            codes.append(RefusalReason(code).value)
        except ValueError:
            errors.setdefault("reason_codes", []).append(
                gettext("%(code)s is not a refusal reason.") % {"code": repr(code)}
            )
    if not codes and "reason_codes" not in errors:
        errors["reason_codes"] = [gettext("Give at least one reason code.")]
    reason = (reason or "").strip()
    if RefusalReason.OTHER.value in codes and not reason:
        errors["reason"] = [gettext('Explain the reason "other".')]
    text_require(Decision, {"reason": reason}, errors=errors)
    if errors:
        raise ValidationError(gettext("The refusal is not valid."), details=errors)
    locked = _lock(referral, actor=actor)
    if locked.status not in DECIDABLE:
        raise _illegal_transition(locked, Referral.Status.REFUSED)
    now = clock.now()
    text = reason or ", ".join(codes)
    # The evaluation relied on sees the refusal being made (SAFEGUARDS A5 blocks on it).
    ev, row = evaluation_run(
        actor=actor,
        referral=locked,
        stage=Stage.DECISION,
        decision=DecisionFacts(refused=True, officer=actor.label, reason=text),
    )
    assert row is not None
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
