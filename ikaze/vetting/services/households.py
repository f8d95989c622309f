"""Decisions follow the household (SAFEGUARDS F4, A7, A1).

A7 (a household moves together) and A1 (a child only with a parent or guardian) read the
other members of a person's household: who they are, their age and role, and whether each
has an open or accepted referral under the same agreement. Any change to those inputs for
one member (their referral withdrawn, refused or expired, a member added, a member's date
of birth corrected) evaluates the others again in the same transaction: an accepted member
a block now stands against gets an alert and the monitor is told, as with a new fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from ikaze.accounts.actor import Actor
from ikaze.audit.services import audit_record
from ikaze.people import locks as people_locks
from ikaze.people.models import HouseholdMember
from ikaze.vetting.models import OPEN_STATUSES, SCREENED_STATUSES, Referral
from ikaze.vetting.rules import Stage
from ikaze.vetting.screening import screen
from ikaze.vetting.services.facts import rescreen_accepted


def household_reevaluate(
    *,
    actor: Actor,
    person_ids: Iterable[Any],
    change: Mapping[str, Any],
    agreement_id: Any = None,
    include_themselves: bool = False,
) -> dict[str, int]:
    """Evaluate again the open and accepted referrals of everyone who shares a household
    with `person_ids` (and, with `include_themselves`, theirs too); raise an alert for each
    accepted one a block now stands against. Call it inside the transaction of the change.

    `agreement_id` limits it to that agreement's referrals (a member is present for A7 only
    under the same agreement). Returns what was evaluated and how many alerts were raised.
    """
    person_ids = list(person_ids)
    household_ids = list(
        HouseholdMember.objects.filter(person_id__in=person_ids)
        .order_by("household_id")
        .values_list("household_id", flat=True)
        .distinct()
    )
    if include_themselves:
        members: set[Any] = set(person_ids)
    else:
        members = set()
    if household_ids:
        # One change to a household at a time (rows locked in a fixed order): of two members
        # withdrawn at once, the second evaluates the others seeing the first one gone.
        people_locks.households_lock(household_ids)
        members |= set(
            HouseholdMember.objects.filter(household_id__in=household_ids).values_list(
                "person_id", flat=True
            )
        )
        if not include_themselves:
            members -= set(person_ids)
    if not members:
        return {"open_evaluated": 0, "accepted_evaluated": 0, "alerts_raised": 0}
    referrals = Referral.objects.filter(person_id__in=members, status__in=SCREENED_STATUSES)
    if agreement_id is not None:
        referrals = referrals.filter(agreement_id=agreement_id)
    by = actor.user.pk if actor.user else None
    opened = screen(
        referrals.filter(status__in=OPEN_STATUSES), stage=Stage.REFERRAL, evaluated_by_id=by
    )
    accepted = list(referrals.filter(status=Referral.Status.ACCEPTED).select_related("agreement"))
    cause = {"cause": "household", **{k: str(v) for k, v in change.items()}}
    raised = rescreen_accepted(
        actor=actor,
        accepted=accepted,
        cause=cause,
        reason=_("A change in the household now blocks this person (%(rules)s)."),
        unless_open=True,
    )
    summary = {
        "open_evaluated": len(opened),
        "accepted_evaluated": len(accepted),
        "alerts_raised": raised,
    }
    if opened or accepted:
        audit_record(
            actor=actor,
            action="household.reevaluate",
            target_type="household",
            target_id=",".join(str(h) for h in household_ids),
            after={**cause, **summary},
        )
    return summary


def people_changed(*, actor: Actor, person_ids: Iterable[Any], change: Mapping[str, Any]) -> None:
    """The people registry's observer (registered in apps.py): a member joined a household,
    or a person's data was corrected; the person and their household are evaluated again."""
    household_reevaluate(actor=actor, person_ids=person_ids, change=change, include_themselves=True)
