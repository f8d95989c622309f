"""Countries and languages chosen by name in the reader's language, cleaned to ISO codes."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from ikaze.core import names
from ikaze.core.pickers import CodePickerField


class _Form(forms.Form):
    nationalities = CodePickerField(kind="country", multiple=True)
    language = CodePickerField(kind="language", required=False)


def _clean(data: dict[str, str], lang: str = "en") -> dict[str, object]:
    with translation.override(lang):
        form = _Form(data)
        form.is_valid()
        return {**form.cleaned_data, **{k: list(v) for k, v in form.errors.items()}}


@pytest.mark.parametrize(
    ("lang", "typed", "code"),
    [
        ("en", "Spanish", "es"),
        ("en", "spanish ", "es"),
        ("fr", "espagnol", "es"),
        ("fr", "Spanish", "es"),  # English is understood on every page
        ("es", "español", "es"),
        ("es", "ESPANOL", "es"),  # case and accents set aside
        ("en", "es", "es"),
        ("en", "hat", "hat"),  # a three-letter ISO 639 code
        ("en", "Haitian Creole", "ht"),
    ],
)
def test_a_language_by_name_or_code(lang: str, typed: str, code: str) -> None:
    assert _clean({"nationalities": "HN", "language": typed}, lang)["language"] == code


def test_several_countries_by_name_in_french() -> None:
    cleaned = _clean({"nationalities": "Espagne; honduras, GT"}, "fr")
    assert cleaned["nationalities"] == "ES; HN; GT"


def test_an_unknown_name_is_a_form_error_naming_it() -> None:
    assert _clean({"nationalities": "Atlantis; Cuba", "language": "Klingon"}) == {
        "nationalities": ["No country is called Atlantis: choose one from the list."],
        "language": ["No language is called Klingon: choose one from the list."],
    }


def test_the_picker_lists_names_in_the_readers_language() -> None:
    with translation.override("fr"):
        html = str(_Form()["language"])
    assert 'list="id_language_names"' in html
    assert '<option value="espagnol"></option>' in html
    assert ("es", "espagnol") in names.language_choices("fr")
    assert ("ES", "Espagne") in names.country_choices("fr")
