"""Arrival needs: recorded at reception, honoured by the allocation and by every check-in;
bad input refused with the field named, nothing changed, the refusal audited."""

from __future__ import annotations

import pytest

from ikaze.core.errors import NotFound, ValidationError
from ikaze.reception import errors, services
from ikaze.reception.models import ArrivalNeeds, Stay
from ikaze.reception.proposal import allocation_proposal, placement_check
from ikaze.reception.tests.test_services import _unit, arrived, refusals, state
from tests import support

pytestmark = pytest.mark.django_db


def _facility_unit(world, *, clinic_km: float | None, accessible: bool, beds: int = 4):
    near = [] if clinic_km is None else [{"service": "clinic", "km": clinic_km}]
    facility = services.facility_create(
        actor=world.reception,
        name=f"Clinic {clinic_km} {accessible}",
        district="Gasabo",
        address="Kigali",
        services=near,
    )
    return services.unit_add(
        actor=world.reception,
        facility=facility,
        label="U1",
        beds=beds,
        accessible=accessible,
        family_suitable=True,
    )


def test_needs_are_recorded_and_recorded_again_replace(world) -> None:
    (person,) = arrived(world)
    services.arrival_needs_record(
        actor=world.reception, person_id=person, accessible=True, services=["school"]
    )
    n = services.arrival_needs_record(
        actor=world.reception,
        person_id=person,
        medical=True,
        medical_max_km="1.5",
        services=["clinic", "legal_aid"],
    )
    assert ArrivalNeeds.objects.count() == 1
    assert (n.accessible, n.medical, str(n.medical_max_km), n.services) == (
        False,
        True,
        "1.5",
        ["clinic", "legal_aid"],
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"services": ["spa"]}, "services"),
        ({"services": ["school", "school"]}, "services"),
        ({"medical": True, "medical_max_km": "0"}, "medical_max_km"),
        ({"medical": True, "medical_max_km": "far"}, "medical_max_km"),
    ],
)
def test_bad_needs_are_refused_naming_the_field(world, kwargs, field) -> None:
    (person,) = arrived(world)
    before, refused = state(), refusals("arrival_needs.record")
    with pytest.raises(ValidationError) as exc:
        services.arrival_needs_record(actor=world.reception, person_id=person, **kwargs)
    assert field in exc.value.details
    assert state() == before and ArrivalNeeds.objects.count() == 0
    assert refusals("arrival_needs.record") == refused + 1


def test_needs_only_for_someone_waiting_for_a_bed(world) -> None:
    (person,) = arrived(world)
    unit = _unit(world, beds=2)
    services.stays_check_in(actor=world.reception, unit=unit, person_ids=[person])
    with pytest.raises(NotFound):
        services.arrival_needs_record(actor=world.reception, person_id=person, accessible=True)
    with pytest.raises(NotFound):
        services.arrival_needs_record(actor=world.reception, person_id="not-a-uuid")
    assert ArrivalNeeds.objects.count() == 0


def test_check_in_and_proposal_honour_accessibility_and_medical_distance(world) -> None:
    (person,) = arrived(world)
    plain_near = _facility_unit(world, clinic_km=0.5, accessible=False)
    access_far = _facility_unit(world, clinic_km=8.0, accessible=True)
    access_near = _facility_unit(world, clinic_km=1.0, accessible=True)
    services.arrival_needs_record(
        actor=world.reception, person_id=person, accessible=True, medical=True, medical_max_km=2
    )
    proposal = allocation_proposal(actor=world.reception)
    assert proposal.households[0].unit == str(access_near.pk)
    key = proposal.households[0].key
    assert placement_check(actor=world.reception, household_key=key, unit_id=str(access_far.pk))
    assert (
        placement_check(actor=world.reception, household_key=key, unit_id=str(access_near.pk)) == []
    )
    before = state()
    for unit in (plain_near, access_far):
        with pytest.raises(errors.UnitUnsuitable):
            services.stays_check_in(actor=world.reception, unit=unit, person_ids=[person])
    assert state() == before
    services.stays_check_in(actor=world.reception, unit=access_near, person_ids=[person])
    assert Stay.objects.get().unit_id == access_near.pk


def test_no_placement_names_the_person_and_the_need(world) -> None:
    (person,) = arrived(world, sex="F")
    _facility_unit(world, clinic_km=None, accessible=True)
    services.arrival_needs_record(actor=world.reception, person_id=person, medical=True)
    proposal = allocation_proposal(actor=world.reception)
    assert proposal.result is not None and proposal.result.placement == {}
    assert proposal.households[0].why == ["medical"]
    page = support.session_client(world.reception.user).get("/reception/allocation/")
    assert "Needs a health service nearby" in page.content.decode()


def test_needs_page_records_and_refuses(world) -> None:
    (person,) = arrived(world)
    client = support.session_client(world.reception.user)
    url = f"/reception/needs/{person}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"medical": "on", "medical_max_km": "500"})
    assert bad.status_code == 400 and ArrivalNeeds.objects.count() == 0
    ok = client.post(url, {"accessible": "on", "services": ["school", "legal_aid"]})
    assert ok.status_code == 302
    assert ArrivalNeeds.objects.get().services == ["legal_aid", "school"]
    page = client.get("/reception/allocation/").content.decode()
    assert "accessible unit" in page and "Legal aid" in page


def test_facility_page_shows_service_names_not_codes(world) -> None:
    facility = services.facility_create(
        actor=world.reception,
        name="Hope",
        district="Gasabo",
        address="Kigali",
        services=[{"service": "legal_aid", "km": 3.5}, {"service": "laundry", "km": 0}],
    )
    page = support.session_client(world.reception.user).get(f"/reception/{facility.pk}/")
    text = page.content.decode()
    assert "Legal aid (3.5 km)" in text and "legal_aid" not in text
    assert "laundry" in text  # a service Ikaze has no name for is shown as written
