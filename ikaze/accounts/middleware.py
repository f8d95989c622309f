"""Attach the acting identity to each request, and hold privileged roles to two-factor."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.backends import take_memberships
from ikaze.accounts.sessions import forget_user_read_with_session

# Paths a privileged user may reach before completing two-factor.
_TWO_FACTOR_EXEMPT = ("/accounts/", "/static/", "/i18n/", "/api/v1/health", "/favicon.ico")


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a session loaded for this request may hand its user over (sessions.py).
        forget_user_read_with_session()
        if request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith(
            "Bearer "
        ):
            # A machine client: TokenAuth builds its actor. Loading a session (a browser's
            # cookie sent along) and its memberships would be work thrown away, and a bad
            # token must not fall back to the session.
            request.actor = None  # type: ignore[attr-defined]
            return self.get_response(request)
        user = getattr(request, "user", None)
        request.actor = (  # type: ignore[attr-defined]
            actor_for_user(user, take_memberships(user))
            if user is not None and user.is_authenticated
            else None
        )
        actor = request.actor  # type: ignore[attr-defined]
        if (
            actor is not None
            and actor.needs_two_factor
            and not request.user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(_TWO_FACTOR_EXEMPT)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "Complete two-factor sign-in before using the API with a session.",
                            "details": {},
                        }
                    },
                    status=403,
                )
            return redirect(f"/accounts/two-factor/?next={request.get_full_path()}")
        return self.get_response(request)
