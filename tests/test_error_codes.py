"""Error codes are a declared list per app (issue 10 item 4).

Every code an error class or an inline raise carries is a member of its app's `ErrorCode`
(`ikaze/<app>/error_codes.py`), every declared code is used, no code is written as a bare
string, and the OpenAPI document lists each app's codes with what they mean. The codes
themselves are the API's wire format: the last test pins them.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import ikaze
from config.api import ERROR_CODE_APPS, api, error_code_enums
from ikaze.core.error_codes import ErrorCodes
from ikaze.core.errors import IkazeError

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for folder in ("ikaze", "config")
    for path in (ROOT / folder).rglob("*.py")
    if "tests" not in path.parts and "migrations" not in path.parts
)


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(ikaze.__path__, "ikaze."):
        if ".tests" in info.name or ".migrations" in info.name or ".management" in info.name:
            continue
        importlib.import_module(info.name)


def _error_classes() -> list[type[IkazeError]]:
    _import_every_module()
    seen: list[type[IkazeError]] = []
    stack: list[type[IkazeError]] = [IkazeError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return [cls for cls in seen if cls.__module__.startswith("ikaze.")]


def _app_of(module: str) -> str:
    return module.split(".")[1]


def test_every_app_declares_its_codes() -> None:
    apps = {
        path.name
        for path in (ROOT / "ikaze").iterdir()
        if (path / "apps.py").exists() or path.name == "core"
    }
    assert set(ERROR_CODE_APPS) == apps
    for app, enum in error_code_enums().items():
        assert issubclass(enum, ErrorCodes), app
        assert enum.__module__ == f"ikaze.{app}.error_codes"


def test_every_error_class_names_a_code_of_its_own_app() -> None:
    enums = error_code_enums()
    classes = _error_classes()
    assert len(classes) >= 30
    for cls in classes:
        if "code" not in vars(cls):
            continue  # inherits its base's code
        app = _app_of(cls.__module__)
        code = vars(cls)["code"]
        assert isinstance(code, enums[app]), (cls, code)


def _string_codes(tree: ast.AST) -> list[tuple[int, str]]:
    """Every place a code is written as a string: `code = "x"` in a class, `code="x"` in a
    call, `{"code": "x", "message": ...}` in an error body."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign)
                    else []
                )
                value = getattr(stmt, "value", None)
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets) and (
                    isinstance(value, ast.Constant) and isinstance(value.value, str)
                ):
                    found.append((stmt.lineno, value.value))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if (
                    kw.arg == "code"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    found.append((node.lineno, kw.value.value))
        elif isinstance(node, ast.Dict) and any(
            isinstance(k, ast.Constant) and k.value == "message" for k in node.keys
        ):  # an error body ({"code", "message", "details"}), not any dict with a "code"
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found.append((node.lineno, value.value))
    return found


def test_no_code_is_written_as_a_string() -> None:
    enums = error_code_enums()
    declared = {member.value for enum in enums.values() for member in enum}
    offenders = []
    for path in SOURCES:
        if path.name == "error_codes.py":
            continue
        for line, value in _string_codes(ast.parse(path.read_text(), str(path))):
            if value in declared or value.islower():
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
    assert offenders == []


def test_the_scan_finds_a_code_written_as_a_string() -> None:
    source = (
        'class A(X):\n    code = "a"\n'
        'raise B("m", code="b")\n'
        'J({"error": {"code": "c", "message": ""}})\n'
    )
    assert [v for _, v in _string_codes(ast.parse(source))] == ["a", "b", "c"]


def _member_uses() -> dict[str, set[str]]:
    """The members of each app's ErrorCode named outside its error_codes.py."""
    uses: dict[str, set[str]] = {app: set() for app in ERROR_CODE_APPS}
    for path in SOURCES:
        if path.name == "error_codes.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".error_codes"):
                app = (node.module or "").split(".")[1]
                for name in node.names:
                    if name.name == "ErrorCode":
                        aliases[name.asname or name.name] = app
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                uses[aliases[node.value.id]].add(node.attr)
    return uses


def test_every_declared_code_is_used() -> None:
    uses = _member_uses()
    for app, enum in error_code_enums().items():
        assert set(enum.__members__) == uses[app], app


def test_no_code_is_declared_twice() -> None:
    values = [member.value for enum in error_code_enums().values() for member in enum]
    assert len(values) == len(set(values))


def test_every_code_has_a_description() -> None:
    for enum in error_code_enums().values():
        for member in enum:
            assert member.description.strip(), member


def test_the_openapi_document_lists_each_apps_codes() -> None:
    doc = api.get_openapi_schema()
    listed = doc["x-ikaze-error-codes"]
    assert list(listed) == list(ERROR_CODE_APPS)
    assert listed["agreements"]["agreement_not_in_force"].startswith("The agreement is not in")
    assert listed["vetting"]["block_stands"] == (
        "A block still stands against the accepted person (F5)."
    )
    for app, enum in error_code_enums().items():
        assert listed[app] == {m.value: m.description for m in enum}
    code = doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert "x-ikaze-error-codes" in code["description"]


@pytest.mark.django_db
def test_a_declared_code_reaches_the_wire_as_its_plain_string(client) -> None:
    response = client.get("/api/v1/agreements", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert response.content.startswith(b'{"error":{"code":"unauthenticated"')


# The codes the API answered with before they were declared: the wire format (issue 10 item 4).
WIRE_CODES = {
    "core": {
        "error",
        "invalid",
        "not_found",
        "forbidden",
        "conflict",
        "illegal_transition",
        "blocked",
        "cap_reached",
        "too_large",
        "unauthenticated",
        "not_an_object",
        "unparseable",
        "http_error",
        "server_error",
        "database_unavailable",
    },
    "accounts": {
        "role_not_allowed_for_organisation",
        "monitor_revocation_refused",
        "credential_outside_organisation",
        "enrolment_link_invalid",
        "two_factor_required",
        "person_required",
        "invalid_token",
        "invalid_code",
        "self_lockout",
        "self_grant",
        "last_administrator",
        "wrong_password",
    },
    "audit": set(),
    "agreements": {
        "agreement_not_in_force",
        "no_cap_period",
        "stale_version",
        "agreement_not_signed",
        "payment_already_reversed",
        "payment_currency_mismatch",
        "payment_is_reversal",
        "not_a_party",
    },
    "people": set(),
    "intake": set(),
    "vetting": {
        "incomplete_referral",
        "already_referred",
        "absolute_rule",
        "four_eyes",
        "senior_officer_required",
        "protective_fact_four_eyes",
        "named_officer_required",
        "block_stands",
        "alert_open",
        "notice_untranslated",
        "notice_settings_missing",
    },
    # Issue 11 item 3: the refusals of an upload.
    "documents": {"document_too_large", "document_type_refused", "document_empty"},
    "movements": {
        "not_accepted",
        "acceptance_expired",
        "person_blocked",
        "already_manifested",
        "duplicate_person",
        "household_split",
        "seats_exceeded",
        "not_boarded",
        "not_arrived",
        "paxlst_invalid",
        "mrz_check_digit",
    },
    "reception": {
        "no_bed",
        "unit_unavailable",
        "unit_unsuitable",
        "already_checked_in",
        "idempotency_reused",
        "stay_closed",
        "no_placement",
    },
    "support": {
        "phone_invalid",
        "payee_inactive",
        "provider_unavailable",
        "no_arrival",
        "no_rate",
        "nothing_to_pay",
        "maker_is_checker",
        "second_factor",
        "batch_state",
        "forbidden_reason",
        "adjustment_state",
    },
    # Issue 16: a dashboard's filters, a monthly report's month or language.
    "reports": {"filter_invalid", "month_invalid"},
    # Issue 15: the case after arrival, departures, complaints, monitors' access.
    "protection": {
        "case_closed",
        "not_final",
        "no_briefing",
        "no_representation",
        "not_reasoned",
        "not_understood",
        "stage_order",
        "removal_blocked",
        "refoulement",
        "reason_forbidden",
        "self_service_refused",
        "monitor_revocation",
        "request_decided",
    },
    # Issue 15: personal data (exports abroad, holds, requests, breaches).
    "privacy": {
        "no_export_basis",
        "under_legal_hold",
        "request_closed",
        "already_erased",
        "breach_clock",
    },
}


def test_the_codes_on_the_wire_are_unchanged() -> None:
    assert {app: {m.value for m in enum} for app, enum in error_code_enums().items()} == (
        WIRE_CODES
    )
