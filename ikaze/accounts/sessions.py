"""The session engine (SESSION_ENGINE): Django's database sessions, read with one plain query.

Sessions are stored exactly as `django.contrib.sessions.backends.db` stores them (same table,
same encoding, same expiry); only the read a signed-in request makes is cheaper. Compiling
`Session.objects.get(session_key=..., expire_date__gt=now)` cost more than running it, on
every request (issue 2). A session deleted (sign-out) or expired is refused at once, as before.
"""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


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
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is None:  # no cookie, or one of the wrong shape (the base class checks it)
            self._session_key = None
            return None
        alias = router.db_for_read(Session)
        conn = connections[alias]
        now = conn.ops.adapt_datetimefield_value(timezone.now())
        with conn.cursor() as cursor:
            cursor.execute(_load_sql(alias), [key, now])
            row = cursor.fetchone()
        if row is None:  # unknown, deleted or expired
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0])
