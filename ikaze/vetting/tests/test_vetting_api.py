"""The vetting API: facts, evaluation, decisions, overrides, notices, alerts, the queue."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.vetting.models import Decision, LegalEventRecord, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vetting"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_block_then_fact_then_accept_then_liaison_sees_decision(client_for) -> None:
    officer_client = client_for(Role.VETTING_OFFICER)
    ag = f.agreement(status="in_force", tranche_cap=3)
    liaison = f.liaison(country=ag.sending_state)
    r = f.referral(by=liaison, agreement=ag)
    f.clear_facts(by=f.vetting_officer(), referral=r)
    stay = post(
        officer_client,
        f"{BASE}/referrals/{r.pk}/facts",
        {
            "kind": "court_stay_granted",
            "payload": {"stay_ref": "S-9", "court": "High Court", "measure": "stay"},
            "effective_at": clock.today_local().isoformat(),
            "source_document": "ORDER-9",
        },
    )
    assert stay.status_code == 201, stay.content
    refused = post(officer_client, f"{BASE}/referrals/{r.pk}/accept", {"reason": "ok"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "blocked"
    assert list(refused.json()["error"]["details"]) == ["A8"]
    assert Referral.objects.get(pk=r.pk).status == "submitted"
    lifted = post(
        officer_client,
        f"{BASE}/referrals/{r.pk}/facts",
        {
            "kind": "court_stay_lifted",
            "payload": {"stay_ref": "S-9", "court": "High Court"},
            "effective_at": clock.today_local().isoformat(),
            "source_document": "ORDER-10",
        },
    )
    assert lifted.status_code == 201
    ok = post(officer_client, f"{BASE}/referrals/{r.pk}/accept", {"reason": "Meets criteria."})
    assert ok.status_code == 201, ok.content
    assert ok.json()["outcome"] == "accepted"
    ev = officer_client.get(f"{BASE}/referrals/{r.pk}/evaluation").json()
    assert ev["stage"] == "decision" and ev["blocked"] is False
    assert {x["rule_id"] for x in ev["findings"]} >= {"A1", "A8", "A13"}
    # The sending liaison sees the decision on its own referral, and not the vetting file.
    from django.test import Client

    from ikaze.accounts.actor import actor_for_user  # noqa: F401

    lc = Client()
    lc.force_login(liaison.user)
    mine = lc.get(f"{BASE}/referrals/{r.pk}/decisions")
    assert mine.status_code == 200
    assert [d["outcome"] for d in mine.json()] == ["accepted"]
    assert lc.get(f"{BASE}/referrals/{r.pk}/facts").status_code == 404
    assert lc.get(f"{BASE}/referrals/{r.pk}/evaluation").status_code == 404
    other = Client()
    other.force_login(f.liaison(country=ag.sending_state).user)
    assert other.get(f"{BASE}/referrals/{r.pk}/decisions").status_code == 404


def test_bad_fact_is_422_and_stores_nothing(client_for) -> None:
    c = client_for(Role.VETTING_OFFICER)
    r = f.vetting_referral(clear=False)
    before = LegalEventRecord.objects.count()
    res = post(
        c,
        f"{BASE}/referrals/{r.pk}/facts",
        {
            "kind": "court_stay_granted",
            "payload": {},
            "effective_at": "2026-01-01",
            "source_document": "X",
        },
    )
    assert res.status_code == 422
    assert "payload.stay_ref" in res.json()["error"]["details"]
    assert LegalEventRecord.objects.count() == before


def test_notice_pdf_download_in_spanish(client_for) -> None:
    c = client_for(Role.VETTING_OFFICER)
    r = f.vetting_referral()
    assert post(c, f"{BASE}/referrals/{r.pk}/accept", {"reason": "ok"}).status_code == 201
    n = post(c, f"{BASE}/referrals/{r.pk}/notices", {"kind": "decision"})
    assert n.status_code == 201, n.content
    assert n.json()["template_language"] == "es"
    pdf = c.get(f"{BASE}/notices/{n.json()['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-"


def test_refuse_needs_codes(client_for) -> None:
    c = client_for(Role.VETTING_OFFICER)
    r = f.vetting_referral()
    res = post(c, f"{BASE}/referrals/{r.pk}/refuse", {"reason_codes": []})
    assert res.status_code == 422
    assert Decision.objects.count() == 0
    ok = post(c, f"{BASE}/referrals/{r.pk}/refuse", {"reason_codes": ["incomplete_referral"]})
    assert ok.status_code == 201
    assert ok.json()["reason_codes"] == ["incomplete_referral"]


def test_queue_query_count_is_pinned(client_for) -> None:
    c = client_for(Role.VETTING_OFFICER)
    ag = f.agreement(status="in_force")
    f.vetting_referral(agreement=ag, clear=False)
    c.get(f"{BASE}/queue")
    with CaptureQueriesContext(connection) as few:
        assert c.get(f"{BASE}/queue?agreement={ag.code}").json()["total"] == 1
    from ikaze.vetting.services import referral_evaluate

    officer = f.vetting_officer()
    for _ in range(3):
        r = f.vetting_referral(agreement=ag, clear=False)
        referral_evaluate(actor=officer, referral=r, stage="referral")
    with CaptureQueriesContext(connection) as many:
        page = c.get(f"{BASE}/queue?agreement={ag.code}&has_blocks=yes").json()
    # Four: submission evaluated the first referral too (no assessment yet: A3 blocks).
    assert page["total"] == 4
    assert all(item["blocked"] is True for item in page["items"])
    assert len(many) == len(few)


def test_liaison_cannot_use_the_queue(client_for) -> None:
    assert client_for(Role.SENDING_LIAISON).get(f"{BASE}/queue").status_code == 403
