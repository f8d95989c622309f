"""Who is acting: a person with a session, or a machine client with a token.

Services take an `Actor`, never a request; pages, the API, jobs and the CLI build one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ikaze.accounts.access import MATRIX, READS_AUDITED_ROLES, TWO_FACTOR_ROLES, OrgKind, Perm, Role
from ikaze.accounts.models import ApiToken, Membership, Organisation, User


@dataclass(frozen=True)
class Actor:
    user: User | None
    organisation: Organisation | None
    roles: frozenset[Role]
    token: ApiToken | None = None
    label: str = ""
    perms: frozenset[Perm] = field(default=frozenset())

    # --- the AuditActor protocol -------------------------------------------------------
    @property
    def audit_actor_id(self) -> str | None:
        return str(self.user.pk) if self.user else None

    @property
    def audit_label(self) -> str:
        return self.label

    @property
    def audit_org_id(self) -> str | None:
        return str(self.organisation.pk) if self.organisation else None

    @property
    def audit_role(self) -> str:
        return ",".join(sorted(self.roles))

    @property
    def audit_token_id(self) -> str | None:
        return str(self.token.pk) if self.token else None

    # --- questions services ask ---------------------------------------------------------
    def can(self, perm: Perm) -> bool:
        return perm in self.perms

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def org_kind(self) -> OrgKind | None:
        return OrgKind(self.organisation.kind) if self.organisation else None

    @property
    def organisation_id(self) -> uuid.UUID | None:
        return self.organisation.pk if self.organisation else None

    @property
    def needs_two_factor(self) -> bool:
        return self.token is None and bool(self.roles & TWO_FACTOR_ROLES)

    @property
    def reads_audited(self) -> bool:
        return bool(self.roles & READS_AUDITED_ROLES)

    @property
    def primary_role(self) -> Role | None:
        order = list(Role)
        return min(self.roles, key=order.index) if self.roles else None


def _perms_for(roles: frozenset[Role]) -> frozenset[Perm]:
    out: set[Perm] = set()
    for r in roles:
        out |= MATRIX[r]
    return frozenset(out)


def actor_for_user(user: User) -> Actor:
    """Build the actor for a signed-in person from their active memberships."""
    memberships = list(
        Membership.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organisation")
        .order_by("created_at")
    )
    roles = frozenset(Role(m.role) for m in memberships)
    organisation = memberships[0].organisation if memberships else None
    return Actor(
        user=user,
        organisation=organisation,
        roles=roles,
        label=user.username,
        perms=_perms_for(roles),
    )


def actor_for_token(token: ApiToken) -> Actor:
    roles = frozenset({Role(token.role)})
    return Actor(
        user=None,
        organisation=token.organisation,
        roles=roles,
        token=token,
        label=f"token:{token.prefix}",
        perms=_perms_for(roles),
    )


SYSTEM = Actor(user=None, organisation=None, roles=frozenset(), label="system")
