"""Who is a party to an agreement: the one home of the rule (issue 9 item 10).

An officer acts on an agreement only when their state is one of its two parties: a state
organisation (sending or receiving state) whose country is the agreement's sending or
receiving state. Every agreement write (create, edit, status, caps, support package,
compensation, payments) asks `require_party` after the permission check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope
from ikaze.agreements.errors import NotAParty

if TYPE_CHECKING:
    from ikaze.agreements.models import Agreement

_STATE_KINDS = frozenset({OrgKind.SENDING_STATE, OrgKind.RECEIVING_STATE})


def acts_from_command_line(actor: Actor) -> bool:
    """An operator's command (the demo loader, an import of public agreements): no person
    signed in and no token; no request can build such an actor."""
    return actor.from_command_line


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


# --- which side of an agreement an actor works on (vetting, intake) --------------------------

# Who works a referral on the receiving side: the receiving state's officers and the partners
# working for it in its country (facts recorded by a partner's caseworker).
_RECEIVING_SIDE = frozenset({OrgKind.RECEIVING_STATE, OrgKind.PARTNER})


def acts_for_receiving_state(actor: Actor, *, receiving_state: str) -> bool:
    """Whether the actor works on the receiving side of an agreement whose receiving state is
    `receiving_state`: an organisation of the receiving side in that very country (or an
    operator's command). The receiving state of another agreement is not."""
    if acts_from_command_line(actor):
        return True
    org = actor.organisation
    return (
        org is not None
        and actor.org_kind in _RECEIVING_SIDE
        and str(org.country).upper() == receiving_state.upper()
    )


def acts_for_sending_state(actor: Actor, *, sending_state: str) -> bool:
    """Whether the actor is the sending state of an agreement whose sending state is
    `sending_state` (only it refers people under the agreement)."""
    if acts_from_command_line(actor):
        return True
    org = actor.organisation
    return (
        org is not None
        and actor.org_kind == OrgKind.SENDING_STATE
        and str(org.country).upper() == sending_state.upper()
    )


def sending_party_require(actor: Actor, agreement: Agreement) -> None:
    """Only the sending state named in the agreement refers people under it (a referral, a
    manifest): anyone else is answered "no such agreement", as if it did not exist, and the
    interface records the probe (OutOfScope)."""
    if actor.org_kind == OrgKind.SENDING_STATE and acts_for_sending_state(
        actor, sending_state=agreement.sending_state
    ):
        return
    raise out_of_scope(
        type(agreement),
        target_type="agreement",
        message=gettext("No such agreement."),
        pk=agreement.pk,
    )
