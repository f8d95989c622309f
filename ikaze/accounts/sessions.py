"""The session engine (SESSION_ENGINE): Django's database sessions.

Stored exactly as `django.contrib.sessions.backends.db` stores them (same table, encoding and
expiry). With `IKAZE_FAST_REQUEST_PATH` on, `load()` reads the session with its user in one
query (`ikaze.accounts.fast_request`); with it off, this is Django's store unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db

from ikaze.accounts import fast_request


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        if not fast_request.enabled():
            return super().load()
        return fast_request.load_session(self.session_key, self.decode, super().load)
