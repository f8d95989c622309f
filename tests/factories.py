"""Factories for tests and benchmarks. They build objects through services where a service
exists, so test data obeys the same rules (and audit) as real data."""

from __future__ import annotations

import itertools

from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import services as accounts
from ikaze.accounts.access import ROLE_ORG_KINDS, OrgKind, Role
from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)

_ORG_DEFAULTS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.RECEIVING_STATE: ("Receiving State Agency", "RW"),
    OrgKind.SENDING_STATE: ("Sending State Department", "US"),
    OrgKind.PARTNER: ("Partner NGO", "RW"),
    OrgKind.MONITORING_BODY: ("Monitoring Body", "RW"),
}


def organisation(
    kind: OrgKind = OrgKind.RECEIVING_STATE, *, country: str | None = None, name: str | None = None
) -> Organisation:
    base, default_country = _ORG_DEFAULTS[kind]
    return accounts.organisation_create(
        actor=None,
        name=name or f"{base} {next(_seq)}",
        kind=kind,
        country=country or default_country,
    )


def default_org_kind(role: Role) -> OrgKind:
    kinds = ROLE_ORG_KINDS[role]
    for k in (
        OrgKind.RECEIVING_STATE,
        OrgKind.SENDING_STATE,
        OrgKind.MONITORING_BODY,
        OrgKind.PARTNER,
    ):
        if k in kinds:
            return k
    raise AssertionError(role)


def user(
    role: Role | None = None,
    *,
    organisation_: Organisation | None = None,
    username: str | None = None,
) -> User:
    u = accounts.user_create(
        actor=None, username=username or f"user{next(_seq)}", password=PASSWORD
    )
    if role is not None:
        org = organisation_ or organisation(default_org_kind(role))
        accounts.membership_grant(actor=None, user=u, organisation=org, role=role)
    return u


def actor(role: Role, *, organisation_: Organisation | None = None) -> Actor:
    return actor_for_user(user(role, organisation_=organisation_))


def totp_device(u: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=u, name="test", confirmed=True)
