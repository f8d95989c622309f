"""The support pages and API: prepare, approve by another person, send, progress, history."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from ikaze.audit.models import AuditEvent
from ikaze.support.models import Payment, PaymentBatch
from ikaze.support.sender import batch_send_run
from ikaze.support.tests.conftest import entitled
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(actor, *, second_factor: bool = True) -> Client:
    c = Client()
    c.force_login(actor.user)
    if second_factor:
        session = c.session
        session[DEVICE_ID_SESSION_KEY] = f.totp_device(actor.user).persistent_id
        session.save()
    return c


def test_prepare_approve_send_and_watch_through_the_pages(fin, sim) -> None:
    people = entitled(fin, 3)
    officer, approver = _client(fin.officer), _client(fin.approver)
    page = officer.get("/support/")
    assert page.status_code == 200
    r = officer.post(
        "/support/new/",
        {"batch-agreement": str(fin.agreement.pk), "batch-kind": "", "batch-period": ""},
    )
    batch = PaymentBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/support/{batch.pk}/"
    # The maker cannot approve (the button is not theirs; the route answers 403).
    assert officer.post(f"/support/{batch.pk}/approve/").status_code == 403
    detail = approver.get(f"/support/{batch.pk}/")
    assert b'id="approve"' in detail.content
    assert approver.post(f"/support/{batch.pk}/approve/").status_code == 302
    assert officer.post(f"/support/{batch.pk}/send/").status_code == 302
    progress = officer.get(f"/support/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in progress.content
    assert b"0 of 3 sent" in progress.content
    batch_send_run(batch_id=batch.pk)
    progress = officer.get(f"/support/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    assert b"3 of 3 sent: 3 paid" in progress.content
    assert officer.post(f"/support/{batch.pk}/reconcile/").status_code == 302
    history = officer.get(f"/support/people/{people[0].pk}/")
    assert history.status_code == 200
    assert b'data-state="successful"' in history.content
    assert officer.get("/support/reconciliation/").status_code == 200


def test_an_approver_without_a_second_factor_cannot_approve(fin) -> None:
    entitled(fin, 1)
    from ikaze.support import services

    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    c = _client(fin.approver, second_factor=False)
    r = c.post(f"/support/{batch.pk}/approve/")
    assert r.status_code in (302, 403)
    assert PaymentBatch.objects.get().status == "prepared"


def test_the_api_prepares_approves_and_lists(fin, sim) -> None:
    entitled(fin, 2)
    officer, approver = _client(fin.officer), _client(fin.approver)
    r = officer.post(
        "/api/v1/support/batches",
        data=json.dumps({"agreement": fin.agreement.code}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    r = officer.post(f"/api/v1/support/batches/{bid}/approve")
    assert r.status_code == 403
    assert r.json()["error"]["code"] in {"forbidden", "maker_is_checker"}
    r = approver.post(f"/api/v1/support/batches/{bid}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = officer.post(f"/api/v1/support/batches/{bid}/send")
    assert r.status_code == 202 and r.json()["status"] == "sending"
    batch_send_run(batch_id=bid)
    r = officer.get(f"/api/v1/support/batches/{bid}")
    assert [p["state"] for p in r.json()["payments"]] == ["successful", "successful"]
    person = Payment.objects.order_by("pk").first().person_id
    r = officer.get(f"/api/v1/support/people/{person}/payments")
    assert r.json()["payments"][0]["state"] == "successful"
    r = officer.post(
        "/api/v1/support/adjustments",
        data=json.dumps(
            {
                "entitlement": r.json()["entitlements"][0]["id"],
                "kind": "stop",
                "reason_code": "complaint",
                "explanation": "complained",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "forbidden_reason"
    assert AuditEvent.objects.filter(action="refused:support.adjustment_request").count() == 1


def test_the_agreement_page_sets_support_paid_against_compensation(fin, sim) -> None:
    entitled(fin, 2)
    from ikaze.support import services

    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    services.batch_approve(actor=fin.approver, batch=batch)
    services.batch_send(actor=fin.officer, batch=batch)
    batch_send_run(batch_id=batch.pk)
    page = _client(fin.officer).get(f"/agreements/{fin.agreement.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    block = text[text.index('data-testid="support-money"') :][:1500]
    assert "100,000" in block  # two payments of 50,000 RWF
    assert "People supported</dt><dd>2</dd>" in block
    assert "50,000" in block  # per person supported
