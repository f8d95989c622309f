"""Country and language codes read as names in the reader's language, on pages too."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from ikaze.core.names import country_name, country_names, language_name, language_names


@pytest.mark.parametrize(
    ("lang", "countries", "languages"),
    [
        ("en", ["Honduras", "Rwanda", "United Kingdom"], ["Spanish", "Kinyarwanda", "Arabic"]),
        ("fr", ["Honduras", "Rwanda", "Royaume-Uni"], ["espagnol", "kinyarwanda", "arabe"]),
        ("es", ["Honduras", "Ruanda", "Reino Unido"], ["español", "kinyarwanda", "árabe"]),
        # CLDR names few countries in Kinyarwanda: Ikaze's table names the common ones,
        # the rest read in English.
        (
            "rw",
            ["Honduras", "U Rwanda", "Ubwongereza"],
            ["Icyesipanyolo", "Ikinyarwanda", "Icyarabu"],
        ),
    ],
)
def test_names_follow_the_active_language(lang, countries, languages) -> None:
    with translation.override(lang):
        assert country_names(["HN", "RW", "gb"]) == countries
        assert language_names(["es", "rw", "ar"]) == languages
    assert country_name("HN", lang) == countries[0]


def test_three_letter_language_codes_and_unknown_codes() -> None:
    with translation.override("fr"):
        assert language_name("kin") == "kinyarwanda"  # ISO 639-3 of rw
        assert language_name("spa") == "espagnol"
        assert language_name("prs") == "Dari"  # no CLDR name: pycountry's English one
        assert language_name("qqq") == "qqq"
        assert country_name("ZZ") == "ZZ"  # CLDR's "unknown region" is no country
        assert language_name("xx") == "xx"
        assert country_name("") == "" and language_name("") == ""
    with translation.override("rw"):
        assert country_name("CD") == "Repubulika Iharanira Demokarasi ya Kongo"
        assert country_name("QQ") == "QQ"


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "nationality", "language", "receiving"),
    [("fr", "Honduras", "espagnol", "Rwanda"), ("rw", "Honduras", "Icyesipanyolo", "U Rwanda")],
)
def test_referral_person_queue_and_vetting_file_name_codes(
    lang, nationality, language, receiving
) -> None:
    from tests import factories as f

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, nationalities=["HN", "CD"], languages=["es", "rw"])
    c = Client()
    assert officer.user is not None
    c.force_login(officer.user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    with translation.override(lang):
        congo = country_name("CD")
        kinyarwanda = language_name("rw")
    pages = {
        "referral": f"/vetting/referrals/{r.pk}/",
        "person": f"/people/{r.person_id}/",
        "queue": "/vetting/queue/",
        "file": f"/vetting/referrals/{r.pk}/vetting/",
    }
    for name, url in pages.items():
        response = c.get(url)
        assert response.status_code == 200, name
        text = _visible(response.content.decode())
        assert f"{nationality}, {congo}" in text, name
        assert "HN, CD" not in text, name
        if name != "queue":
            assert f"{language}, {kinyarwanda}" in text, name
            assert "es, rw" not in text, name
    # The legal advice fact's language and the A2 finding's receiving state, by name.
    text = _visible(c.get(pages["file"]).content.decode())
    assert language in text
    assert f" {receiving}" in text
