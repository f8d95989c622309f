"""The session engine (SESSION_ENGINE): Django's database sessions, read with plain queries.

Sessions are stored exactly as `django.contrib.sessions.backends.db` stores them (same table,
same encoding, same expiry); only the reads a signed-in request makes are cheaper (issue 2):

- the session is read with one plain query (compiling `Session.objects.get(...)` cost more
  than running it, on every request);
- once this process has seen which user a session key signs in (a key never changes hands:
  signing in gives a new key, signing out deletes it), the next request of that session reads
  the session, that user and their active memberships in the same query. The session's own
  data is still what decides: when it names that user, the backend (`backends.ModelBackend`)
  takes the user read with it, as fresh as its own query would have been; otherwise the row
  is dropped and the backend reads the user itself. A session deleted (sign-out) or expired,
  a deactivated user, a revoked membership or a changed password take effect at the next
  request, as before.
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from ikaze.accounts.actor import UserWithMemberships, session_with_user
from ikaze.core.hot import hot_cursor

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


# Identifiers come from the model and are quoted; the key and the instant are parameters.
@functools.cache
def _load_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    meta = Session._meta
    return (
        f"SELECT {q(meta.get_field('session_data').column)} FROM {q(meta.db_table)} "  # noqa: S608
        f"WHERE {q(meta.get_field('session_key').column)} = %s "
        f"AND {q(meta.get_field('expire_date').column)} > %s"
    )


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        _read_with_session.set(None)  # nothing from an earlier request survives a load
        key = self.session_key
        if key is None:  # no cookie, or one of the wrong shape (the base class checks it)
            self._session_key = None
            return {}
        hint = _USER_OF_SESSION.get(key)
        if hint is None:
            s = self._get_session_from_db()
            data: dict[str, Any] = self.decode(s.session_data) if s else {}
        else:
            found = session_with_user(key, hint, timezone.now())
            if found is None:  # unknown, deleted or expired
                _USER_OF_SESSION.pop(key, None)
                self._session_key = None
                return {}
            data = self.decode(found[0])
            if str(data.get(SESSION_KEY)) == hint:
                _read_with_session.set((hint, found[1]))
        user_id = data.get(SESSION_KEY)
        if user_id is not None and hint != str(user_id):
            if len(_USER_OF_SESSION) >= _HINTS_KEPT:
                _USER_OF_SESSION.clear()
            _USER_OF_SESSION[key] = str(user_id)
        return data

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None:
            self._session_key = None
            return None
        alias = router.db_for_read(Session)
        conn = connections[alias]
        now = conn.ops.adapt_datetimefield_value(timezone.now())
        with hot_cursor(alias) as cursor:
            cursor.execute(_load_sql(alias), [key, now])
            row = cursor.fetchone()
        if row is None:  # unknown, deleted or expired
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])
