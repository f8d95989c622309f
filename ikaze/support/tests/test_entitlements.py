"""Entitlements start at check-in (never before a verified arrival), at a recorded rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements.services import support_item_add
from ikaze.core import clock
from ikaze.reception import services as reception
from ikaze.reception.tests.test_services import arrived
from ikaze.support import errors, services
from ikaze.support.models import Entitlement, LedgerEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def _unit(world):
    fac = reception.facility_create(
        actor=world.reception, name="Hope Hostel", district="Gasabo", address="KG 1 Ave"
    )
    return reception.unit_add(actor=world.reception, facility=fac, label="A1", beds=4)


def test_check_in_makes_the_entitlements_of_the_package(world) -> None:
    finance = f.actor(Role.FINANCE_OFFICER)
    support_item_add(
        actor=f.OPERATOR,
        agreement=world.agreement,
        kind="stipend",
        description="Monthly stipend",
        amount_minor=10_000,  # USD 100.00
        currency="USD",
        frequency="monthly",
        duration_months=3,
    )
    support_item_add(
        actor=f.OPERATOR,
        agreement=world.agreement,
        kind="other",
        description="Relief grant",
        amount_minor=100_000,
        currency="RWF",
    )
    services.exchange_rate_record(
        actor=finance,
        currency="USD",
        rwf_per_unit=Decimal("1450.5"),
        rate_date=clock.today_local() - dt.timedelta(days=30),
        source="National Bank of Rwanda",
    )
    (pid,) = arrived(world)
    assert not Entitlement.objects.exists()  # arrived, not yet checked in
    reception.stays_check_in(actor=world.reception, unit=_unit(world), person_ids=[pid])
    rows = sorted(
        Entitlement.objects.values_list("kind", "period", "amount_minor", "source_currency")
    )
    today = clock.today_local()
    months = [
        (today.replace(day=1) + dt.timedelta(days=32 * i)).strftime("%Y-%m") for i in range(3)
    ]
    assert rows == [
        ("other", "once", 100_000, "RWF"),
        *[("stipend", m, 145_050, "USD") for m in months],
    ]
    assert LedgerEntry.objects.filter(event="entitle").count() == 4


def test_without_a_rate_the_item_waits_and_check_in_goes_on(world) -> None:
    support_item_add(
        actor=f.OPERATOR,
        agreement=world.agreement,
        kind="stipend",
        description="Grant",
        amount_minor=10_000,
        currency="USD",
    )
    (pid,) = arrived(world)
    stays = reception.stays_check_in(actor=world.reception, unit=_unit(world), person_ids=[pid])
    assert len(stays) == 1
    assert not Entitlement.objects.exists()


def test_no_entitlement_before_a_verified_arrival(world) -> None:
    from ikaze.movements.tests.conftest import accepted

    r = accepted(world)
    with pytest.raises(errors.NoArrival):
        services.entitlements_generate(
            actor=f.actor(Role.FINANCE_OFFICER), person_ids=[r.person_id]
        )
    assert not Entitlement.objects.exists()


@pytest.mark.parametrize(("rule", "paid"), [("each_adult", 2), ("head", 1)])
def test_a_household_is_paid_to_its_head_or_each_adult(world, rule, paid) -> None:
    from ikaze.people.models import HouseholdMember
    from ikaze.support.models import PackageTerms

    item = support_item_add(
        actor=f.OPERATOR,
        agreement=world.agreement,
        kind="other",
        description="Relief grant",
        amount_minor=100_000,
        currency="RWF",
    )
    PackageTerms.objects.create(support_item=item, payee=rule)
    head, child, spouse = arrived(world, n=3, household="H-PAY")
    HouseholdMember.objects.filter(person_id=spouse).update(role="spouse")  # test data
    reception.stays_check_in(
        actor=world.reception, unit=_unit(world), person_ids=[head, child, spouse]
    )
    payees = set(Entitlement.objects.values_list("person_id", flat=True))
    assert len(payees) == paid
    assert head in payees and child not in payees
