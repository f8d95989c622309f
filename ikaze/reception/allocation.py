"""Housing allocation with OR-Tools CP-SAT (ADR 0022): a pure function of households and units.

Rules (issue 13 item 3):
- a household is never split across units; beds are never exceeded;
- a unit shared by sex takes only single adults of that sex (several of them); any other unit
  takes one household, so children live only with their household;
- accessibility needs get an accessible unit; a medical need gets a facility with a clinic
  within the household's `medical_km` (`MEDICAL_MAX_KM` unless recorded otherwise);
- minimise the units opened, then the distance from each household to the services it needs.

Households and units of the same kind are interchangeable, so the model counts how many of each
kind of household go to each kind of unit (a transportation problem) instead of one Boolean per
(household, unit) pair: 2,000 households and 600 units solve to proven optimality in seconds.
The counts are then turned into one unit per household, deterministically.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

MEDICAL_MAX_KM = 2.0
UNIT_WEIGHT = 1000  # one unit opened weighs as much as 100 km of distance (in 0.1 km)


# Why a household has no placement (the codes of `Result.problems`), for people to read.
REASONS = {
    "beds": gettext_lazy("No unit has enough beds for the whole household."),
    "shared_by_sex": gettext_lazy("Only rooms shared by the other sex are left."),
    "accessibility": gettext_lazy("Needs an accessible unit: none is left for them."),
    "medical": gettext_lazy("Needs a health service nearby: no unit left is close enough to one."),
    "capacity": gettext_lazy("Not enough free beds or units for everyone waiting."),
    "no_unit": gettext_lazy("No unit is available."),
}


def reason_labels(codes: Sequence[str]) -> list[str]:
    return [str(REASONS.get(c, c)) for c in codes]


@dataclass(frozen=True)
class Household:
    key: Any
    size: int
    sex: str = ""  # for a single adult: "F" or "M"
    accessible: bool = False
    medical: bool = False
    services: tuple[str, ...] = ()  # the services it needs nearby (clinic, school, legal_aid)
    medical_km: float = MEDICAL_MAX_KM  # a medical need: a clinic within this distance

    @property
    def single(self) -> bool:
        return self.size == 1

    @property
    def kind(self) -> tuple[Any, ...]:
        return (
            self.size,
            self.sex if self.single else "",
            self.accessible,
            self.medical,
            self.services,
            self.medical_km if self.medical else 0.0,
        )


@dataclass(frozen=True)
class Unit:
    key: Any
    facility: Any
    beds: int
    accessible: bool = False
    shared_by: str = ""
    distances: tuple[tuple[str, float], ...] = ()  # the facility's services, km

    def km(self, service: str) -> float | None:
        found = [d for s, d in self.distances if s == service]
        return min(found) if found else None

    @property
    def kind(self) -> tuple[Any, ...]:
        return (self.facility, self.beds, self.accessible, self.shared_by, self.distances)


@dataclass
class Result:
    placement: dict[Any, Any]  # household key -> unit key
    objective: int
    units_opened: int
    distance: int  # 0.1 km, summed over households and their services
    optimal: bool
    gap: float
    seconds: float
    problems: dict[Any, list[str]] = field(default_factory=dict)  # when none exists: why

    @property
    def feasible(self) -> bool:
        return not self.problems


def fits(h: Household, u: Unit) -> list[str]:
    """Why unit `u` cannot take household `h` (empty when it can): the one list of rules the
    solver, the baseline and a manual change all check."""
    out = []
    if h.size > u.beds:
        out.append("beds")
    if u.shared_by and (not h.single or h.sex != u.shared_by):
        out.append("shared_by_sex")
    if h.accessible and not u.accessible:
        out.append("accessibility")
    if h.medical:
        clinic = u.km("clinic")
        if clinic is None or clinic > h.medical_km:
            out.append("medical")
    return out


def cost(h: Household, u: Unit) -> int:
    """Distance from the unit's facility to the services the household needs, in 0.1 km (a
    missing service counts 50 km)."""
    total = 0.0
    for s in h.services:
        d = u.km(s)
        total += 50.0 if d is None else d
    return round(total * 10)


def objective_of(
    households: Sequence[Household], units: Sequence[Unit], placement: dict[Any, Any]
) -> tuple[int, int, int]:
    by_h = {h.key: h for h in households}
    by_u = {u.key: u for u in units}
    opened = len(set(placement.values()))
    distance = sum(cost(by_h[h], by_u[u]) for h, u in placement.items())
    return UNIT_WEIGHT * opened + distance, opened, distance


def explain_infeasible(
    households: Sequence[Household], units: Sequence[Unit]
) -> dict[Any, list[str]]:
    """For each household no unit can take, the rule that stops every unit (the one that
    rules out the most units); empty when every household fits somewhere on its own."""
    out: dict[Any, list[str]] = {}
    for h in households:
        reasons = [fits(h, u) for u in units]
        if all(reasons):
            counts = Counter(r for rs in reasons for r in rs)
            out[h.key] = [r for r, _n in counts.most_common(1)] if counts else ["no_unit"]
    return out


def first_fit(households: Sequence[Household], units: Sequence[Unit]) -> Result:
    """The baseline: households in order, largest first, each into the first unit with room."""
    started = time.perf_counter()
    free = {u.key: u.beds for u in units}
    taken: set[Any] = set()
    placement: dict[Any, Any] = {}
    problems: dict[Any, list[str]] = {}
    for h in sorted(households, key=lambda h: (-h.size, str(h.key))):
        for u in units:
            if fits(h, u) or free[u.key] < h.size:
                continue
            if not u.shared_by and u.key in taken:
                continue
            placement[h.key] = u.key
            free[u.key] -= h.size
            taken.add(u.key)
            break
        else:
            problems[h.key] = ["capacity"]
    obj, opened, distance = objective_of(households, units, placement)
    return Result(
        placement, obj, opened, distance, False, 0.0, time.perf_counter() - started, problems
    )


def solve(
    households: Sequence[Household],
    units: Sequence[Unit],
    *,
    seconds: float = 10.0,
    workers: int = 2,
) -> Result:
    """The placement that minimises units opened, then distance (CP-SAT)."""
    started = time.perf_counter()
    alone = explain_infeasible(households, units)
    if alone:
        return Result({}, 0, 0, 0, False, 0.0, time.perf_counter() - started, alone)
    h_kinds: dict[tuple[Any, ...], list[Household]] = defaultdict(list)
    for h in households:
        h_kinds[h.kind].append(h)
    solved = _solve_counts(h_kinds, units, seconds=seconds, workers=workers, slack=False)
    if solved is None:
        # No placement for everyone: place as many people as can be, then name each one left
        # out and the rule that stops every unit still free (accessibility, a clinic near
        # enough, beds, sex) or, when no unit is free at all, capacity.
        solved = _solve_counts(h_kinds, units, seconds=seconds, workers=workers, slack=True)
        return Result(
            {},
            0,
            0,
            0,
            False,
            0.0,
            time.perf_counter() - started,
            _left_out(households, units, solved[0] if solved else {}),
        )
    placement, status_optimal, value, bound = solved
    obj, opened, distance = objective_of(households, units, placement)
    gap = 0.0 if value <= 0 else max(0.0, (value - bound) / value)
    return Result(
        placement,
        obj,
        opened,
        distance,
        status_optimal,
        gap,
        time.perf_counter() - started,
    )


_SHORT = 10**7  # a person left without a unit weighs more than any placement


def _left_out(
    households: Sequence[Household], units: Sequence[Unit], placement: dict[Any, Any]
) -> dict[Any, list[str]]:
    """Each household the best partial placement leaves out, with the rule that stops every
    unit still free for it ("capacity" when none is free)."""
    used: Counter[Any] = Counter()
    by_h = {h.key: h for h in households}
    for hk, uk in placement.items():
        used[uk] += by_h[hk].size
    still_free = [
        u
        for u in units
        if (u.shared_by and used[u.key] < u.beds) or (not u.shared_by and not used[u.key])
    ]
    out: dict[Any, list[str]] = {}
    for h in households:
        if h.key in placement:
            continue
        counts = Counter(r for u in still_free for r in fits(h, u))
        if not still_free or not counts:
            out[h.key] = ["capacity"]
        else:
            out[h.key] = [counts.most_common(1)[0][0]]
    return out


def _solve_counts(
    h_kinds: dict[tuple[Any, ...], list[Household]],
    units: Sequence[Unit],
    *,
    seconds: float,
    workers: int,
    slack: bool,
) -> tuple[dict[Any, Any], bool, float, float] | None:
    """The CP-SAT model over kinds of households and units; the placement, whether proven
    optimal, the objective and its bound; None when no placement exists. With `slack`,
    households may be left out (at a price above any placement), so a placement always
    exists and those left out are the ones that cannot all be housed."""
    from ortools.sat.python import cp_model

    private: dict[tuple[Any, ...], list[Unit]] = defaultdict(list)
    for u in units:
        if not u.shared_by:
            private[u.kind].append(u)
    model = cp_model.CpModel()
    terms: list[Any] = []
    # Private units of a kind: how many households of each kind go there (one per unit).
    m: dict[tuple[Any, Any], Any] = {}
    for hk, hs in h_kinds.items():
        h0 = hs[0]
        for uk, us in private.items():
            if not fits(h0, us[0]):
                m[hk, uk] = model.new_int_var(0, min(len(hs), len(us)), "")
                terms.append((UNIT_WEIGHT + cost(h0, us[0])) * m[hk, uk])
    for uk, us in private.items():
        model.add(sum(v for (hk, k), v in m.items() if k == uk) <= len(us))
    # Shared units of a kind: how many single adults of each kind, and how many units opened.
    # Single adults take one bed each, so any load within beds × opened packs into the units
    # opened: counting is exact, and identical rooms give the solver no symmetry to explore.
    shared: dict[tuple[Any, ...], list[Unit]] = defaultdict(list)
    for u in units:
        if u.shared_by:
            shared[u.kind].append(u)
    n: dict[tuple[Any, Any], Any] = {}
    for uk, us in shared.items():
        u0 = us[0]
        rooms_open = model.new_int_var(0, len(us), "")
        load = []
        for hk, hs in h_kinds.items():
            if not fits(hs[0], u0):
                n[hk, uk] = model.new_int_var(0, min(len(hs), u0.beds * len(us)), "")
                load.append(n[hk, uk])
                terms.append(cost(hs[0], u0) * n[hk, uk])
        if load:
            model.add(sum(load) <= u0.beds * rooms_open)
            terms.append(UNIT_WEIGHT * rooms_open)
    for hk, hs in h_kinds.items():
        placed = sum(v for (k, _u), v in m.items() if k == hk) + sum(
            v for (k, _u), v in n.items() if k == hk
        )
        if slack:
            short = model.new_int_var(0, len(hs), "")
            terms.append(_SHORT * hs[0].size * short)
            model.add(placed + short == len(hs))
        else:
            model.add(placed == len(hs))
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placement: dict[Any, Any] = {}
    pools = {hk: iter(hs) for hk, hs in h_kinds.items()}
    for uk, us in private.items():
        free = list(us)
        for hk in h_kinds:
            if (hk, uk) not in m:
                continue
            for _ in range(solver.value(m[hk, uk])):
                placement[next(pools[hk]).key] = free.pop().key
    for uk, us in shared.items():
        free_beds = {u.key: u.beds for u in us}
        for hk in h_kinds:
            if (hk, uk) not in n:
                continue
            for _ in range(solver.value(n[hk, uk])):
                room = next(k for k, n_free in free_beds.items() if n_free > 0)
                free_beds[room] -= 1
                placement[next(pools[hk]).key] = room
    return (
        placement,
        status == cp_model.OPTIMAL,
        solver.objective_value,
        solver.best_objective_bound,
    )
