"""The authentication backend: Django's ModelBackend, reading the signed-in user of a request
together with their active memberships, in one query (or taking them as the session store
read them with the session: `sessions.py`).

Every request with a session reads its user (`django.contrib.auth.get_user`) and then the
memberships its actor is built from (`ActorMiddleware`): two compiled ORM queries that cost
more than the page they guarded (issue 2). Both are read afresh on every request, as before: a
deactivated user, a revoked membership or a changed password (the session hash) take effect at
the next request. The memberships ride on the user object of this request only, and the
middleware takes them off it as it builds the actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from ikaze.accounts.actor import user_with_memberships
from ikaze.accounts.models import Organisation, User
from ikaze.accounts.sessions import take_user_read_with_session

# The attribute the memberships read with the user are carried in, until the middleware takes
# them.
MEMBERSHIPS_ATTR = "_ikaze_active_memberships"


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        was_read, found = take_user_read_with_session(user_id)
        if not was_read:
            found = user_with_memberships(user_id)
        if found is None:
            return None
        user, memberships = found
        if not self.user_can_authenticate(user):
            return None
        setattr(user, MEMBERSHIPS_ATTR, memberships)
        return user


def take_memberships(user: Any) -> list[tuple[str, Organisation]] | None:
    """The memberships the backend read with this request's user (once), or None."""
    memberships: list[tuple[str, Organisation]] | None = getattr(user, MEMBERSHIPS_ATTR, None)
    if memberships is not None:
        delattr(user, MEMBERSHIPS_ATTR)
    return memberships
