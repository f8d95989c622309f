"""Checks on a person's fields, shared by the services, the forms and manifest intake.

Each check returns a reason (a sentence for the person who typed the value) or raises
`FieldProblem`; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import pycountry
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ISO_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_ISO_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_ISO_YEAR = re.compile(r"^([0-9]{4})$")
# Day-first or month-first with / . or - separators: which is which cannot be known.
_AMBIGUOUS = re.compile(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}$")
EARLIEST_BIRTH_YEAR = 1900
# An alias is a name, held as a list item (Person.aliases is JSON): as long as a given name.
ALIAS_MAX_CHARS = 200
# A phone number as typed ("+250 788 123 456"); stored without the spaces (E.164, 16 at most).
PHONE_INPUT_MAX_CHARS = 32


class FieldProblem(ValueError):
    """A value is wrong. `exc.text()` is the reason in the active language, for the person who
    typed it (a form, an API answer); `str(exc)` is the same reason in English, as manifest
    intake stores it in its error report (read later, by whoever opens it)."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params

    def text(self) -> str:
        translated = gettext(self.template)
        return translated % self.params if self.params else translated


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@functools.cache
def language_codes() -> frozenset[str]:
    codes: set[str] = set()
    for lang in pycountry.languages:
        codes.add(lang.alpha_3)
        if code := getattr(lang, "alpha_2", None):
            codes.add(code)
    return frozenset(codes)


def country(value: str) -> str:
    code = value.strip().upper()
    if code not in country_codes():
        raise FieldProblem(
            N_("%(value)s is not an ISO 3166-1 alpha-2 country code."), value=repr(value)
        )
    return code


def countries(values: list[str] | str, *, required: bool = False) -> list[str]:
    items = split_list(values) if isinstance(values, str) else [v for v in values if v.strip()]
    if required and not items:
        raise FieldProblem(N_("At least one nationality is required."))
    bad = [v for v in items if v.strip().upper() not in country_codes()]
    if bad:
        raise FieldProblem(
            N_("Not ISO 3166-1 alpha-2 country codes: %(codes)s."), codes=", ".join(bad)
        )
    return list(dict.fromkeys(v.strip().upper() for v in items))


def languages(values: list[str] | str) -> list[str]:
    items = split_list(values) if isinstance(values, str) else [v for v in values if v.strip()]
    bad = [v for v in items if v.strip().lower() not in language_codes()]
    if bad:
        raise FieldProblem(N_("Not ISO 639 language codes: %(codes)s."), codes=", ".join(bad))
    return list(dict.fromkeys(v.strip().lower() for v in items))


def phone(value: str) -> str:
    if not value:
        return ""
    cleaned = re.sub(r"[\s\-().]", "", value)
    if cleaned and not E164.match(cleaned):
        raise FieldProblem(
            N_("%(value)s is not a phone number in E.164 form (+ and 7 to 15 digits)."),
            value=repr(value),
        )
    return cleaned


def split_list(value: str) -> list[str]:
    """Split a manifest cell holding several values (separated by ';' or '|')."""
    if ";" not in value and "|" not in value:
        value = value.strip()
        return [value] if value else []
    return [p.strip() for p in re.split(r"[;|]", value) if p.strip()]


def partial_date(value: str, *, today: dt.date, allow_partial: bool = True) -> tuple[dt.date, str]:
    """Parse YYYY-MM-DD, YYYY-MM or YYYY into (date, precision); never guess a format."""
    value = value.strip()
    if (  # the usual case, without the regular expressions
        len(value) == 10
        and value[4] == "-"
        and value[7] == "-"
        and value.isascii()
        and (value[:4] + value[5:7] + value[8:]).isdigit()
    ):
        try:
            return dt.date(int(value[:4]), int(value[5:7]), int(value[8:])), "exact"
        except ValueError:
            pass  # not a real date: the checks below say so
    try:
        if m := _ISO_DAY.match(value):
            parsed, precision = dt.date(int(m[1]), int(m[2]), int(m[3])), "exact"
        elif allow_partial and (m := _ISO_MONTH.match(value)):
            parsed, precision = dt.date(int(m[1]), int(m[2]), 1), "month"
        elif allow_partial and (m := _ISO_YEAR.match(value)):
            parsed, precision = dt.date(int(m[1]), 1, 1), "year"
        elif _AMBIGUOUS.match(value):
            raise FieldProblem(
                N_(
                    "%(value)s is ambiguous (day and month cannot be told apart); "
                    "write the date as YYYY-MM-DD."
                ),
                value=repr(value),
            )
        else:
            expected = "YYYY-MM-DD, YYYY-MM or YYYY" if allow_partial else "YYYY-MM-DD"
            raise FieldProblem(
                N_("%(value)s is not a date in the form %(expected)s."),
                value=repr(value),
                expected=expected,
            )
    except ValueError as exc:
        if isinstance(exc, FieldProblem):
            raise
        raise FieldProblem(
            N_("%(value)s is not a real date (%(error)s)."), value=repr(value), error=str(exc)
        ) from None
    return parsed, precision


def birth_date(value: str, *, today: dt.date) -> tuple[dt.date, str]:
    parsed, precision = partial_date(value, today=today)
    if parsed > today:
        raise FieldProblem(N_("%(value)s is in the future."), value=repr(value))
    if parsed.year < EARLIEST_BIRTH_YEAR:
        raise FieldProblem(
            N_("%(value)s is before %(year)s."), value=repr(value), year=EARLIEST_BIRTH_YEAR
        )
    return parsed, precision
