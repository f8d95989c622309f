"""Organisations, users, memberships, API tokens and enrolment. Every write is audited.

SAFEGUARDS F6: an organisation's credentials (its accounts, their roles, its API tokens,
enrolment links) are made only by an administrator of that very organisation, or by an
operator's command (`command_line_actor` holding the administrator's role: `ikaze invite`
bootstraps an organisation's first administrator, the demo loader its accounts). Every service
takes an actor; there is no `None` that skips the check (issue 10 item 5). Each is told to the organisation (`CredentialNotice`), so a monitoring body
reads whatever was made in its name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

import pycountry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import locks
from ikaze.accounts.access import (
    ADMIN_ROLES,
    ROLE_ORG_KINDS,
    TWO_FACTOR_ROLES,
    OrgKind,
    Perm,
    Role,
)
from ikaze.accounts.actor import Actor, actor_for_token, actor_for_user
from ikaze.accounts.error_codes import ErrorCode
from ikaze.accounts.errors import (
    CredentialOutsideOrganisation,
    EnrolmentLinkInvalid,
    LastAdministrator,
    MonitorRevocationRefused,
    RoleNotAllowedForOrganisation,
    SelfGrant,
    SelfLockout,
    WrongPassword,
)
from ikaze.accounts.guards import require
from ikaze.accounts.models import (
    ApiToken,
    CredentialNotice,
    EnrolmentLink,
    Membership,
    Organisation,
    User,
)
from ikaze.accounts.tokens import hash_token, new_token, prefix_of
from ikaze.audit.services import EventKind, audit_record
from ikaze.core import clock
from ikaze.core.errors import NotFound, ValidationError


def _valid_country(code: str) -> bool:
    return (
        bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
    )


# --- who may make an organisation's credentials (SAFEGUARDS F6) -----------------------------


def _require_administers(
    actor: Actor,
    perm: Perm,
    organisations: Iterable[Organisation],
    *,
    target_type: str,
    target_id: object = "",
) -> None:
    """Refuse unless the actor holds `perm` and is an operator's command or an administrator
    of every one of `organisations` (a person, second factor done, holding ADMIN or
    ORG_ADMIN there). A missing actor is refused (`Denied`), never taken for the system."""
    require(actor, perm, target_type=target_type, target_id=target_id)
    if actor.from_command_line:  # bootstraps an organisation's first administrator
        return
    foreign = [o for o in organisations if not actor.administers_organisation(o.pk)]
    if foreign:
        raise CredentialOutsideOrganisation(
            gettext("Only an administrator of %(organisation)s can make or change its credentials.")
            % {"organisation": foreign[0].name},
            details={"organisation": [str(foreign[0].pk)]},
        )


def _made_by(actor: Actor) -> str:
    if actor.from_command_line:
        return f"{actor.label} (command line)"
    org = actor.organisation.name if actor.organisation is not None else ""
    return f"{actor.label} ({org})" if org else actor.label


def _notify(
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    subject: str,
    role: str = "",
) -> None:
    """Tell the organisation what was made in its name (read on its credential notices)."""
    CredentialNotice.objects.create(
        organisation=organisation,
        kind=kind,
        subject=subject[:200],
        role=role,
        made_by=_made_by(actor)[:200],
        made_by_organisation_id=actor.organisation_id,
    )


@transaction.atomic
def organisation_create(
    *, actor: Actor, name: str, kind: str, country: str, short_name: str = ""
) -> Organisation:
    """Create an organisation (sending state, receiving state, partner, monitoring body)."""
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
    actor: Actor,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
) -> User:
    """Create a person's account (no roles until a membership is granted).

    `password` None: the account has no usable password until its holder sets one through
    an enrolment link (`account_create`)."""
    require(actor, Perm.USER_MANAGE, target_type="user")
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = [gettext("Username is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [gettext("This username is taken.")]
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is not None:
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
    *, actor: Actor, user: User, organisation: Organisation, role: str
) -> Membership:
    """Give a user a role in an organisation; the role must fit the organisation's kind.
    Only the organisation's own administrator (or an operator's command) grants its roles."""
    _require_administers(
        actor, Perm.USER_MANAGE, [organisation], target_type="user", target_id=user.pk
    )
    if actor.user is not None and actor.user.pk == user.pk and not actor.from_command_line:
        raise SelfGrant(
            gettext("You cannot give your own account a role: another administrator can."),
            details={"role": [gettext("Not for your own account.")]},
        )
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
    _notify(
        actor=actor,
        organisation=organisation,
        kind=CredentialNotice.Kind.MEMBERSHIP_GRANTED,
        subject=user.username,
        role=r.value,
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Actor, membership: Membership, reason: str) -> Membership:
    """End a membership. Only the organisation's own administrator ends its roles; a monitor
    in particular can be revoked only by its own monitoring body (C1)."""
    require(actor, Perm.USER_MANAGE, target_type="user", target_id=membership.user_id)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("A reason is required."))
    membership = locks.membership_lock(membership.pk)
    if membership.revoked_at is not None:
        return membership
    if membership.role == Role.MONITOR and not actor.administers_organisation(
        membership.organisation_id
    ):
        # SAFEGUARDS C1: the receiving state alone cannot revoke a monitor.
        raise MonitorRevocationRefused(
            gettext("A monitor can be revoked only by the monitoring body itself."),
            details={
                "membership": [
                    gettext("Monitor memberships are outside the receiving state's control.")
                ]
            },
        )
    _require_administers(
        actor,
        Perm.USER_MANAGE,
        [membership.organisation],
        target_type="user",
        target_id=membership.user_id,
    )
    if Role(membership.role) in ADMIN_ROLES:
        if actor.user is not None and membership.user_id == actor.user.pk:
            raise SelfLockout(
                gettext(
                    "You cannot remove your own administrator role: another administrator of "
                    "your organisation can."
                ),
                details={"role": [gettext("This is your own administrator role.")]},
            )
        locks.organisations_lock([membership.organisation_id])
        _refuse_last_administrator(
            organisation=membership.organisation,
            leaving=Membership.objects.filter(pk=membership.pk),
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
    _notify(
        actor=actor,
        organisation=membership.organisation,
        kind=CredentialNotice.Kind.MEMBERSHIP_REVOKED,
        subject=membership.user.username,
        role=membership.role,
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
    """Issue a token for a machine client of the actor's own organisation; return it with the
    clear value, shown once."""
    _require_administers(actor, Perm.TOKEN_MANAGE, [organisation], target_type="api_token")
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
            gettext("Only a signed-in person can issue tokens."), code=ErrorCode.PERSON_REQUIRED
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
    _notify(
        actor=actor,
        organisation=organisation,
        kind=CredentialNotice.Kind.TOKEN_ISSUED,
        subject=f"{token.name} ({prefix})",
        role=role,
    )
    return token, clear


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token of the actor's own organisation at once; later uses are refused."""
    token = locks.api_token_lock(token.pk)
    _require_administers(
        actor, Perm.TOKEN_MANAGE, [token.organisation], target_type="api_token", target_id=token.pk
    )
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
        _notify(
            actor=actor,
            organisation=token.organisation,
            kind=CredentialNotice.Kind.TOKEN_REVOKED,
            subject=f"{token.name} ({token.prefix})",
            role=token.role,
        )
    return token


_LAST_USED_PRECISION = dt.timedelta(minutes=1)


def api_token_authenticate(*, clear: str, method: str, path: str) -> Actor:
    """Resolve a bearer token to its actor and audit the use; NotFound if unusable."""
    prefix = prefix_of(clear)
    if prefix is None:
        raise NotFound("Unknown token.", code=ErrorCode.INVALID_TOKEN)
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
        raise NotFound("Unknown, revoked or expired token.", code=ErrorCode.INVALID_TOKEN)
    actor = actor_for_token(token)
    with transaction.atomic():
        # The audit event records every use; last_used_at only tells an administrator whether
        # a token is still in use, so a minute's precision spares a write on most requests.
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        audit_record(
            actor=actor,
            action="api_token.use",
            kind=EventKind.READ if method in ("GET", "HEAD", "OPTIONS") else EventKind.CHANGE,
            target_type="api_token",
            target_id=token.pk,
            reason=f"{method} {path}",
        )
    return actor


# --- accounts made through a one-time enrolment link (SAFEGUARDS F6) -------------------------

ENROLMENT_LINK_VALID = dt.timedelta(hours=72)


def _link_hash(clear: str) -> str:
    return hashlib.sha256(f"ikaze-enrolment-link:{clear}".encode()).hexdigest()


def enrolment_totp_key(clear: str) -> str:
    """The authenticator key (hex, 20 bytes) offered through an enrolment link: derived from the
    clear link, so only its holder can compute it, and nothing is stored before enrolment."""
    return hashlib.sha256(f"ikaze-enrolment-totp:{clear}".encode()).hexdigest()[:40]


def _needs_two_factor(user: User) -> bool:
    roles = Membership.objects.filter(user=user, revoked_at__isnull=True).values_list(
        "role", flat=True
    )
    return any(Role(r) in TWO_FACTOR_ROLES for r in roles)


def _active_organisations(user: User) -> list[Organisation]:
    return [
        m.organisation
        for m in Membership.objects.filter(user=user, revoked_at__isnull=True).select_related(
            "organisation"
        )
    ]


def _require_administers_user(actor: Actor, user: User) -> list[Organisation]:
    """Refuse unless the actor administers every organisation `user` holds a role in (a change
    to the account reaches all of them); return those organisations."""
    organisations = _active_organisations(user)
    _require_administers(
        actor, Perm.USER_MANAGE, organisations, target_type="user", target_id=user.pk
    )
    if not actor.from_command_line and not organisations:
        raise CredentialOutsideOrganisation(
            gettext("This person holds no role in your organisation."),
            details={"user": [str(user.pk)]},
        )
    return organisations


_LINK_NOTICES: dict[str, str] = {
    EnrolmentLink.Purpose.ENROL: CredentialNotice.Kind.ENROLMENT_LINK_ISSUED,
    EnrolmentLink.Purpose.PASSWORD_RESET: CredentialNotice.Kind.PASSWORD_RESET_ISSUED,
    EnrolmentLink.Purpose.SECOND_FACTOR_RESET: CredentialNotice.Kind.SECOND_FACTOR_RESET,
}


def _link_issue(*, actor: Actor, user: User, purpose: str) -> tuple[EnrolmentLink, str]:
    organisations = _require_administers_user(actor, user)
    if not actor.from_command_line and actor.user is None:
        raise ValidationError(
            gettext("Only a signed-in person can issue enrolment links."),
            code=ErrorCode.PERSON_REQUIRED,
        )
    now = clock.now()
    locks.user_lock(user.pk)  # one issuer at a time
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
    clear = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        purpose=purpose,
        key_hash=_link_hash(clear),
        created_by=actor.user,
        expires_at=now + ENROLMENT_LINK_VALID,
    )
    audit_record(
        actor=actor,
        action="account.enrolment_link.issue",
        target_type="user",
        target_id=user.pk,
        after={"link": str(link.pk), "purpose": purpose, "expires_at": link.expires_at},
    )
    for organisation in organisations:
        _notify(
            actor=actor,
            organisation=organisation,
            kind=_LINK_NOTICES[purpose],
            subject=user.username,
        )
    return link, clear


@transaction.atomic
def enrolment_link_issue(*, actor: Actor, user: User) -> tuple[EnrolmentLink, str]:
    """Issue a one-time link (single use, expiring, stored hashed) through which `user` sets a
    password and enrols an authenticator; any earlier unused link of theirs stops working.
    Returns the link with its clear key, shown once to the administrator who made it.

    The administrator must administer every organisation the person holds a role in: the link
    replaces the person's password and second factor."""
    return _link_issue(actor=actor, user=user, purpose=EnrolmentLink.Purpose.ENROL)


@transaction.atomic
def password_reset_link_issue(*, actor: Actor, user: User) -> tuple[EnrolmentLink, str]:
    """Reset a person's password: the old one stops working at once (their sessions end) and
    a one-time link (clear key returned, shown once) lets them choose a new one. Their
    authenticator stays. No password is ever shown or sent in clear."""
    link, clear = _link_issue(actor=actor, user=user, purpose=EnrolmentLink.Purpose.PASSWORD_RESET)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(
        actor=actor, action="account.password_reset", target_type="user", target_id=user.pk
    )
    return link, clear


@transaction.atomic
def second_factor_reset(*, actor: Actor, user: User) -> tuple[EnrolmentLink, str]:
    """Remove a person's authenticators (a lost or stolen phone): a privileged role can do
    nothing until they enrol a new one, through the one-time link returned (clear key, shown
    once) and their current password (SAFEGUARDS F6: a password alone never adds one)."""
    link, clear = _link_issue(
        actor=actor, user=user, purpose=EnrolmentLink.Purpose.SECOND_FACTOR_RESET
    )
    devices = sorted(d.persistent_id for d in TOTPDevice.objects.filter(user=user))
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="two_factor.reset",
        target_type="user",
        target_id=user.pk,
        before={"devices": devices},
    )
    return link, clear


@transaction.atomic
def account_create(
    *,
    actor: Actor,
    username: str,
    organisation: Organisation,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
) -> tuple[User, str]:
    """Create a person's account with one role in the administrator's own organisation, and
    the one-time enrolment link (clear key returned, shown once) through which the person sets
    their password and, for a privileged role, enrols their authenticator."""
    _require_administers(actor, Perm.USER_MANAGE, [organisation], target_type="user")
    user = user_create(
        actor=actor,
        username=username,
        password=None,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
    )
    membership_grant(actor=actor, user=user, organisation=organisation, role=role)
    _notify(
        actor=actor,
        organisation=organisation,
        kind=CredentialNotice.Kind.ACCOUNT_CREATED,
        subject=user.username,
        role=role,
    )
    _link, clear = enrolment_link_issue(actor=actor, user=user)
    return user, clear


def enrolment_link_get(*, clear: str) -> EnrolmentLink:
    """The usable link with this clear key (unused, not replaced, not expired), or
    EnrolmentLinkInvalid."""
    link = (
        EnrolmentLink.objects.select_related("user").filter(key_hash=_link_hash(clear)).first()
        if clear
        else None
    )
    if (
        link is None
        or link.used_at is not None
        or link.revoked_at is not None
        or link.expires_at <= clock.now()
        or not link.user.is_active
    ):
        raise EnrolmentLinkInvalid(
            gettext(
                "This enrolment link is not valid: it was used, replaced or has expired. "
                "Ask your administrator for a new one."
            )
        )
    return link


def _two_factor_enrol(
    *, holder: Actor, user: User, key_hex: str, code: str, link: EnrolmentLink
) -> TOTPDevice:
    """Replace the person's authenticators with the one whose current `code` they typed."""
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = clock.now().timestamp()
    code = code.strip()
    if not (code.isdigit() and totp.verify(int(code), tolerance=1)):
        raise ValidationError.for_field(
            "code",
            gettext("That code is not valid. Codes change every 30 seconds; try the current one."),
            code=ErrorCode.INVALID_CODE,
        )
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, key=key_hex)
    audit_record(
        actor=holder,
        action="two_factor.enrol",
        target_type="user",
        target_id=user.pk,
        after={"device": device.persistent_id, "link": str(link.pk)},
    )
    for organisation in _active_organisations(user):
        _notify(
            actor=holder,
            organisation=organisation,
            kind=CredentialNotice.Kind.TWO_FACTOR_ENROLLED,
            subject=user.username,
        )
    return device


@transaction.atomic
def account_enrol(*, clear: str, password: str, code: str = "") -> User:
    """Use a one-time link: set the person's password and, for a privileged role, enrol their
    authenticator (`code` from the key the link offered); a password-reset link sets the
    password only; a second-factor reset link enrols the authenticator, `password` being the
    person's current one. The link is spent."""
    link = enrolment_link_get(clear=clear)
    locks.enrolment_link_lock(link.pk)
    link = enrolment_link_get(clear=clear)  # again under the lock: two tabs, one use
    user = link.user
    sets_password = link.purpose != EnrolmentLink.Purpose.SECOND_FACTOR_RESET
    if sets_password:
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            raise ValidationError(
                gettext("The password is not valid."),
                details={"password": [str(m) for m in exc.messages]},
            ) from exc
    elif not user.check_password(password):
        raise WrongPassword.for_field(
            "password",
            gettext("That is not your current password."),
            code=ErrorCode.WRONG_PASSWORD,
        )
    holder = actor_for_user(user)  # the person holding the link (for the record only)
    if link.purpose == EnrolmentLink.Purpose.SECOND_FACTOR_RESET or (
        link.purpose == EnrolmentLink.Purpose.ENROL and _needs_two_factor(user)
    ):
        _two_factor_enrol(
            holder=holder, user=user, key_hex=enrolment_totp_key(clear), code=code, link=link
        )
    if sets_password:
        user.set_password(password)
        user.save(update_fields=["password"])
    now = clock.now()
    EnrolmentLink.objects.filter(pk=link.pk).update(used_at=now, updated_at=now)
    audit_record(
        actor=holder,
        action="account.enrol",
        target_type="user",
        target_id=user.pk,
        after={"link": str(link.pk), "purpose": link.purpose, "username": user.username},
    )
    return user


def enrolment_offers_two_factor(link: EnrolmentLink) -> bool:
    """Whether the link's page offers an authenticator to enrol."""
    if link.purpose == EnrolmentLink.Purpose.SECOND_FACTOR_RESET:
        return True
    return link.purpose == EnrolmentLink.Purpose.ENROL and _needs_two_factor(link.user)


# --- keeping an account: edit, deactivate, unlock, role, own password (issue 11 item 11) ------

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _refuse_last_administrator(
    *, organisation: Organisation, leaving: QuerySet[Membership]
) -> None:
    """Refuse a change that leaves `organisation` with no active administrator (an active
    account holding ADMIN_ROLES there), `leaving` being the memberships it would take away."""
    admins = Membership.objects.filter(
        organisation=organisation,
        role__in=[r.value for r in ADMIN_ROLES],
        revoked_at__isnull=True,
        user__is_active=True,
    )
    if admins.exists() and not admins.exclude(pk__in=leaving.values("pk")).exists():
        raise LastAdministrator(
            gettext(
                "%(organisation)s would have no administrator left. Make another person its "
                "administrator first."
            )
            % {"organisation": organisation.name},
            details={"organisation": [str(organisation.pk)]},
        )


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    preferred_language: str,
) -> User:
    """Change a person's name, email and preferred language (applied at their next sign-in)."""
    _require_administers_user(actor, user)
    errors: dict[str, list[str]] = {}
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = [gettext("Enter a valid email address.")]
    if preferred_language not in LANGUAGE_CODES:
        errors["preferred_language"] = [gettext("Choose en, fr, es or rw.")]
    if errors:
        raise ValidationError(gettext("The user is not valid."), details=errors)
    locked = locks.user_lock(user.pk)
    assert locked is not None
    fields = ("first_name", "last_name", "email", "preferred_language")
    before = {f: getattr(locked, f) for f in fields}
    after = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email,
        "preferred_language": preferred_language,
    }
    if before == after:
        return locked
    for f, value in after.items():
        setattr(locked, f, value)
    locked.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="user.update",
        target_type="user",
        target_id=user.pk,
        before={f: v for f, v in before.items() if v != after[f]},
        after={f: v for f, v in after.items() if v != before[f]},
    )
    return locked


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User, reason: str) -> User:
    """Stop an account: no sign-in, its sessions end at their next request, its enrolment
    links stop working. Its roles and records stay; `user_reactivate` undoes it."""
    organisations = _require_administers_user(actor, user)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("A reason is required."))
    if actor.user is not None and actor.user.pk == user.pk:
        raise SelfLockout(
            gettext("You cannot deactivate your own account: another administrator can."),
            details={"user": [gettext("This is your own account.")]},
        )
    locks.organisations_lock([o.pk for o in organisations])
    locked = locks.user_lock(user.pk)
    assert locked is not None
    if not locked.is_active:
        return locked
    for organisation in organisations:
        _refuse_last_administrator(
            organisation=organisation, leaving=Membership.objects.filter(user=locked)
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.deactivate",
        target_type="user",
        target_id=user.pk,
        before={"is_active": True},
        after={"is_active": False},
        reason=reason,
    )
    for organisation in organisations:
        _notify(
            actor=actor,
            organisation=organisation,
            kind=CredentialNotice.Kind.ACCOUNT_DEACTIVATED,
            subject=user.username,
        )
    return locked


@transaction.atomic
def user_reactivate(*, actor: Actor, user: User) -> User:
    """Let a deactivated account sign in again (with its old password and authenticator)."""
    organisations = _require_administers_user(actor, user)
    locked = locks.user_lock(user.pk)
    assert locked is not None
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.reactivate",
        target_type="user",
        target_id=user.pk,
        before={"is_active": False},
        after={"is_active": True},
    )
    for organisation in organisations:
        _notify(
            actor=actor,
            organisation=organisation,
            kind=CredentialNotice.Kind.ACCOUNT_REACTIVATED,
            subject=user.username,
        )
    return locked


@transaction.atomic
def user_unlock(*, actor: Actor, user: User) -> int:
    """Clear the sign-in lock-outs of a person's account, from every device (django-axes'
    failure counters for the username); return how many counters were cleared. The failures
    stay in the audit log."""
    organisations = _require_administers_user(actor, user)
    cleared, _by_model = AccessAttempt.objects.filter(username__iexact=user.username).delete()
    audit_record(
        actor=actor,
        action="account.unlock",
        target_type="user",
        target_id=user.pk,
        after={"cleared": cleared},
    )
    for organisation in organisations:
        _notify(
            actor=actor,
            organisation=organisation,
            kind=CredentialNotice.Kind.ACCOUNT_UNLOCKED,
            subject=user.username,
        )
    return cleared


@transaction.atomic
def membership_role_change(
    *, actor: Actor, membership: Membership, role: str, reason: str
) -> Membership:
    """Give a person another role in the same organisation, in place of `membership`: the old
    role is revoked and the new granted (both told to the organisation). The role must fit the
    organisation; its last administrator keeps the role, and no one drops their own."""
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("A reason is required."))
    if membership.revoked_at is not None:
        raise ValidationError.for_field("membership", gettext("This role was already revoked."))
    if membership.role == role:
        raise ValidationError.for_field("role", gettext("The person already holds this role here."))
    # Revoked first, so that dropping one's own administrator role reads as such (SelfLockout);
    # a refused grant then undoes the revocation with the rest of the transaction.
    membership_revoke(actor=actor, membership=membership, reason=reason)
    return membership_grant(
        actor=actor, user=membership.user, organisation=membership.organisation, role=role
    )


@transaction.atomic
def password_change(*, actor: Actor, current_password: str, new_password: str) -> User:
    """Change the signed-in person's own password: the current one is required, the new one
    must pass the password rules."""
    user = actor.user
    if user is None:
        raise ValidationError(
            gettext("Only a signed-in person has a password."), code=ErrorCode.PERSON_REQUIRED
        )
    if not user.check_password(current_password):
        raise WrongPassword.for_field(
            "current_password",
            gettext("That is not your current password."),
            code=ErrorCode.WRONG_PASSWORD,
        )
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(
            gettext("The new password is not valid."),
            details={"new_password": [str(m) for m in exc.messages]},
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor, action="account.password_change", target_type="user", target_id=user.pk
    )
    return user
