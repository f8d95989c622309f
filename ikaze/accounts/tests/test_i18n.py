"""The French, Spanish and Kinyarwanda catalogs: complete, compiled, and used by the pages."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ikaze.accounts.access import Role

LOCALE = Path(settings.BASE_DIR) / "ikaze" / "locale"
LANGS = ("fr", "es", "rw")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _po_entries(lang: str) -> list[dict[str, list[str]]]:
    """Each entry's msgctxt/msgid/msgid_plural/msgstr[...] texts (enough for makemessages output)."""
    entries: list[dict[str, list[str]]] = []
    entry: dict[str, list[str]] = {}
    key = ""
    for line in (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text("utf-8").splitlines():
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key][-1] += line[1:-1]
        else:
            key, _, value = line.partition(" ")
            key = "msgstr" if key.startswith("msgstr") else key
            entry.setdefault(key, []).append(value[1:-1])
    if entry:
        entries.append(entry)
    return [e for e in entries if e["msgid"] != [""]]


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated_with_its_placeholders(lang):
    entries = _po_entries(lang)
    assert len(entries) > 600
    for e in entries:
        sources = e["msgid"] + e.get("msgid_plural", [])
        assert all(e["msgstr"]), e["msgid"]
        for text in e["msgstr"]:
            # A lost or renamed placeholder raises KeyError when the page renders.
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(sources[-1])), text


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalog_matches_the_po(lang):
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    # Same entries in the .mo as in the .po: `compilemessages` ran after the last edit.
    assert len(mo._catalog) - 1 >= len(_po_entries(lang))  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("fr", "Se connecter à Ikaze"),
        ("es", "Iniciar sesión en Ikaze"),
        ("rw", "Injira muri Ikaze"),
        ("en", "Sign in to Ikaze"),
    ],
)
def test_the_language_switcher_translates_the_sign_in_page(lang, heading):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": lang, "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert f'<html lang="{lang}">' in page
    assert heading in page


@pytest.mark.django_db
def test_role_labels_and_navigation_follow_the_language(client_for):
    client = client_for(Role.VETTING_OFFICER)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    page = client.get("/").content.decode()
    assert "Agent d&#x27;examen" in page
    assert "File d&#x27;examen" in page
    client.post("/i18n/setlang/", {"language": "rw", "next": "/"})
    page = client.get("/").content.decode()
    assert "Umukozi ushinzwe isuzuma" in page
