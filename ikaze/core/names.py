"""Country and language names for the ISO codes Ikaze stores, in the reader's language.

Names come from CLDR (Babel). CLDR has Kinyarwanda names for languages but for hardly any
country; KINYARWANDA_COUNTRIES names the states and nationalities Ikaze's pages and notices meet
most, and any other country falls back to its English name. A code nobody names (a typo kept
in old data) is shown as it is. Stored data, the API and the rules keep the codes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import pycountry
from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, to_locale

KINYARWANDA_COUNTRIES: dict[str, str] = {
    "AF": "Afuganisitani",
    "BE": "Ububiligi",
    "BI": "U Burundi",
    "CA": "Kanada",
    "CD": "Repubulika Iharanira Demokarasi ya Kongo",
    "CN": "Ubushinwa",
    "CR": "Kosta Rika",
    "DE": "Ubudage",
    "EG": "Misiri",
    "ER": "Eritereya",
    "ET": "Etiyopiya",
    "FR": "Ubufaransa",
    "GB": "Ubwongereza",
    "IN": "Ubuhinde",
    "IQ": "Iraki",
    "IR": "Irani",
    "IT": "Ubutaliyani",
    "JP": "Ubuyapani",
    "KE": "Kenya",
    "LY": "Libiya",
    "MX": "Megizike",
    "NG": "Nijeriya",
    "NL": "Ubuholandi",
    "RU": "Uburusiya",
    "RW": "U Rwanda",
    "SD": "Sudani",
    "SO": "Somaliya",
    "SS": "Sudani y’Epfo",
    "SY": "Siriya",
    "TZ": "Tanzaniya",
    "UG": "Uganda",
    "US": "Leta Zunze Ubumwe z’Amerika",
    "ZA": "Afurika y’Epfo",
}
_EXTRA_COUNTRIES: dict[str, Mapping[str, str]] = {"rw": KINYARWANDA_COUNTRIES}


@functools.cache
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        return None


def _languages_to_try(language: str | None) -> tuple[str, ...]:
    lang = (language or get_language() or "en").lower()
    base = lang.split("-")[0].split("_")[0]
    return tuple(dict.fromkeys((lang, base, "en")))


@functools.lru_cache(maxsize=4096)
def _country(code: str, language: str | None) -> str:
    key = code.strip().upper()
    if len(key) != 2 or pycountry.countries.get(alpha_2=key) is None:
        return code  # CLDR also names non-ISO codes ("ZZ": unknown region): not ours
    for lang in _languages_to_try(language):
        extra = _EXTRA_COUNTRIES.get(lang, {}).get(key)
        if extra:
            return extra
        locale = _locale(lang)
        if locale is not None and key in locale.territories:
            return str(locale.territories[key])
    return code


def country_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 3166-1 alpha-2 code in `language` (default: the active one)."""
    if not code:
        return code
    return _country(code, language or get_language())


@functools.lru_cache(maxsize=4096)
def _language(code: str, language: str | None) -> str:
    key = code.strip().lower()
    entry = (
        pycountry.languages.get(alpha_2=key)
        if len(key) == 2
        else pycountry.languages.get(alpha_3=key)
        if len(key) == 3
        else None
    )
    if entry is None:
        return code  # CLDR also names "und", "zxx"...: not ISO 639 languages a person speaks
    # ISO 639-3 (which the registry also accepts): CLDR uses the 639-1 code where there is one.
    keys = list(dict.fromkeys([key, getattr(entry, "alpha_2", key)]))
    for lang in _languages_to_try(language):
        locale = _locale(lang)
        if locale is None:
            continue
        for k in keys:
            if k in locale.languages:
                return str(locale.languages[k])
    return str(entry.name)


def language_name(code: str, language: str | None = None) -> str:
    """The name of an ISO 639 code (two or three letters) in `language` (default: active)."""
    if not code:
        return code
    return _language(code, language or get_language())


def country_names(codes: Iterable[str], language: str | None = None) -> list[str]:
    return [country_name(c, language) for c in codes]


def language_names(codes: Iterable[str], language: str | None = None) -> list[str]:
    return [language_name(c, language) for c in codes]
