"""Who is acting: a person with a session, or a machine client with a token.

Services take an `Actor`, never a request; pages, the API, jobs and the CLI build one.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models, router

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


def actor_for_user(user: User, memberships: list[tuple[str, Organisation]] | None = None) -> Actor:
    """Build the actor for a signed-in person from their active memberships.

    `memberships`: as `active_memberships` returns them, read in the same request with the
    user (`user_with_memberships`); otherwise they are read now. Never kept across requests:
    a revoked membership takes effect at the next request.
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
    )


# The organisation's fields the actor carries; the rest (created_at, ...) load on access.
_ORG_FIELDS = ("id", "name", "short_name", "kind", "country")
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


# The two queries below are written once per database from the models' names: compiling the
# equivalent querysets (filter, select_related, order_by) cost more than running them, on
# every request (issue 2). Tests pin their answers against the ORM's.
def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


# Identifiers come from the models and are quoted; every value is a parameter.
@functools.cache
def _memberships_sql(alias: str, with_user: bool) -> str:
    q = connections[alias].ops.quote_name
    u, m, o = User._meta, Membership._meta, Organisation._meta
    org_cols = ", ".join(f"o.{q(_column(Organisation, f))}" for f in _ORG_FIELDS)
    member = {
        f: f"m.{q(_column(Membership, f))}"
        for f in ("id", "role", "user", "organisation", "revoked_at", "created_at")
    }
    org_join = f"{q(o.db_table)} o ON o.{q(o.pk.column)} = {member['organisation']}"
    order = f"ORDER BY {member['created_at']}, {member['id']}"
    if not with_user:
        return (
            f"SELECT {member['role']}, {org_cols} FROM {q(m.db_table)} m JOIN {org_join} "  # noqa: S608
            f"WHERE {member['user']} = %s AND {member['revoked_at']} IS NULL {order}"
        )
    user_cols = ", ".join(f"u.{q(f.column)}" for f in u.concrete_fields)
    return (
        f"SELECT {user_cols}, {member['role']}, {org_cols} FROM {q(u.db_table)} u "  # noqa: S608
        f"LEFT JOIN {q(m.db_table)} m ON {member['user']} = u.{q(u.pk.column)} "
        f"AND {member['revoked_at']} IS NULL LEFT JOIN {org_join} "
        f"WHERE u.{q(u.pk.column)} = %s {order}"
    )


@functools.cache
def _user_converters(alias: str) -> list[tuple[Any, list[Any]]]:
    """Per user column, the converters the ORM applies to the driver's value on this database
    (SQLite hands back text for instants and UUIDs, integers for booleans)."""
    conn = connections[alias]
    out = []
    for f in User._meta.concrete_fields:
        col = f.get_col(User._meta.db_table)
        out.append((col, [*conn.ops.get_db_converters(col), *col.get_db_converters(conn)]))
    return out


def _organisation(db: str, org_id: Any, rest: list[Any]) -> Organisation:
    return Organisation.from_db(db, _ORG_FIELDS, (Organisation._meta.pk.to_python(org_id), *rest))


def active_memberships(user: User) -> list[tuple[str, Organisation]]:
    """(role, organisation) of the user's active memberships, oldest first, in one query."""
    db = router.db_for_read(Membership)
    conn = connections[db]
    with conn.cursor() as cursor:
        cursor.execute(
            _memberships_sql(db, False), [User._meta.pk.get_db_prep_value(user.pk, conn)]
        )
        rows = cursor.fetchall()
    return [(role, _organisation(db, org_id, rest)) for role, org_id, *rest in rows]


def user_with_memberships(
    user_id: Any,
) -> tuple[User, list[tuple[str, Organisation]]] | None:
    """The user with this primary key and their active memberships (as `active_memberships`),
    in one query; None if there is no such user."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:  # not a UUID: names nobody
        return None
    db = router.db_for_read(User)
    conn = connections[db]
    with conn.cursor() as cursor:
        cursor.execute(_memberships_sql(db, True), [User._meta.pk.get_db_prep_value(pk, conn)])
        rows = cursor.fetchall()
    if not rows:
        return None
    n = len(_USER_FIELDS)
    values = []
    for value, (col, converters) in zip(rows[0][:n], _user_converters(db), strict=True):
        for convert in converters:
            value = convert(value, col, conn)
        values.append(value)
    user = User.from_db(db, _USER_FIELDS, values)
    memberships = [
        (row[n], _organisation(db, row[n + 1], list(row[n + 2 :])))
        for row in rows
        if row[n] is not None  # the user's row alone: no active membership
    ]
    return user, memberships


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
