"""Who is acting: a person with a session, or a machine client with a token.

Services take an `Actor`, never a request; pages, the API, jobs and the CLI build one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ikaze.accounts.access import (
    ADMIN_ROLES,
    MATRIX,
    READS_AUDITED_ROLES,
    TWO_FACTOR_ROLES,
    OrgKind,
    Perm,
    Role,
)
from ikaze.accounts.models import ApiToken, Membership, Organisation, User

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    user: User | None
    organisation: Organisation | None
    roles: frozenset[Role]
    token: ApiToken | None = None
    label: str = ""
    perms: frozenset[Perm] = field(default=frozenset())
    # The person completed the second factor in this session (or acts from a context that
    # stands for it: the command line, a job, the demo loader). Meaningless for tokens.
    second_factor: bool = False
    # The organisations whose credentials this person keeps (an ADMIN_ROLES membership there).
    administers: frozenset[uuid.UUID] = field(default=frozenset())

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
        # SAFEGUARDS F6: a privileged role acts only after its second factor, whatever path
        # (page, API, a view that forgot the middleware) led here.
        return perm in self.perms and not self.awaiting_second_factor

    def administers_organisation(self, organisation_id: uuid.UUID | None) -> bool:
        """A person holding an administrator's role in that very organisation."""
        return self.user is not None and organisation_id in self.administers

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
    def from_command_line(self) -> bool:
        """An operator's command or a job (`command_line_actor`): no person, no token, no
        organisation. No request can build one."""
        return self.user is None and self.token is None and self.organisation is None

    @property
    def awaiting_second_factor(self) -> bool:
        """A privileged person who has given only a password: may do nothing yet."""
        return self.needs_two_factor and not self.second_factor

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


def actor_for_user(
    user: User,
    memberships: list[tuple[str, Organisation]] | None = None,
    *,
    second_factor: bool = False,
) -> Actor:
    """Build the actor for a signed-in person from their active memberships.

    `memberships`: as `active_memberships` returns them, read in the same request with the
    user (`fast_request.user_with_memberships`); otherwise they are read now. Never kept across requests:
    a revoked membership takes effect at the next request.

    `second_factor`: the person's session is verified (`request.user.is_verified()`), or the
    caller is a context that stands for it (the command line run by an operator, a job acting
    for the person who queued it, the demo loader, tests). Without it a privileged role can do
    nothing (`Actor.can`).
    """
    if memberships is None:
        memberships = active_memberships(user)
    roles = frozenset(Role(role) for role, _org in memberships)
    organisation = memberships[0][1] if memberships else None
    return Actor(
        user=user,
        organisation=organisation,
        roles=roles,
        label=user.username,
        perms=_perms_for(roles),
        second_factor=second_factor,
        administers=frozenset(org.pk for role, org in memberships if role in ADMIN_ROLES),
    )


def active_memberships(user: User) -> list[tuple[str, Organisation]]:
    """(role, organisation) of the user's active memberships, oldest first (the ORM; the
    signed-in request reads them with the user: `ikaze.accounts.fast_request`)."""
    return [
        (m.role, m.organisation)
        for m in Membership.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organisation")
        .order_by("created_at", "pk")
    ]


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


def command_line_actor(*, roles: frozenset[Role], label: str) -> Actor:
    """An operator's command acting in `roles` with no person, token or organisation (the
    demo loader recording other states' public agreements, an import). No request can build
    one: a page or API actor always has a person or a token."""
    return Actor(
        user=None,
        organisation=None,
        roles=roles,
        label=label,
        perms=_perms_for(roles),
        second_factor=True,
    )


SYSTEM = Actor(user=None, organisation=None, roles=frozenset(), label="system")


# --- the actor of a request: the one way pages, the API and middleware reach it ------------


def actor_attach(request: HttpRequest, actor: Actor | None) -> None:
    """Attach who is acting to the request (the middleware for sessions, TokenAuth for tokens)."""
    request.actor = actor  # type: ignore[attr-defined]  # the one place the attribute is set


def actor_or_none(request: HttpRequest) -> Actor | None:
    """Who is acting on this request, or None (anonymous, or not yet known)."""
    actor: Actor | None = getattr(request, "actor", None)
    return actor


def actor_of(request: HttpRequest) -> Actor:
    """Who is acting on a guarded request (`@requires`, GuardedRouter): always someone."""
    actor = actor_or_none(request)
    if actor is None:
        raise RuntimeError("No actor on this request: is the page or operation guarded?")
    return actor
