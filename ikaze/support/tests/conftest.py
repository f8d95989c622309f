"""Fixtures for support: a MoMo simulator, finance people, entitled people with wallets."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from ikaze.accounts.access import OrgKind, Role
from ikaze.support import ledger
from ikaze.support.models import LedgerEntry, Payment
from ikaze.support.momo_simulator import MomoSimulator
from ikaze.support.seeding import msisdn, seed_entitled
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


def entitled(fin: SimpleNamespace, n: int, *, amount: int = 50_000, start: int = 0) -> list[Any]:
    """n people with a checked wallet and one due entitlement each."""
    return seed_entitled(agreement=fin.agreement, item=fin.item, n=n, amount=amount, start=start)


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


from ikaze.movements.tests.conftest import world  # noqa: E402

__all__ = ["msisdn", "world"]
