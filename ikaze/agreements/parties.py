"""Who is a party to an agreement: the one home of the rule (issue 9 item 10).

An officer acts on an agreement only when their state is one of its two parties: a state
organisation (sending or receiving state) whose country is the agreement's sending or
receiving state. Every agreement write (create, edit, status, caps, support package,
compensation, payments) asks `require_party` after the permission check.
"""

from __future__ import annotations

from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind
from ikaze.accounts.actor import Actor
from ikaze.agreements.errors import NotAParty

_STATE_KINDS = frozenset({OrgKind.SENDING_STATE, OrgKind.RECEIVING_STATE})


def acts_from_command_line(actor: Actor) -> bool:
    """An operator's command (the demo loader, an import of public agreements): no person
    signed in and no token; no request can build such an actor."""
    return actor.user is None and actor.token is None and actor.organisation is None


def actor_state(actor: Actor) -> str | None:
    """The country of the state the actor acts for, or None (not a state organisation)."""
    if actor.organisation is None or actor.org_kind not in _STATE_KINDS:
        return None
    return str(actor.organisation.country).upper()


def is_party(actor: Actor, *, sending_state: str, receiving_state: str) -> bool:
    """Whether the actor's state is one of the two parties."""
    if acts_from_command_line(actor):
        return True
    state = actor_state(actor)
    return state is not None and state in {sending_state.upper(), receiving_state.upper()}


def require_party(
    actor: Actor, *, sending_state: str, receiving_state: str, target_id: object = ""
) -> None:
    """Raise NotAParty unless the actor's state is a party to the agreement between
    `sending_state` and `receiving_state`."""
    if is_party(actor, sending_state=sending_state, receiving_state=receiving_state):
        return
    raise NotAParty(
        gettext(
            "Only officers of a state that is party to this agreement (%(sending)s, "
            "%(receiving)s) can change it."
        )
        % {"sending": sending_state, "receiving": receiving_state},
        details={"agreement": [str(target_id)] if target_id else []},
        target_id=target_id,
    )
