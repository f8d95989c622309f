"""Input limits (issue 9 item 15): one set of limits for every way text enters, on both
databases, declared in the OpenAPI document.

- a body over the limit answers 413 (API: the error shape; pages: a page), never 500;
- a body that is not a JSON object answers a documented 400; a NUL anywhere 422;
- every string an API schema accepts declares maxLength (the model's) and a pattern that
  excludes control characters, and is refused with 422 naming the field;
- dates are ISO dates (not numbers, not date-times); required strings declare minLength 1;
- every answer but static files carries Cache-Control: no-store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.people.models import IdentityDocument, Person
from ikaze.vetting.models import Evaluation, LegalEventRecord, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db

NUL_REASON = "Contains a control character (U+0000), which is not allowed."


def _body(agreement: str, **overrides: Any) -> dict[str, Any]:
    return {
        "agreement": agreement,
        "person_reference": "US-901",
        "given_names": "Wilson Alexander",
        "first_surname": "Castillo",
        "sex": "M",
        "date_of_birth": "1985-03-02",
        "nationalities": ["NI"],
        "languages": ["es"],
        "documents": [{"kind": "passport", "number": "C01234567", "issuing_state": "NI"}],
        **overrides,
    }


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Person.objects.count(),
        IdentityDocument.objects.count(),
        Referral.objects.count(),
        Evaluation.objects.count(),
        # Every use of a token is audited; what counts is that no change was recorded.
        AuditEvent.objects.filter(kind="change").exclude(action="api_token.use").count(),
    )


# --- body size -----------------------------------------------------------------------------


def test_an_oversized_json_body_answers_413_in_the_error_shape_and_changes_nothing(
    api_client_for,
) -> None:
    officer = api_client_for(Role.VETTING_OFFICER)
    before = _counts()
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    r = officer.post(
        "/api/v1/vetting/rescreen",
        b'{"agreement": "' + b"x" * size + b'"}',
        content_type="application/json",
    )
    assert r.status_code == 413
    assert r.json() == {
        "error": {
            "code": "too_large",
            "message": "The request is larger than the limit; nothing was read or saved.",
            "details": {"limit_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        }
    }
    assert r["Cache-Control"] == "no-store"
    assert _counts() == before


def test_an_oversized_form_post_answers_the_413_page(client_for) -> None:
    client = client_for(Role.SENDING_LIAISON)
    before = _counts()
    r = client.post(
        "/vetting/referrals/new/",
        "given_names=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 413
    assert r["Content-Type"] == "text/html; charset=utf-8"
    assert b"What you sent is too large" in r.content
    assert _counts() == before


def test_an_upload_over_the_upload_limit_answers_413(api_client_for) -> None:
    client = api_client_for(Role.SENDING_LIAISON)
    limit = settings.IKAZE_UPLOAD_MAX_BYTES
    r = client.generic(
        "POST",
        "/api/v1/intake/batches",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(limit + 1024 * 1024),
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


# --- bodies that are not JSON objects -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "unparseable"),
        (b'{"every": NaN}', "unparseable"),
        (b"[]", "not_an_object"),
        (b'"everything"', "not_an_object"),
        (b"7", "not_an_object"),
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400_and_rescreens_nothing(
    api_client_for, body: bytes, code: str
) -> None:
    r0 = f.vetting_referral()
    Evaluation.objects.filter(referral=r0).update(ruleset_version="2000.1.1")
    officer = api_client_for(Role.VETTING_OFFICER)
    before = _counts()
    r = officer.post("/api/v1/vetting/rescreen", body, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    assert _counts() == before
    assert set(
        Evaluation.objects.filter(referral=r0).values_list("ruleset_version", flat=True)
    ) == {"2000.1.1"}


def test_a_nul_anywhere_in_a_json_body_is_refused_naming_where(api_client_for) -> None:
    r0 = f.vetting_referral()
    officer = api_client_for(Role.VETTING_OFFICER)
    before = (_counts(), LegalEventRecord.objects.count())
    r = _post(
        officer,
        f"/api/v1/vetting/referrals/{r0.pk}/facts",
        {
            "kind": "court_stay_granted",
            "payload": {"court": "Kigali\x00", "measure": "stay"},
            "effective_at": "2026-01-02",
            "source_document": "ORDER-1",
        },
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"payload.court": [NUL_REASON]}
    assert (_counts(), LegalEventRecord.objects.count()) == before


# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"given_names": "A" * (2 * 1024 * 1024)}, "given_names", "At most 200 characters."),
        ({"given_names": "Ana\x00"}, "given_names", NUL_REASON),
        ({"first_surname": "Ruiz\x1b[2J"}, "first_surname", None),
        ({"second_surname": "Ruiz\u0085"}, "second_surname", None),
        ({"given_names": "Ana\tMaría"}, "given_names", None),
        ({"given_names": "   "}, "given_names", "This field is required."),
        ({"external_reference": "R" * 101}, "external_reference", "At most 100 characters."),
        ({"aliases": ["ok", "bad\x07"]}, "aliases.1", None),
        ({"health": "line one\nline \x00two"}, "health", NUL_REASON),
        (
            {"documents": [{"kind": "passport", "number": "C0\x001", "issuing_state": "NI"}]},
            "documents.0.number",
            NUL_REASON,
        ),
        (
            {"documents": [{"kind": "passport", "number": "C" * 61, "issuing_state": "NI"}]},
            "documents.0.number",
            "At most 60 characters.",
        ),
    ],
)
def test_the_api_refuses_text_over_the_limit_or_with_control_characters(
    api_client_for, overrides: dict[str, Any], field: str, reason: str | None
) -> None:
    a = f.agreement_in_force()
    client = api_client_for(Role.SENDING_LIAISON)
    before = _counts()
    r = _post(client, "/api/v1/vetting/referrals", _body(a.code, **overrides))
    assert r.status_code == 422, r.content
    details = r.json()["error"]["details"]
    assert list(details) == [field]
    if reason is not None:
        assert details[field] == [reason]
    assert _counts() == before


def test_free_text_keeps_its_line_breaks(api_client_for) -> None:
    a = f.agreement_in_force()
    client = api_client_for(Role.SENDING_LIAISON)
    r = _post(
        client,
        "/api/v1/vetting/referrals",
        _body(a.code, vulnerabilities="Walks with a cane.\r\n\tNeeds a ground floor."),
    )
    assert r.status_code == 201, r.content


def test_a_query_parameter_with_a_control_character_is_refused_after_authentication(
    api_client_for,
) -> None:
    officer = api_client_for(Role.VETTING_OFFICER)
    r = officer.get("/api/v1/people", {"q": "Ana\x00"})
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"q": [NUL_REASON]}
    assert Client().get("/api/v1/people", {"q": "Ana\x00"}).status_code == 401


def test_a_page_form_with_a_control_character_is_refused_naming_the_field(client_for) -> None:
    a = f.agreement_in_force()
    client = client_for(Role.SENDING_LIAISON)
    before = _counts()
    r = client.post(
        "/vetting/referrals/new/",
        {"agreement": a.code, "given_names": "Ana\x0bMaría", "first_surname": "Ruiz"},
    )
    assert r.status_code == 422
    assert b"given_names" in r.content
    assert b"Contains a control character (U+000B), which is not allowed." in r.content
    assert _counts() == before


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("deadline", ["1767225600", "2026-01-01T00:00:00", "2026-1-1", "tomorrow"])
def test_a_deadline_is_an_iso_date_only(api_client_for, deadline: str) -> None:
    officer = api_client_for(Role.VETTING_OFFICER)
    r = officer.get("/api/v1/vetting/queue", {"deadline": deadline})
    assert r.status_code == 422
    assert list(r.json()["error"]["details"]) == ["deadline"]
    assert officer.get("/api/v1/vetting/queue", {"deadline": "2026-01-01"}).status_code == 200


@pytest.mark.parametrize("effective_at", [1767225600, "2026-01-01T00:00:00Z", 20260101.0])
def test_a_fact_date_is_an_iso_date_only(api_client_for, effective_at: Any) -> None:
    r0 = f.vetting_referral()
    officer = api_client_for(Role.VETTING_OFFICER)
    before = LegalEventRecord.objects.count()
    r = _post(
        officer,
        f"/api/v1/vetting/referrals/{r0.pk}/facts",
        {
            "kind": "court_stay_granted",
            "payload": {"court": "Kigali", "measure": "stay"},
            "effective_at": effective_at,
            "source_document": "ORDER-1",
        },
    )
    assert r.status_code == 422
    assert list(r.json()["error"]["details"]) == ["effective_at"]
    assert LegalEventRecord.objects.count() == before


# --- the OpenAPI document -------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> Iterator[dict[str, Any]]:
    from config.api import api

    yield api.get_openapi_schema()


def _request_strings(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string a request may carry: body properties (nested too) and query parameters."""
    components = openapi["components"]["schemas"]

    def walk(where: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            yield from walk(where, components[schema["$ref"].rsplit("/", 1)[1]])
            return
        for branch in schema.get("anyOf", []) + schema.get("allOf", []):
            yield from walk(where, branch)
        if schema.get("type") == "string" and schema.get("format") not in (
            "uuid",
            "date",
            "date-time",
            "binary",
        ):
            yield where, schema
        if schema.get("type") == "array":
            yield from walk(f"{where}[]", schema.get("items", {}))
        for name, prop in schema.get("properties", {}).items():
            yield from walk(f"{where}.{name}", prop)

    for path, operations in openapi["paths"].items():
        for method, op in operations.items():
            label = f"{method.upper()} {path}"
            for content in op.get("requestBody", {}).get("content", {}).values():
                yield from walk(label, content["schema"])


# A closed class of letters and digits, anchored: it admits no control character either (a
# country "^[A-Za-z]{2}$", a fingerprint "^[0-9a-f]{64}$").
_CLOSED_PATTERN = re.compile(r"\^\[[A-Za-z0-9-]+\](\{\d+(,\d+)?\})?\$")


def _declares_its_limit(schema: dict[str, Any]) -> bool:
    """A closed set of values (an enum), or a length and a pattern refusing control
    characters: the core text rule's, or a closed class of letters and digits."""
    if "enum" in schema or "const" in schema:
        return True
    pattern = schema.get("pattern", "")
    return "maxLength" in schema and (
        pattern.startswith("^[^\\x00-") or bool(_CLOSED_PATTERN.fullmatch(pattern))
    )


def test_every_request_string_declares_its_limit_and_refuses_control_characters(openapi) -> None:
    undeclared = [
        where for where, schema in _request_strings(openapi) if not _declares_its_limit(schema)
    ]
    assert undeclared == []
    # The rule itself: an open pattern or a missing length is not a declaration.
    assert not _declares_its_limit({"type": "string", "maxLength": 9, "pattern": "^.*$"})
    assert not _declares_its_limit({"type": "string", "pattern": "^[A-Z]{3}$"})


def test_the_schema_says_what_the_model_holds(openapi) -> None:
    props = openapi["components"]["schemas"]["ReferralCreateIn"]["properties"]
    assert (props["given_names"]["maxLength"], props["given_names"]["minLength"]) == (200, 1)
    assert props["second_surname"]["maxLength"] == 200
    assert "minLength" not in props["second_surname"]
    doc = openapi["components"]["schemas"]["DocumentIn"]["properties"]
    assert (doc["number"]["maxLength"], doc["number"]["minLength"]) == (60, 1)
    assert props["health"]["maxLength"] == 10_000


def test_every_operation_with_a_body_documents_400_and_413(openapi) -> None:
    missing = [
        f"{method.upper()} {path}: {status}"
        for path, operations in openapi["paths"].items()
        for method, op in operations.items()
        if "requestBody" in op
        for status in ("400", "413")
        if status not in op["responses"]
    ]
    assert missing == []
    rescreen = openapi["paths"]["/api/v1/vetting/rescreen"]["post"]["responses"]
    assert rescreen["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }


def test_dates_are_declared_as_dates(openapi) -> None:
    queue = openapi["paths"]["/api/v1/vetting/queue"]["get"]["parameters"]
    deadline = next(p for p in queue if p["name"] == "deadline")
    assert {"type": "string", "format": "date"} in deadline["schema"]["anyOf"]


# --- caching --------------------------------------------------------------------------------


def test_answers_carrying_personal_data_are_not_stored(api_client_for, client_for) -> None:
    r0 = f.vetting_referral()
    api = api_client_for(Role.VETTING_OFFICER)
    page = client_for(Role.VETTING_OFFICER)
    for r in (
        api.get(f"/api/v1/vetting/referrals/{r0.pk}"),
        api.get("/api/v1/people"),
        page.get(f"/vetting/referrals/{r0.pk}/vetting/"),
        page.get("/people/"),
        Client().get("/accounts/login/"),
    ):
        assert r.status_code == 200
        assert (r["Cache-Control"], r["Pragma"]) == ("no-store", "no-cache")


def test_static_files_keep_their_cache_lifetime() -> None:
    r = Client().get("/static/ikaze/ikaze.css")
    assert r.status_code == 200
    assert "no-store" not in r.get("Cache-Control", "")


# --- JSON types -----------------------------------------------------------------------------


@pytest.mark.parametrize("every", [0, 1, "true", "yes", None])
def test_a_json_boolean_is_true_or_false_only(api_client_for, every: Any) -> None:
    r0 = f.vetting_referral()
    Evaluation.objects.filter(referral=r0).update(ruleset_version="2000.1.1")
    officer = api_client_for(Role.VETTING_OFFICER)
    r = _post(officer, "/api/v1/vetting/rescreen", {"every": every})
    assert r.status_code == 422
    assert list(r.json()["error"]["details"]) == ["every"]
    assert set(
        Evaluation.objects.filter(referral=r0).values_list("ruleset_version", flat=True)
    ) == {"2000.1.1"}


@pytest.mark.parametrize("cap", ["5", 5.0, True])
def test_a_json_integer_is_an_integer_only(api_client_for, cap: Any) -> None:
    a = f.agreement_in_force()
    admin = api_client_for(Role.ADMIN)
    before = a.tranches.count()
    r = _post(
        admin,
        f"/api/v1/agreements/{a.code}/tranches",
        {"label": "T1", "starts_on": "2027-01-01", "ends_on": "2027-06-30", "cap": cap},
    )
    assert r.status_code == 422
    assert list(r.json()["error"]["details"]) == ["cap"]
    assert a.tranches.count() == before


def test_a_page_field_longer_than_any_field_holds_is_refused(client_for) -> None:
    r0 = f.vetting_referral()
    client = client_for(Role.SENDING_LIAISON)
    r = client.post(f"/vetting/referrals/{r0.pk}/withdraw/", {"reason": "x" * 10_001})
    assert r.status_code == 422
    assert b"At most 10000 characters." in r.content or b"At most 10,000 characters." in r.content
    r0.refresh_from_db()
    assert r0.status == Referral.Status.SUBMITTED


def test_a_form_without_a_boundary_answers_400(api_client_for) -> None:
    client = api_client_for(Role.SENDING_LIAISON)
    r = client.generic(
        "POST", "/api/v1/intake/batches", b"agreement=X", content_type="multipart/form-data"
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unparseable"
