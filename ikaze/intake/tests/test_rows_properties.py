"""Property tests: the row validator never crashes, never guesses, and keeps valid rows."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ikaze.intake.manifest import COLUMN_NAMES
from ikaze.intake.rows import validate_row, validate_rows
from ikaze.intake.tests.helpers import row
from ikaze.people.validation import country_codes

TODAY = dt.date(2026, 1, 15)
cell = st.text(max_size=40)
any_row = st.fixed_dictionaries(dict.fromkeys(COLUMN_NAMES, cell))


@settings(max_examples=300, deadline=None)
@given(any_row)
def test_any_row_gives_a_clean_row_or_reasons(raw: dict[str, str]) -> None:
    clean, problems = validate_row(2, raw, today=TODAY)
    assert (clean is None) == bool(problems)
    for p in problems:
        assert p.row == 2
        assert p.column in COLUMN_NAMES
        assert p.reason
    if clean is not None:
        assert clean.date_of_birth <= TODAY
        assert set(clean.nationalities) <= country_codes()
        assert clean.sex in ("F", "M", "X")


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_iso_birth_dates_are_kept_exactly(d: dt.date) -> None:
    clean, problems = validate_row(2, row(1, date_of_birth=d.isoformat()), today=TODAY)
    assert problems == []
    assert clean is not None
    assert (clean.date_of_birth, clean.dob_precision) == (d, "exact")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 31),
    st.integers(1, 12),
    st.integers(1900, 2025),
    st.sampled_from(["/", ".", "-"]),
)
def test_day_month_formats_are_never_guessed(day: int, month: int, year: int, sep: str) -> None:
    value = f"{day:02d}{sep}{month:02d}{sep}{year}"
    clean, problems = validate_row(2, row(1, date_of_birth=value), today=TODAY)
    assert clean is None
    assert [p.column for p in problems] == ["date_of_birth"]
    assert "ambiguous" in problems[0].reason


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(list(COLUMN_NAMES)), st.sampled_from(["=", "+", "-", "@"]), st.text(max_size=10)
)
def test_formula_like_cells_are_refused(column: str, prefix: str, rest: str) -> None:
    raw = row(1, **{column: prefix + "1" + rest})
    if column == "phone" and prefix == "+":
        return  # an E.164 number may start with '+'
    clean, problems = validate_row(2, raw, today=TODAY)
    assert clean is None
    assert any(p.column == column and "formulas" in p.reason for p in problems)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=40))
def test_each_reference_is_imported_once(ns: list[int]) -> None:
    cleans = []
    for i, n in enumerate(ns, start=2):
        c, _ = validate_row(i, row(n), today=TODAY)
        assert c is not None
        cleans.append(c)
    kept, problems = validate_rows(cleans)
    assert len(kept) == len(set(ns))
    assert len(problems) == len(ns) - len(set(ns))
