"""Bulk test, demo and benchmark data of support: people with a checked wallet and one due
entitlement each, written directly (ledger included), as a finished check-in would leave them.
Never called by a page, the API or a job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ikaze.core import clock
from ikaze.support import ledger
from ikaze.support.models import Entitlement, Wallet


def msisdn(i: int) -> str:
    """A valid MTN Rwanda number, distinct for each i below 10 million."""
    return f"25078{i:07d}"


def seed_entitled(
    *,
    agreement: Any,
    item: Any,
    n: int,
    amount: int = 50_000,
    start: int = 0,
    period: str = "once",
    names: list[tuple[str, str]] | None = None,
) -> list[Any]:
    """n people entitled to `amount` RWF under `item`, each with a checked wallet."""
    from ikaze.people.models import Person

    now = clock.now() - dt.timedelta(days=1)
    named = names or [(f"Payee {i}", "Bench") for i in range(start, start + n)]
    people = Person.objects.bulk_create(
        [Person(given_names=g, first_surname=s) for g, s in named[:n]], batch_size=1000
    )
    Wallet.objects.bulk_create(
        [
            Wallet(
                person=p,
                msisdn=msisdn(start + i),
                holder_name=f"{p.given_names} {p.first_surname}",
                active=True,
                checked_at=now,
            )
            for i, p in enumerate(people)
        ],
        batch_size=1000,
    )
    ents = Entitlement.objects.bulk_create(
        [
            Entitlement(
                person=p,
                agreement=agreement,
                support_item=item,
                kind=item.kind,
                period=period,
                due_date=now.date(),
                source_amount_minor=amount,
                source_currency="RWF",
                amount_minor=amount,
                arrived_at=now,
                checked_in_at=now,
            )
            for p in people
        ],
        batch_size=1000,
    )
    ledger.post_many(
        ledger.entry("entitle", amount_minor=amount, currency="RWF", entitlement_id=e.pk)
        for e in ents
    )
    return people
