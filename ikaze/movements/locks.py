"""Row locks of movements: every `select_for_update` of its rows is here.

Order: movement → its manifest entries (primary-key order) → incident. The agreement's cap
counters come after (`agreements.services.agreement_consume_place`), and reception locks its
unit before calling `manifest_entry_check_in`, which locks the entry.
"""

from __future__ import annotations

from typing import Any

from ikaze.movements.models import Incident, ManifestEntry, Movement


def movement_lock(pk: Any) -> Movement:
    """The movement's row, locked: serialises every change of one movement and its manifest."""
    return Movement.objects.select_for_update().get(pk=pk)


def entries_lock(pks: list[Any]) -> list[ManifestEntry]:
    """Manifest entries, locked in primary-key order."""
    return list(ManifestEntry.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def incident_lock(pk: Any) -> Incident:
    """One incident, locked (explained once)."""
    return Incident.objects.select_for_update().get(pk=pk)
