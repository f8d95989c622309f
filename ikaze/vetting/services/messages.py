"""A referral's information thread (issue 11 item 4): the officer's question, the answer.

"Information requested" is a status of the referral (`referral_request_information`); the
question it carries is also the thread's first message, and the sending state's answer is the
next: text, documents, corrections of the person's data (through the people registry's own
`person_update` and its list of editable fields) and, usually, the referral submitted again
(through `referral_submit`). All or nothing, audited, in order; both parties and the monitor
read the thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import IllegalTransition, ValidationError
from ikaze.documents.models import TargetType
from ikaze.documents.services import document_attach
from ikaze.people.services import person_update
from ikaze.vetting.models import Referral, ReferralMessage
from ikaze.vetting.services._common import _lock, _refusal_recorded, text_require

if TYPE_CHECKING:
    from ikaze.documents.services import PreparedDocument


def _message_write(
    *, actor: Actor, referral: Referral, kind: str, body: str, **extra: Any
) -> ReferralMessage:
    return ReferralMessage.objects.create(
        referral=referral,
        kind=kind,
        body=body,
        author=actor.user,
        author_label=actor.label,
        organisation_id=actor.organisation_id,
        written_at=clock.now(),
        **extra,
    )


def referral_question_write(*, actor: Actor, referral: Referral, question: str) -> ReferralMessage:
    """The officer's question as the thread's message (inside `referral_request_information`,
    which changed the status and audited it)."""
    return _message_write(
        actor=actor, referral=referral, kind=ReferralMessage.Kind.QUESTION, body=question
    )


def referral_movement_notice_write(
    *, actor: Actor, referral: Referral, body: str
) -> ReferralMessage:
    """Tell both sides on the referral's thread that the person came off a movement's manifest
    and why (issue 13: at manifest lock or at the gate). Called by the movement's service in
    its transaction, which checked the permission; the sending liaison reads it on the
    referral, the monitor too (and gets the alert the screening raised)."""
    message = _message_write(
        actor=actor, referral=referral, kind=ReferralMessage.Kind.MOVEMENT, body=body[:5000]
    )
    audit_record(
        actor=actor,
        action="referral.movement_notice",
        target_type="referral",
        target_id=referral.pk,
        after={"message": str(message.pk)},
    )
    return message


def monitor_tell_household_split(*, actor: Actor, referral: Referral, message: str) -> None:
    """Tell the monitor a household travels split under a best-interests determination with
    consent (SAFEGUARDS A7); called by the manifest's service in its transaction."""
    from ikaze.vetting.models import MonitorNotice
    from ikaze.vetting.services._common import _notify_monitor

    _notify_monitor(
        actor=actor, kind=MonitorNotice.Kind.HOUSEHOLD_SPLIT, referral=referral, message=message
    )


@_refusal_recorded("referral.answer_information")
@transaction.atomic
def referral_information_answer(
    *,
    actor: Actor,
    referral: Referral,
    answer: str,
    corrections: Mapping[str, Any] | None = None,
    attachments: Sequence[PreparedDocument] = (),
    resubmit: bool = True,
) -> ReferralMessage:
    """Answer the receiving state's request for information: text, corrections of the
    person's data, documents (already checked: `documents.services.document_prepare`), and
    the referral submitted again unless `resubmit` is false."""
    from ikaze.vetting.services.referrals import _own, referral_submit

    require(actor, Perm.REFERRAL_CREATE, target_type="referral", target_id=referral.pk)
    _own(actor, referral)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError.for_field("answer", gettext("Write your answer."))
    text_require(ReferralMessage, {"answer": answer}, fields={"answer": "body"})
    locked = _lock(referral, actor=actor)
    if locked.status != Referral.Status.INFORMATION_REQUESTED:
        raise IllegalTransition(
            gettext("Only a referral whose information was requested can be answered."),
            details={"status": [str(locked.get_status_display())]},
        )
    changed: list[str] = []
    if corrections:
        person = locked.person
        before = {k: getattr(person, k) for k in corrections}
        person_update(actor=actor, person=person, changes=corrections)
        person.refresh_from_db()
        changed = sorted(k for k in corrections if getattr(person, k) != before[k])
    message = _message_write(
        actor=actor,
        referral=locked,
        kind=ReferralMessage.Kind.ANSWER,
        body=answer,
        corrected_fields=changed,
        resubmitted=resubmit,
    )
    audit_record(
        actor=actor,
        action="referral.answer_information",
        target_type="referral",
        target_id=locked.pk,
        after={
            "message": str(message.pk),
            "corrected_fields": changed,
            "attachments": len(attachments),
            "resubmitted": resubmit,
        },
    )
    if resubmit:
        referral_submit(actor=actor, referral=locked)
    # The files last: every refusal above has stored nothing (ADR 0017).
    for prepared in attachments:
        document_attach(
            actor=actor,
            prepared=prepared,
            target_type=TargetType.REFERRAL_MESSAGE,
            target_id=message.pk,
        )
    return message
