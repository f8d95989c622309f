"""Payee numbers (SAFEGUARDS E3), the account-holder check, exchange rates, through the API."""

from __future__ import annotations

import json

import pytest

from ikaze.audit.models import AuditEvent
from ikaze.support import errors
from ikaze.support.models import ExchangeRate, Wallet
from ikaze.support.phones import msisdn_normalise
from ikaze.support.tests.conftest import entitled
from ikaze.support.tests.test_pages import _client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+250 788 123 456", "250788123456"),
        ("0788123456", "250788123456"),
        ("+250791234567", "250791234567"),
    ],
)
def test_rwandan_mtn_numbers_are_stored_in_e164(typed, stored) -> None:
    assert msisdn_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed", ["+250 72 123 4567", "+1 202 555 0143", "0788", "not a number", "+250 788 123 45"]
)
def test_other_numbers_are_refused_naming_the_field(typed) -> None:
    with pytest.raises(errors.PhoneInvalid) as exc:
        msisdn_normalise(typed)
    assert list(exc.value.details) == ["msisdn"]


def test_a_wallet_is_recorded_with_the_holders_name_once_checked(fin, sim) -> None:
    (person,) = entitled(fin, 1)
    Wallet.objects.filter(person=person).delete()
    sim.state.names["250788123456"] = "Ana Martínez"
    c = _client(fin.officer)
    r = c.put(
        f"/api/v1/support/people/{person.pk}/wallet",
        data=json.dumps({"msisdn": "+250 788 123 456"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["msisdn"], r.json()["holder_name"], r.json()["active"]) == (
        "250788123456",
        "Ana Martínez",
        True,
    )


def test_a_closed_account_or_a_bad_number_is_refused_and_nothing_stored(fin, sim) -> None:
    (person,) = entitled(fin, 1)
    Wallet.objects.filter(person=person).delete()
    sim.state.closed.add("250788999999")
    c = _client(fin.officer)
    for number, code in (("+250788999999", "payee_inactive"), ("+250721234567", "phone_invalid")):
        r = c.put(
            f"/api/v1/support/people/{person.pk}/wallet",
            data=json.dumps({"msisdn": number}),
            content_type="application/json",
        )
        assert r.json()["error"]["code"] == code
    assert not Wallet.objects.exists()
    assert AuditEvent.objects.filter(action="refused:support.wallet_register").count() == 2


def test_a_rate_is_recorded_once_per_day_with_its_source(fin) -> None:
    c = _client(fin.officer)
    body = {
        "currency": "usd",
        "rwf_per_unit": "1445.80",
        "rate_date": "2026-01-05",
        "source": "BNR",
    }
    r = c.post("/api/v1/support/rates", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    assert (r.json()["currency"], r.json()["rwf_per_unit"]) == ("USD", "1445.80")
    r = c.post("/api/v1/support/rates", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {
        "rate_date": ["A rate of this currency is recorded for this date already."]
    }
    bad = body | {"rwf_per_unit": "abc", "rate_date": "2026-01-06"}
    r = c.post("/api/v1/support/rates", data=json.dumps(bad), content_type="application/json")
    assert r.status_code == 422 and "rwf_per_unit" in r.json()["error"]["details"]
    assert ExchangeRate.objects.count() == 1


def test_a_reduction_is_approved_through_the_api_by_another_person(fin) -> None:
    entitled(fin, 1)
    from ikaze.support import services
    from ikaze.support.models import Entitlement

    adj = services.adjustment_request(
        actor=fin.officer,
        entitlement=Entitlement.objects.get(),
        kind="stop",
        reason_code="left_country",
        explanation="Left for Uganda on 3 March.",
    )
    r = _client(fin.approver).post(f"/api/v1/support/adjustments/{adj.pk}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert Entitlement.objects.get().status == "stopped"
