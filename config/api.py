"""The API root: /api/v1, one error shape, per-app routers."""

from typing import Any

import orjson
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from ikaze.accounts.api_routing import AUTH, PUBLIC, GuardedRouter
from ikaze.accounts.guards import record_denial
from ikaze.accounts.schemas import ErrorBody, ErrorOut  # noqa: F401  (re-exported for app routers)
from ikaze.core.errors import IkazeError, PermissionDenied


class FastJSONRenderer(JSONRenderer):
    """orjson instead of json.dumps: the same JSON values, rendered several times faster.

    Dates, times and anything orjson does not know go through ninja's encoder, so they read
    exactly as before (datetimes with milliseconds and "Z"); whatever orjson refuses (an
    integer beyond 64 bits, say) falls back to the stock renderer.
    """

    _encoder = NinjaJSONEncoder()
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(data, default=self._encoder.default, option=self._options)
        except orjson.JSONEncodeError:
            return super().render(request, data, response_status=response_status)


api = NinjaAPI(
    title="Ikaze API",
    version="1",
    description=(
        "Run a bilateral relocation agreement from the receiving side. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are issued per organisation and role). "
        'Every error has the shape `{"error": {"code", "message", "details"}}`.'
    ),
    auth=AUTH,
    renderer=FastJSONRenderer(),
    urls_namespace="api",
    openapi_extra={"info": {"license": {"name": "AGPL-3.0-or-later"}}},
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details or {}}},
        status=status,
    )


@api.exception_handler(IkazeError)
def _ikaze_error(request: HttpRequest, exc: IkazeError) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        record_denial(getattr(request, "actor", None), exc, path=request.path)
    return _error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        details.setdefault(".".join(loc) or "request", []).append(str(err.get("msg", "invalid")))
    return _error(request, 422, "invalid", "The request is not valid.", details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Sign in or send a valid bearer token.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc
    import logging

    logging.getLogger("ikaze.api").exception("Unhandled API error")
    return _error(
        request, 500, "server_error", "Something went wrong on our side; it has been logged."
    )


class HealthOut(Schema):
    status: str
    database: str
    version: str


health_router = GuardedRouter(tags=["health"])


@health_router.get("/health", perm=PUBLIC, response={200: HealthOut, 503: ErrorOut})
def health(request: HttpRequest) -> Any:
    """Report whether the service and its database answer."""
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception:
        return 503, {
            "error": {
                "code": "database_unavailable",
                "message": "The database does not answer.",
                "details": {},
            }
        }
    return {"status": "ok", "database": connection.vendor, "version": "1"}


api.add_router("", health_router)


def _mount_app_routers() -> None:
    from importlib import import_module

    for app in ("accounts", "audit", "agreements", "people", "intake", "vetting"):
        try:
            module = import_module(f"ikaze.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"ikaze.{app}.api":
                raise
            continue
        api.add_router(f"/{getattr(module, 'PREFIX', app)}", module.router)


_mount_app_routers()
