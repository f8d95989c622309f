import json

import pytest

from ikaze.accounts.access import Perm, Role, roles_allowing
from ikaze.agreements import services
from ikaze.agreements.models import Agreement
from ikaze.agreements.tests.conftest import state
from ikaze.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/agreements"


def _post(client, url, data):
    return client.post(url, data=json.dumps(data, default=str), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


NEW = {"code": "US-RW-2025", "title": "US–Rwanda", "sending_state": "US", "receiving_state": "RW"}


def test_list_takes_a_constant_number_of_queries(admin, api_client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def create(i):
        services.agreement_create(
            actor=admin,
            code=f"A-{i:02d}",
            fields={
                "title": f"A {i}",
                "sending_state": "US",
                "receiving_state": "RW",
                "notice_period_days": i,
            },
        )

    client = api_client_for(Role.MONITOR)
    create(0)
    client.get(URL)  # the token's first use also stamps last_used_at (then once a minute)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for i in range(1, 20):
        create(i)
    # The same queries for 20 agreements as for 1: authentication and its audit event, then
    # count and page (`ikaze bench api` relies on it).
    with django_assert_num_queries(len(one)):
        r = client.get(URL + "?size=50")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 20
    assert len(body["items"]) == 20
    first = body["items"][0]
    # What a list needs; the rest is at /{code}.
    assert sorted(first) == [
        "below_standard",
        "cap_total",
        "code",
        "places_used",
        "receiving_state",
        "receiving_state_name",
        "sending_state",
        "sending_state_name",
        "status",
        "title",
    ]
    assert first["code"] == "A-00"
    assert first["sending_state_name"] == "United States"
    assert first["below_standard"] == [
        {"setting": "notice_period_days", "value": 0, "standard": 10, "source": "SAFEGUARDS A9"}
    ]
    assert body["items"][10]["below_standard"] == []


def test_list_pages_past_the_first_count_and_clamp(admin, client_for):
    for i in range(5):
        services.agreement_create(
            actor=admin,
            code=f"P-{i}",
            fields={"title": f"P {i}", "sending_state": "US", "receiving_state": "RW"},
        )
    client = client_for(Role.VETTING_OFFICER)  # a session, as the bench calls it
    body = client.get(URL + "?size=2&page=2").json()
    assert [a["code"] for a in body["items"]] == ["P-2", "P-3"]
    assert (body["page"], body["pages"], body["total"]) == (2, 3, 5)
    body = client.get(URL + "?size=2&page=9").json()
    assert [a["code"] for a in body["items"]] == ["P-4"]
    assert (body["page"], body["pages"], body["total"]) == (3, 3, 5)
    body = client.get(URL + "?size=50").json()
    assert (len(body["items"]), body["page"], body["pages"], body["total"]) == (5, 1, 1, 5)


def test_list_filters_by_status(admin, api_client_for, in_force):
    services.agreement_create(
        actor=admin,
        code="OTHER",
        fields={"title": "o", "sending_state": "GB", "receiving_state": "RW"},
    )
    r = api_client_for(Role.VETTING_OFFICER).get(URL + "?status=in_force")
    assert [a["code"] for a in r.json()["items"]] == ["US-RW-2025"]


def test_detail_and_scope(admin, api_client_for):
    services.agreement_create(
        actor=admin,
        code="GB-RW",
        fields={"title": "UK", "sending_state": "GB", "receiving_state": "RW"},
    )
    liaison = api_client_for(Role.SENDING_LIAISON)  # a US liaison
    r = liaison.get(URL + "/GB-RW")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert liaison.get(URL).json()["total"] == 0
    r = api_client_for(Role.MONITOR).get(URL + "/gb-rw")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "GB-RW"
    assert body["tranches"] == []
    assert body["money"] == {
        "relocated": 0,
        "due_total": [],
        "paid_total": [],
        "arrears_total": [],
        "cost_per_person": None,
        "categories": [],
    }


def test_create(api_client_for):
    r = _post(api_client_for(Role.ADMIN), URL, {**NEW, "cap_total": 250, "notice_period_days": 1})
    assert r.status_code == 201
    body = r.json()
    assert (body["code"], body["status"], body["version"], body["cap_total"]) == (
        "US-RW-2025",
        "draft",
        1,
        250,
    )
    assert body["below_standard"] == [
        {"setting": "notice_period_days", "value": 1, "standard": 10, "source": "SAFEGUARDS A9"}
    ]


@pytest.mark.parametrize(
    ("data", "details"),
    [
        (
            {**NEW, "receiving_state": "US"},
            {"receiving_state": ["The receiving state must differ from the sending state."]},
        ),
        (
            {**NEW, "sending_state": "ZZ"},
            {"sending_state": ["'ZZ' is not an ISO 3166-1 alpha-2 country code."]},
        ),
        ({**NEW, "cap_total": -3}, {"cap_total": ["Must be between 1 and 1000000000."]}),
        ({k: v for k, v in NEW.items() if k != "title"}, {"title": ["Field required"]}),
        ({**NEW, "valid_from": "not a date"}, None),
    ],
)
def test_create_refusals_name_the_field_and_change_nothing(api_client_for, data, details):
    client = api_client_for(Role.ADMIN)
    before = state()
    r = _post(client, URL, data)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid"
    if details is not None:
        assert error["details"] == details
    else:
        assert list(error["details"]) == ["valid_from"]
    assert state() == before


def test_create_refused_for_a_monitor(api_client_for):
    client = api_client_for(Role.MONITOR)
    before = state()
    r = _post(client, URL, NEW)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert state() == before


def test_patch_with_version_and_stale_version(api_client_for, draft):
    client = api_client_for(Role.ADMIN)
    r = _patch(
        client, URL + "/US-RW-2025", {"version": 1, "notice_period_days": 5, "cap_total": None}
    )
    assert r.status_code == 200
    assert (r.json()["version"], r.json()["notice_period_days"]) == (2, 5)
    before = state()
    r = _patch(client, URL + "/US-RW-2025", {"version": 1, "title": "Lost update"})
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "stale_version",
        "message": "Someone changed this agreement since you opened it; reload and apply your changes again.",
        "details": {"version": ["Current version is 2, you sent 1."]},
    }
    r = _patch(client, URL + "/US-RW-2025", {"version": 2, "currency": "EUX"})
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"currency": ["'EUX' is not an ISO 4217 currency code."]}
    assert _patch(client, URL + "/NOPE", {"version": 1}).status_code == 404
    assert state() == before


def test_transitions(api_client_for, draft):
    admin = api_client_for(Role.ADMIN)
    vetting = api_client_for(Role.VETTING_OFFICER)
    senior = api_client_for(Role.SENIOR_OFFICER)
    r = _post(
        admin, URL + "/US-RW-2025/transitions", {"to": "signed", "reason": "Signed in Kigali."}
    )
    assert (r.status_code, r.json()["status"]) == (200, "signed")
    before = state()
    r = _post(admin, URL + "/US-RW-2025/transitions", {"to": "draft", "reason": "undo"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "illegal_transition"
    r = _post(admin, URL + "/US-RW-2025/transitions", {"to": "in_force", "reason": ""})
    assert r.status_code == 422
    # The schema declares the reason required (minLength 1) and refuses it itself.
    assert r.json()["error"]["details"] == {"reason": ["This field is required."]}
    r = _post(
        vetting,
        URL + "/US-RW-2025/transitions",
        {"to": "in_force", "reason": "x"},
    )
    assert r.status_code == 403
    assert state() == before
    _post(admin, URL + "/US-RW-2025/transitions", {"to": "in_force", "reason": "In force."})
    r = _post(
        senior,
        URL + "/US-RW-2025/transitions",
        {"to": "suspended", "reason": "Monitor report."},
    )
    assert (r.status_code, r.json()["status"]) == (200, "suspended")


def test_transitions_route_declares_what_the_service_enforces(client):
    # The route publishes the permission it checks before reading the body: held by exactly
    # the roles that may take some step (manage: administrator; suspend: senior officer).
    doc = client.get("/api/v1/openapi.json").json()
    perm = doc["paths"]["/api/v1/agreements/{code}/transitions"]["post"]["x-ikaze-permission"]
    assert roles_allowing(perm) == roles_allowing(Perm.AGREEMENT_MANAGE) | roles_allowing(
        Perm.AGREEMENT_SUSPEND
    )
    assert roles_allowing(perm) == {Role.ADMIN, Role.SENIOR_OFFICER}


def test_transitions_refuse_a_role_that_takes_no_step_before_reading_the_body(
    api_client_for, draft
):
    vetting = api_client_for(Role.VETTING_OFFICER)
    before, security = state(), AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY).count()
    r = _post(vetting, URL + "/US-RW-2025/transitions", {})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    assert state() == before
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY).count() == security + 1


def test_payments(api_client_for, admin, in_force):
    services.compensation_line_add(
        actor=admin,
        agreement=in_force,
        category="fixed",
        description="Grant",
        amount_minor=7_500_000_00,
        currency="USD",
    )
    finance = api_client_for(Role.FINANCE_OFFICER)
    admin_client = api_client_for(Role.ADMIN)
    pay = {
        "category": "fixed",
        "amount_minor": 3_750_000_00,
        "currency": "USD",
        "paid_on": "2025-09-15",
        "reference": "G-1",
    }
    r = _post(finance, URL + "/US-RW-2025/payments", pay)
    assert r.status_code == 201
    assert (r.json()["reference"], r.json()["unscheduled"]) == ("G-1", False)
    r = _post(
        finance, URL + "/US-RW-2025/payments", {**pay, "category": "departure", "reference": "G-2"}
    )
    assert r.json()["unscheduled"] is True
    before = state()
    r = _post(finance, URL + "/US-RW-2025/payments", pay)
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {
        "reference": ["A payment with this reference is already recorded."]
    }
    r = _post(admin_client, URL + "/US-RW-2025/payments", {**pay, "reference": "G-3"})
    assert r.status_code == 403
    assert state() == before
    detail = api_client_for(Role.AUDITOR).get(URL + "/US-RW-2025").json()
    assert detail["money"]["paid_total"] == [{"amount_minor": 3_750_000_00 * 2, "currency": "USD"}]
    assert [c["unscheduled"] for c in detail["money"]["categories"]] == [False, True]


def test_tranche_support_item_and_compensation_line(api_client_for, draft):
    admin = api_client_for(Role.ADMIN)
    r = _post(
        admin,
        URL + "/US-RW-2025/tranches",
        {"label": "2025–2026", "starts_on": "2025-01-01", "ends_on": "2026-12-31", "cap": 250},
    )
    assert (r.status_code, r.json()["cap"], r.json()["places_used"]) == (201, 250, 0)
    r = _post(
        admin,
        URL + "/US-RW-2025/support-items",
        {
            "kind": "stipend",
            "description": "Stipend",
            "amount_minor": 60000,
            "currency": "RWF",
            "frequency": "monthly",
            "duration_months": 6,
        },
    )
    assert (r.status_code, r.json()["currency"]) == (201, "RWF")
    r = _post(
        admin,
        URL + "/US-RW-2025/compensation-lines",
        {
            "category": "milestone",
            "description": "At 300",
            "amount_minor": 100,
            "currency": "GBP",
            "trigger_people": 300,
        },
    )
    assert r.status_code == 201
    assert r.json()["due_so_far"] == {"amount_minor": 0, "currency": "GBP"}
    before = state()
    for path, data, details in [
        (
            "tranches",
            {"label": "x", "starts_on": "2026-01-01", "ends_on": "2027-01-01", "cap": 1},
            {"starts_on": ["Overlaps the period 2025–2026 (2025-01-01 to 2026-12-31)."]},
        ),
        (
            "support-items",
            {"kind": "cash", "description": "x"},
            {
                "kind": [
                    "Choose one of stipend, accommodation, healthcare, training, education, legal_aid, other."
                ]
            },
        ),
        (
            "compensation-lines",
            {"category": "milestone", "description": "x", "amount_minor": 1, "currency": "GBP"},
            {"trigger_people": ["A milestone needs the number of people that triggers it."]},
        ),
    ]:
        r = _post(admin, f"{URL}/US-RW-2025/{path}", data)
        assert r.status_code == 422, path
        assert r.json()["error"]["details"] == details
    assert state() == before
    assert Agreement.objects.get().tranches.count() == 1


def test_openapi_declares_the_error_responses(client):
    from config.api import api

    schema = api.get_openapi_schema()
    op = schema["paths"]["/api/v1/agreements/{code}"]["patch"]
    assert {str(k) for k in op["responses"]} >= {"200", "401", "403", "404", "409", "422"}
    assert op["x-ikaze-permission"] == "agreement.manage"
