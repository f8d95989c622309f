"""Referral reads scoped to the actor: a sending liaison sees only its organisation's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_read
from ikaze.core.errors import NotFound
from ikaze.vetting.models import Referral


def referral_scope(actor: Actor) -> QuerySet[Referral]:
    """Referrals the actor may see: its own organisation's for a sending state, else all."""
    require(actor, Perm.REFERRAL_VIEW, target_type="referral")
    qs = Referral.objects.select_related("agreement", "person", "referring_organisation")
    if actor.org_kind == OrgKind.SENDING_STATE:
        qs = qs.filter(referring_organisation_id=actor.organisation_id)
    return qs


def referral_list_for(
    *, actor: Actor, status: str = "", agreement: str = "", q: str = ""
) -> QuerySet[Referral]:
    """Referrals newest first, filtered by status, agreement code and a name or reference."""
    qs = referral_scope(actor)
    if status:
        qs = qs.filter(status=status)
    if agreement:
        qs = qs.filter(agreement__code=agreement)
    for word in q.split():
        qs = qs.filter(
            Q(person__given_names__icontains=word)
            | Q(person__first_surname__icontains=word)
            | Q(person__second_surname__icontains=word)
            | Q(external_reference__iexact=word)
            | Q(person__external_reference__iexact=word)
        )
    return qs.order_by("-created_at", "pk")


def referral_list_audited(*, actor: Actor, referrals: Sequence[Referral]) -> None:
    """Record that a monitor saw this page of referrals (SAFEGUARDS C1)."""
    if actor.reads_audited and referrals:
        with transaction.atomic():
            audit_read(
                actor=actor,
                target_type="referral",
                target_ids=[r.pk for r in referrals],
                purpose="referral list",
            )


def referral_get_for(*, actor: Actor, referral_id: uuid.UUID | str) -> Referral:
    """One referral the actor may see, or NotFound (never a leak)."""
    try:
        referral = referral_scope(actor).get(pk=uuid.UUID(str(referral_id)))
    except (Referral.DoesNotExist, ValueError):
        raise NotFound("No such referral.") from None
    if actor.reads_audited:
        with transaction.atomic():
            audit_read(
                actor=actor, target_type="referral", target_ids=[referral.pk], purpose="detail"
            )
    return referral


def referral_history(*, referral: Referral) -> list[dict[str, Any]]:
    """The referral's audited changes, oldest first (the audit chain is its history)."""
    return [
        {
            "at": e.at,
            "action": e.action,
            "actor": e.actor_label,
            "before": e.before,
            "after": e.after,
            "reason": e.reason,
        }
        for e in AuditEvent.objects.filter(target_type="referral", target_id=str(referral.pk))
        .exclude(kind=AuditEvent.Kind.READ)
        .order_by("seq")
    ]
