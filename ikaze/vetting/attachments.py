"""Who may read and attach documents to vetting's records (issue 11 item 3).

Registered with `ikaze.documents.targets` when vetting starts (`VettingConfig.ready`); each
check is this app's own scope: a referral as its parties and the monitor read it (the party
rule), a fact or a notice as the vetting file reads it (the receiving side and the monitor),
a message of the thread as its referral. Attaching: the side that works the record, with the
permission its own writes need.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope, require, scoped_get
from ikaze.documents.models import TargetType
from ikaze.documents.targets import register_target
from ikaze.vetting import selectors
from ikaze.vetting.models import Referral, ReferralMessage
from ikaze.vetting.services._common import _receiving, referral_party_require


def _referral_read(actor: Actor, pk: uuid.UUID) -> None:
    selectors.referral_get_for(actor=actor, referral_id=pk)


def _referral_attach(actor: Actor, pk: uuid.UUID) -> None:
    referral = selectors.referral_get_for(actor=actor, referral_id=pk)
    if actor.org_kind == OrgKind.SENDING_STATE:
        require(actor, Perm.REFERRAL_CREATE, target_type="referral", target_id=pk)
        referral_party_require(actor, referral)
    else:
        require(actor, Perm.FACT_RECORD, target_type="referral", target_id=pk)
        _receiving(actor, referral)


def _fact_read(actor: Actor, pk: uuid.UUID) -> None:
    selectors.fact_get_for(actor=actor, fact_id=pk)


def _fact_attach(actor: Actor, pk: uuid.UUID) -> None:
    require(actor, Perm.FACT_RECORD, target_type="legal_fact", target_id=pk)
    fact = selectors.fact_get_for(actor=actor, fact_id=pk)
    if actor.org_kind not in (OrgKind.RECEIVING_STATE, OrgKind.PARTNER):
        raise out_of_scope(
            type(fact), target_type="legal_fact", message=gettext("No such fact."), pk=pk
        )


def _notice_read(actor: Actor, pk: uuid.UUID) -> None:
    selectors.notice_get_for(actor=actor, notice_id=pk)


def _notice_attach(actor: Actor, pk: uuid.UUID) -> None:
    require(actor, Perm.NOTICE_ISSUE, target_type="notice", target_id=pk)
    notice = selectors.notice_get_for(actor=actor, notice_id=pk)
    _receiving(actor, notice.referral)


def _message(actor: Actor, pk: uuid.UUID) -> ReferralMessage:
    scope = ReferralMessage.objects.filter(
        referral__in=selectors.referral_scope(actor)
    ).select_related("referral")
    return scoped_get(scope, target_type="referral_message", message="No such message.", pk=pk)


def _message_read(actor: Actor, pk: uuid.UUID) -> None:
    _message(actor, pk)


def _message_attach(actor: Actor, pk: uuid.UUID) -> None:
    message = _message(actor, pk)
    # Only the side that wrote a message attaches to it.
    if message.organisation_id != actor.organisation_id:
        raise out_of_scope(
            Referral,
            target_type="referral",
            message=gettext("No such referral."),
            pk=message.referral_id,
        )
    referral_party_require(actor, message.referral)


def register() -> None:
    """Tell the documents app how vetting's records are read and attached to."""
    register_target(TargetType.REFERRAL, read=_referral_read, attach=_referral_attach)
    register_target(TargetType.LEGAL_EVENT, read=_fact_read, attach=_fact_attach)
    register_target(TargetType.NOTICE, read=_notice_read, attach=_notice_attach)
    register_target(TargetType.REFERRAL_MESSAGE, read=_message_read, attach=_message_attach)
