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


# --- choosing by name (the pickers of ikaze.core.pickers, issue 11 item 2) -------------------


def _fold(text: str) -> str:
    """ "Espagnol", "espagnol " and "ESPAÑOL" compare equal: case and accents set aside."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def _country_codes() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


@functools.cache
def _language_codes() -> tuple[str, ...]:
    # The languages with a two-letter code: those CLDR names in every reader's language.
    return tuple(sorted(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as (code, name in `language`), sorted by name."""
    return _country_choices(language or get_language() or "en")


def language_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every two-letter ISO 639 language as (code, name in `language`), sorted by name."""
    return _language_choices(language or get_language() or "en")


@functools.lru_cache(maxsize=16)
def _country_choices(lang: str) -> list[tuple[str, str]]:
    return sorted(((c, _country(c, lang)) for c in _country_codes()), key=lambda p: _fold(p[1]))


@functools.lru_cache(maxsize=16)
def _language_choices(lang: str) -> list[tuple[str, str]]:
    return sorted(((c, _language(c, lang)) for c in _language_codes()), key=lambda p: _fold(p[1]))


@functools.lru_cache(maxsize=16)
def _by_name(kind: str, language: str) -> dict[str, str]:
    choices = country_choices if kind == "country" else language_choices
    found: dict[str, str] = {}
    # The reader's names win over English ones ("Georgia" is a country in both).
    for lang in reversed(_languages_to_try(language)):
        for code, name in choices(lang):
            found[_fold(name)] = code
    return found


def country_code_for(text: str, language: str | None = None) -> str | None:
    """The ISO code of a country typed by code ("es") or by name in the reader's language or
    in English ("Spain", "Espagne"); None when nothing matches."""
    key = text.strip().upper()
    if key in _country_codes():
        return key
    return _by_name("country", language or get_language() or "en").get(_fold(text))


def language_code_for(text: str, language: str | None = None) -> str | None:
    """The ISO 639 code of a language typed by code ("es", "hat") or by name ("Spanish",
    "espagnol"); None when nothing matches."""
    key = text.strip().lower()
    if key in _language_codes() or (len(key) == 3 and pycountry.languages.get(alpha_3=key)):
        return key
    return _by_name("language", language or get_language() or "en").get(_fold(text))
