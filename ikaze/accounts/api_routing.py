"""Guarded API routes: each operation declares the permission it needs, once.

`GuardedRouter.get(path, perm=Perm.X)` both enforces the permission (through `require`, so
refusals are recorded) and publishes it in the OpenAPI document as `x-ikaze-permission`, which
the role × route matrix test reads.

Every guarded operation can also answer 401 (no or bad credentials), 403 (refused) and, when it
takes input, 422 (invalid input); the router declares those responses itself so the OpenAPI
document is complete (schemathesis checks that every status returned is documented).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from ninja import Router
from ninja.constants import NOT_SET
from ninja.responses import Status
from ninja.security import APIKeyCookie, HttpBearer

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_attach, actor_or_none
from ikaze.accounts.guards import record_probe, require
from ikaze.accounts.schemas import ErrorOut
from ikaze.core.errors import NotFound

PUBLIC = "public"


def _check(actor: Actor, perm: Perm | str | None, request: HttpRequest) -> Actor:
    # Checked while authenticating, before ninja validates the input: a caller without the
    # permission gets 403 whatever it sends, never a validation answer about the payload.
    if perm is not None and perm != PUBLIC:
        require(actor, Perm(perm), target_type="api", target_id=request.path)
    return actor


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(self, perm: Perm | str | None = None) -> None:
        super().__init__()
        self.perm = perm

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        from ikaze.accounts.services import api_token_authenticate

        try:
            actor = api_token_authenticate(
                clear=token, method=request.method or "GET", path=request.path
            )
        except NotFound:
            return None
        actor_attach(request, actor)
        return _check(actor, self.perm, request)


class SessionAuth(APIKeyCookie):
    """A signed-in person using the API from the browser (CSRF checked on writes)."""

    param_name = "sessionid"

    def __init__(self, perm: Perm | str | None = None, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.perm = perm

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        actor = actor_or_none(request)
        if actor is None:
            return None
        if actor.awaiting_second_factor:  # SAFEGUARDS F6 (the middleware answers first)
            return None
        return _check(actor, self.perm, request)


AUTH = [TokenAuth(), SessionAuth()]


def _guard(
    perm: Perm | str, func: Callable[..., Any], *, only_status: int | None
) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if perm != PUBLIC:
            require(
                actor_or_none(request),
                Perm(perm),
                target_type="api",
            )
        try:
            result = func(request, *args, **kwargs)
        except NotFound as exc:  # an object outside the actor's scope is recorded (guards)
            record_probe(actor_or_none(request), exc, path=request.path)
            raise
        if only_status is not None and not isinstance(result, HttpResponseBase | Status | tuple):
            # ninja answers a bare body with the only declared status; the error responses
            # added below would make it pick 200, so keep the declared one explicitly.
            return Status(only_status, result)
        return result

    return wrapper


def _with_error_responses(response: Any, *, guarded: bool, takes_input: bool) -> Any:
    """Declare the error responses the framework itself can give (401, 403, 422)."""
    declared: dict[Any, Any] = (
        dict(response)
        if isinstance(response, dict)
        else {200: response}
        if response is not NOT_SET
        else {200: NOT_SET}
    )
    extra: dict[int, Any] = {}
    if guarded:
        extra |= {401: ErrorOut, 403: ErrorOut}
    if takes_input:
        extra[422] = ErrorOut
    return {**declared, **{k: v for k, v in extra.items() if k not in declared}}


def _takes_input(func: Callable[..., Any]) -> bool:
    return len(inspect.signature(func).parameters) > 1


class GuardedRouter(Router):
    """A ninja Router whose every operation names its permission (or PUBLIC)."""

    def api_operation(  # type: ignore[override]
        self, methods: list[str], path: str, *, perm: Perm | str, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        extra = dict(kwargs.pop("openapi_extra", None) or {})
        extra["x-ikaze-permission"] = str(perm)
        if perm == PUBLIC:
            kwargs["auth"] = None
        elif "auth" not in kwargs:
            kwargs["auth"] = [TokenAuth(perm), SessionAuth(perm)]

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            declared = kwargs.get("response", NOT_SET)
            only = (
                next(iter(declared)) if isinstance(declared, dict) and len(declared) == 1 else None
            )
            only_status = only if isinstance(only, int) and only != 200 else None
            kwargs["response"] = _with_error_responses(
                declared, guarded=perm != PUBLIC, takes_input=_takes_input(func)
            )
            view = _guard(perm, func, only_status=only_status)
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
