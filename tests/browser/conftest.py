"""Browser fixtures (Playwright, sync API, driving Debian's Chromium against the live server).

Reuse them in any test under tests/browser/ (mark the module `pytest.mark.browser`):

- `demo_live`: the live server (`live_server`, transactional: the database is flushed after each
  test) with the demo scenario loaded; returns the live server URL.
- `page_as(role)`: a new browser context signed in as the demo account of `role` through the real
  login page (and the two-factor page, typing the current TOTP code, for privileged roles);
  returns the Playwright `Page`, sitting on the role's landing page, in English (`language=`
  another code, or None for the account's preferred language). Each page collects console
  errors, uncaught exceptions and CSP violations in `page.ikaze_errors` (a list of str); assert
  it is empty at the end of your test.
- `browser`: the session's Chromium (Playwright cannot download browsers here).
- `SCREENSHOTS`: where screenshots go (test-artifacts/screenshots/, kept by CI).

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

    def test_liaison_sees_agreements(page_as):
        page = page_as(Role.SENDING_LIAISON)
        page.click("text=Agreements")
        assert page.ikaze_errors == []
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.demo import DEMO_PASSWORD
from ikaze.accounts.access import TWO_FACTOR_ROLES, Role
from tests import support

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium on this machine (scripts/bootstrap installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_live(live_server, transactional_db) -> str:
    """The live server's URL, with the demo scenario loaded."""
    from config.demo import load_demo

    load_demo()
    return str(live_server.url)


def _watch(page: Any) -> None:
    errors: list[str] = []
    page.ikaze_errors = errors
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))


@pytest.fixture
def page_as(browser, demo_live) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []
    used_steps: dict[str, int] = {}

    def sign_in(
        role: Role, *, viewport: dict[str, int] | None = None, language: str | None = "en"
    ) -> Any:
        username = support.DEMO_USERNAME[role]
        context = browser.new_context(
            base_url=demo_live,
            viewport=viewport or {"width": 1280, "height": 800},
            locale="en-GB",
        )
        contexts.append(context)
        page = context.new_page()
        _watch(page)
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        if role in TWO_FACTOR_ROLES:
            page.wait_for_url("**/accounts/two-factor/**")
            # A code is accepted once per 30 s step; a second sign-in of the same account in
            # the same step uses the next step's code (django-otp tolerates one step of drift).
            step = int(time.time()) // 30
            if used_steps.get(username, -1) >= step:
                step = used_steps[username] + 1
            used_steps[username] = step
            page.fill(
                "input[name=code]", support.totp_code(support.demo_totp_key(username), step=step)
            )
            page.click("main form button[type=submit]")
        page.wait_for_url(f"{demo_live}/")
        if language is not None:
            # The account opened in its holder's preferred language (the demo's vetting officer
            # prefers Kinyarwanda); the test reads the page in `language`, as the language menu
            # would set it. `language=None` keeps the account's own.
            context.add_cookies([{"name": "django_language", "value": language, "url": demo_live}])
            page.reload()
        return page

    yield sign_in
    for context in contexts:
        context.close()
