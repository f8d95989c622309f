"""The allocation proposal (ADR 0022): the households waiting for a bed with their recorded
needs, the units that can take someone now, and CP-SAT's placement. Read by the allocation
page and by the API, so both show the same proposal and the same reasons."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from ikaze.accounts.actor import Actor
from ikaze.movements import selectors as movements
from ikaze.people import selectors as people
from ikaze.reception import allocation, selectors
from ikaze.reception.models import ArrivalNeeds, Service, Unit

# A household with no needs recorded: legal aid, and a school for a family of three or more.
DEFAULT_SERVICES = (Service.LEGAL_AID.value,)
FAMILY_SERVICES = (Service.SCHOOL.value,)
WAITING_MAX = 500


@dataclass
class Waiting:
    """One household waiting for a bed (or one person without a household)."""

    key: str
    people: list[str]
    names: str
    members: list[tuple[str, str]]  # (person id, name)
    accessible: bool
    medical: bool
    medical_km: float
    services: tuple[str, ...]
    needs_recorded: bool
    unit: str = ""  # the proposed unit's id ("" when none)
    why: list[str] = field(default_factory=list)  # why no placement (reason codes)


@dataclass
class Proposal:
    households: list[Waiting]
    units: list[Unit]
    result: allocation.Result | None


def household_spec(
    key: str, members: list[Any], facts: dict[Any, Any], needs: dict[str, ArrivalNeeds]
) -> tuple[allocation.Household, bool]:
    """The allocation's household of these people: the union of their recorded needs (the
    strictest distance to a health service), else the default services."""
    recorded = [needs[str(m)] for m in members if str(m) in needs]
    sexes = {str(facts.get(m, {}).get("sex", "")) for m in members}
    single = len(members) == 1
    services: set[str] = set()
    for n in recorded:
        services.update(n.services)
    if not recorded:
        services.update(DEFAULT_SERVICES + (FAMILY_SERVICES if len(members) >= 3 else ()))
    medical = [float(n.medical_max_km) for n in recorded if n.medical]
    spec = allocation.Household(
        key=key,
        size=len(members),
        sex=sexes.pop() if single and sexes else "",
        accessible=any(n.accessible for n in recorded),
        medical=bool(medical),
        medical_km=min(medical) if medical else allocation.MEDICAL_MAX_KM,
        services=tuple(sorted(services)),
    )
    return spec, bool(recorded)


def unit_spec(u: Unit) -> allocation.Unit:
    return allocation.Unit(
        key=str(u.pk),
        facility=u.facility.name,
        beds=u.free,
        accessible=u.accessible,
        shared_by=u.shared_by,
        distances=tuple(
            sorted(
                (s["service"], 0.0 if s.get("on_site") else float(s.get("km", 0)))
                for s in u.facility.services
            )
        ),
    )


def allocation_proposal(*, actor: Actor, seconds: float = 5.0, solve: bool = True) -> Proposal:
    """The households waiting (arrived, not checked in), the units free now, and the
    placement that keeps every rule with the fewest units and the shortest distances."""
    entries = list(movements.arrived_entries_for(actor=actor)[:WAITING_MAX])
    ids = [e.person_id for e in entries]
    facts = people.person_travel_facts(person_ids=ids)
    names = people.person_names(ids=ids)
    needs = {str(n.person_id): n for n in ArrivalNeeds.objects.filter(person_id__in=ids)}
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for e in entries:
        grouped[e.household_id or e.person_id].append(e.person_id)
    specs: list[allocation.Household] = []
    waiting: list[Waiting] = []
    for key, members in grouped.items():
        spec, recorded = household_spec(str(key), members, facts, needs)
        specs.append(spec)
        waiting.append(
            Waiting(
                key=str(key),
                people=[str(m) for m in members],
                names=", ".join(names.get(str(m), "") for m in members),
                members=[(str(m), names.get(str(m), "")) for m in members],
                accessible=spec.accessible,
                medical=spec.medical,
                medical_km=spec.medical_km,
                services=spec.services,
                needs_recorded=recorded,
            )
        )
    units = selectors.allocation_units(actor=actor)
    result = (
        allocation.solve(specs, [unit_spec(u) for u in units], seconds=seconds)
        if specs and solve
        else None
    )
    if result is not None:
        for w in waiting:
            w.unit = str(result.placement.get(w.key, ""))
            w.why = list(result.problems.get(w.key, []))
    return Proposal(waiting, units, result)


def placement_check(*, actor: Actor, household_key: str, unit_id: str) -> list[str]:
    """Why the unit cannot take the waiting household (empty when it can): the same rules as
    the proposal, read now (for a change by hand before confirming)."""
    from ikaze.core.errors import ValidationError
    from ikaze.reception.services import unit_fit_problems

    entries = [
        e
        for e in movements.arrived_entries_for(actor=actor)[:WAITING_MAX]
        if str(e.household_id or e.person_id) == household_key
    ]
    if not entries:
        raise ValidationError.for_field(
            "household", gettext("No household waiting for a bed by that key.")
        )
    unit = selectors.unit_get_for(actor=actor, unit_id=unit_id)
    ids = [e.person_id for e in entries]
    out: list[str] = []
    if unit.status != Unit.Status.AVAILABLE:
        out.append(gettext("The unit is %(status)s.") % {"status": Unit.Status(unit.status).label})
    if unit.free < len(ids):
        out.append(
            gettext("%(free)d beds are free in %(unit)s, %(n)d people named.")
            % {"free": unit.free, "unit": unit.label, "n": len(ids)}
        )
    sexes = people.person_sexes(person_ids=ids)
    occupants = set(
        unit.stays.filter(checked_out_at__isnull=True).values_list("household_id", flat=True)
    )
    out += unit_fit_problems(
        unit,
        sexes=list(sexes.values()),
        household_ids={e.household_id for e in entries},
        occupants=occupants,
        needs=list(ArrivalNeeds.objects.filter(person_id__in=ids)),
    )
    return out
