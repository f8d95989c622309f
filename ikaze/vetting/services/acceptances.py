"""The end of an acceptance, and what follows every change of a referral's status.

SAFEGUARDS A5 (an acceptance expires), A6 (its place under the cap goes back when it ends),
F4 (a change to one person that another's finding depends on evaluates the others again, in
the same transaction) and F5 (an alert closes only when the block is gone or the acceptance
ended; nothing is transferred while a block stands).

`referral_status_followed` is the one hook: `_common._set_status`, the only writer of
`Referral.status`, calls it in the transaction of every change, with the referral row locked.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor, command_line_actor
from ikaze.accounts.guards import require
from ikaze.agreements.services import agreement_release_place
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import IkazeError
from ikaze.vetting import locks
from ikaze.vetting.errors import AlertOpen, BlockStands
from ikaze.vetting.models import SCREENED_STATUSES, Alert, Decision, Evaluation, Referral
from ikaze.vetting.rules import Stage
from ikaze.vetting.screening import screen
from ikaze.vetting.selectors import referral_party_q
from ikaze.vetting.services._common import (
    _block_details,
    _lock,
    _receiving_any,
    _set_status,
    approved_override_rules,
)

log = logging.getLogger(__name__)

# What the audit chain names when no person acts: the scheduled expiry of acceptances.
# An operator's command (no person, token or organisation) holding the decide permission.
SYSTEM_EXPIRY = command_line_actor(
    roles=frozenset({Role.VETTING_OFFICER}), label="system:acceptance-expiry"
)
# Statuses in which an acceptance ended without the person moving: its place goes back.
ENDED_STATUSES = frozenset({Referral.Status.WITHDRAWN, Referral.Status.EXPIRED})


def referral_blocks_standing(
    *, referral: Referral, actor: Actor | None = None, store: bool = False
) -> tuple[dict[str, list[str]], Evaluation | None]:
    """Evaluate an accepted person afresh (stage "decision", the acceptance they hold) and
    return the blocks that stand, rule id → messages: an approved override lifts an
    overridable rule's block, never an absolute one. With `store`, the evaluation is kept."""
    ((_screened, ev, row),) = screen(
        Referral.objects.filter(pk=referral.pk),
        stage=Stage.DECISION,
        evaluated_by_id=actor.user.pk if actor is not None and actor.user else None,
        store=store,
    )
    return _block_details(ev, approved_override_rules(referral)), row


def transfer_clearance_require(*, referral: Referral) -> None:
    """Refuse to move the person towards transfer (a transfer notice) while an alert on them is
    open or a block stands (SAFEGUARDS F5). Changes nothing."""
    alerts = list(
        Alert.objects.filter(referral_id=referral.pk, resolved_at__isnull=True).order_by(
            "raised_at", "pk"
        )
    )
    if alerts:
        raise AlertOpen(
            gettext(
                "An alert on this person is open: nothing moves them towards transfer until "
                "the block it reports is gone or the acceptance is withdrawn."
            ),
            details={"alerts": [a.reason for a in alerts]},
        )
    blocks, _row = referral_blocks_standing(referral=referral)
    if blocks:
        raise BlockStands(
            gettext("A safeguard blocks this person's transfer (%(rules)s).")
            % {"rules": ", ".join(sorted(blocks))},
            details=blocks,
        )


def referral_status_followed(
    *, actor: Actor, referral: Referral, before: str, to: str, at: dt.datetime, reason: str
) -> None:
    """What follows a change of status, in its transaction (the referral row is locked).

    An acceptance that ends (withdrawn, expired) gives its place back (A6) and closes the
    person's open alerts (F5); a person who leaves the move (withdrawn, refused, expired)
    has the rest of their household evaluated again (F4).
    """
    from ikaze.vetting.services.households import household_reevaluate

    if before == Referral.Status.ACCEPTED and to in ENDED_STATUSES:
        _place_release(actor=actor, referral=referral, at=at, reason=reason)
        _alerts_close(actor=actor, referral=referral, to=to, at=at, reason=reason)
    if before in SCREENED_STATUSES and to not in SCREENED_STATUSES:
        household_reevaluate(
            actor=actor,
            person_ids=[referral.person_id],
            agreement_id=referral.agreement_id,
            change={
                "referral": str(referral.pk),
                "person": str(referral.person_id),
                "status": to,
            },
        )


def _place_release(*, actor: Actor, referral: Referral, at: dt.datetime, reason: str) -> int:
    """Give back the place the acceptance holds (SAFEGUARDS A6), once: the decision row is
    locked and marked, so a concurrent release finds it done. Returns the places released."""
    decisions = locks.decisions_lock_holding_place(referral.pk)
    for decision in sorted(decisions, key=lambda d: (d.decided_at, d.pk)):
        # Fixed order as when the place was taken: agreement row, then the period row.
        agreement_release_place(agreement=referral.agreement, tranche=decision.tranche)
        decision.place_released_at = at
        decision.save(update_fields=["place_released_at", "updated_at"])
        audit_record(
            actor=actor,
            action="decision.release_place",
            target_type="referral",
            target_id=referral.pk,
            before={"decision": str(decision.pk), "place_taken": True},
            after={
                "decision": str(decision.pk),
                "agreement": referral.agreement.code,
                "tranche": str(decision.tranche_id) if decision.tranche_id else None,
                "released_at": at,
            },
            reason=reason,
        )
    return len(decisions)


def _alerts_close(
    *, actor: Actor, referral: Referral, to: str, at: dt.datetime, reason: str
) -> int:
    """Close the person's open alerts: the acceptance they threatened has ended (F5)."""
    resolution = (
        gettext("Closed: the acceptance was withdrawn (%(reason)s).")
        if to == Referral.Status.WITHDRAWN
        else gettext("Closed: the acceptance expired (%(reason)s).")
    ) % {"reason": reason}
    alerts = locks.alerts_lock_open(referral.pk)
    for alert in sorted(alerts, key=lambda a: (a.raised_at, a.pk)):
        alert.resolved_at = at
        alert.resolved_by = actor.user
        alert.resolution = resolution
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution", "updated_at"])
        audit_record(
            actor=actor,
            action="alert.close",
            target_type="referral",
            target_id=referral.pk,
            before={"alert": str(alert.pk), "open": True},
            after={"alert": str(alert.pk), "rules": alert.rule_ids, "acceptance": to},
            reason=resolution,
        )
    return len(alerts)


def _expired_before(now: dt.datetime) -> dt.datetime:
    """The moment before which an acceptance's term has run out on `now` (SAFEGUARDS A5 as
    the rule reads it: accepted on day 0, valid through day N in the receiving state's
    calendar, expired from the start of day N + 1)."""
    zone = clock.local_zone()
    return dt.datetime.combine(now.astimezone(zone).date(), dt.time.min, tzinfo=zone)


def acceptances_due(*, now: dt.datetime, party: Actor | None = None) -> list[Any]:
    """Ids of accepted referrals whose acceptance is past its validity (SAFEGUARDS A5); with
    `party`, only those under the agreements that actor acts on."""
    return list(
        Referral.objects.filter(referral_party_q(party) if party is not None else Q())
        .filter(
            status=Referral.Status.ACCEPTED,
            decisions__outcome=Decision.Outcome.ACCEPTED,
            decisions__expires_at__lt=_expired_before(now),
            decisions__used_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def acceptances_expire(*, actor: Actor, now: dt.datetime | None = None) -> dict[str, int]:
    """Expire every acceptance past its validity (SAFEGUARDS A5), each in its own transaction:
    the status becomes expired, the place goes back under the cap (A6), open alerts close and
    the household is evaluated again (F4). Also gives back a place still held by an acceptance
    that ended before places were released. Idempotent and safe to run concurrently.

    Run by the scheduled job and `ikaze expire-acceptances` as `SYSTEM_EXPIRY`;
    a person running it needs the decide permission of the receiving state. A missing actor
    is refused (`Denied`), never taken for the system.
    """
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral")
    if not actor.from_command_line:
        _receiving_any(actor)
    now = now or clock.now()
    expired = failed = 0
    # An officer's run keeps to the agreements its state receives under (issue 9 item 10).
    for pk in acceptances_due(now=now, party=actor):
        try:
            expired += _expire_one(actor=actor, referral_id=pk, now=now)
        except IkazeError as exc:
            # One refused (a counter already at 0) does not stop the others; it is counted.
            log.warning("acceptance of referral %s not expired: %s", pk, exc.code)
            failed += 1
    held = list(
        Decision.objects.filter(
            outcome=Decision.Outcome.ACCEPTED,
            place_taken=True,
            place_released_at__isnull=True,
            referral__status__in=ENDED_STATUSES,
        )
        .filter(referral_party_q(actor, "referral__"))
        .order_by("referral_id")
        .values_list("referral_id", flat=True)
        .distinct()
    )
    released = 0
    for pk in held:
        try:
            released += _release_held(actor=actor, referral_id=pk, now=now)
        except IkazeError as exc:
            log.warning("place of referral %s not given back: %s", pk, exc.code)
            failed += 1
    return {"expired": expired, "places_released": expired + released, "failed": failed}


@transaction.atomic
def acceptances_use(*, actor: Actor, referral_ids: list[Any], at: dt.datetime) -> int:
    """Mark the acceptances of these referrals used: the people boarded a movement, so their
    acceptance no longer expires (SAFEGUARDS A5; the place is consumed at arrival, ADR 0021).
    Called by movements at departure; an acceptance already used or released is left alone."""
    require(actor, Perm.MOVEMENT_BOARD, target_type="referral")
    ids = sorted(str(pk) for pk in referral_ids)
    for pk in ids:
        _lock(Referral(pk=pk), actor=actor)
    used = Decision.objects.filter(
        referral_id__in=ids,
        referral__status=Referral.Status.ACCEPTED,
        outcome=Decision.Outcome.ACCEPTED,
        place_released_at__isnull=True,
        used_at__isnull=True,
    ).update(used_at=at)
    for pk in ids:
        audit_record(
            actor=actor,
            action="referral.acceptance_use",
            target_type="referral",
            target_id=pk,
            after={"used_at": at.isoformat()},
        )
    return used


@transaction.atomic
def _expire_one(*, actor: Actor, referral_id: Any, now: dt.datetime) -> int:
    referral = _lock(Referral(pk=referral_id), actor=actor)
    expires, used_at = (
        Decision.objects.filter(referral_id=referral_id, outcome=Decision.Outcome.ACCEPTED)
        .order_by("-decided_at")
        .values_list("expires_at", "used_at")
        .first()
    ) or (None, None)
    # Checked again under the lock: another run, a withdrawal or a boarding may have come first.
    if (
        referral.status != Referral.Status.ACCEPTED
        or expires is None
        or used_at is not None
        or expires >= _expired_before(now)
    ):
        return 0
    _set_status(
        actor=actor,
        referral=referral,
        to=Referral.Status.EXPIRED,
        action="expire",
        reason=gettext("The acceptance was valid until %(day)s (SAFEGUARDS A5).")
        % {"day": expires.astimezone(clock.local_zone()).date().isoformat()},
    )
    return 1


@transaction.atomic
def _release_held(*, actor: Actor, referral_id: Any, now: dt.datetime) -> int:
    referral = _lock(Referral(pk=referral_id), actor=actor)
    if referral.status not in ENDED_STATUSES:
        return 0
    return _place_release(
        actor=actor,
        referral=referral,
        at=now,
        reason=gettext("The acceptance ended before its place was given back."),
    )
