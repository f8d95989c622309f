"""What waits for a reader on the landing page, behind the vetting entries of the navigation.

Registered when the app is ready (apps.py); each counter reads through the scoped selectors, so
a sending-state liaison counts only its own organisation's referrals.
"""

from __future__ import annotations

from django.utils.translation import ngettext

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.navigation import register_waiting
from ikaze.vetting import selectors
from ikaze.vetting.models import Referral


def queue_waiting(actor: Actor) -> str:
    """The vetting queue: referrals waiting for a decision. The count is the queue's own
    default view (one selector: the two never disagree)."""
    waiting = selectors.referral_queue_for(actor=actor).count()
    if not waiting:
        return ""
    return ngettext(
        "%(count)s referral waiting for a decision",
        "%(count)s referrals waiting for a decision",
        waiting,
    ) % {"count": waiting}


def alerts_waiting(actor: Actor) -> str:
    """The alerts list: open alerts on accepted people (the count links to the list)."""
    alerts = selectors.alert_list_for(actor=actor).count()
    if not alerts:
        return ""
    return ngettext("%(count)s open alert", "%(count)s open alerts", alerts) % {"count": alerts}


def referrals_waiting(actor: Actor) -> str:
    """For the sending state: its referrals the receiving state asked more information on."""
    if actor.org_kind != OrgKind.SENDING_STATE:
        return ""
    asked = (
        selectors.referral_scope(actor).filter(status=Referral.Status.INFORMATION_REQUESTED).count()
    )
    if not asked:
        return ""
    return ngettext(
        "%(count)s referral needs more information from you",
        "%(count)s referrals need more information from you",
        asked,
    ) % {"count": asked}


def overrides_waiting(actor: Actor) -> str:
    """Override requests a second senior officer may answer (not the reader's own requests),
    and the vetting officers' open asks for an override."""
    if not actor.can(Perm.OVERRIDE_APPROVE):
        return ""  # the monitor reads the list; nothing there waits for it
    n = (
        selectors.override_list_for(actor=actor)
        .exclude(requested_by_id=actor.user.pk if actor.user else None)
        .count()
    )
    # Issue 11 item 6: what vetting officers asked a senior officer for waits here too.
    asks = selectors.override_ask_list_for(actor=actor).count()
    parts = []
    if n:
        parts.append(
            ngettext(
                "%(count)s request waiting for your second approval",
                "%(count)s requests waiting for your second approval",
                n,
            )
            % {"count": n}
        )
    if asks:
        parts.append(
            ngettext(
                "%(count)s override asked by a vetting officer",
                "%(count)s overrides asked by vetting officers",
                asks,
            )
            % {"count": asks}
        )
    return "; ".join(parts)


def register() -> None:
    register_waiting("vetting:queue", queue_waiting)
    register_waiting("vetting:alert_list", alerts_waiting)
    register_waiting("vetting:referral_list", referrals_waiting)
    register_waiting("vetting:override_list", overrides_waiting)
