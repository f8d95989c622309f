"""The support part of the demo: the US–Rwanda stipend, people who arrived and were checked in
with their entitlements and checked MoMo numbers, a recorded exchange rate, a batch prepared by
the finance officer and waiting for the approver, and a reduction asked for (B8, visible to the
monitor). `ikaze demo` starts the MoMo simulator the batch is sent to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements import selectors as agreements
from ikaze.core import clock
from ikaze.support import services
from ikaze.support.models import Entitlement
from ikaze.support.seeding import seed_entitled

CODE = "US-RW-2025"
PEOPLE = [
    ("Ana Lucía", "Martínez"),
    ("José Luis", "Hernández"),
    ("Karla", "Mejía"),
    ("Wilmer", "Castillo"),
    ("Yesenia", "Flores"),
    ("Óscar", "Ramírez"),
    ("Dilcia", "Zelaya"),
    ("Elvin", "Paz"),
]


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    finance = actor_for_user(users["finance"])
    agreement = agreements.agreement_list_for(actor=finance).filter(code=CODE).first()
    if agreement is None or agreement.status != "in_force":
        return
    stipend = agreement.support_items.filter(kind="stipend", amount_minor__gt=0).first()
    if stipend is None:
        return
    services.exchange_rate_record(
        actor=finance,
        currency="USD",
        rwf_per_unit=Decimal("1445.80"),
        rate_date=clock.today_local() - dt.timedelta(days=1),
        source="National Bank of Rwanda, reference rate",
    )
    people = seed_entitled(
        agreement=agreement,
        item=stipend,
        n=len(PEOPLE),
        amount=int(stipend.amount_minor or 0),
        period=clock.today_local().strftime("%Y-%m"),
        names=PEOPLE,
        start=1_000,
    )
    # One stipend reduced (part paid twice before): asked by the officer, approved by the
    # approver, visible to the monitor (SAFEGUARDS B8).
    adjustment = services.adjustment_request(
        actor=finance,
        entitlement=Entitlement.objects.get(person=people[-1]),
        kind="reduce",
        reason_code="overpaid",
        explanation="Part of last month's stipend was paid twice; recover 20,000 RWF.",
        new_amount_minor=int(stipend.amount_minor or 0) - 20_000,
    )
    approver = actor_for_user(users["approver"], second_factor=True)
    services.adjustment_approve(actor=approver, adjustment=adjustment)
    services.batch_prepare(
        actor=finance,
        agreement=agreement,
        kind="stipend",
        period=clock.today_local().strftime("%Y-%m"),
    )
