"""The signed-in request's fast path: every trick that makes reading a request's session, user
and memberships cheap, in this one module, behind `settings.IKAZE_FAST_REQUEST_PATH`
(default on). Why, what it costs and what breaks it: docs/adr/0013-request-fast-path.md.

With the setting on, a signed-in request reads its session, its user and their active
memberships in one plain query (issue 2):

- this process remembers which user each session key signs in (`_USER_OF_SESSION`: a key never
  changes hands; signing in gives a new key, signing out deletes it), so the next request of
  that session reads the session row joined to that user and their memberships;
- the session's own data still decides: when it names that user, the backend takes the user
  read with it (handed over, once, through `_read_with_session`, a `ContextVar`: per thread and
  per task); otherwise the joined row is dropped and the backend reads the user itself;
- the backend reads a user with their memberships in one query, and parks the memberships on
  that request's user object for `ActorMiddleware`, which takes them off once;
- the queries are written once per database from the models' names (compiling the equivalent
  querysets cost more than running them) and run through `ikaze.core.hot.hot_cursor`
  (prepared once per connection on PostgreSQL).

With it off, every piece is Django's own: `sessions.SessionStore.load` is
`django.contrib.sessions.backends.db`'s, `backends.ModelBackend.get_user` is Django's
`ModelBackend`'s, and `actor_for_user` reads the memberships through the ORM. Both answer the
same (the tests of ikaze/accounts/tests/test_request_reads.py run under both). A session
deleted (sign-out) or expired, a deactivated user, a revoked membership or a changed password
take effect at the next request either way: nothing is cached but the key → user hint, which
is checked against the session's data every time.

Nothing here overrides a private Django method: the session store overrides `load()` (public
API of `SessionBase`) and falls back to Django's own `load()` for anything it does not know.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import timezone

from ikaze.accounts.models import Membership, Organisation, User
from ikaze.core.hot import hot_cursor


def enabled() -> bool:
    """Whether the fast path runs (`IKAZE_FAST_REQUEST_PATH`, read on every request)."""
    return bool(getattr(settings, "IKAZE_FAST_REQUEST_PATH", True))


UserWithMemberships = tuple[User, list[tuple[str, Organisation]]]

# --- the queries ---------------------------------------------------------------------------

# The organisation's fields the actor carries; the rest (created_at, ...) load on access.
_ORG_FIELDS = ("id", "name", "short_name", "kind", "country")
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
USER, SESSION = "user", "session"


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


# Identifiers come from the models and are quoted; every value is a parameter. Tests pin
# their answers against the ORM's.
@functools.cache
def _sql(alias: str, shape: str) -> str:
    """USER: the user's columns, then (role, organisation) of each active membership, oldest
    first, one row per membership (at least one row; parameter: the user's key).
    SESSION: a live session's data, then as USER (parameters: the user's key, the session
    key, the instant; no row if the session is unknown or expired)."""
    from django.contrib.sessions.models import Session

    q = connections[alias].ops.quote_name
    u, m, o = User._meta, Membership._meta, Organisation._meta
    org_cols = ", ".join(f"o.{q(_column(Organisation, f))}" for f in _ORG_FIELDS)
    member = {
        f: f"m.{q(_column(Membership, f))}"
        for f in ("id", "role", "user", "organisation", "revoked_at", "created_at")
    }
    org_join = f"{q(o.db_table)} o ON o.{q(o.pk.column)} = {member['organisation']}"
    order = f"ORDER BY {member['created_at']}, {member['id']}"
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
    """The user with this primary key and their active memberships (as
    `actor.active_memberships` reads them), in one query; None if there is no such user."""
    pk = _user_pk(user_id)
    if pk is None:
        return None
    db = router.db_for_read(User)
    conn = connections[db]
    with hot_cursor(db) as cursor:
        cursor.execute(_sql(db, USER), [User._meta.pk.get_db_prep_value(pk, conn)])
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
            _sql(db, SESSION),
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


# --- the session store's half: the session, and its user with it ---------------------------

# Which user each session key seen by this process signs in: a hint for the joined read,
# checked against the session's data every time. Bounded; forgetting only costs a query.
_USER_OF_SESSION: dict[str, str] = {}
_HINTS_KEPT = 10_000

# The user (with memberships) read with the session this thread loaded last, for the backend
# to take once: (user id as the session stores it, what was read or None if no such user).
_read_with_session: contextvars.ContextVar[tuple[str, UserWithMemberships | None] | None] = (
    contextvars.ContextVar("ikaze_user_read_with_session", default=None)
)


def forget_user_read_with_session() -> None:
    _read_with_session.set(None)


def take_user_read_with_session(user_id: Any) -> tuple[bool, UserWithMemberships | None]:
    """(True, what was read) if the session just loaded was read with the user `user_id`
    (what was read is None if there is no such user); (False, None) otherwise.

    Taken once: it is cleared whatever the answer."""
    read = _read_with_session.get()
    _read_with_session.set(None)
    if read is None or read[0] != str(user_id):
        return False, None
    return True, read[1]


def load_session(
    key: str | None,
    decode: Callable[[str], dict[str, Any]],
    django_load: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """`SessionStore.load()` on the fast path: the session `key` read with the user this
    process last saw it sign in; Django's own `load()` (`django_load`) for a session not seen
    yet, and for one that is gone (Django forgets the key)."""
    _read_with_session.set(None)  # nothing from an earlier request survives a load
    hint = None if key is None else _USER_OF_SESSION.get(key)
    if key is None or hint is None:
        data = django_load()
    else:
        found = session_with_user(key, hint, timezone.now())
        if found is None:  # unknown, deleted or expired: Django's load says so its way
            _USER_OF_SESSION.pop(key, None)
            return django_load()
        data = decode(found[0])
        if str(data.get(SESSION_KEY)) == hint:
            _read_with_session.set((hint, found[1]))
    user_id = data.get(SESSION_KEY)
    if key is not None and user_id is not None and hint != str(user_id):
        if len(_USER_OF_SESSION) >= _HINTS_KEPT:
            _USER_OF_SESSION.clear()
        _USER_OF_SESSION[key] = str(user_id)
    return data


# --- the backend's half: the user with their memberships, handed to the middleware ---------

# The attribute the memberships read with the user are carried in, until the middleware takes
# them.
MEMBERSHIPS_ATTR = "_ikaze_active_memberships"


def get_user(user_id: Any, can_authenticate: Callable[[User], bool]) -> User | None:
    """`ModelBackend.get_user` on the fast path: the user read with the session, or read now
    with their memberships; the memberships parked on this request's user object."""
    was_read, found = take_user_read_with_session(user_id)
    if not was_read:
        found = user_with_memberships(user_id)
    if found is None:
        return None
    user, memberships = found
    if not can_authenticate(user):
        return None
    setattr(user, MEMBERSHIPS_ATTR, memberships)
    return user


def take_memberships(user: Any) -> list[tuple[str, Organisation]] | None:
    """The memberships the backend read with this request's user (once), or None (the fast
    path is off, or they were taken already: `actor_for_user` then reads them)."""
    memberships: list[tuple[str, Organisation]] | None = getattr(user, MEMBERSHIPS_ATTR, None)
    if memberships is not None:
        delattr(user, MEMBERSHIPS_ATTR)
    return memberships
