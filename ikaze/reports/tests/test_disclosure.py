"""Disclosure control (SAFEGUARDS C3): crafted tables that beat primary-only suppression, and
a property over any table, checked with plain linear algebra rather than the graph argument
the module relies on."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikaze.reports.disclosure import (
    TOTAL,
    Protected,
    Reason,
    Table,
    determined,
    protect,
    table_from_counts,
)


def recoverable(protected: Protected) -> set[tuple[object, object]]:
    """Hidden entries whose value follows from the published ones and the line sums (exact
    Gaussian elimination over the rationals: x_e is fixed iff e's unit vector lies in the row
    space of the hidden part of the line equations)."""
    table = protected.table
    hidden = [e for e in table.entries() if e in protected.hidden]
    index = {e: i for i, e in enumerate(hidden)}
    rows: list[list[Fraction]] = []
    for line in table.lines():
        *parts, total = line
        vec = [Fraction(0)] * len(hidden)
        for e in parts:
            if e in index:
                vec[index[e]] += 1
        if total in index:
            vec[index[total]] -= 1
        if any(vec):
            rows.append(vec)
    # Reduced row echelon form.
    pivots: list[int] = []
    r = 0
    for c in range(len(hidden)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
    fixed = set()
    for i, c in enumerate(pivots):
        if sum(1 for v in rows[i] if v != 0) == 1:
            fixed.add(hidden[c])
    return fixed


def grid(rows: list[list[int]]) -> Table:
    return table_from_counts(
        {(f"r{i}", f"c{j}"): v for i, row in enumerate(rows) for j, v in enumerate(row)}
    )


def test_primary_only_suppression_is_defeated_by_the_row_total() -> None:
    # A lone 3 in a row of big numbers: hide only the 3 and the row total gives it back.
    table = grid([[3, 20, 30], [12, 25, 40]])
    primary_only = Protected(table=table, threshold=5, hidden={("r0", "c0"): Reason.SMALL})
    assert recoverable(primary_only) == {("r0", "c0")}

    protected = protect(table)
    assert protected.hidden[("r0", "c0")] == Reason.SMALL
    # The next smallest in its row and column, and the one that closes the rectangle.
    assert protected.hidden[("r1", "c0")] == Reason.SECONDARY
    assert protected.hidden[("r0", "c1")] == Reason.SECONDARY
    assert protected.hidden[("r1", "c1")] == Reason.SECONDARY
    assert len(protected.hidden) == 4
    assert recoverable(protected) == set()
    assert determined(protected) == []
    assert protected.published(("r0", TOTAL)) == 53
    assert protected.published((TOTAL, TOTAL)) == 130


def test_a_small_total_is_hidden_and_so_is_what_would_give_it_back() -> None:
    # Two cells of 2: each small, and their row total 4 small too.
    table = grid([[2, 2, 0], [10, 11, 12], [9, 8, 30]])
    protected = protect(table)
    assert protected.hidden[("r0", TOTAL)] == Reason.SMALL
    assert {("r0", "c0"), ("r0", "c1")} <= set(protected.hidden)
    assert recoverable(protected) == set()


def test_one_column_tables_hide_the_total_with_the_cell() -> None:
    # With one column a row's total equals its cell.
    table = grid([[3], [40], [50]])
    protected = protect(table)
    assert protected.published(("r0", TOTAL)) is None
    assert recoverable(protected) == set()


def test_degree_two_everywhere_is_not_enough_a_bridge_is_caught() -> None:
    # Two hidden rectangles joined by one hidden cell: every line has 0 or >= 2 hidden
    # entries, yet the joining cell is fixed (the sums around each rectangle balance alone).
    table = grid([[7, 7, 9, 9], [7, 7, 9, 9], [9, 9, 7, 7], [9, 9, 7, 7]])
    hidden = {
        ("r0", "c0"): Reason.SMALL,
        ("r0", "c1"): Reason.SMALL,
        ("r1", "c0"): Reason.SMALL,
        ("r1", "c1"): Reason.SMALL,
        ("r2", "c2"): Reason.SMALL,
        ("r2", "c3"): Reason.SMALL,
        ("r3", "c2"): Reason.SMALL,
        ("r3", "c3"): Reason.SMALL,
        ("r1", "c2"): Reason.SMALL,
    }
    lines_with_one = [line for line in table.lines() if sum(1 for e in line if e in hidden) == 1]
    crafted = Protected(table=table, threshold=5, hidden=hidden)
    assert lines_with_one == []
    assert ("r1", "c2") in recoverable(crafted)
    assert determined(crafted) == [("r1", "c2")]


def test_the_threshold_cannot_go_below_five() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        protect(grid([[1]]), threshold=4)
    assert protect(grid([[7, 9], [8, 6]]), threshold=10).hidden != {}


def test_zero_is_published() -> None:
    protected = protect(grid([[0, 20], [30, 40]]))
    assert protected.hidden == {}
    assert protected.published(("r0", "c0")) == 0


# --- two releases ------------------------------------------------------------------------------


def test_differencing_two_releases_would_reveal_three_newcomers() -> None:
    last_month = protect(grid([[10, 20], [30, 40]]))
    assert last_month.hidden == {}
    today = grid([[13, 20], [30, 40]])
    # Primary suppression alone publishes everything today (no cell under 5)...
    assert protect(today).hidden == {}
    # ... and 13 - 10 says 3 people of row 0 arrived. Against the earlier release, every
    # entry that moved by 3 is hidden, and what would give them back.
    protected = protect(today, earlier=[last_month.published_cells()])
    assert protected.hidden[("r0", "c0")] == Reason.DIFFERENCE
    assert protected.hidden[("r0", TOTAL)] == Reason.DIFFERENCE
    assert protected.hidden[(TOTAL, "c0")] == Reason.DIFFERENCE
    assert protected.hidden[(TOTAL, TOTAL)] == Reason.DIFFERENCE
    assert recoverable(protected) == set()
    for entry, value in protected.published_cells().items():
        before = last_month.published_cells().get(entry)
        assert before is None or value == before or abs(value - before) >= 5


def test_a_figure_moves_again_once_it_has_moved_by_five() -> None:
    first = protect(grid([[10, 20], [30, 40]])).published_cells()
    second = protect(grid([[12, 20], [30, 40]]), earlier=[first])
    assert second.published(("r0", "c0")) is None
    third = protect(grid([[15, 20], [30, 40]]), earlier=[first, second.published_cells()])
    assert third.published(("r0", "c0")) == 15
    assert third.published((TOTAL, TOTAL)) == 105


# --- property ----------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=30)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n_rows = draw(st.integers(min_value=1, max_value=5))
    n_cols = draw(st.integers(min_value=1, max_value=5))
    return grid([[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)])


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(min_value=5, max_value=8))
def test_no_hidden_entry_can_be_recomputed_and_no_small_group_is_shown(
    table: Table, threshold: int
) -> None:
    protected = protect(table, threshold=threshold)
    assert recoverable(protected) == set()
    for entry, value in protected.published_cells().items():
        assert value == 0 or value >= threshold, entry


@settings(max_examples=100, deadline=None)
@given(tables(), st.data())
def test_two_releases_never_differ_by_a_small_group(table: Table, data: st.DataObject) -> None:
    before = protect(table)
    later = grid(
        [
            [table.cells[(r, c)] + data.draw(st.integers(0, 12)) for c in table.cols]
            for r in table.rows
        ]
    )
    after = protect(later, earlier=[before.published_cells()])
    assert recoverable(after) == set()
    old = before.published_cells()
    for entry, value in after.published_cells().items():
        if entry in old:
            assert value == old[entry] or abs(value - old[entry]) >= 5, entry


def test_a_threshold_under_five_fails_the_system_check(settings) -> None:
    from django.core.checks import run_checks

    settings.IKAZE_DISCLOSURE_THRESHOLD = 3
    assert "ikaze.E012" in [m.id for m in run_checks()]
    settings.IKAZE_DISCLOSURE_THRESHOLD = 5
    assert "ikaze.E012" not in [m.id for m in run_checks()]
