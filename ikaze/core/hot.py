"""A cursor for the few plain queries every request runs (issue 2: the session, the user with
their memberships, the agreement list).

On PostgreSQL it binds the parameters on the server and prepares each statement the first
time a connection runs it, so the server parses and plans it once per connection instead of
once per request (for these small queries, planning cost the server more than running them).
The connection's adapters are Django's, so values are read and written exactly as through
its own cursors, and the statements go through Django's cursor wrapper (query logging and
`CaptureQueriesContext` see them). Django's own queries are never prepared. A connection
pooler in transaction mode in front of PostgreSQL must support prepared statements
(PgBouncer 1.21 or later with max_prepared_statements set). On SQLite it is Django's own
cursor (the driver keeps its compiled statements). With `IKAZE_FAST_REQUEST_PATH` off it is
Django's own cursor on every database (docs/adr/0013-request-fast-path.md).
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import connections

_NEVER_BY_COUNT = 2**62


@functools.cache
def _preparing_cursor_class() -> type[Any]:
    import psycopg

    class PreparingCursor(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparingCursor


def hot_cursor(alias: str) -> Any:
    """A cursor (use it as a context manager) on the database `alias`."""
    conn = connections[alias]
    if conn.vendor != "postgresql" or not getattr(settings, "IKAZE_FAST_REQUEST_PATH", True):
        return conn.cursor()
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    conn.validate_thread_sharing()
    if conn.connection.prepare_threshold is None:
        # Django turns preparing off (None); a threshold no count reaches turns it back on
        # for statements asked to be prepared (these) and for nothing else (Django's own
        # cursors bind on the client, which never prepares).
        conn.connection.prepare_threshold = _NEVER_BY_COUNT
    raw = _preparing_cursor_class()(conn.connection)
    return conn.make_debug_cursor(raw) if conn.queries_logged else conn.make_cursor(raw)
