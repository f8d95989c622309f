"""Reads of accounts data, scoped to the actor: an administrator sees their own
organisation's accounts and tokens (SAFEGUARDS F6)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts.access import ROLE_ORG_KINDS, TWO_FACTOR_ROLES, OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.accounts.models import (
    ApiToken,
    CredentialNotice,
    EnrolmentLink,
    Membership,
    Organisation,
    User,
)
from ikaze.audit.selectors import audit_security_events
from ikaze.audit.services import audit_read
from ikaze.core.errors import NotFound


def organisations_administered_by(*, actor: Actor) -> QuerySet[Organisation]:
    """The organisations whose credentials the actor keeps."""
    return Organisation.objects.filter(pk__in=actor.administers).order_by("name")


def user_list_for(*, actor: Actor) -> QuerySet[User]:
    """List the people holding a role in an organisation the actor administers."""
    require(actor, Perm.USER_MANAGE)
    return (
        User.objects.filter(
            memberships__organisation__in=actor.administers, memberships__revoked_at__isnull=True
        )
        .distinct()
        .prefetch_related("memberships__organisation")
        .order_by("username")
    )


def user_get_for(*, actor: Actor, user_id: str) -> User:
    """One person of the actor's organisations, or NotFound."""
    try:
        return user_list_for(actor=actor).get(pk=user_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise NotFound("No such user.") from exc


@dataclass(frozen=True)
class AccountState:
    """What an administrator sees of a person's account besides its fields."""

    memberships: list[Membership]  # active, in the organisations the actor administers
    roles_available: list[tuple[str, str]]  # roles those organisations may hold
    locked_out: bool  # sign-in paused from some device (django-axes)
    has_authenticator: bool
    needs_two_factor: bool


def account_state_for(*, actor: Actor, user: User) -> AccountState:
    """The roles, lock-out and authenticator of a person of the actor's organisations."""
    require(actor, Perm.USER_MANAGE)
    memberships = list(
        Membership.objects.filter(
            user=user, organisation__in=actor.administers, revoked_at__isnull=True
        )
        .select_related("organisation")
        .order_by("created_at", "pk")
    )
    kinds = {OrgKind(m.organisation.kind) for m in memberships}
    roles_available = [
        (r.value, r.label) for r in Role if kinds and kinds <= set(ROLE_ORG_KINDS[r])
    ] or [(r.value, r.label) for r in Role if kinds & set(ROLE_ORG_KINDS[r])]
    all_roles = set(
        Membership.objects.filter(user=user, revoked_at__isnull=True).values_list("role", flat=True)
    )
    return AccountState(
        memberships=memberships,
        roles_available=roles_available,
        locked_out=AccessAttempt.objects.filter(
            username__iexact=user.username,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        ).exists(),
        has_authenticator=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        needs_two_factor=any(Role(r) in TWO_FACTOR_ROLES for r in all_roles),
    )


def membership_get_for(*, actor: Actor, membership_id: str) -> Membership:
    """An active membership in an organisation the actor administers, or NotFound."""
    require(actor, Perm.USER_MANAGE)
    try:
        return Membership.objects.select_related("organisation", "user").get(
            pk=membership_id, organisation__in=actor.administers, revoked_at__isnull=True
        )
    except (Membership.DoesNotExist, ValueError) as exc:
        raise NotFound("No such role.") from exc


def organisation_list_for(*, actor: Actor) -> QuerySet[Organisation]:
    """List organisations; everyone signed in may know who the parties are."""
    return Organisation.objects.order_by("kind", "name")


def api_token_list_for(*, actor: Actor) -> QuerySet[ApiToken]:
    """List the API tokens of the organisations the actor administers."""
    require(actor, Perm.TOKEN_MANAGE)
    return (
        ApiToken.objects.filter(organisation__in=actor.administers)
        .select_related("organisation", "created_by")
        .order_by("-created_at")
    )


def api_token_get_for(*, actor: Actor, token_id: str) -> ApiToken:
    """Fetch one token or NotFound."""
    try:
        return api_token_list_for(actor=actor).get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise NotFound("No such token.") from exc


def credential_notice_list_for(*, actor: Actor) -> QuerySet[CredentialNotice]:
    """What was made in the actor's own organisation's name, newest first (a monitor's read
    is logged: SAFEGUARDS C1)."""
    require(actor, Perm.CREDENTIAL_NOTICE_VIEW)
    if actor.organisation_id is None:
        return CredentialNotice.objects.none()
    qs = (
        CredentialNotice.objects.filter(organisation_id=actor.organisation_id)
        .select_related("organisation")
        .order_by("-created_at", "pk")
    )
    if actor.reads_audited:
        audit_read(
            actor=actor,
            target_type="credential_notice",
            target_ids=[str(actor.organisation_id)],
            purpose="credential notices of the organisation",
        )
    return qs


def user_id_for_username(username: str) -> str | None:
    """The key of the account with this username (case-insensitive), for the security record of
    a failed sign-in; None if there is none."""
    pk = User.objects.filter(username__iexact=username).values_list("pk", flat=True).first()
    return str(pk) if pk is not None else None


@dataclass(frozen=True)
class SignInFailure:
    at: dt.datetime
    client: str


SIGN_IN_FAILURE_ACTIONS = ("login.failed", "login.locked_out")


def user_display_names(
    *, ids: Iterable[object] = (), usernames: Iterable[object] = ()
) -> dict[str, str]:
    """The name a page shows (full name, else the sign-in name) for these users, keyed by id
    (as text) and by sign-in name: how other apps name the people in their records."""
    wanted_ids = {str(i) for i in ids if i}
    wanted_names = {u for u in usernames if isinstance(u, str) and u}
    out: dict[str, str] = {}
    if wanted_ids:
        out.update({str(u.pk): str(u) for u in User.objects.filter(pk__in=wanted_ids)})
    if wanted_names:
        out.update({u.username: str(u) for u in User.objects.filter(username__in=wanted_names)})
    return out


def sign_in_failures_since(*, user_id: object, since: dt.datetime | None) -> list[SignInFailure]:
    """Failed sign-ins on the account since `since` (its previous sign-in), newest first: what
    its holder is told when they next sign in."""
    qs = audit_security_events(
        actions=SIGN_IN_FAILURE_ACTIONS, target_type="user", target_id=str(user_id), after=since
    )
    out = []
    for at, reason in qs.values_list("at", "reason")[:1000]:
        client = next((p[len("client=") :] for p in reason.split() if p.startswith("client=")), "")
        out.append(SignInFailure(at=at, client=client))
    return out


def second_factor_reset_pending(*, user_id: uuid.UUID | str) -> bool:
    """Whether an administrator reset the person's second factor and the link to enrol a new
    one is still unused (the second-factor page says so)."""
    return EnrolmentLink.objects.filter(
        user_id=user_id,
        purpose=EnrolmentLink.Purpose.SECOND_FACTOR_RESET,
        used_at__isnull=True,
        revoked_at__isnull=True,
    ).exists()


def user_ids_named(*, name: str, limit: int = 200) -> list[str]:
    """The ids (as text) of the users whose full name or sign-in name contains `name` (the
    audit log finds an actor by the name people know them by)."""
    from django.db.models import Q

    words = name.split()
    if not words:
        return []
    qs = User.objects.all()
    for word in words:
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
    return [str(pk) for pk in qs.values_list("pk", flat=True)[:limit]]


def user_audit_names(actor: object, ids: list[str]) -> dict[str, tuple[str, str]]:
    """User id → (the name a page shows, no link) for the audit log."""
    return {k: (v, "") for k, v in user_display_names(ids=ids).items() if k in set(ids)}


def monitor_membership_of(*, user_id: Any) -> Membership | None:
    """The active monitor membership of a user in a monitoring body, if any (protection:
    removing a monitor's access needs the monitoring body's confirmation, SAFEGUARDS C1)."""
    return (
        Membership.objects.select_related("organisation", "user")
        .filter(
            user_id=user_id,
            role=Role.MONITOR,
            revoked_at__isnull=True,
            organisation__kind=OrgKind.MONITORING_BODY,
        )
        .first()
    )


def monitor_memberships() -> QuerySet[Membership]:
    """Every active monitor membership (the receiving state's administrator picks one)."""
    return (
        Membership.objects.select_related("organisation", "user")
        .filter(role=Role.MONITOR, revoked_at__isnull=True, user__is_active=True)
        .order_by("organisation__name", "user__username")
    )
