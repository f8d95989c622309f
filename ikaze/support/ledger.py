"""The double-entry ledger of support: its postings and balances (append-only, see models).

Each posting is one `LedgerEntry` moving an amount from `credit` into `debit`. The accounts
and the path a payment takes through them:

    budget ─entitle→ payable ─submit→ in_transit ─settle→ paid
                        ↑                 └──fail──→ failed ─retry→ payable
                        └ refused (payable → failed) · reduce/stop (payable → returned)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Sum

from ikaze.support.models import Account, LedgerEntry

# event -> (debit, credit)
POSTINGS: dict[str, tuple[str, str]] = {
    "entitle": (Account.PAYABLE, Account.BUDGET),
    "submit": (Account.IN_TRANSIT, Account.PAYABLE),
    "settle": (Account.PAID, Account.IN_TRANSIT),
    "fail": (Account.FAILED, Account.IN_TRANSIT),
    "refused": (Account.FAILED, Account.PAYABLE),
    "retry": (Account.PAYABLE, Account.FAILED),
    "reduce": (Account.RETURNED, Account.PAYABLE),
}


def entry(
    event: str, *, amount_minor: int, currency: str, entitlement_id: Any, payment_id: Any = None
) -> LedgerEntry:
    """An unsaved entry of `event` (save it with `post_many`)."""
    debit, credit = POSTINGS[event]
    return LedgerEntry(
        event=event,
        debit=debit,
        credit=credit,
        amount_minor=amount_minor,
        currency=currency,
        entitlement_id=entitlement_id,
        payment_id=payment_id,
    )


def post_many(entries: Iterable[LedgerEntry]) -> None:
    """Append entries (in the caller's transaction)."""
    LedgerEntry.objects.bulk_create(list(entries), batch_size=500)


def balances(*, currency: str = "RWF", **filters: Any) -> dict[str, int]:
    """Each account's balance (debits minus credits); they always sum to zero."""
    out: dict[str, int] = defaultdict(int)
    qs = LedgerEntry.objects.filter(currency=currency, **filters)
    for row in qs.values("debit").annotate(total=Sum("amount_minor")):
        out[row["debit"]] += int(row["total"])
    for row in qs.values("credit").annotate(total=Sum("amount_minor")):
        out[row["credit"]] -= int(row["total"])
    return {a: out.get(a, 0) for a in Account.values}


def failed_by_entitlement(entitlement_ids: list[Any]) -> dict[Any, int]:
    """What sits in the failed account per entitlement (a failed payment not yet retried)."""
    out: dict[Any, int] = defaultdict(int)
    qs = LedgerEntry.objects.filter(entitlement_id__in=entitlement_ids)
    for row in (
        qs.filter(debit=Account.FAILED).values("entitlement_id").annotate(t=Sum("amount_minor"))
    ):
        out[row["entitlement_id"]] += int(row["t"])
    for row in (
        qs.filter(credit=Account.FAILED).values("entitlement_id").annotate(t=Sum("amount_minor"))
    ):
        out[row["entitlement_id"]] -= int(row["t"])
    return dict(out)
