"""Template helpers for agreements: money from minor units, country names, status labels."""

from __future__ import annotations

from django import template

from ikaze.agreements.models import Agreement
from ikaze.agreements.money import format_minor
from ikaze.core.names import country_name

register = template.Library()


@register.simple_tag
def money(minor: int | None, currency: str) -> str:
    """`{% money line.amount_minor line.currency %}` → "£370,000,000.00" in the page's language."""
    if minor is None or not currency:
        return "—"
    return format_minor(minor, currency)


@register.filter
def country(code: str) -> str:
    """`{{ agreement.sending_state|country }}` → "United States", in the page's language."""
    return country_name(code)


@register.filter
def agreement_status(code: str) -> str:
    """`{{ event.after.status|agreement_status }}` → "In force", in the page's language."""
    return str(dict(Agreement.Status.choices).get(code, code))
