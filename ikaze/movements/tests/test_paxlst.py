"""PAXLST: the manifest written with pydifact parses back to the same people and documents;
a carrier's list marks who boarded; a malformed list or one naming strangers is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.core import clock
from ikaze.movements import services
from ikaze.movements.errors import PaxlstInvalid
from ikaze.movements.models import ManifestEntry
from ikaze.movements.paxlst import Flight, paxlst_read, paxlst_write
from ikaze.movements.tests.conftest import accepted, departure_day, propose, refusals, state

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)


def _locked(world, n: int = 2):
    m = propose(world)
    rs = [accepted(world) for _ in range(n)]
    services.manifest_add(actor=world.liaison, movement=m, referral_ids=[r.pk for r in rs])
    services.manifest_lock(actor=world.senior, movement=m)
    m.refresh_from_db()
    return m


def _text(flight: Flight) -> str:
    return paxlst_write(flight=flight, sender="IKAZE", recipient="RWDGIE", reference="M1", now=NOW)


def test_written_paxlst_reads_back_to_the_same_people_and_documents(world) -> None:
    m = _locked(world)
    flight = services.movement_flight(movement=m)
    back = paxlst_read(_text(flight))
    assert back == flight
    assert [p.document_number for p in back.passengers] == [
        p.document_number for p in flight.passengers
    ]
    assert back.passengers[0].surname == "GARCÍA LÓPEZ"
    assert (back.flight_number, back.origin, back.destination) == ("WB711", "IAD", "KGL")


def test_a_carriers_list_marks_who_boarded(world) -> None:
    m = _locked(world)
    flight = services.movement_flight(movement=m)
    carrier = Flight(flight.flight_number, "IAD", "KGL", flight.departure, flight.passengers[:1])
    with departure_day():
        services.movement_depart_from_paxlst(actor=world.senior, movement=m, text=_text(carrier))
    boardings = list(
        ManifestEntry.objects.filter(movement=m)
        .order_by("created_at")
        .values_list("boarding", flat=True)
    )
    assert boardings == ["boarded", "no_show"]


def test_a_list_naming_strangers_or_malformed_is_refused(world) -> None:
    m = _locked(world, 1)
    flight = services.movement_flight(movement=m)
    stranger = flight.passengers[0].__class__(
        **{**flight.passengers[0].__dict__, "document_number": "X9999999"}
    )
    before = state()
    with pytest.raises(PaxlstInvalid) as exc:
        services.movement_depart_from_paxlst(
            actor=world.senior,
            movement=m,
            text=_text(Flight("WB711", "IAD", "KGL", None, (stranger,))),
        )
    assert exc.value.details == {"paxlst": ["X9999999"]}
    with pytest.raises(PaxlstInvalid):
        services.movement_depart_from_paxlst(actor=world.senior, movement=m, text="UNB+garbage")
    assert state() == before
    assert refusals("movement.depart") == 2
    assert clock.now() is not None


def test_manifest_pdf_and_paxlst_pages(world, client) -> None:
    from tests import support

    m = _locked(world, 1)
    c = support.session_client(world.senior.user)
    pdf = c.get(f"/movements/{m.pk}/manifest.pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (
        200,
        "application/pdf",
        b"%PDF-",
    )
    edi = c.get(f"/movements/{m.pk}/paxlst/")
    assert edi.status_code == 200
    assert [p.document_number for p in paxlst_read(edi.content.decode()).passengers] == [
        p.document_number for p in services.movement_flight(movement=m).passengers
    ]


def test_paxlst_api_export_then_import_marks_who_boarded(world) -> None:
    import json

    from tests import support

    m = _locked(world)
    c = support.session_client(world.senior.user)
    out = c.get(f"/api/v1/movements/{m.pk}/paxlst")
    assert out.status_code == 200
    text = out.json()["text"]
    assert paxlst_read(text) == services.movement_flight(movement=m)
    before = state()
    bad = c.post(
        f"/api/v1/movements/{m.pk}/paxlst",
        data=json.dumps({"text": "UNB+garbage"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "paxlst_invalid"
    assert state() == before
    with departure_day():
        done = c.post(
            f"/api/v1/movements/{m.pk}/paxlst",
            data=json.dumps({"text": text}),
            content_type="application/json",
        )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "departed"
    assert set(ManifestEntry.objects.filter(movement=m).values_list("boarding", flat=True)) == {
        "boarded"
    }
