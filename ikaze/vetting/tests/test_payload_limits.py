"""Every string inside a fact's payload is held to the core text rule (issue 9 item 15): a
declared length, no control characters, one line unless it is free text. The schemas declare
it (maxLength and pattern in their JSON schema, hence in the API document) and every path that
records a fact refuses it, naming the field as `payload.<name>`.
"""

from __future__ import annotations

from typing import Any

import pytest

from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.core.text import FREE_TEXT_PATTERN, ONE_LINE_PATTERN
from ikaze.vetting import services as svc
from ikaze.vetting.legal_events import PAYLOAD_SCHEMAS, EventKind, parse_payload
from ikaze.vetting.models import LegalEventRecord
from ikaze.vetting.tests.test_decisions import state
from tests import factories as f

SHA = "a" * 64
DAY = "2026-01-10"

# A valid payload of every kind (each string field filled, optional ones too).
VALID: dict[EventKind, dict[str, Any]] = {
    EventKind.ASYLUM_CLAIM_FILED: {"claim_ref": "C-1", "authority": "USCIS"},
    EventKind.ASYLUM_CLAIM_DECIDED: {"claim_ref": "C-1", "outcome": "refused"},
    EventKind.APPEAL_FILED: {"claim_ref": "C-1", "appeal_ref": "A-1", "forum": "BIA"},
    EventKind.APPEAL_DECIDED: {"appeal_ref": "A-1", "outcome": "dismissed", "final": True},
    EventKind.COURT_STAY_GRANTED: {"stay_ref": "S-1", "court": "High Court", "measure": "stay"},
    EventKind.COURT_STAY_LIFTED: {"stay_ref": "S-1", "court": "High Court"},
    EventKind.FEAR_EXPRESSED: {
        "fear_ref": "F-1",
        "feared_country": "HN",
        "summary": "Threats.",
        "expressed_to": "Officer",
        "screening_deadline": "2030-01-01",
    },
    EventKind.FEAR_SCREENING_DONE: {"fear_ref": "F-1", "outcome": "negative", "screener": "X"},
    EventKind.NOTICE_SERVED: {
        "notice_ref": "N-1",
        "notice_kind": "transfer",
        "destination_country": "RW",
        "language": "es",
        "template_language": "es",
        "interpreter_language": "fr",
        "served_on_person": True,
        "served_on_counsel": True,
        "counsel_name": "Legal Aid",
        "proof_reference": "R-1",
    },
    EventKind.LEGAL_ADVICE_GIVEN: {
        "provider": "Legal Aid",
        "language": "es",
        "interpreter_language": "fr",
    },
    EventKind.CONSENT_GIVEN: {
        "scheme": "Scheme",
        "language": "es",
        "informed": True,
        "payment_offered_minor": 100,
        "payment_currency": "USD",
    },
    EventKind.CONSENT_WITHDRAWN: {"reason": "Changed my mind."},
    EventKind.AGE_DISPUTE_OPENED: {"reason": "Says 16."},
    EventKind.AGE_DISPUTE_RESOLVED: {"outcome": "adult", "final": True, "method": "Documents"},
    EventKind.ASSESSMENT_SIGNED: {
        "assessor": "Dr A",
        "individual": True,
        "topics": [],
        "text_sha256": SHA,
        "copied_from": "AS-0",
    },
    EventKind.BEST_INTERESTS_DETERMINATION: {
        "determined_by": "Panel",
        "outcome": "split_in_best_interests",
        "separated_members": ["P-2"],
        "consent_recorded": True,
        "consent_by": "Mother",
    },
    EventKind.HOUSEHOLD_MEMBERSHIP: {
        "household_ref": "H-1",
        "member_ref": "P-2",
        "relationship": "child",
        "member_is_child": True,
    },
    EventKind.DIPLOMATIC_ASSURANCE_RECEIVED: {
        "from_state": "RW",
        "reference": "NV-1",
        "covers": "Treatment.",
    },
    EventKind.NATIONALITY_RECORDED: {"country": "HN", "basis": "Passport."},
    EventKind.RETRACTION: {"reason": "Wrong person."},
}


def _string_fields(kind: EventKind) -> dict[str, dict[str, Any]]:
    """Field → its string JSON schema (maxLength, pattern), for every string in the payload
    (inside an optional value or a set too)."""
    schema = PAYLOAD_SCHEMAS[kind].model_json_schema()
    out: dict[str, dict[str, Any]] = {}
    for name, prop in schema["properties"].items():
        for option in prop.get("anyOf", [prop]):
            item = option.get("items", option)
            if item.get("type") == "string" and "enum" not in item and "format" not in item:
                out[name] = item
    return out


def _cases() -> list[Any]:
    out = []
    for kind in EventKind:
        for name, item in _string_fields(kind).items():
            if item.get("pattern") not in (ONE_LINE_PATTERN, FREE_TEXT_PATTERN):
                continue  # a code (country, language, currency, hash): its own pattern
            one_line = item["pattern"] == ONE_LINE_PATTERN
            limit = item["maxLength"]
            bad = {
                "long": ("x" * (limit + 1), f"At most {limit} characters."),
                "nul": ("A\x00B", "Contains a control character (U+0000), which is not allowed."),
                "c1": ("A\x85B", "Contains a control character (U+0085), which is not allowed."),
            }
            if one_line:
                bad["tab"] = ("A\tB", "Write this on one line (no tabs or line breaks).")
                bad["line-break"] = ("A\nB", "Write this on one line (no tabs or line breaks).")
            for case, (value, reason) in bad.items():
                out.append(
                    pytest.param(kind, name, value, reason, id=f"{kind.value}.{name}-{case}")
                )
    return out


def _with(kind: EventKind, name: str, value: str) -> dict[str, Any]:
    payload = dict(VALID[kind])
    payload[name] = [value] if isinstance(payload.get(name), list) else value
    return payload


def test_every_kind_has_a_valid_example_with_every_string_filled() -> None:
    assert set(VALID) == set(EventKind)
    for kind, payload in VALID.items():
        parse_payload(kind, payload)
        assert set(_string_fields(kind)) <= set(payload), kind


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_payload_string_declares_its_length_and_characters(kind: EventKind) -> None:
    for name, item in _string_fields(kind).items():
        assert "pattern" in item and "maxLength" in item, f"{kind}.{name}"
        if item["pattern"] in (ONE_LINE_PATTERN, FREE_TEXT_PATTERN):
            assert item["maxLength"] in (100, 200, 2000), f"{kind}.{name}"


@pytest.mark.parametrize(("kind", "name", "value", "reason"), _cases())
def test_every_payload_string_is_refused_naming_its_field(
    kind: EventKind, name: str, value: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_payload(kind, _with(kind, name, value))
    details = exc.value.details
    field = next(k for k in details if k.startswith(f"payload.{name}"))
    assert details[field] == [reason]


def test_free_text_keeps_its_line_breaks() -> None:
    body = parse_payload(
        EventKind.FEAR_EXPRESSED, _with(EventKind.FEAR_EXPRESSED, "summary", "A\n\tB")
    )
    assert body.summary == "A\n\tB"  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("court", "High\tCourt", "Write this on one line (no tabs or line breaks)."),
        ("court", "C" * 201, "At most 200 characters."),
        ("stay_ref", "S\x00", "Contains a control character (U+0000), which is not allowed."),
    ],
)
def test_the_service_and_the_api_refuse_them_and_change_nothing(
    name: str, value: str, reason: str, api_client_for: Any
) -> None:
    from ikaze.accounts.access import Role

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    payload = _with(EventKind.COURT_STAY_GRANTED, name, value)
    # The API: a token of another Rwandan agency (a party to the agreement).
    client = api_client_for(Role.VETTING_OFFICER)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.legal_fact_record(
            actor=officer,
            referral=r,
            kind="court_stay_granted",
            payload=payload,
            effective_at=clock.today_local(),
            source_document="ORDER-1",
        )
    assert exc.value.details == {f"payload.{name}": [reason]}
    assert state(r) == before
    assert not LegalEventRecord.objects.filter(referral=r, kind="court_stay_granted").exists()

    # The API answers the same, naming the field.
    response = client.post(
        f"/api/v1/vetting/referrals/{r.pk}/facts",
        {
            "kind": "court_stay_granted",
            "payload": payload,
            "effective_at": clock.today_local().isoformat(),
            "source_document": "ORDER-1",
        },
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["details"] == {f"payload.{name}": [reason]}
    assert state(r) == before


@pytest.mark.django_db
def test_the_api_document_shows_each_kinds_payload_with_its_limits(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    for name in ("FactIn", "FactRemovalIn"):
        options = doc["components"]["schemas"][name]["properties"]["payload"]["anyOf"]
        by_kind = {o["title"]: o for o in options}
        assert set(by_kind) == {k.value for k in EventKind}
        court = by_kind["court_stay_granted"]["properties"]["court"]
        assert (court["maxLength"], court["pattern"]) == (200, ONE_LINE_PATTERN)
        summary = by_kind["fear_expressed"]["properties"]["summary"]
        assert (summary["maxLength"], summary["pattern"]) == (2000, FREE_TEXT_PATTERN)
        # Self-contained: no reference left to a definition the document does not hold.
        assert "$ref" not in str(options) and "$defs" not in str(options)
