"""The authentication backend: Django's ModelBackend. With `IKAZE_FAST_REQUEST_PATH` on, a
request's user is read with their active memberships in one query, or taken as the session
store read them with the session (`ikaze.accounts.fast_request`); with it off, Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from ikaze.accounts import fast_request
from ikaze.accounts.models import User


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        if not fast_request.enabled():
            return super().get_user(user_id)
        return fast_request.get_user(user_id, self.user_can_authenticate)
