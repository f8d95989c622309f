"""The one home of text limits (ikaze.core.text): the rule, the schema types, the constraints."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from pydantic import BaseModel, ValidationError

from ikaze.core.text import (
    FREE_TEXT_MAX_CHARS,
    FREE_TEXT_PATTERN,
    ONE_LINE_PATTERN,
    ONE_LINE_REQUIRED_PATTERN,
    IsoDate,
    IsoDateTime,
    Text,
    text_problem,
)


@pytest.mark.parametrize(
    ("value", "multiline", "reason"),
    [
        ("María José", False, None),
        # Issue 17 item 2: a name holds no invisible character; free text keeps the joiners
        # and direction marks writing needs, never an override or a zero-width space.
        ("👨\u200d👩", True, None),
        (
            "Nguyễn\u200dThị",
            False,
            "Contains an invisible formatting character (U+200D), which is not allowed; "
            "remove it and send the text again.",
        ),
        (
            "Ana\u202eZ",
            True,
            "Contains an invisible formatting character (U+202E), which is not allowed; "
            "remove it and send the text again.",
        ),
        (
            "a\u2028b",
            True,
            "Contains an invisible formatting character (U+2028), which is "
            "not allowed; remove it and send the text again.",
        ),
        ("Jose\u0301" * 40, False, None),  # 200 characters as sent, 160 after NFC
        ("\u0958" * 150, False, "At most 200 characters."),  # 150 as sent, 300 after NFC
        ("a\x00b", False, "Contains a control character (U+0000), which is not allowed."),
        ("a\x7f", True, "Contains a control character (U+007F), which is not allowed."),
        ("a\x9b", True, "Contains a control character (U+009B), which is not allowed."),
        ("a\ud800", True, "Contains a control character (U+D800), which is not allowed."),
        ("a\tb", False, "Write this on one line (no tabs or line breaks)."),
        ("a\r\n\tb", True, None),
        ("x" * 201, False, "At most 200 characters."),
    ],
)
def test_the_rule(value: str, multiline: bool, reason: str | None) -> None:
    problem = text_problem(value, max_length=200, multiline=multiline)
    assert (str(problem) if problem else None) == reason


# Lone surrogates are refused by the rule but not named by the patterns: they are not
# characters a JSON document can carry as Unicode, so no client reads the pattern for them.
@pytest.mark.parametrize(
    "char",
    [
        chr(c)
        for c in [*range(0x20), *range(0x7F, 0xA0), *range(0xA0, 0x10000)]
        if c < 0xA0 or unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")
    ],
)
def test_the_published_patterns_refuse_what_the_rule_refuses(char: str) -> None:
    one_line_refused = text_problem(f"a{char}b", max_length=10) is not None
    free_text_refused = text_problem(f"a{char}b", max_length=10, multiline=True) is not None
    assert (re.search(ONE_LINE_PATTERN, f"a{char}b") is None) == one_line_refused
    assert (re.search(FREE_TEXT_PATTERN, f"a{char}b") is None) == free_text_refused


@pytest.mark.parametrize(("value", "matches"), [("", False), ("  ", False), (" a ", True)])
def test_the_required_pattern_refuses_blanks(value: str, matches: bool) -> None:
    assert (re.search(ONE_LINE_REQUIRED_PATTERN, value) is not None) == matches


class _In(BaseModel):
    name: Annotated[str, Text(max_length=5, required=True)]
    day: IsoDate | None = None
    at: IsoDateTime | None = None


def test_the_schema_type_refuses_with_the_rules_sentence_and_declares_it() -> None:
    with pytest.raises(ValidationError) as caught:
        _In.model_validate({"name": "  "})
    assert [e["msg"] for e in caught.value.errors()] == ["This field is required."]
    with pytest.raises(ValidationError) as caught:
        _In.model_validate({"name": "abcdef"})
    assert [e["msg"] for e in caught.value.errors()] == ["At most 5 characters."]
    schema = _In.model_json_schema()["properties"]["name"]
    assert (schema["maxLength"], schema["minLength"], schema["pattern"]) == (
        5,
        1,
        ONE_LINE_REQUIRED_PATTERN,
    )


@pytest.mark.parametrize("day", [1767225600, 20260101.0, "2026-01-01T00:00:00", "20260101", True])
def test_a_date_is_an_iso_date_only(day: object) -> None:
    with pytest.raises(ValidationError):
        _In.model_validate({"name": "a", "day": day})
    assert _In.model_validate({"name": "a", "day": "2026-01-01"}).day == dt.date(2026, 1, 1)


@pytest.mark.parametrize("at", [1767225600, "2026-01-01", "2026-01-01T10:00:00"])
def test_a_moment_is_an_iso_date_time_with_its_zone(at: object) -> None:
    with pytest.raises(ValidationError):
        _In.model_validate({"name": "a", "at": at})
    assert _In.model_validate({"name": "a", "at": "2026-01-01T10:00:00+02:00"}).at == dt.datetime(
        2026, 1, 1, 8, tzinfo=dt.UTC
    )


def test_every_length_check_matches_its_model_field() -> None:
    checked = []
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if not constraint.name.endswith("_length"):
                continue
            assert isinstance(constraint, models.CheckConstraint)
            condition = constraint.condition
            assert isinstance(condition, LessThanOrEqual)
            assert isinstance(condition.lhs, Length)
            field = model._meta.get_field(condition.lhs.source_expressions[0].name)  # type: ignore[attr-defined]
            assert (constraint.name, condition.rhs) == (constraint.name, field.max_length)
            checked.append(constraint.name)
    assert "person_given_names_length" in checked
    assert "identitydocument_number_length" in checked


def test_free_text_has_one_limit() -> None:
    assert FREE_TEXT_MAX_CHARS == 10_000


def test_every_format_character_is_refused_in_a_name() -> None:
    # Issue 17 item 2: the rule's list is Unicode's category Cf, all planes.
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) == "Cf":
            assert text_problem(f"a{char}b", max_length=10) is not None, hex(code)


def test_accepted_text_is_stored_in_nfc() -> None:
    assert _In.model_validate({"name": "Jose\u0301"}).name == "Jos\u00e9"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # No real time zone is this far from UTC, and PostgreSQL would refuse to store it.
        ("0795-07-04T23:11:41-18:00", "No time zone is more than 14 hours from UTC."),
        ("2026-03-01T10:00:00+14:30", "No time zone is more than 14 hours from UTC."),
        ("0001-01-01T00:30:00+01:00", "This date and time is out of range."),
        ("2026-03-01T10:00:00", "Give the time zone (Z or an offset such as +02:00)."),
    ],
)
def test_a_moment_with_an_impossible_offset_is_refused(value: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _In.model_validate({"name": "a", "at": value})
    assert [e["msg"] for e in caught.value.errors()] == [reason]


def test_a_moment_is_kept_in_utc() -> None:
    at = _In.model_validate({"name": "a", "at": "2026-03-01T23:30:00-10:00"}).at
    assert at is not None and at.utcoffset() == dt.timedelta(0)
    assert at.isoformat() == "2026-03-02T09:30:00+00:00"
