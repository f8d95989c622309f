"""Property tests (issue 17): random bytes, encodings, Unicode and JSON shapes go through the
reader and the row validator. Each is refused with a message (naming row and column where a
row is at fault) or kept exactly after the documented normalisation; nothing crashes."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ikaze.core.text import ONE_LINE_REFUSED, normalise_text
from ikaze.intake import manifest
from ikaze.intake.manifest import COLUMN_NAMES, FileRefused
from ikaze.intake.rows import validate_row
from ikaze.intake.tests.helpers import csv_bytes, row

TODAY = dt.date(2026, 1, 15)
MAX = 1_000_000
HEADER = ",".join(COLUMN_NAMES).encode()


def _read(name: str, content: bytes) -> list[tuple[int, dict[str, str]]] | None:
    """The rows, or None when the file is refused with a printable reason."""
    try:
        _, parsed = manifest.parse(name, content, max_bytes=MAX)
    except FileRefused as exc:
        assert exc.reason
        assert "\x00" not in exc.reason
        assert all(c.isprintable() for c in exc.reason)
        return None
    return parsed.rows


def _check_rows(rows: list[tuple[int, dict[str, str]]]) -> None:
    for row_no, raw in rows:
        clean, problems = validate_row(row_no, raw, today=TODAY)
        assert (clean is None) == bool(problems)
        for p in problems:
            assert (p.row, p.column in COLUMN_NAMES, bool(p.reason)) == (row_no, True, True)
            assert "\x00" not in p.value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["m.csv", "m.json"]))
def test_random_bytes_are_refused_or_read(content: bytes, name: str) -> None:
    rows = _read(name, content)
    if rows is not None:
        _check_rows(rows)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_header_are_refused_or_read(tail: bytes) -> None:
    rows = _read("m.csv", HEADER + b"\n" + tail)
    if rows is not None:
        _check_rows(rows)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"]),
)
def test_a_name_in_any_encoding_is_kept_exactly_or_refused(name: str, encoding: str) -> None:
    try:
        content = csv_bytes([row(1, given_names=name)], encoding=encoding)
    except UnicodeEncodeError:
        assume(False)
        return
    rows = _read("m.csv", content)
    if rows is None:
        # Only a text that is not clean in its own encoding may be refused wholesale.
        return
    if encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        # Unicode files are read exactly (a name of line breaks alone reads as an empty row).
        assert [r["given_names"] for _, r in rows] in ([name], [])
    clean, problems = validate_row(2, rows[0][1], today=TODAY) if rows else (None, [])
    if clean is not None and encoding != "cp1252":
        assert clean.given_names == " ".join(normalise_text(name).split())
    for p in problems:
        assert p.row == 2


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_a_name_is_refused_or_stored_in_its_documented_form(name: str) -> None:
    clean, problems = validate_row(2, row(1, given_names=name), today=TODAY)
    if clean is None:
        assert [p.column for p in problems] == ["given_names"]
        return
    assert clean.given_names == " ".join(normalise_text(name).split())
    assert unicodedata.is_normalized("NFC", clean.given_names)
    assert ONE_LINE_REFUSED.search(clean.given_names) is None
    assert 0 < len(clean.given_names) <= 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(COLUMN_NAMES), json_values)
def test_any_json_value_in_any_column_is_refused_by_cell_or_taken_as_text(
    column: str, value: Any
) -> None:
    body = json.dumps([{**row(1), column: value}]).encode()
    rows = _read("rows.json", body)
    assert rows is not None
    clean, problems = validate_row(2, rows[0][1], today=TODAY)
    if not isinstance(value, str | None) and not (
        isinstance(value, bool) and column in manifest.YES_NO_COLUMNS
    ):
        assert clean is None
        assert [p.column for p in problems if p.column == column] == [column]


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_document_is_refused_or_read(value: Any) -> None:
    rows = _read("rows.json", json.dumps(value).encode())
    if rows is not None:
        _check_rows(rows)


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(min_size=1, max_size=30), st.text(max_size=30))
def test_an_import_stores_exactly_the_normalised_text_or_names_the_cell(
    django_capture_on_commit_callbacks, given_names: str, place: str
) -> None:
    from django.test import override_settings

    from ikaze.intake import services
    from ikaze.intake.models import IntakeRowError
    from ikaze.people.models import Person
    from tests import factories

    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    content = csv_bytes([row(1, given_names=given_names, place_of_birth=place)])
    with (
        override_settings(
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch, _ = services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="m.csv", content=content
        )
    batch.refresh_from_db()
    assert batch.status in ("done", "failed")
    person = Person.objects.filter(sending_organisation=liaison.organisation).first()
    if person is None:
        errors = list(IntakeRowError.objects.filter(batch=batch).values_list("row", "column"))
        assert errors, batch.failure
        assert all(r in (0, 1, 2) and (r == 0 or c in COLUMN_NAMES) for r, c in errors)
        return
    assert person.given_names == " ".join(normalise_text(given_names).split())
    assert person.place_of_birth == normalise_text(place.strip())
