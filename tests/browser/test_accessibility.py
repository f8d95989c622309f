"""Every main page, for the role that uses it, passes axe-core's WCAG 2.1 A/AA checks.

axe-core comes from the npm registry (package.json, installed by scripts/bootstrap) and is
evaluated in the page through the DevTools protocol, so the pages' Content Security Policy
stays as strict as in production. A page with errors on its form is checked too: errors must
be tied to their fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ikaze.accounts.access import Role
from ikaze.vetting.models import Alert, Override, Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run ./scripts/bootstrap (it runs `npm ci`).")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8") + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
    ]


def _check(page: Any, paths: list[str], subtests: Any) -> None:
    for path in paths:
        with subtests.test(path=path):
            response = page.goto(path)
            assert response is not None and response.status < 500, path
            assert _violations(page) == [], path


def test_the_sign_in_page_and_its_errors(browser: Any, demo_live: str) -> None:
    context = browser.new_context(base_url=demo_live)
    page = context.new_page()
    page.goto("/accounts/login/")
    assert _violations(page) == []
    page.fill("input[name=username]", "nobody")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert _violations(page) == []
    context.close()


def test_the_vetting_officers_pages(page_as: Any, subtests: Any) -> None:
    blocked = Override.objects.get(rule_id="A12", status="requested").referral_id
    alerted = Alert.objects.filter(resolved_at__isnull=True).earliest("raised_at").referral_id
    page = page_as(Role.VETTING_OFFICER)
    _check(
        page,
        [
            "/",
            "/vetting/queue/",
            f"/vetting/referrals/{blocked}/vetting/",
            f"/vetting/referrals/{alerted}/vetting/",
            f"/vetting/referrals/{blocked}/",
            "/vetting/referrals/",
            "/agreements/",
            "/agreements/US-RW-2025/",
            "/agreements/UK-RW-MEDP/",
            "/people/",
            "/people/duplicates/",
        ],
        subtests,
    )
    # A refused decision: the form's errors are announced and tied to their fields.
    page.goto(f"/vetting/referrals/{blocked}/vetting/")
    page.locator("summary", has_text="Record the decision").click()
    decide = page.locator("form[action$='/decide/']")
    decide.get_by_label("Accept this person").check()
    decide.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".form-errors, .field-error").count() > 0
    assert _violations(page) == []
    # Closing an alert while its block stands (SAFEGUARDS F5): refused on its form, announced.
    page.goto(f"/vetting/referrals/{alerted}/vetting/")
    close = page.locator("form[action$='/resolve/']").first
    close.get_by_label("How the block was dealt with").fill("Taken off the manifest.")
    close.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() > 0
    assert "a block still stands against this person" in page.content()
    assert _violations(page) == []


def test_the_liaisons_pages(page_as: Any, subtests: Any) -> None:
    mine = Referral.objects.filter(status="submitted").order_by("created_at").first()
    assert mine is not None
    page = page_as(Role.SENDING_LIAISON)
    _check(
        page,
        [
            "/",
            "/vetting/referrals/",
            "/vetting/referrals/new/",
            "/intake/",
            f"/vetting/referrals/{mine.pk}/",
        ],
        subtests,
    )


def test_the_senior_officers_auditors_and_admins_pages(page_as: Any, subtests: Any) -> None:
    _check(page_as(Role.SENIOR_OFFICER), ["/", "/vetting/overrides/"], subtests)
    _check(page_as(Role.AUDITOR), ["/", "/audit/", "/audit/checkpoints/"], subtests)
    _check(
        page_as(Role.ADMIN),
        ["/", "/accounts/users/", "/accounts/tokens/", "/accounts/notices/"],
        subtests,
    )


def test_a_page_in_kinyarwanda_on_a_phone(page_as: Any) -> None:
    page = page_as(Role.VETTING_OFFICER, viewport={"width": 390, "height": 844})
    with page.expect_navigation():
        page.select_option("#lang-select", "rw")
    assert page.locator("html").get_attribute("lang") == "rw"
    page.goto("/vetting/queue/")
    assert _violations(page) == []
