"""Row locks of support: every `select_for_update` of its rows is here.

Order: batch → its entitlements (primary-key order) → adjustment.
"""

from __future__ import annotations

from typing import Any

from ikaze.support.models import Adjustment, Entitlement, PaymentBatch


def batch_lock(pk: Any) -> PaymentBatch:
    """The batch's row, locked: serialises approval and cancellation."""
    return PaymentBatch.objects.select_for_update().get(pk=pk)


def entitlements_lock(pks: list[Any]) -> list[Entitlement]:
    """Entitlements, locked in primary-key order."""
    return list(Entitlement.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def adjustment_lock(pk: Any) -> Adjustment:
    """One adjustment, locked (approved once)."""
    return Adjustment.objects.select_for_update().get(pk=pk)
