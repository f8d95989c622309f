"""Row locks of reception: every `select_for_update` of its rows is here.

Order: unit(s) in primary-key order → stay(s) in primary-key order → (movements) the manifest
entry. A transfer locks both units, lower key first.
"""

from __future__ import annotations

from typing import Any

from ikaze.reception.models import ArrivalNeeds, Stay, Unit


def units_lock(pks: list[Any]) -> list[Unit]:
    """Units, locked in primary-key order."""
    return list(Unit.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def stay_lock(pk: Any) -> Stay:
    """One stay, locked."""
    return Stay.objects.select_for_update().get(pk=pk)


def arrival_needs_lock(person_id: Any) -> ArrivalNeeds | None:
    """A person's recorded needs, locked (None when none are recorded yet)."""
    return ArrivalNeeds.objects.select_for_update().filter(person_id=person_id).first()
