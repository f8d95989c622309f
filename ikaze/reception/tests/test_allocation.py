"""Allocation (CP-SAT): every rule holds, never worse than first-fit, infeasibility explained."""

from __future__ import annotations

from bench.allocation import generate
from ikaze.reception.allocation import Household, Unit, first_fit, fits, solve

NEAR = (("clinic", 0.5), ("legal_aid", 2.0), ("school", 1.0))
FAR = (("clinic", 9.0), ("legal_aid", 20.0), ("school", 5.0))


def _check(households, units, placement) -> None:
    by_u = {u.key: u for u in units}
    load: dict[object, int] = {}
    per_unit: dict[object, list[Household]] = {}
    for h in households:
        u = by_u[placement[h.key]]
        assert fits(h, u) == []
        load[u.key] = load.get(u.key, 0) + h.size
        per_unit.setdefault(u.key, []).append(h)
    for key, n in load.items():
        assert n <= by_u[key].beds
        if not by_u[key].shared_by:
            assert len(per_unit[key]) == 1  # one household: children only with their own


def test_a_small_case_is_optimal_and_prefers_the_near_facility() -> None:
    units = [
        Unit("near-family", "A", 5, accessible=True, distances=NEAR),
        Unit("far-family", "B", 5, accessible=True, distances=FAR),
        Unit("near-dorm-m", "A", 4, shared_by="M", distances=NEAR),
        Unit("far-dorm-m", "B", 4, shared_by="M", distances=FAR),
    ]
    households = [
        Household("family", 4, services=("school", "legal_aid")),
        Household("m1", 1, sex="M", services=("legal_aid",)),
        Household("m2", 1, sex="M", medical=True, services=("legal_aid", "clinic")),
    ]
    r = solve(households, units, seconds=5)
    assert r.optimal and r.problems == {}
    assert r.placement == {"family": "near-family", "m1": "near-dorm-m", "m2": "near-dorm-m"}
    assert r.units_opened == 2


def test_no_placement_says_which_rule_and_for_whom() -> None:
    units = [Unit("u", "A", 4, accessible=False, distances=NEAR)]
    households = [Household("ok", 2), Household("wheelchair", 1, accessible=True)]
    r = solve(households, units, seconds=5)
    assert r.problems == {"wheelchair": ["accessibility"]}
    assert r.placement == {}


def test_when_accessible_units_run_out_the_one_left_is_named() -> None:
    # Each household fits a unit on its own; together they do not: one accessible unit, two
    # households that need one.
    units = [
        Unit("acc", "A", 4, accessible=True, distances=NEAR),
        Unit("plain", "A", 4, distances=NEAR),
    ]
    households = [Household("w1", 2, accessible=True), Household("w2", 3, accessible=True)]
    r = solve(households, units, seconds=5)
    assert r.placement == {}
    assert r.problems == {"w1": ["accessibility"]}  # the fewest people left without a bed


def test_medical_distance_is_the_households_own_and_a_shortage_says_capacity() -> None:
    units = [Unit("near", "A", 4, distances=NEAR), Unit("far", "B", 4, distances=FAR)]
    within_10 = Household("m", 2, medical=True, medical_km=10.0)
    within_half = Household("strict", 2, medical=True, medical_km=0.4)
    assert fits(within_10, units[1]) == [] and fits(within_half, units[0]) == ["medical"]
    assert solve([within_half], units, seconds=5).problems == {"strict": ["medical"]}
    r = solve([Household("a", 2), Household("b", 2), Household("c", 2)], units, seconds=5)
    assert len(r.problems) == 1 and next(iter(r.problems.values())) == ["capacity"]


def test_generated_case_keeps_every_rule_and_beats_first_fit() -> None:
    households, units = generate(200, 60)
    best, base = solve(households, units, seconds=10), first_fit(households, units)
    assert best.problems == {}
    _check(households, units, best.placement)
    assert len(best.placement) == 200
    assert best.objective <= base.objective
