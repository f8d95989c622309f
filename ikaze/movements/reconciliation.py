"""The reconciliation of a movement: counts manifest → boarded → arrived → checked in, and the
discrepancies that must each be an incident (ADR 0021). A pure function of the entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# SAFEGUARDS B1: accommodation within 24 hours of arrival.
ACCOMMODATION_WITHIN = dt.timedelta(hours=24)


@dataclass(frozen=True)
class EntryFacts:
    """What the reconciliation reads of one manifest entry."""

    key: Any
    on_manifest: bool
    boarding: str  # pending / boarded / no_show / removed_at_gate
    arrived: bool
    checked_in_at: dt.datetime | None
    arrived_at: dt.datetime | None


@dataclass(frozen=True)
class Reconciliation:
    manifest: int
    boarded: int
    not_boarded: int
    arrived: int
    not_arrived: int
    checked_in: int
    awaiting_check_in: int
    late_check_in: int
    # (entry key, incident kind) for every entry off the path manifest → checked in.
    discrepancies: frozenset[tuple[Any, str]] = field(default_factory=frozenset)

    @property
    def balanced(self) -> bool:
        """Every count is accounted for: each step's count is the next one plus the entries
        that left the path there."""
        return (
            self.manifest == self.boarded + self.not_boarded + self.pending
            and self.boarded == self.arrived + self.not_arrived + self.in_flight
            and self.arrived == self.checked_in + self.awaiting_check_in + self.late_check_in
        )

    pending: int = 0  # on the manifest, boarding not recorded yet (before departure)
    in_flight: int = 0  # boarded, arrival not recorded yet (before arrival)


def reconcile(
    entries: Iterable[EntryFacts], *, departed: bool, arrived: bool, now: dt.datetime
) -> Reconciliation:
    """Count a movement's entries and name each discrepancy (an incident it needs)."""
    manifest = boarded = not_boarded = arrived_n = not_arrived = 0
    checked_in = awaiting = late = pending = in_flight = 0
    found: set[tuple[Any, str]] = set()
    for e in entries:
        if not e.on_manifest:
            continue
        manifest += 1
        if e.boarding == "pending":
            pending += 1
            continue
        if e.boarding != "boarded":
            not_boarded += 1
            if departed:
                found.add((e.key, e.boarding))
            continue
        boarded += 1
        if not e.arrived:
            if arrived:
                not_arrived += 1
                found.add((e.key, "not_arrived"))
            else:
                in_flight += 1
            continue
        arrived_n += 1
        assert e.arrived_at is not None
        due = e.arrived_at + ACCOMMODATION_WITHIN
        if e.checked_in_at is not None:
            checked_in += 1
            if e.checked_in_at > due:
                found.add((e.key, "late_check_in"))
        elif now > due:
            late += 1
            found.add((e.key, "late_check_in"))
        else:
            awaiting += 1
    return Reconciliation(
        manifest=manifest,
        boarded=boarded,
        not_boarded=not_boarded,
        arrived=arrived_n,
        not_arrived=not_arrived,
        checked_in=checked_in,
        awaiting_check_in=awaiting,
        late_check_in=late,
        discrepancies=frozenset(found),
        pending=pending,
        in_flight=in_flight,
    )
