"""Template filters naming ISO country and language codes in the page's language."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from ikaze.core import names

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """`{{ document.issuing_state|country_name }}` → "Honduras" (the code if unknown)."""
    return names.country_name(code or "")


@register.filter
def language_name(code: str) -> str:
    """`{{ notice.language|language_name }}` → "espagnol" on a French page."""
    return names.language_name(code or "")


@register.filter
def countries(codes: Iterable[str] | None) -> list[str]:
    """`{{ person.nationalities|countries|join:", " }}`."""
    return names.country_names(codes or [])


@register.filter
def languages(codes: Iterable[str] | None) -> list[str]:
    """`{{ person.languages|languages|join:", " }}`."""
    return names.language_names(codes or [])
