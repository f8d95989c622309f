"""The personal-data pages and API: the officer's forms, the monitor's reading, refusals."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.privacy.models import Breach, DataRequest, LegalHold, Purge
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return factories.person(
        by=factories.liaison(),
        health="asthma",
        health_consent=True,
        languages=["es"],
    )


def test_the_officer_records_and_answers_a_request_and_exports_in_the_persons_language(
    client_for, person
) -> None:
    c = client_for(Role.ADMIN)
    page = c.get(f"/privacy/people/{person.pk}/")
    assert page.status_code == 200
    response = c.post(
        f"/privacy/people/{person.pk}/requests/",
        {"request-kind": "access", "request-detail": "copy please"},
    )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    data = json.loads(c.get(f"/privacy/people/{person.pk}/access.json").content)
    assert data["language"] == "es"
    assert data["sensitive"]["health"] == "asthma"
    assert {"purposes", "recipients", "transfers_abroad", "requests"} <= data.keys()
    assert [p["category"] for p in data["purposes"]] == [
        "identity",
        "sensitive",
        "legal_facts",
        "audit",
    ]
    assert all(p["legal_basis"] for p in data["purposes"])
    pdf = c.get(f"/privacy/people/{person.pk}/access.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="privacy.access_export").count() == 2
    c.post(f"/privacy/requests/{request.pk}/decide/", {f"decide-{request.pk}-accept": "1"})
    request.refresh_from_db()
    assert request.status == "done"


def test_a_bad_request_names_the_field_and_changes_nothing(client_for, person) -> None:
    c = client_for(Role.ADMIN)
    response = c.post(
        f"/privacy/people/{person.pk}/requests/",
        {"request-kind": "rectification", "request-field": "", "request-proposed_value": "x"},
    )
    assert response.status_code == 422
    assert "health or vulnerabilities" in response.content.decode()
    assert not DataRequest.objects.exists()


def test_a_purge_under_hold_is_refused_on_the_page(client_for, person) -> None:
    c = client_for(Role.ADMIN)
    c.post(f"/privacy/people/{person.pk}/holds/", {"hold-reference": "HC/1", "hold-reason": "r"})
    assert LegalHold.objects.count() == 1
    response = c.post(
        f"/privacy/people/{person.pk}/purge/", {"purge-reason": "erasure", "purge-confirm": "on"}
    )
    assert response.status_code == 409
    assert not Purge.objects.exists()
    assert AuditEvent.objects.filter(action="refused:privacy.purge").count() == 1


def test_the_monitor_reads_the_breach_register_but_cannot_record(client_for, api_client_for):
    admin = client_for(Role.ADMIN)
    response = admin.post(
        "/privacy/breaches/",
        {
            "breach-title": "Lost laptop",
            "breach-description": "A laptop with an export was lost.",
            "breach-discovered_at": "2026-01-01T10:00",
            "breach-people_affected": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    monitor = client_for(Role.MONITOR)
    page = monitor.get("/privacy/breaches/")
    assert page.status_code == 200 and "Lost laptop" in page.content.decode()
    assert "late" in page.content.decode()
    assert (
        monitor.post(
            "/privacy/breaches/", {"breach-title": "x", "breach-description": "y"}
        ).status_code
        == 403
    )
    assert Breach.objects.count() == 1
    api = api_client_for(Role.MONITOR).get("/api/v1/privacy/breaches")
    assert api.status_code == 200 and api.json()["items"][0]["notice_late"] is True
    assert client_for(Role.CASEWORKER).get("/privacy/breaches/").status_code == 403


def test_the_api_refuses_a_purge_under_hold_with_its_code(api_client_for, person) -> None:
    api = api_client_for(Role.ADMIN)
    r = api.post(
        f"/api/v1/privacy/people/{person.pk}/holds",
        {"reference": "HC/2", "reason": "case"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = api.post(
        f"/api/v1/privacy/people/{person.pk}/purge",
        {"reason": "erasure"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "under_legal_hold"
    assert not Purge.objects.exists()


def test_the_purge_command_reports_its_counts() -> None:
    out = StringIO()
    call_command("privacy", "purge", "--dry-run", stdout=out)
    assert json.loads(out.getvalue()) == {
        "purged": 0,
        "held": 0,
        "details_cleared": 0,
        "dry_run": True,
    }
