"""Limits on text entering Ikaze: one home for every interface (API, pages, CLI, manifests).

Two rules, the same on SQLite (which stores any length and any character) and PostgreSQL
(which truncates nothing and refuses NUL with a server error):

- **Length.** A field holds at most what its model field declares (`limit_of(Person,
  "given_names")` reads `max_length`); free text (a `TextField`) holds at most
  `FREE_TEXT_MAX_CHARS`. The API schemas declare the same number (`ModelText`), so the OpenAPI
  document, the API's 422 and the services' refusal agree.
- **Characters.** Control characters are refused: NUL and the other C0 controls, DEL, the C1
  controls and lone surrogates (which no database can store as UTF-8). Free text keeps tab,
  line feed and carriage return; a one-line field (a `CharField`) keeps none of them.
- **Invisible characters** (Unicode's format characters, category Cf) are refused, not
  stripped: a right-to-left override (U+202E) or a zero-width space inside a name makes two
  names that look alike compare different, and stripping them would store something other
  than what was sent without the sender knowing. Free text keeps the few that ordinary writing
  needs (the joiners U+200C/U+200D, the direction marks U+200E/U+200F/U+061C and the soft
  hyphen); a one-line field (a name, a reference) keeps none. The line and paragraph
  separators U+2028/U+2029 are refused everywhere (write an ordinary line break).
- **One form.** Accepted text is stored in Unicode normalisation form C (NFC), so "José"
  typed with a combining accent and "José" typed precomposed are the same name.
  `normalise_text` does it; the limits are checked on the normalised text.

Services call `text_problems` (field → reasons) before they write; the API schemas annotate
their strings with `Text`/`ModelText`, which run the same check; manifest intake calls
`text_problem` per cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from pydantic import AfterValidator, BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

FREE_TEXT_MAX_CHARS = 10_000

# Format characters (Unicode category Cf, as of Unicode 14, Python 3.11's tables;
# `ikaze/core/tests/test_text.py` keeps the list in step), in the Basic Multilingual Plane.
# Free text keeps the soft hyphen, the Arabic letter mark, the joiners and the direction marks.
_FORMAT_KEPT_IN_FREE_TEXT = r"\xad\u061c\u200c-\u200f"
_FORMAT_BMP = r"\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
# Outside it (not in the published patterns: an ECMA-262 pattern without the u flag cannot
# name them; the rule below still refuses them).
_FORMAT_ASTRAL = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_SEPARATORS = r"\u2028\u2029"

# JSON Schema patterns (ECMA-262 and Python read them alike): what the API document declares.
_ONE_LINE_EXCLUDED = rf"\x00-\x1f\x7f-\x9f{_FORMAT_KEPT_IN_FREE_TEXT}{_FORMAT_BMP}{_SEPARATORS}"
_FREE_TEXT_EXCLUDED = rf"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_FORMAT_BMP}{_SEPARATORS}"
_ONE_LINE_CLASS = rf"[^{_ONE_LINE_EXCLUDED}]"
_FREE_TEXT_CLASS = rf"[^{_FREE_TEXT_EXCLUDED}]"
ONE_LINE_PATTERN = rf"^{_ONE_LINE_CLASS}*$"
FREE_TEXT_PATTERN = rf"^{_FREE_TEXT_CLASS}*$"
# Not blank: at least one character that is neither refused nor white space.
ONE_LINE_REQUIRED_PATTERN = rf"^{_ONE_LINE_CLASS}*[^\s{_ONE_LINE_EXCLUDED}]{_ONE_LINE_CLASS}*$"
FREE_TEXT_REQUIRED_PATTERN = rf"^{_FREE_TEXT_CLASS}*[^\s{_FREE_TEXT_EXCLUDED}]{_FREE_TEXT_CLASS}*$"

_ONE_LINE_BAD = re.compile(rf"[{_ONE_LINE_EXCLUDED}{_FORMAT_ASTRAL}\ud800-\udfff]")
_FREE_TEXT_BAD = re.compile(rf"[{_FREE_TEXT_EXCLUDED}{_FORMAT_ASTRAL}\ud800-\udfff]")
# Every character some text field refuses (a one-line field refuses the most): a value
# without any passes every character rule, so bulk paths look once per row.
ONE_LINE_REFUSED = _ONE_LINE_BAD
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class TextProblem(ValueError):
    """A text value is refused. `text()` is the reason in the active language; `str(exc)` the
    same reason in English (what a manifest's error report stores)."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params

    def text(self) -> str:
        translated = gettext(self.template)
        return translated % self.params if self.params else translated


def limit_of(model: type[models.Model], field: str) -> int:
    """The longest text `model.field` may hold (its max_length; free text: FREE_TEXT_MAX_CHARS)."""
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    return int(max_length) if max_length else FREE_TEXT_MAX_CHARS


def is_free_text(model: type[models.Model], field: str) -> bool:
    """A TextField may hold several lines; a CharField is one line."""
    return isinstance(model._meta.get_field(field), models.TextField)


def normalise_text(value: str) -> str:
    """`value` in Unicode normalisation form C (the one form Ikaze stores text in)."""
    if value.isascii():  # the usual case: ASCII is its own NFC
        return value
    try:
        return unicodedata.normalize("NFC", value)
    except UnicodeError:  # pragma: no cover - lone surrogates are refused before
        return value


def shown(value: str, *, limit: int = 200) -> str:
    """`value` as a message may quote it: at most `limit` characters, every control, format
    or undecodable character written as its code (`\\u0000`), never the raw character."""
    return "".join(
        c
        if c == " " or (c.isprintable() and unicodedata.category(c) != "Cf")
        else f"\\u{ord(c):04x}"
        if ord(c) <= 0xFFFF
        else f"\\U{ord(c):08x}"
        for c in value[:limit]
    )


def character_problem(value: str, *, multiline: bool = False) -> TextProblem | None:
    """Why `value` holds a character no text field may hold (in one line: tab, line break)."""
    bad = (_FREE_TEXT_BAD if multiline else _ONE_LINE_BAD).search(value)
    if bad is not None:
        char = bad.group()
        if char in "\t\n\r":
            return TextProblem(N_("Write this on one line (no tabs or line breaks)."))
        if _CONTROLS.match(char):
            return TextProblem(
                N_("Contains a control character (U+%(code)s), which is not allowed."),
                code=f"{ord(char):04X}",
            )
        return TextProblem(
            N_(
                "Contains an invisible formatting character (U+%(code)s), which is not "
                "allowed; remove it and send the text again."
            ),
            code=f"{ord(char):04X}",
        )
    return None


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> TextProblem | None:
    """Why `value` may not be stored in a field of `max_length` characters, or None.

    The length counted is that of the normalised text (`normalise_text`), which is what is
    stored: a few characters decompose under NFC into more.
    """
    if problem := character_problem(value, multiline=multiline):
        return problem
    if len(value) > max_length or (not value.isascii() and len(normalise_text(value)) > max_length):
        return TextProblem(N_("At most %(n)s characters."), n=max_length)
    return None


def check_text(value: str, *, max_length: int, multiline: bool = False) -> str:
    """Return `value` normalised (`normalise_text`), or raise TextProblem."""
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise problem
    return normalise_text(value)


def text_problems(
    model: type[models.Model], values: Mapping[str, str | list[str] | None]
) -> dict[str, list[str]]:
    """Field → reasons for each value that `model`'s field of that name may not hold.

    A list is checked item by item against the field's limit (aliases: each alias).
    """
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None:
            continue
        limit = limit_of(model, name)
        multiline = is_free_text(model, name)
        for item in value if isinstance(value, list) else [value]:
            problem = text_problem(str(item), max_length=limit, multiline=multiline)
            if problem is not None:
                errors.setdefault(name, []).append(problem.text())
                break
    return errors


def length_checks(prefix: str, **limits: int) -> list[models.CheckConstraint]:
    """CHECK constraints that hold text columns to their length on SQLite too (which ignores
    max_length; PostgreSQL's varchar already holds them). Name each field with its model
    field's max_length; `ikaze/core/tests/test_text.py` keeps the two in step."""
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit), name=f"{prefix}_{field}_length"
        )
        for field, limit in limits.items()
    ]


# --- API schema types ----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Metadata for an API string: `name: Annotated[str, Text(max_length=80)]`.

    At most `max_length` characters, no control characters (free text: tab and line breaks
    allowed); `required` also refuses a blank value. The OpenAPI document declares all of it
    (maxLength, minLength, pattern), so a client knows before it sends, and the 422 names the
    field with the same sentence a page shows.
    """

    max_length: int
    multiline: bool = False
    required: bool = False

    def check(self, value: str) -> str:
        problem = text_problem(value, max_length=self.max_length, multiline=self.multiline)
        if problem is not None:
            raise _invalid(problem.text())
        if self.required and not value.strip():
            raise _invalid(gettext("This field is required."))
        return normalise_text(value)

    def pattern(self) -> str:
        if self.required:
            return FREE_TEXT_REQUIRED_PATTERN if self.multiline else ONE_LINE_REQUIRED_PATTERN
        return FREE_TEXT_PATTERN if self.multiline else ONE_LINE_PATTERN

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["maxLength"] = self.max_length
        if self.required:
            out["minLength"] = 1
        out["pattern"] = self.pattern()
        return out


def ModelText(model: type[models.Model], field: str, *, required: bool = False) -> Text:
    """`Text` with the limit and line rule of `model.field`: the schema says what the table holds."""
    return Text(
        max_length=limit_of(model, field), multiline=is_free_text(model, field), required=required
    )


def _invalid(reason: str) -> PydanticCustomError:
    # A custom error keeps the sentence as it is (a ValueError reads "Value error, ...").
    return PydanticCustomError("ikaze_invalid", reason)


# --- dates ---------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise _invalid(gettext("A date (YYYY-MM-DD) is expected, not a date and time."))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise _invalid(gettext("Write the date as YYYY-MM-DD."))


def _iso_datetime_only(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise _invalid(gettext("Give the time zone (Z or an offset such as +02:00)."))
        return value
    if not isinstance(value, str) or not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]", value):
        raise _invalid(gettext("Write the date and time as YYYY-MM-DDTHH:MM:SS with a time zone."))
    return value


# No time zone in use is further than this from UTC (Kiribati is +14:00); PostgreSQL refuses
# offsets beyond ±15:59, so a moment is kept in UTC once its offset is known to be real.
_MAX_UTC_OFFSET = dt.timedelta(hours=14)


def _aware(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset()
    if offset is None:
        raise _invalid(gettext("Give the time zone (Z or an offset such as +02:00)."))
    if abs(offset) > _MAX_UTC_OFFSET:
        raise _invalid(gettext("No time zone is more than 14 hours from UTC."))
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise _invalid(gettext("This date and time is out of range.")) from None


# A date is YYYY-MM-DD: not a number (seconds since 1970), not a date and time.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
# A moment is an ISO 8601 date and time with its time zone; never a bare number.
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime_only), AfterValidator(_aware)]
