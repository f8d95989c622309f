"""Statistical disclosure control for public tables (SAFEGUARDS C3; ADR 0029).

A public table counts people in a grid (say nationality × month) with its row totals, column
totals and grand total. It must never let a reader learn the size of a group of 1 to 4
people, whether by reading a cell, by subtracting published cells from a published total, or
by subtracting this release from an earlier one. Pure functions, no database: the
publication records (`ikaze.reports.releases`) feed in what was published before.

How a hidden value could be found, and what stops it:

1. **Read**: any entry (a cell or a total) of 1 to `threshold - 1` people is hidden (primary
   suppression). Zero is published: it names no one.
2. **Recomputed from totals** (secondary suppression). Write each row and each column of the
   table with its total as a sum that must balance. The hidden entries are unknowns in those
   sums. Picture a graph whose nodes are the lines (every row, the totals row, every column,
   the totals column) and whose edges are the hidden entries, each joining its row and its
   column. Any assignment that changes the hidden entries around a cycle of that graph (+d,
   -d, +d, ...) keeps every sum balanced, so an entry on a cycle cannot be recomputed; an
   entry on no cycle (a bridge of the graph) is fixed by the sums. A line with exactly one
   hidden entry is the plain case of a bridge. So: hide more entries until no hidden entry
   is a bridge. First the cheap rule (a line with one hidden entry hides its smallest
   published entry), then, for a bridge that remains, the cheapest rectangle of entries that
   puts it on a cycle. Entries only ever get hidden, so this ends; at worst the whole table is
   hidden.
3. **Two releases** (differencing). A reader who kept an earlier release subtracts: a cell
   published as 10 last month and 13 today says 3 people were added. So an entry that was
   published in an earlier release and whose value moved by 1 to `threshold - 1` since is
   hidden too, before the secondary step. Published figures therefore only ever move in
   steps of at least `threshold`; in between they show as hidden.

Interval reasoning (hidden counts are known to be at least zero) is not modelled: a hidden
entry on a cycle can still be bounded. Every hidden entry already reads "fewer than 5 or
hidden to protect one that is", which is what the bound would say of a primary one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

THRESHOLD_MIN = 5  # SAFEGUARDS C3: a setting may raise it, never lower it

TOTAL = "total"  # the key of the totals row and the totals column

Key = Hashable
Entry = tuple[Any, Any]  # (row key, column key); either may be TOTAL


class Reason(StrEnum):
    SMALL = "small"  # primary: fewer than `threshold` people
    DIFFERENCE = "difference"  # moved by fewer than `threshold` since an earlier release
    SECONDARY = "secondary"  # hidden so another hidden entry cannot be recomputed


@dataclass(frozen=True)
class Table:
    """Counts of people: `cells[(row, col)]`, missing cells are 0. Totals are computed here,
    never taken from the caller, so they always balance."""

    rows: tuple[Key, ...]
    cols: tuple[Key, ...]
    cells: Mapping[Entry, int]

    def value(self, entry: Entry) -> int:
        row, col = entry
        if row == TOTAL and col == TOTAL:
            return sum(self.cells.get((r, c), 0) for r in self.rows for c in self.cols)
        if row == TOTAL:
            return sum(self.cells.get((r, col), 0) for r in self.rows)
        if col == TOTAL:
            return sum(self.cells.get((row, c), 0) for c in self.cols)
        return self.cells.get(entry, 0)

    def entries(self) -> list[Entry]:
        """Every entry in reading order: each row with its total, then the totals row."""
        return [(r, c) for r in (*self.rows, TOTAL) for c in (*self.cols, TOTAL)]

    def lines(self) -> list[list[Entry]]:
        """Every row and every column of the table with its total (each sums to its total)."""
        rows = [[(r, c) for c in (*self.cols, TOTAL)] for r in (*self.rows, TOTAL)]
        cols = [[(r, c) for r in (*self.rows, TOTAL)] for c in (*self.cols, TOTAL)]
        return rows + cols


@dataclass(frozen=True)
class Protected:
    """A table as it may be published: `hidden` maps each hidden entry to why."""

    table: Table
    threshold: int
    hidden: Mapping[Entry, Reason] = field(default_factory=dict)

    def published(self, entry: Entry) -> int | None:
        """The value to publish, or None when it is hidden."""
        return None if entry in self.hidden else self.table.value(entry)

    def published_cells(self) -> dict[Entry, int]:
        """Every published entry and its value (what a release record keeps)."""
        return {e: self.table.value(e) for e in self.table.entries() if e not in self.hidden}


def check_threshold(threshold: int) -> int:
    if threshold < THRESHOLD_MIN:
        raise ValueError(f"the disclosure threshold is at least {THRESHOLD_MIN}")
    return threshold


def protect(
    table: Table,
    *,
    threshold: int = THRESHOLD_MIN,
    earlier: Iterable[Mapping[Entry, int]] = (),
) -> Protected:
    """Hide what must be hidden in `table`, given the published cells of earlier releases."""
    check_threshold(threshold)
    values = {e: table.value(e) for e in table.entries()}
    hidden: dict[Entry, Reason] = {}
    for entry, value in values.items():
        if 0 < value < threshold:  # SAFEGUARDS C3
            hidden[entry] = Reason.SMALL
    for release in earlier:
        for entry, before in release.items():
            if (
                entry in values
                and entry not in hidden
                and 0 < abs(values[entry] - before) < threshold
            ):
                hidden[entry] = Reason.DIFFERENCE
    _secondary(table, values, hidden)
    return Protected(table=table, threshold=threshold, hidden=hidden)


def _cost(value: int) -> tuple[int, int]:
    # Hide a non-zero entry before a zero one (a hidden zero next to a hidden 3 bounds it
    # tightly), then the smallest.
    return (1 if value == 0 else 0, value)


def _secondary(table: Table, values: Mapping[Entry, int], hidden: dict[Entry, Reason]) -> None:
    order = {e: i for i, e in enumerate(table.entries())}
    lines = table.lines()
    while True:
        changed = False
        for line in lines:
            shown = [e for e in line if e not in hidden]
            if len(line) - len(shown) == 1 and shown:
                pick = min(shown, key=lambda e: (_cost(values[e]), order[e]))
                hidden[pick] = Reason.SECONDARY
                changed = True
        if changed:
            continue
        bridge = next(iter(bridges(table, hidden)), None)
        if bridge is None:
            return
        for entry in _cheapest_rectangle(table, values, hidden, bridge, order):
            hidden[entry] = Reason.SECONDARY


def _cheapest_rectangle(
    table: Table,
    values: Mapping[Entry, int],
    hidden: Mapping[Entry, Reason],
    entry: Entry,
    order: Mapping[Entry, int],
) -> list[Entry]:
    """The entries to hide so that `entry` lies on a 4-cycle of hidden entries."""
    row, col = entry
    best: tuple[tuple[int, int, int], list[Entry]] | None = None
    for r2 in (*table.rows, TOTAL):
        if r2 == row:
            continue
        for c2 in (*table.cols, TOTAL):
            if c2 == col:
                continue
            new = [e for e in ((row, c2), (r2, col), (r2, c2)) if e not in hidden]
            cost = (
                sum(_cost(values[e])[0] for e in new),
                sum(values[e] for e in new),
                min((order[e] for e in new), default=-1),
            )
            if best is None or cost < best[0]:
                best = (cost, new)
    if best is None:  # a table of one line: nothing can protect it but hiding it all
        return [e for e in table.entries() if e not in hidden]
    return best[1]


def bridges(table: Table, hidden: Iterable[Entry]) -> list[Entry]:
    """The hidden entries the published ones and the totals determine (on no cycle)."""
    edges = [e for e in table.entries() if e in set(hidden)]
    adjacency: dict[tuple[str, Key], list[tuple[tuple[str, Key], int]]] = {}
    for i, (row, col) in enumerate(edges):
        adjacency.setdefault(("r", row), []).append((("c", col), i))
        adjacency.setdefault(("c", col), []).append((("r", row), i))
    # Tarjan's bridge search, iterative (tables can have hundreds of lines).
    low: dict[tuple[str, Key], int] = {}
    seen: dict[tuple[str, Key], int] = {}
    out: set[int] = set()
    counter = 0
    for start in adjacency:
        if start in seen:
            continue
        seen[start] = low[start] = counter
        counter += 1
        stack: list[tuple[tuple[str, Key], int, int]] = [(start, -1, 0)]
        while stack:
            node, via, i = stack[-1]
            neighbours = adjacency[node]
            if i < len(neighbours):
                stack[-1] = (node, via, i + 1)
                nxt, edge = neighbours[i]
                if edge == via:
                    continue
                if nxt in seen:
                    low[node] = min(low[node], seen[nxt])
                else:
                    seen[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > seen[parent]:
                        out.add(via)
    return [edges[i] for i in sorted(out)]


def determined(protected: Protected) -> list[Entry]:
    """Hidden entries a reader could recompute from this release alone (should be none)."""
    return bridges(protected.table, protected.hidden)


def table_from_counts(
    counts: Mapping[Entry, int], *, rows: Sequence[Key] = (), cols: Sequence[Key] = ()
) -> Table:
    """A table of `counts` whose rows and columns are those given, then any others seen."""
    all_rows = list(dict.fromkeys([*rows, *(r for r, _ in counts)]))
    all_cols = list(dict.fromkeys([*cols, *(c for _, c in counts)]))
    return Table(rows=tuple(all_rows), cols=tuple(all_cols), cells=dict(counts))
