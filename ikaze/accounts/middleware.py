"""Attach the acting identity to each request, and hold privileged roles to two-factor."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from ikaze.accounts.actor import actor_attach, actor_for_user, actor_or_none
from ikaze.accounts.error_codes import ErrorCode
from ikaze.accounts.fast_request import forget_user_read_with_session, take_memberships

# SAFEGUARDS F6: what a privileged person may reach before the second factor, by URL name:
# signing in and out, the second factor itself, the one-time enrolment link, switching the
# language and the health check. Nothing else, however it is mounted (issue 9 item 7: a
# prefix once let the users and token pages through). The public statistics carry no
# personal data and are open to anyone (issue 16, ADR 0029), so a half-signed-in person
# may read them too.
BEFORE_SECOND_FACTOR: tuple[str, ...] = (
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor",
    "accounts:enrol",
    "set_language",
    "api:health",
    # SAFEGUARDS C2, a deliberate exception (ADR 0026): the self-service complaint page
    # serves people without an account, through a personal code and PIN; it shows nothing
    # of the signed-in person and answers the same to anyone, signed in or not.
    "protection:self_service",
    "protection:self_service_complaint",
)

# Whole trees open before the second factor: every page and API operation under them is
# public (the public statistics: issue 16, ADR 0029). URL names, resolved once.
PUBLIC_TREES: tuple[str, ...] = ("reports:public_index",)


@functools.cache
def _allowed_paths() -> frozenset[str]:
    paths = set()
    for name in BEFORE_SECOND_FACTOR:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:  # a route with parameters: matched by prefix below
            continue
    return frozenset(paths)


@functools.cache
def _allowed_prefixes() -> tuple[str, ...]:
    # Static files carry no data and no decision; the enrolment link carries its key.
    enrol = reverse("accounts:enrol", kwargs={"key": "k"}).removesuffix("k/")
    trees = []
    for name in PUBLIC_TREES:
        try:
            trees.append(reverse(name))
        except NoReverseMatch:  # the app is not installed
            continue
    # The API's counterpart of each tree (`/api/v1/reports/public` for `/reports/public/`).
    api_root = reverse("api:health").removesuffix("health")
    api_trees = [api_root + tree.strip("/") for tree in trees]
    return (str(settings.STATIC_URL), enrol, *trees, *api_trees)


def reachable_before_second_factor(path: str) -> bool:
    return (
        path in _allowed_paths() or path == "/favicon.ico" or path.startswith(_allowed_prefixes())
    )


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a session loaded for this request may hand its user over (fast_request.py).
        forget_user_read_with_session()
        if request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith(
            "Bearer "
        ):
            # A machine client: TokenAuth builds its actor. Loading a session (a browser's
            # cookie sent along) and its memberships would be work thrown away, and a bad
            # token must not fall back to the session.
            actor_attach(request, None)
            return self.get_response(request)
        user = getattr(request, "user", None)
        actor_attach(
            request,
            actor_for_user(
                user,
                take_memberships(user),
                second_factor=bool(user.is_verified()),  # django_otp's OTPMiddleware
            )
            if user is not None and user.is_authenticated
            else None,
        )
        actor = actor_or_none(request)
        if (
            actor is not None
            and actor.awaiting_second_factor
            and not reachable_before_second_factor(request.path_info)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": ErrorCode.TWO_FACTOR_REQUIRED.value,
                            "message": "Complete two-factor sign-in before using the API with a session.",
                            "details": {},
                        }
                    },
                    status=403,
                )
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
