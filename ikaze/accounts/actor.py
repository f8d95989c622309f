"""Who is acting: a person with a session, or a machine client with a token.

Services take an `Actor`, never a request; pages, the API, jobs and the CLI build one.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connections, models, router

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
from ikaze.core.hot import hot_cursor

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
    user (`user_with_memberships`); otherwise they are read now. Never kept across requests:
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


# The organisation's fields the actor carries; the rest (created_at, ...) load on access.
_ORG_FIELDS = ("id", "name", "short_name", "kind", "country")
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


# The queries below are written once per database from the models' names: compiling the
# equivalent querysets (filter, select_related, order_by) cost more than running them, on
# every request (issue 2). Tests pin their answers against the ORM's.
def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


MEMBERSHIPS, USER, SESSION = "memberships", "user", "session"


# Identifiers come from the models and are quoted; every value is a parameter.
@functools.cache
def _memberships_sql(alias: str, shape: str) -> str:
    """MEMBERSHIPS: (role, organisation) rows of a user (parameter: the user's key).
    USER: the user's columns, then those, one row per membership (at least one row).
    SESSION: a live session's data, then as USER (parameters: the user's key, the session
    key, the instant; no row if the session is unknown or expired)."""
    q = connections[alias].ops.quote_name
    u, m, o = User._meta, Membership._meta, Organisation._meta
    org_cols = ", ".join(f"o.{q(_column(Organisation, f))}" for f in _ORG_FIELDS)
    member = {
        f: f"m.{q(_column(Membership, f))}"
        for f in ("id", "role", "user", "organisation", "revoked_at", "created_at")
    }
    org_join = f"{q(o.db_table)} o ON o.{q(o.pk.column)} = {member['organisation']}"
    order = f"ORDER BY {member['created_at']}, {member['id']}"
    if shape == MEMBERSHIPS:
        return (
            f"SELECT {member['role']}, {org_cols} FROM {q(m.db_table)} m JOIN {org_join} "  # noqa: S608
            f"WHERE {member['user']} = %s AND {member['revoked_at']} IS NULL {order}"
        )
    user_cols = ", ".join(f"u.{q(f.column)}" for f in u.concrete_fields)
    joins = (
        f"LEFT JOIN {q(m.db_table)} m ON {member['user']} = u.{q(u.pk.column)} "
        f"AND {member['revoked_at']} IS NULL LEFT JOIN {org_join}"
    )
    if shape == USER:
        return (
            f"SELECT {user_cols}, {member['role']}, {org_cols} FROM {q(u.db_table)} u "  # noqa: S608
            f"{joins} WHERE u.{q(u.pk.column)} = %s {order}"
        )
    assert shape == SESSION
    from django.contrib.sessions.models import Session

    return (
        f"SELECT s.{q(_column(Session, 'session_data'))}, {user_cols}, {member['role']}, "  # noqa: S608
        f"{org_cols} FROM {q(Session._meta.db_table)} s "
        f"LEFT JOIN {q(u.db_table)} u ON u.{q(u.pk.column)} = %s {joins} "
        f"WHERE s.{q(_column(Session, 'session_key'))} = %s "
        f"AND s.{q(_column(Session, 'expire_date'))} > %s {order}"
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
    with hot_cursor(db) as cursor:
        cursor.execute(
            _memberships_sql(db, MEMBERSHIPS), [User._meta.pk.get_db_prep_value(user.pk, conn)]
        )
        rows = cursor.fetchall()
    return [(role, _organisation(db, org_id, rest)) for role, org_id, *rest in rows]


UserWithMemberships = tuple[User, list[tuple[str, Organisation]]]


def _user_from_rows(db: str, rows: list[Any], start: int) -> UserWithMemberships | None:
    """The user (columns from `start`) and their memberships (after them) of USER rows."""
    n = start + len(_USER_FIELDS)
    if not rows or rows[0][start + _USER_FIELDS.index(User._meta.pk.attname)] is None:
        return None
    conn = connections[db]
    values = []
    for value, (col, converters) in zip(rows[0][start:n], _user_converters(db), strict=True):
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


def _user_pk(user_id: Any) -> Any:
    try:
        return User._meta.pk.to_python(user_id)
    except ValidationError:  # not a UUID: names nobody
        return None


def user_with_memberships(user_id: Any) -> UserWithMemberships | None:
    """The user with this primary key and their active memberships (as `active_memberships`),
    in one query; None if there is no such user."""
    pk = _user_pk(user_id)
    if pk is None:
        return None
    db = router.db_for_read(User)
    conn = connections[db]
    with hot_cursor(db) as cursor:
        cursor.execute(_memberships_sql(db, USER), [User._meta.pk.get_db_prep_value(pk, conn)])
        return _user_from_rows(db, cursor.fetchall(), 0)


def session_with_user(
    session_key: str, user_id: Any, now: Any
) -> tuple[str, UserWithMemberships | None] | None:
    """A live session's stored data with, read in the same query, the user `user_id` and
    their active memberships (None if there is no such user); None if the session is unknown
    or expired at `now`. The caller checks that the session names that user."""
    from django.contrib.sessions.models import Session

    db = router.db_for_read(Session)
    conn = connections[db]
    pk = _user_pk(user_id)
    with hot_cursor(db) as cursor:
        cursor.execute(
            _memberships_sql(db, SESSION),
            [
                None if pk is None else User._meta.pk.get_db_prep_value(pk, conn),
                session_key,
                conn.ops.adapt_datetimefield_value(now),
            ],
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    return str(rows[0][0]), _user_from_rows(db, rows, 1)


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
