"""Organisations, users, memberships and API tokens. Every write is audited."""

from __future__ import annotations

import datetime as dt

import pycountry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import ROLE_ORG_KINDS, OrgKind, Perm, Role
from ikaze.accounts.actor import Actor, actor_for_token
from ikaze.accounts.errors import MonitorRevocationRefused, RoleNotAllowedForOrganisation
from ikaze.accounts.guards import require
from ikaze.accounts.models import ApiToken, Membership, Organisation, User
from ikaze.accounts.tokens import hash_token, new_token, prefix_of
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import NotFound, ValidationError


def _valid_country(code: str) -> bool:
    return (
        bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
    )


@transaction.atomic
def organisation_create(
    *, actor: Actor | None, name: str, kind: str, country: str, short_name: str = ""
) -> Organisation:
    """Create an organisation (sending state, receiving state, partner, monitoring body)."""
    if actor is not None:
        require(actor, Perm.USER_MANAGE, target_type="organisation")
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [gettext("Name is required.")]
    elif Organisation.objects.filter(name__iexact=name).exists():
        errors["name"] = [gettext("An organisation with this name exists.")]
    if kind not in {k.value for k in OrgKind}:
        errors["kind"] = [
            gettext("Unknown kind %(kind)s; expected one of %(choices)s.")
            % {"kind": repr(kind), "choices": ", ".join(k.value for k in OrgKind)}
        ]
    if not _valid_country(country):
        errors["country"] = [
            gettext("%(value)s is not an ISO 3166-1 alpha-2 country code.")
            % {"value": repr(country)}
        ]
    if errors:
        raise ValidationError(gettext("The organisation is not valid."), details=errors)
    org = Organisation.objects.create(
        name=name, kind=kind, country=country.upper(), short_name=short_name.strip()
    )
    audit_record(
        actor=actor,
        action="organisation.create",
        target_type="organisation",
        target_id=org.pk,
        after={"name": org.name, "kind": org.kind, "country": org.country},
    )
    return org


@transaction.atomic
def user_create(
    *,
    actor: Actor | None,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
) -> User:
    """Create a person's account (no roles until a membership is granted)."""
    if actor is not None:
        require(actor, Perm.USER_MANAGE, target_type="user")
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = [gettext("Username is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [gettext("This username is taken.")]
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if preferred_language not in {"en", "fr", "es", "rw"}:
        errors["preferred_language"] = [gettext("Choose en, fr, es or rw.")]
    if errors:
        raise ValidationError(gettext("The user is not valid."), details=errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
    )
    audit_record(
        actor=actor,
        action="user.create",
        target_type="user",
        target_id=user.pk,
        after={"username": user.username, "email": user.email},
    )
    return user


@transaction.atomic
def membership_grant(
    *, actor: Actor | None, user: User, organisation: Organisation, role: str
) -> Membership:
    """Give a user a role in an organisation; the role must fit the organisation's kind."""
    if actor is not None:
        require(actor, Perm.USER_MANAGE, target_type="user", target_id=user.pk)
    try:
        r = Role(role)
    except ValueError as exc:
        raise ValidationError.for_field(
            "role", gettext("Unknown role %(role)s.") % {"role": repr(role)}
        ) from exc
    if OrgKind(organisation.kind) not in ROLE_ORG_KINDS[r]:
        raise RoleNotAllowedForOrganisation(
            gettext("The role %(role)s cannot be held in a %(kind)s organisation.")
            % {"role": r.value, "kind": organisation.kind},
            details={
                "role": [gettext("Not allowed for a %(kind)s.") % {"kind": organisation.kind}]
            },
        )
    existing = Membership.objects.filter(
        user=user, organisation=organisation, role=r.value, revoked_at__isnull=True
    ).first()
    if existing:
        return existing
    membership = Membership.objects.create(user=user, organisation=organisation, role=r.value)
    audit_record(
        actor=actor,
        action="membership.grant",
        target_type="user",
        target_id=user.pk,
        after={"organisation": str(organisation.pk), "role": r.value},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Actor, membership: Membership, reason: str) -> Membership:
    """End a membership. A monitor can be revoked only by its own monitoring body (C1)."""
    require(actor, Perm.USER_MANAGE, target_type="user", target_id=membership.user_id)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("A reason is required."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.revoked_at is not None:
        return membership
    if membership.role == Role.MONITOR and actor.organisation_id != membership.organisation_id:
        # SAFEGUARDS C1: the receiving state alone cannot revoke a monitor.
        raise MonitorRevocationRefused(
            gettext("A monitor can be revoked only by the monitoring body itself."),
            details={
                "membership": [
                    gettext("Monitor memberships are outside the receiving state's control.")
                ]
            },
        )
    membership.revoked_at = clock.now()
    membership.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.revoke",
        target_type="user",
        target_id=membership.user_id,
        before={"organisation": str(membership.organisation_id), "role": membership.role},
        reason=reason,
    )
    return membership


@transaction.atomic
def api_token_issue(
    *,
    actor: Actor,
    name: str,
    organisation: Organisation,
    role: str,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a machine client; return it with the clear value, shown once."""
    require(actor, Perm.TOKEN_MANAGE, target_type="api_token")
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [gettext("A name is required (which system uses this token?).")]
    try:
        r = Role(role)
        if OrgKind(organisation.kind) not in ROLE_ORG_KINDS[r]:
            errors["role"] = [gettext("Not allowed for a %(kind)s.") % {"kind": organisation.kind}]
    except ValueError:
        errors["role"] = [gettext("Unknown role %(role)s.") % {"role": repr(role)}]
    if expires_at is not None and expires_at <= clock.now():
        errors["expires_at"] = [gettext("The expiry must be in the future.")]
    if errors:
        raise ValidationError(gettext("The token is not valid."), details=errors)
    if actor.user is None:
        raise ValidationError(
            gettext("Only a signed-in person can issue tokens."), code="person_required"
        )
    clear, prefix, digest = new_token()
    token = ApiToken.objects.create(
        name=name.strip(),
        organisation=organisation,
        role=role,
        prefix=prefix,
        key_hash=digest,
        created_by=actor.user,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.issue",
        target_type="api_token",
        target_id=token.pk,
        after={
            "name": token.name,
            "organisation": str(organisation.pk),
            "role": role,
            "prefix": prefix,
        },
    )
    return token, clear


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token at once; later uses are refused."""
    require(actor, Perm.TOKEN_MANAGE, target_type="api_token", target_id=token.pk)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            target_type="api_token",
            target_id=token.pk,
            reason=reason,
        )
    return token


_LAST_USED_PRECISION = dt.timedelta(minutes=1)


def api_token_authenticate(*, clear: str, method: str, path: str) -> Actor:
    """Resolve a bearer token to its actor and audit the use; NotFound if unusable."""
    prefix = prefix_of(clear)
    if prefix is None:
        raise NotFound("Unknown token.", code="invalid_token")
    token = (
        ApiToken.objects.select_related("organisation")
        .filter(prefix=prefix, key_hash=hash_token(clear))
        .first()
    )
    now = clock.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at and token.expires_at <= now)
    ):
        raise NotFound("Unknown, revoked or expired token.", code="invalid_token")
    actor = actor_for_token(token)
    with transaction.atomic():
        # The audit event records every use; last_used_at only tells an administrator whether
        # a token is still in use, so a minute's precision spares a write on most requests.
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        audit_record(
            actor=actor,
            action="api_token.use",
            kind=AuditEvent.Kind.READ
            if method in ("GET", "HEAD", "OPTIONS")
            else AuditEvent.Kind.CHANGE,
            target_type="api_token",
            target_id=token.pk,
            reason=f"{method} {path}",
        )
    return actor
