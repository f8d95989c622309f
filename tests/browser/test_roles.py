"""Every role signs in through the real pages and lands on its own page; screenshots of each;
the language switcher; no console error or CSP violation anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from ikaze.accounts.access import Role
from ikaze.accounts.navigation import ROLE_INTROS
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _intro(role: Role) -> str:
    with translation.override("en"):
        return str(ROLE_INTROS[role])


def test_every_role_signs_in_and_lands_on_its_page(page_as: Any, subtests: Any) -> None:
    # One test with a subtest per role: the demo scenario is loaded once, not once per role.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for role in Role:
        with subtests.test(role=str(role)):
            page = page_as(role)
            intro = page.locator("[data-testid=role-intro]")
            assert intro.inner_text().strip() == _intro(role)
            assert page.locator("html").get_attribute("lang") == "en"
            page.screenshot(path=str(SCREENSHOTS / f"{role}.png"), full_page=True)
            assert page.ikaze_errors == []
            page.context.close()


def test_landing_page_on_a_phone(page_as: Any) -> None:
    page = page_as(Role.VETTING_OFFICER, viewport={"width": 390, "height": 844})
    assert page.locator("[data-testid=role-intro]").is_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vetting_officer-phone.png"), full_page=True)
    assert page.ikaze_errors == []


def test_language_switcher_changes_the_page_language(page_as: Any) -> None:
    page = page_as(Role.SENDING_LIAISON)
    for code in ("fr", "es"):
        with page.expect_navigation():
            page.select_option("#lang-select", code)
        assert page.locator("html").get_attribute("lang") == code
        assert page.locator("#lang-select").input_value() == code
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sending_liaison-es.png"), full_page=True)
    assert page.ikaze_errors == []
