"""Amounts of money as people type them: digit grouping and decimals of their locale (babel).

The one parser of typed amounts (issue 11 item 12): "1,875,000" in English, "1 875 000" in
French, "1.875.000" in Spanish. Every money field of every form is an `AmountField`
(`ikaze.core.forms`), which calls `parse_amount` with the reader's active language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.core import UnknownLocaleError
from babel.numbers import NumberFormatError, get_group_symbol, parse_decimal
from django.utils import translation

# Spaces people type for a grouping space; CLDR's French uses U+202F, keyboards give U+0020.
_SPACES = (" ", "\u00a0", "\u202f")


def babel_locale(language: str | None = None) -> str:
    """The babel locale of `language` (default: the active language), "en" if babel lacks it."""
    loc = (language or translation.get_language() or "en").replace("-", "_")
    try:
        get_group_symbol(loc)
    except (UnknownLocaleError, ValueError):
        return "en"
    return loc


def parse_amount(text: str, *, language: str | None = None) -> Decimal:
    """Parse an amount typed in `language`'s digit grouping; raise ValueError if it is not one.

    Grouping must be where the locale puts it ("1,87,5000" is refused in English), so a slip
    of the decimal separator is not read as a thousand times the amount.
    """
    loc = babel_locale(language)
    value = text.strip()
    if not value:
        raise ValueError("empty")
    group = str(get_group_symbol(loc))
    if group in _SPACES:
        for space in _SPACES:
            value = value.replace(space, group)
    try:
        amount = parse_decimal(value, locale=loc, strict=True)
    except (NumberFormatError, InvalidOperation) as exc:
        raise ValueError(str(exc)) from exc
    if not amount.is_finite():
        raise ValueError("not a finite number")
    return Decimal(amount)
