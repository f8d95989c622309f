"""Housing allocation: CP-SAT against a first-fit baseline, on generated households and units.

2,000 households (sizes 1-9, mostly single adults as in third-country transfers; 10% with an
accessibility need, 5% medical) into 600 units across 6 facilities. Goal: proven optimal or
within 1% in under 10 s, never worse than first-fit. No database: the allocation is a pure
function (ikaze.reception.allocation, ADR 0022).
"""

from __future__ import annotations

import random

from bench import _harness as h
from ikaze.reception.allocation import Household, Unit, first_fit, solve

SIZES = [1] * 80 + [2] * 6 + [3] * 5 + [4] * 3 + [5] * 2 + [6] * 1 + [7] * 1 + [8] * 1 + [9] * 1
FACILITIES = [
    ("Kigali-1", {"clinic": 0.0, "school": 1.2, "legal_aid": 3.5}),
    ("Kigali-2", {"clinic": 1.5, "school": 0.5, "legal_aid": 2.0}),
    ("Bugesera", {"clinic": 2.0, "school": 0.8, "legal_aid": 25.0}),
    ("Huye", {"clinic": 4.0, "school": 1.0, "legal_aid": 6.0}),
    ("Musanze", {"clinic": 0.5, "school": 2.5, "legal_aid": 9.0}),
    ("Rubavu", {"clinic": 3.0, "school": 0.3, "legal_aid": 12.0}),
]


def generate(households: int, units: int, seed: int = 13) -> tuple[list[Household], list[Unit]]:
    rng = random.Random(seed)
    hs = []
    for i in range(households):
        size = rng.choice(SIZES)
        medical = rng.random() < 0.05
        services = (
            ["legal_aid"] + (["school"] if size >= 3 else []) + (["clinic"] if medical else [])
        )
        hs.append(
            Household(
                key=i,
                size=size,
                sex=("M" if rng.random() < 0.7 else "F") if size == 1 else "",
                accessible=rng.random() < 0.10,
                medical=medical,
                services=tuple(services),
            )
        )
    us = []
    dorms = units // 6  # a sixth are rooms shared by sex
    for j in range(units):
        name, near = FACILITIES[j % len(FACILITIES)]
        if j < dorms:
            shared, beds = ("M" if j % 10 < 7 else "F"), 18
            accessible = j % 3 == 0 or j % 10 == 7  # women's rooms too
        else:
            shared, beds = "", rng.choice([2, 2, 3, 4, 4, 5, 6, 8, 10])
            accessible = rng.random() < 0.3
        us.append(
            Unit(
                key=j,
                facility=name,
                beds=beds,
                accessible=accessible,
                shared_by=shared,
                distances=tuple(sorted(near.items())),
            )
        )
    return hs, us


def main(argv: list[str]) -> None:
    args = h.parse(
        argv,
        __doc__,
        sizes={"households": 2000, "units": 600},
        smoke={"households": 200, "units": 60},
        extra={"seconds": (float, 10.0, "CP-SAT time limit")},
    )
    households, units = generate(args.households, args.units)
    with h.timed("import OR-Tools (once per process, not counted)"):
        from ortools.sat.python import cp_model  # noqa: F401
    with h.timed("first-fit baseline"):
        base = first_fit(households, units)
    with h.timed("CP-SAT"):
        best = solve(households, units, seconds=args.seconds)
    if best.problems:
        h.progress(f"no placement: {dict(list(best.problems.items())[:5])}")
    h.emit(
        "allocation",
        {
            "households": len(households),
            "units": len(units),
            "seconds": round(best.seconds, 3),
            "objective": best.objective,
            "gap": round(best.gap, 6),
            "optimal": best.optimal,
            "baseline_seconds": round(base.seconds, 3),
            "baseline_objective": base.objective,
            "baseline_unplaced": len(base.problems),
            "units_opened": best.units_opened,
            "baseline_units_opened": base.units_opened,
        },
    )
