"""Every page and API operation of the project, found by walking the URL conf and the OpenAPI
document, and a way to fill their path parameters with real objects.

Path parameters are filled, in order, from:
1. `PARAM_VALUES[name]`: an explicit function returning the value (add one when the heuristic
   below cannot guess);
2. the model the name points to: `<model>_id` / `<model>_pk` (`token_id` → accounts.ApiToken,
   `agreement_id` → agreements.Agreement), or for `pk`/`id` the model named by the path segment
   before it (`/agreements/<uuid:pk>/` → Agreement); the view's own app wins on ties;
3. a field of that model (`/agreements/<slug:code>/` → Agreement.code).
The first row (oldest first) of that model gives the value. Routes whose parameters cannot be
filled must be listed in `UNFILLABLE` with the reason; the matrix then skips them by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

# Views that are not ours and take no decision on data (they carry no `ikaze_perm`).
THIRD_PARTY_PUBLIC: dict[str, str] = {
    "django.views.i18n.set_language": "switches the interface language; reads and writes no data",
}

# name of a path parameter -> function returning a value (called inside a test, demo loaded).
PARAM_VALUES: dict[str, Callable[[], str]] = {
    # The enrolment link's key: any value reaches the page (it answers "not valid" itself).
    "key": lambda: "not-a-real-enrolment-key",
    # A person the demo's `admin` keeps (RW-MINEMA's reception officer), so the account pages
    # answer that administrator for real; other roles and organisations get 403 or 404.
    "user_id": lambda: str(_demo_user_pk("reception")),
    # Documents attach to records of several apps (issue 11 item 3): a referral's, say.
    "target_type": lambda: "referral",
    "target_id": lambda: str(_first("vetting.Referral")),
    # The id an FSPIOP callback answers (a party's number, a quote or transfer id): any value
    # reaches the route, which answers 404 to a callback nobody waits for.
    "callback_id": lambda: "00000000-0000-4000-8000-000000000000",
    # A monthly report kept (reports.MonthlyReport): the demo makes none, so one is queued.
    "report_id": lambda: str(_monthly_report()),
    # An inter-state payment (agreements.InterstatePayment; no model is called "payment").
    # The public statistics name an agreement by its code: one that publishes them (issue 16).
    "agreement_code": lambda: _first_public_agreement_code(),
    "payment_id": lambda: str(
        apps.get_model("agreements", "InterstatePayment").objects.order_by("created_at")[0].pk
    ),
}


def _demo_user_pk(username: str) -> Any:
    from ikaze.accounts.models import User

    return User.objects.get(username=username).pk


def _first_public_agreement_code() -> str:
    from ikaze.agreements.selectors import agreements_public

    return agreements_public()[0].code


def _monthly_report() -> object:
    from ikaze.reports.models import MonthlyReport

    report = MonthlyReport.objects.order_by("created_at").first()
    if report is None:
        report = MonthlyReport.objects.create(
            month="2026-01-01", language="en", requested_by_label="route table"
        )
    return report.pk


def _first(label: str) -> object:
    model = apps.get_model(label)
    return model.objects.order_by("created_at", "pk").values_list("pk", flat=True).first()


# route ("page GET /x/<int:n>/" or "api GET /api/v1/x/{n}") -> why its parameters can't be filled
UNFILLABLE: dict[str, str] = {}


@dataclass(frozen=True)
class Route:
    kind: str  # "page" or "api"
    method: str
    path: str  # Django route ("accounts/tokens/<uuid:token_id>/revoke/") or OpenAPI path
    perm: str | None  # "public", "signed_in", a Perm value, or None when undeclared
    app: str  # the ikaze app that serves it ("" when unknown)
    params: tuple[str, ...] = ()
    view: str = ""
    name: str = ""
    converters: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return f"{self.kind} {self.method} {self.path}"


# --- pages -------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _callback_name(callback: Any) -> str:
    return f"{callback.__module__}.{getattr(callback, '__qualname__', callback.__name__)}"


def _app_of_module(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "ikaze" else ""


def _is_ninja(entry: URLResolver) -> bool:
    return entry.app_name == "ninja" or entry.namespace == "api"


def pages() -> list[Route]:
    """Every page URL pattern (the ninja API excluded), with the permission its view declares."""
    out: list[Route] = []

    def walk(entries: list[Any], prefix: str, namespace: str) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                if _is_ninja(entry):
                    continue
                ns = ":".join(p for p in (namespace, entry.namespace or "") if p)
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                callback = entry.callback
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
                dotted = _callback_name(callback)
                perm = getattr(callback, "ikaze_perm", None)
                if perm is None and dotted in THIRD_PARTY_PUBLIC:
                    perm = "public"
                convs = {m["name"]: m["conv"] or "str" for m in _PARAM.finditer(route)}
                out.append(
                    Route(
                        kind="page",
                        method="GET",
                        path=route,
                        perm=perm,
                        app=_app_of_module(callback.__module__),
                        params=tuple(convs),
                        view=dotted,
                        name=name,
                        converters=convs,
                    )
                )

    walk(get_resolver().url_patterns, "/", "")
    return out


# --- API ---------------------------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    from config.api import api

    return api.get_openapi_schema()


def api_operations(document: dict[str, Any] | None = None) -> list[Route]:
    """Every operation of the OpenAPI document, with its `x-ikaze-permission`."""
    document = document or openapi_document()
    out: list[Route] = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            op_id = op.get("operationId", "")
            app = op_id.split("_")[1] if op_id.startswith("ikaze_") else ""
            params = tuple(p["name"] for p in op.get("parameters", []) if p.get("in") == "path")
            convs = {
                p["name"]: (
                    p.get("schema", {}).get("format") or p.get("schema", {}).get("type", "")
                )
                for p in op.get("parameters", [])
                if p.get("in") == "path"
            }
            out.append(
                Route(
                    kind="api",
                    method=method.upper(),
                    path=path,
                    perm=op.get("x-ikaze-permission"),
                    app=app,
                    params=params,
                    view=op_id,
                    converters=convs,
                )
            )
    return out


# --- filling parameters ------------------------------------------------------------------------


class CannotFill(Exception):
    """No rule tells which object a parameter names (a fault of the route or of this file)."""


class NoDemoObject(CannotFill):
    """The parameter's model is known, but the demo scenario has none of it."""


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _singulars(segment: str) -> list[str]:
    s = _norm(segment)
    out = [s]
    if s.endswith("ies"):
        out.append(s[:-3] + "y")
    if s.endswith("es"):
        out.append(s[:-2])
    if s.endswith("s"):
        out.append(s[:-1])
    return out


def _ikaze_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("ikaze.")]


def _models_named(keys: list[str], app: str) -> list[type[models.Model]]:
    candidates = _ikaze_models()
    for match in (
        lambda m, k: m._meta.model_name == k,
        lambda m, k: m._meta.model_name.endswith(k),  # token -> apitoken
    ):
        found = [m for k in keys for m in candidates if match(m, k)]
        if found:
            same_app = [m for m in found if m._meta.app_label == app]
            return list(dict.fromkeys(same_app or found))
    return []


def _segment_before(path: str, param: str) -> str:
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        if param in part and ("<" in part or "{" in part):
            for prev in reversed(parts[:i]):
                if "<" not in prev and "{" not in prev:
                    return prev
    return ""


def _first_value(model: type[models.Model], field_name: str) -> str:
    ordering = (
        ["created_at", "pk"] if any(f.name == "created_at" for f in model._meta.fields) else ["pk"]
    )
    value = model._default_manager.order_by(*ordering).values_list(field_name, flat=True).first()
    if value is None:
        raise NoDemoObject(f"no {model._meta.label} in the demo scenario")
    return str(value)


def param_value(route: Route, name: str) -> str:
    """A real value for a path parameter of `route` (the demo scenario must be loaded)."""
    if name in PARAM_VALUES:
        return PARAM_VALUES[name]()
    lowered = name.lower()
    segment = _segment_before(route.path, name)
    for suffix in ("_id", "_pk", "_uuid"):
        if lowered.endswith(suffix):
            found = _models_named([_norm(lowered.removesuffix(suffix))], route.app)
            if len(found) == 1:
                return _first_value(found[0], "pk")
    if lowered in {"pk", "id", "uuid"}:
        found = _models_named(_singulars(segment), route.app)
        if len(found) == 1:
            return _first_value(found[0], "pk")
    # A field of the model the path segment names (or of the only model of the app that has it).
    by_segment = _models_named(_singulars(segment), route.app) if segment else []
    with_field = [
        m
        for m in (by_segment or [m for m in _ikaze_models() if m._meta.app_label == route.app])
        if any(f.name == name for f in m._meta.fields)
    ]
    if len(with_field) == 1:
        return _first_value(with_field[0], name)
    raise CannotFill(
        f"cannot tell which object the parameter {name!r} of {route.id} names; name it "
        f"<model>_id, add tests.routes.PARAM_VALUES[{name!r}], or list the route in "
        "tests.routes.UNFILLABLE with the reason"
    )


def url_for(route: Route) -> str:
    """The route's URL with every path parameter filled (raises CannotFill)."""
    values = {name: param_value(route, name) for name in route.params}
    if route.kind == "page":
        return _PARAM.sub(lambda m: values[m["name"]], route.path)
    return re.sub(r"\{([^}]+)\}", lambda m: values[m[1]], route.path)
