"""The reception API: the arrivals desk's search (name, document, MRZ), arrival needs, the
allocation proposal, a change checked, confirmation (idempotent), refusals."""

from __future__ import annotations

import json

import pytest

from ikaze.audit.models import AuditEvent
from ikaze.people import selectors as people
from ikaze.reception.models import ArrivalNeeds, Stay
from ikaze.reception.tests.test_services import _unit, arrived
from tests import support

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict, method: str = "post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_arrivals_search_by_name_document_and_a_wrong_mrz(world) -> None:
    a, b = arrived(world, n=2, household="HH-API")
    (alone,) = arrived(world)
    client = support.session_client(world.reception.user)
    every = client.get("/api/v1/reception/arrivals").json()
    assert sorted(len(g["people"]) for g in every["items"]) == [1, 2]
    doc = people.person_travel_documents(person_ids=[a])[a].number
    by_doc = client.get("/api/v1/reception/arrivals", {"q": doc}).json()
    # One member found by the document brings the household whole.
    assert [sorted(p["id"] for p in g["people"]) for g in by_doc["items"]] == [
        sorted([str(a), str(b)])
    ]
    specimen = (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    )
    bad_mrz = specimen.replace("L898902C36", "L898902C37")  # a wrong check digit
    refused = client.get("/api/v1/reception/arrivals", {"q": bad_mrz})
    assert refused.status_code == 422, refused.content
    name = people.person_names(ids=[alone])[str(alone)]
    by_name = client.get("/api/v1/reception/arrivals", {"q": name}).json()
    assert [str(alone)] in [[p["id"] for p in g["people"]] for g in by_name["items"]]


def test_needs_proposal_check_and_confirm_once(world) -> None:
    (person,) = arrived(world)
    plain = _unit(world, beds=2)
    client = support.session_client(world.reception.user)
    bad = _post(client, f"/api/v1/reception/needs/{person}", {"services": ["spa"]}, "put")
    assert bad.status_code == 422 and ArrivalNeeds.objects.count() == 0
    ok = _post(client, f"/api/v1/reception/needs/{person}", {"accessible": True}, "put")
    assert ok.status_code == 200 and ok.json()["accessible"] is True
    proposal = client.get("/api/v1/reception/allocation").json()
    (h,) = proposal["households"]
    assert proposal["feasible"] is False and h["unit"] is None
    assert h["problems"][0]["code"] == "accessibility"
    check = _post(
        client,
        "/api/v1/reception/allocation/check",
        {"household": h["household"], "unit": str(plain.pk)},
    ).json()
    assert check["fits"] is False and "accessible" in check["problems"][0]
    refused = _post(
        client,
        "/api/v1/reception/allocation/confirm",
        {"placements": [{"household": h["household"], "unit": str(plain.pk)}]},
    ).json()
    assert refused["checked_in"] == [] and refused["refused"][0]["code"] == "unit_unsuitable"
    assert Stay.objects.count() == 0
    _post(client, f"/api/v1/reception/needs/{person}", {"accessible": False}, "put")
    body = {
        "placements": [{"household": h["household"], "unit": str(plain.pk)}],
        "idempotency_key": "confirm-1",
    }
    first = _post(client, "/api/v1/reception/allocation/confirm", body).json()
    again = _post(client, "/api/v1/reception/allocation/confirm", body).json()
    assert len(first["checked_in"]) == 1 and again["checked_in"] == first["checked_in"]
    assert Stay.objects.count() == 1
    assert AuditEvent.objects.filter(action="stay.check_in").count() == 1


def test_check_in_api_sent_twice_counts_once(world) -> None:
    (person,) = arrived(world)
    unit = _unit(world, beds=2)
    client = support.session_client(world.reception.user)
    body = {"unit": str(unit.pk), "people": [str(person)], "idempotency_key": "desk-42"}
    first = _post(client, "/api/v1/reception/check-ins", body)
    again = _post(client, "/api/v1/reception/check-ins", body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and Stay.objects.count() == 1


def test_a_caseworker_cannot_use_the_desk_api(world) -> None:
    from ikaze.accounts.access import Role
    from tests import factories as f

    arrived(world)
    client = support.session_client(f.actor(Role.CASEWORKER).user)
    assert client.get("/api/v1/reception/arrivals").status_code == 403
    assert client.get("/api/v1/reception/allocation").status_code == 403
