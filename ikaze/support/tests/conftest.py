"""Fixtures for support: a MoMo simulator, finance people, entitled people with wallets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from ikaze.accounts.access import OrgKind, Role
from ikaze.core import clock
from ikaze.people.models import Person
from ikaze.support import ledger
from ikaze.support.models import Entitlement, LedgerEntry, Payment, Wallet
from ikaze.support.momo_simulator import MomoSimulator
from tests import factories as f


@pytest.fixture
def sim() -> Iterator[MomoSimulator]:
    with MomoSimulator(timeout_seconds=0.6, pending_polls=2) as s:
        config = {"momo": {"base_url": s.url, "timeout": 0.3, "connections": 8}}
        with override_settings(IKAZE_PAYMENT_PROVIDERS=config, IKAZE_SUPPORT_SEND_WORKERS=8):
            yield s


@pytest.fixture
def fin(db) -> SimpleNamespace:
    rw = f.organisation(OrgKind.RECEIVING_STATE)
    agreement = f.agreement(status="in_force", tranche_cap=20)
    from ikaze.agreements.services import support_item_add

    item = support_item_add(
        actor=f.OPERATOR,
        agreement=agreement,
        kind="stipend",
        description="Relief grant",
        amount_minor=50_000,
        currency="RWF",
    )
    return SimpleNamespace(
        agreement=agreement,
        item=item,
        officer=f.actor(Role.FINANCE_OFFICER, organisation_=rw),
        approver=f.actor(Role.FINANCE_APPROVER, organisation_=rw),
        approver2=f.actor(Role.FINANCE_APPROVER, organisation_=rw),
        monitor=f.actor(Role.MONITOR),
    )


def msisdn(i: int) -> str:
    return f"25078{i:07d}"


def entitled(fin: SimpleNamespace, n: int, *, amount: int = 50_000, start: int = 0) -> list[Any]:
    """n people with a checked wallet and one due entitlement each (test data, made directly)."""
    now = clock.now() - dt.timedelta(days=1)
    people = Person.objects.bulk_create(
        [Person(given_names=f"P{i}", first_surname="Test") for i in range(start, start + n)]
    )
    Wallet.objects.bulk_create(
        [
            Wallet(person=p, msisdn=msisdn(start + i), active=True, checked_at=now)
            for i, p in enumerate(people)
        ]
    )
    ents = Entitlement.objects.bulk_create(
        [
            Entitlement(
                person=p,
                agreement=fin.agreement,
                support_item=fin.item,
                kind="stipend",
                period="once",
                due_date=now.date(),
                source_amount_minor=amount,
                source_currency="RWF",
                amount_minor=amount,
                arrived_at=now,
                checked_in_at=now,
            )
            for p in people
        ]
    )
    ledger.post_many(
        ledger.entry("entitle", amount_minor=amount, currency="RWF", entitlement_id=e.pk)
        for e in ents
    )
    return people


def assert_ledger_consistent() -> None:
    """The ledger balances and agrees with the payments' states."""
    b = ledger.balances()
    assert sum(b.values()) == 0
    paid = sum(Payment.objects.filter(state="successful").values_list("amount_minor", flat=True))
    assert b["paid"] == paid
    transit = sum(
        Payment.objects.filter(state__in=["submitted", "pending"]).values_list(
            "amount_minor", flat=True
        )
    )
    assert b["in_transit"] == transit
    assert (
        LedgerEntry.objects.filter(debit="paid").values("entitlement_id").distinct().count()
        == LedgerEntry.objects.filter(debit="paid").count()
    )
