"""Guarded API routes: each operation declares the permission it needs, once.

`GuardedRouter.get(path, perm=Perm.X)` both enforces the permission (through `require`, so
refusals are recorded) and publishes it in the OpenAPI document as `x-ikaze-permission`, which
the role × route matrix test reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import APIKeyCookie, HttpBearer

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.core.errors import NotFound

PUBLIC = "public"


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        from ikaze.accounts.services import api_token_authenticate

        try:
            actor = api_token_authenticate(
                clear=token, method=request.method or "GET", path=request.path
            )
        except NotFound:
            return None
        request.actor = actor  # type: ignore[attr-defined]
        return actor


class SessionAuth(APIKeyCookie):
    """A signed-in person using the API from the browser (CSRF checked on writes)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        actor = getattr(request, "actor", None)
        if actor is None:
            return None
        if actor.needs_two_factor and not request.user.is_verified():  # type: ignore[union-attr]
            return None
        return actor


AUTH = [TokenAuth(), SessionAuth()]


def _guard(perm: Perm, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        require(getattr(request, "actor", None), perm, target_type="api", target_id=request.path)
        return func(request, *args, **kwargs)

    return wrapper


class GuardedRouter(Router):
    """A ninja Router whose every operation names its permission (or PUBLIC)."""

    def api_operation(  # type: ignore[override]
        self, methods: list[str], path: str, *, perm: Perm | str, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        extra = dict(kwargs.pop("openapi_extra", None) or {})
        extra["x-ikaze-permission"] = str(perm)
        if perm == PUBLIC:
            kwargs["auth"] = None

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            view = func if perm == PUBLIC else _guard(Perm(perm), func)
            self.add_api_operation(path, methods, view, openapi_extra=extra, **kwargs)
            return func

        return decorator

    def get(self, path: str, *, perm: Perm | str, **kw: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_operation(["GET"], path, perm=perm, **kw)

    def post(self, path: str, *, perm: Perm | str, **kw: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_operation(["POST"], path, perm=perm, **kw)

    def put(self, path: str, *, perm: Perm | str, **kw: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_operation(["PUT"], path, perm=perm, **kw)

    def patch(self, path: str, *, perm: Perm | str, **kw: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_operation(["PATCH"], path, perm=perm, **kw)

    def delete(self, path: str, *, perm: Perm | str, **kw: Any) -> Callable[..., Any]:  # type: ignore[override]
        return self.api_operation(["DELETE"], path, perm=perm, **kw)


def actor_of(request: HttpRequest) -> Actor:
    """The actor the auth classes attached (guarded operations always have one)."""
    return request.actor  # type: ignore[attr-defined,no-any-return]
