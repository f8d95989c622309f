"""Money as integer minor units plus an ISO 4217 code, converted and formatted with babel."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision
from django.utils import translation


def precision(currency: str) -> int:
    """Digits after the decimal point for `currency` (2 for USD, 0 for RWF)."""
    return int(get_currency_precision(currency.upper()))


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert a major-unit amount to minor units; raise ValueError if it has too many digits."""
    scaled = amount.scaleb(precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} has {precision(currency)} decimal places.")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-precision(currency))


def format_minor(minor: int, currency: str, locale: str | None = None) -> str:
    """Format minor units for people, in the active language (e.g. "£370,000,000.00")."""
    loc = (locale or translation.get_language() or "en").replace("-", "_")
    try:
        return str(format_currency(to_major(minor, currency), currency.upper(), locale=loc))
    except (UnknownLocaleError, ValueError):  # an unknown locale must not break a page
        return str(format_currency(to_major(minor, currency), currency.upper(), locale="en"))


@dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    def __str__(self) -> str:
        return format_minor(self.minor, self.currency)

    @property
    def major(self) -> Decimal:
        return to_major(self.minor, self.currency)
