"""The API root: /api/v1, one error shape, per-app routers."""

import json
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from ikaze.accounts.actor import actor_or_none
from ikaze.accounts.api_routing import AUTH, PUBLIC, GuardedRouter
from ikaze.accounts.guards import record_denial
from ikaze.accounts.schemas import ErrorBody, ErrorOut  # noqa: F401  (re-exported for app routers)
from ikaze.core.error_codes import ErrorCode, ErrorCodes
from ikaze.core.errors import IkazeError, PermissionDenied, ValidationError
from ikaze.core.middleware import body_too_large_error
from ikaze.core.text import ONE_LINE_PATTERN, character_problem


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


class NotAnObject(ValueError):
    """The body is JSON, but not the object every operation takes."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class ObjectJSONParser(Parser):
    """Strict input: JSON bodies are objects without NUL; parameters hold no control character.

    ninja's schemas would otherwise read a list, a string or a number as an object whose
    fields all take their defaults (a `[]` sent to /vetting/rescreen rescreened everything).
    A body that is not a JSON object answers 400 (`_http_error`). A NUL anywhere in a body
    (PostgreSQL cannot store it, SQLite stored it) and a control character in a query or form
    parameter answer 422 naming where; declared strings are checked again, field by field,
    by their schema (`ikaze.core.text.Text`). ninja parses after authenticating, so a caller
    without credentials still gets 401, whatever it sends.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_constant=_refuse_constant)
        if not isinstance(data, dict):
            raise NotAnObject(type(data).__name__)
        if problems := _nul_paths(data):
            raise ValidationError(_("The request is not valid."), details=problems)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        for key, values in data.lists():
            for value in [key, *values]:
                if isinstance(value, str) and (problem := character_problem(value)):
                    problems.setdefault(key[:60], []).append(problem.text())
                    break
        if problems:
            raise ValidationError(_("The request is not valid."), details=problems)
        return super().parse_querydict(data, list_fields, request)


def _nul_paths(data: Any, path: str = "") -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack and len(problems) < 20:
        where, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                problems[where or "body"] = [
                    _("Contains a control character (U+0000), which is not allowed.")
                ]
        elif isinstance(item, dict):
            for key, value in item.items():
                inner = f"{where}.{key}" if where else str(key)
                stack.append((inner, key))
                stack.append((inner, value))
        elif isinstance(item, list):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in enumerate(item))
    return problems


class IkazeAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _declare_body_errors(schema)
        _declare_parameter_characters(schema)
        _declare_error_codes(schema)
        return schema


# The apps whose `error_codes.py` declare the codes the API may answer with, the core first.
ERROR_CODE_APPS = (
    "core",
    "accounts",
    "audit",
    "agreements",
    "people",
    "intake",
    "vetting",
    "documents",
    "movements",
    "reception",
    "support",
    "privacy",
    "reports",
    "protection",
)


def error_code_enums() -> dict[str, type[ErrorCodes]]:
    """Each app's declared error codes (issue 10 item 4), by app label."""
    from importlib import import_module

    return {app: import_module(f"ikaze.{app}.error_codes").ErrorCode for app in ERROR_CODE_APPS}


def _declare_error_codes(schema: OpenAPISchema) -> None:
    """Publish every code an error may carry: `x-ikaze-error-codes` lists each app's codes
    with what they mean, and the error body's `code` names the list."""
    schema["x-ikaze-error-codes"] = {
        app: {member.value: member.description for member in enum}
        for app, enum in error_code_enums().items()
    }
    body = schema.get("components", {}).get("schemas", {}).get("ErrorBody", {})
    code = body.get("properties", {}).get("code")
    if code is not None:
        code["description"] = (
            "A stable machine code; every code the API answers with is listed, with its "
            "meaning, by app in `x-ikaze-error-codes`."
        )


def _declare_parameter_characters(schema: OpenAPISchema) -> None:
    """ObjectJSONParser refuses a control character in any query parameter: every string
    parameter's schema says so with the one-line pattern (unless it declares its own)."""

    def declare(param_schema: dict[str, Any]) -> None:
        for branch in param_schema.get("anyOf", []):
            declare(branch)
        if param_schema.get("type") == "string" and "format" not in param_schema:
            param_schema.setdefault("pattern", ONE_LINE_PATTERN)

    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query":
                    declare(parameter.get("schema", {}))


def _declare_body_errors(schema: OpenAPISchema) -> None:
    """Every operation that takes a body may answer 400 (not a JSON object, or a form that
    cannot be read) and 413 (larger than the limit, refused before it is read): say so."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    answers = {
        "400": "The body cannot be read: not a JSON object, or a broken form.",
        "413": "The body is larger than the limit.",
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )


api = IkazeAPI(
    title="Ikaze API",
    version="1",
    description=(
        "Run a bilateral relocation agreement from the receiving side. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are issued per organisation and role). "
        'Every error has the shape `{"error": {"code", "message", "details"}}`.'
    ),
    auth=AUTH,
    renderer=FastJSONRenderer(),
    parser=ObjectJSONParser(),
    urls_namespace="api",
    openapi_extra={"info": {"license": {"name": "AGPL-3.0-or-later"}}},
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": str(code), "message": message, "details": details or {}}},
        status=status,
    )


@api.exception_handler(IkazeError)
def _ikaze_error(request: HttpRequest, exc: IkazeError) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        record_denial(actor_or_none(request), exc, path=request.path)
    return _error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        details.setdefault(".".join(loc) or "request", []).append(str(err.get("msg", "invalid")))
    return _error(request, 422, ErrorCode.INVALID, "The request is not valid.", details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, ErrorCode.UNAUTHENTICATED, "Sign in or send a valid bearer token.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, ErrorCode.NOT_FOUND, "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValidationError):  # a NUL in the body (ObjectJSONParser)
        return _ikaze_error(request, exc.__cause__)
    if exc.status_code == 400 and isinstance(exc.__cause__, NotAnObject):
        return _error(
            request, 400, ErrorCode.NOT_AN_OBJECT, "The request body must be a JSON object."
        )
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        return _error(request, 400, ErrorCode.UNPARSEABLE, "The request body is not valid JSON.")
    return _error(request, exc.status_code, ErrorCode.HTTP_ERROR, str(exc))


@api.exception_handler(MultiPartParserError)
def _broken_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A multipart Content-Type without a boundary, or a body that is not what it declares.
    return _error(request, 400, ErrorCode.UNPARSEABLE, "The request body cannot be read as a form.")


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The middleware refuses a declared Content-Length over the limit before anything reads
    # the body; this catches what only reading finds (too many form fields, say).
    error = body_too_large_error()
    return _error(request, error.status, error.code, str(error.message), error.details)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc
    import logging

    logging.getLogger("ikaze.api").exception("Unhandled API error")
    return _error(
        request,
        500,
        ErrorCode.SERVER_ERROR,
        "Something went wrong on our side; it has been logged.",
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
                "code": ErrorCode.DATABASE_UNAVAILABLE.value,
                "message": "The database does not answer.",
                "details": {},
            }
        }
    return {"status": "ok", "database": connection.vendor, "version": "1"}


api.add_router("", health_router)


def _mount_app_routers() -> None:
    from importlib import import_module

    for app in (
        "accounts",
        "audit",
        "agreements",
        "people",
        "intake",
        "vetting",
        "movements",
        "reception",
        "documents",
        "support",
        "protection",
        "privacy",
        "reports",
    ):
        try:
            module = import_module(f"ikaze.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"ikaze.{app}.api":
                raise
            continue
        api.add_router(f"/{getattr(module, 'PREFIX', app)}", module.router)


_mount_app_routers()
