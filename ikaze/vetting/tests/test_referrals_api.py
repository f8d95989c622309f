from __future__ import annotations

import pytest

from ikaze.accounts.access import Role
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db

BODY = {
    "person_reference": "US-900",
    "external_reference": "CASE-900",
    "given_names": "Wilson Alexander",
    "first_surname": "Castillo",
    "second_surname": "Ortiz",
    "sex": "M",
    "date_of_birth": "1985-03",
    "nationalities": ["NI"],
    "languages": ["es"],
    "documents": [{"kind": "passport", "number": "C01234567", "issuing_state": "NI"}],
}


def test_create_list_get_withdraw(api_client_for) -> None:
    a = factories.agreement_in_force()
    c = api_client_for(Role.SENDING_LIAISON)
    r = c.post(
        "/api/v1/vetting/referrals", {**BODY, "agreement": a.code}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["agreement"], body["person"]["dob_precision"]) == (
        "submitted",
        a.code,
        "month",
    )
    rid = body["id"]
    listing = c.get("/api/v1/vetting/referrals").json()
    assert [i["id"] for i in listing["items"]] == [rid]
    assert c.get(f"/api/v1/vetting/referrals/{rid}").status_code == 200
    w = c.post(
        f"/api/v1/vetting/referrals/{rid}/withdraw",
        {"reason": "Left the country."},
        content_type="application/json",
    )
    assert w.json()["status"] == "withdrawn"
    again = c.post(
        f"/api/v1/vetting/referrals/{rid}/withdraw",
        {"reason": "x"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"


def test_incomplete_referral_is_422_and_stores_nothing(api_client_for) -> None:
    a = factories.agreement_in_force()
    c = api_client_for(Role.SENDING_LIAISON)
    r = c.post(
        "/api/v1/vetting/referrals",
        {**BODY, "agreement": a.code, "documents": [], "sex": ""},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "incomplete_referral"
    assert sorted(r.json()["error"]["details"]) == ["sex", "travel_document"]
    assert Referral.objects.count() == 0
    from ikaze.people.models import Person

    assert Person.objects.count() == 0


def test_other_organisation_gets_404(api_client_for) -> None:
    a = factories.agreement_in_force()
    r = factories.referral(by=factories.liaison(), agreement=a)
    c = api_client_for(Role.SENDING_LIAISON)
    assert c.get(f"/api/v1/vetting/referrals/{r.pk}").status_code == 404
    officer = api_client_for(Role.VETTING_OFFICER)
    assert officer.get(f"/api/v1/vetting/referrals/{r.pk}").status_code == 200
    assert (
        officer.post(f"/api/v1/vetting/referrals/{r.pk}/review").json()["status"] == "under_review"
    )
