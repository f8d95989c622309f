"""Reception: check-in (beds, households, sex, idempotency), check-out, transfer, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.movements import services as movements
from ikaze.movements.models import ManifestEntry
from ikaze.movements.tests.conftest import accepted, departure_day, propose
from ikaze.people.services import household_add_member
from ikaze.reception import errors, services
from ikaze.reception.models import Stay, Unit
from tests import factories as f

pytestmark = pytest.mark.django_db


def state() -> dict[str, Any]:
    return {
        "stays": list(Stay.objects.order_by("pk").values_list("pk", "unit_id", "checked_out_at")),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "occupied", "status")),
        "checked_in": list(ManifestEntry.objects.order_by("pk").values_list("pk", "checked_in_at")),
        "changes": AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY).count(),
    }


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action=f"refused:{action}"
    ).count()


def arrived(world, n: int = 1, household: str = "", **person: Any) -> list[Any]:
    """n people (one household when named) who arrived on a movement; their person ids."""
    m = propose(world)
    rs = [accepted(world, **person) for _ in range(n)]
    if household:
        for i, r in enumerate(rs):
            household_add_member(
                actor=world.liaison,
                reference=household,
                person=r.person,
                role="head" if i == 0 else "child",
            )
    entries = movements.manifest_add(
        actor=world.liaison, movement=m, referral_ids=[r.pk for r in rs]
    )
    movements.manifest_lock(actor=world.senior, movement=m)
    with departure_day():
        movements.movement_depart(
            actor=world.senior, movement=m, boarding={str(e.pk): ("boarded", "") for e in entries}
        )
        movements.movement_arrive(
            actor=world.reception, movement=m, arrived=[str(e.pk) for e in entries]
        )
    return [r.person_id for r in rs]


def _unit(world, *, beds: int = 4, shared_by: str = "", family: bool = True) -> Unit:
    facility = services.facility_create(
        actor=world.reception, name=f"F-{Unit.objects.count()}", district="Gasabo", address="Kigali"
    )
    return services.unit_add(
        actor=world.reception,
        facility=facility,
        label="A1",
        beds=beds,
        family_suitable=family,
        shared_by=shared_by,
    )


def test_a_household_checks_in_together_and_fills_beds(world) -> None:
    people = arrived(world, 3, household="H-9")
    unit = _unit(world)
    stays = services.stays_check_in(
        actor=world.reception, unit=unit, person_ids=people, idempotency_key="k1"
    )
    unit.refresh_from_db()
    assert (len(stays), unit.occupied) == (3, 3)
    assert len({s.household_id for s in stays}) == 1
    assert ManifestEntry.objects.filter(checked_in_at__isnull=False).count() == 3


def test_the_same_check_in_sent_twice_counts_once(world) -> None:
    (p,) = arrived(world)
    unit = _unit(world)
    first = services.stays_check_in(
        actor=world.reception, unit=unit, person_ids=[p], idempotency_key="same-key"
    )
    before = state()
    again = services.stays_check_in(
        actor=world.reception, unit=unit, person_ids=[p], idempotency_key="same-key"
    )
    assert [s.pk for s in again] == [s.pk for s in first]
    assert state() == before


def test_checked_in_elsewhere_meanwhile_is_a_conflict(world) -> None:
    (p,) = arrived(world)
    u1, u2 = _unit(world), _unit(world)
    services.stays_check_in(actor=world.reception, unit=u1, person_ids=[p], idempotency_key="a")
    before = state()
    with pytest.raises(errors.AlreadyCheckedIn) as exc:
        services.stays_check_in(actor=world.reception, unit=u2, person_ids=[p], idempotency_key="b")
    assert exc.value.details == {"people": [str(p)]}
    assert state() == before
    assert refusals("stay.check_in") == 1


def test_someone_not_on_an_arrived_manifest_is_refused(world) -> None:
    r = accepted(world)
    unit = _unit(world)
    before = state()
    from ikaze.movements.errors import NotArrived

    with pytest.raises(NotArrived):
        services.stays_check_in(actor=world.reception, unit=unit, person_ids=[r.person_id])
    assert state() == before
    assert refusals("stay.check_in") == 1


def test_overbooking_a_unit_is_refused(world) -> None:
    people = arrived(world, 3, household="H-3")
    unit = _unit(world, beds=2)
    before = state()
    with pytest.raises(errors.NoBed):
        services.stays_check_in(actor=world.reception, unit=unit, person_ids=people)
    assert state() == before


def test_a_shared_room_takes_one_sex_only(world) -> None:
    (p,) = arrived(world, sex="M")
    unit = _unit(world, shared_by="F", family=False)
    before = state()
    with pytest.raises(errors.UnitUnsuitable):
        services.stays_check_in(actor=world.reception, unit=unit, person_ids=[p])
    assert state() == before


def test_check_out_and_transfer_move_the_beds(world) -> None:
    (p,) = arrived(world)
    u1, u2 = _unit(world), _unit(world)
    (stay,) = services.stays_check_in(actor=world.reception, unit=u1, person_ids=[p])
    new = services.stay_transfer(actor=world.reception, stay=stay, unit=u2, reason="Medical")
    u1.refresh_from_db()
    u2.refresh_from_db()
    assert (u1.occupied, u2.occupied, new.transferred_from_id) == (0, 1, stay.pk)
    services.stay_check_out(actor=world.reception, stay=new, reason="Moved to own housing")
    u2.refresh_from_db()
    assert u2.occupied == 0
    before = state()
    with pytest.raises(errors.StayClosed):
        services.stay_check_out(actor=world.reception, stay=new, reason="Again")
    assert state() == before


def test_a_caseworker_cannot_check_in(world) -> None:
    from ikaze.core.errors import PermissionDenied

    unit = _unit(world)
    with pytest.raises(PermissionDenied):
        services.stays_check_in(
            actor=f.actor(Role.CASEWORKER), unit=unit, person_ids=[f.actor(Role.ADMIN).label]
        )
