"""Issue 11, "Must show": the vetting file's summary, and a refused form whose error shows at
the top of the page with a working link to its field; the changed pages pass axe-core on a
desktop and on a phone (375×812). Screenshots of each step."""

from __future__ import annotations

from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.vetting.models import Alert, LegalEventRecord, Override, Referral
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": Playwright hides the caret with an inline style the CSP refuses.
    page.screenshot(
        path=str(SCREENSHOTS / f"vetting-file-{name}.png"), full_page=True, caret="initial"
    )


def _unexpected(page: Any) -> list[str]:
    """The page's console errors, less the 400 a refused form answers with (by design)."""
    return [e for e in page.ikaze_errors if "status of 400" not in e]


def _blocked() -> Referral:
    # The demo's referral blocked only by A12 (no legal advice yet), an override pending.
    return Referral.objects.get(
        pk=Override.objects.get(rule_id="A12", status="requested").referral_id
    )


def test_the_file_summary_and_a_refused_form_with_its_error_on_top(page_as: Any) -> None:
    referral = _blocked()
    officer = page_as(Role.VETTING_OFFICER)
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/")
    summary = officer.get_by_test_id("file-summary")
    text = summary.inner_text()
    assert "A12 — Legal advice before acceptance" in text
    assert "Record the fact that answers A12" in text
    # The summary sits above the rule table.
    top = summary.bounding_box()
    table = officer.locator("#findings").bounding_box()
    assert top is not None and table is not None and top["y"] < table["y"]
    assert _violations(officer) == []
    _shot(officer, "1-summary")

    # The fact form: the fields follow the kind at once (htmx swaps them in).
    fact = officer.locator("form[action$='/facts/']")
    assert fact.is_visible()  # the next action's panel is open
    fact.locator("select[name=kind]").select_option("court_stay_granted")
    officer.locator("#fact-fields [name=p_stay_ref]").wait_for()
    assert officer.locator("#fact-fields [name=p_provider]").count() == 0
    assert officer.locator("#fact-fields input[name=fields_kind]").input_value() == (
        "court_stay_granted"
    )
    # Refused: the stay's reference is missing.
    fact.get_by_label("Took effect on").fill(clock.today_local().isoformat())
    fact.get_by_label("Source document").fill("CS/2026/1")
    fact.locator("[name=p_court]").fill("High Court")
    before = LegalEventRecord.objects.count()
    fact.locator("button[type=submit]").click()
    officer.wait_for_load_state()
    box = officer.locator(".error-summary")
    assert box.is_visible()
    assert box.get_attribute("role") == "alert"
    assert "There is a problem" in box.inner_text()
    # The summary is the first thing in the main content, in view, and has the focus.
    assert officer.evaluate("document.activeElement.classList.contains('error-summary')")
    at = box.bounding_box()
    assert at is not None and at["y"] < 400
    assert LegalEventRecord.objects.count() == before
    _shot(officer, "2-error-summary")
    assert _violations(officer) == []
    # Its link leads to the field, and the field gets the focus.
    link = box.locator("a", has_text="Stay reference: This field is required.")
    target = link.get_attribute("href")
    assert target == "#id_p_stay_ref"
    link.click()
    assert officer.evaluate("document.activeElement.id") == "id_p_stay_ref"
    _shot(officer, "3-link-to-field")
    assert _unexpected(officer) == []


def test_the_changed_pages_on_a_phone(page_as: Any) -> None:
    referral = _blocked()
    alerted = Alert.objects.filter(resolved_at__isnull=True).earliest("raised_at")
    officer = page_as(Role.VETTING_OFFICER, viewport=PHONE)
    for path, name in [
        (f"/vetting/referrals/{referral.pk}/vetting/", "phone-file"),
        (f"/vetting/referrals/{alerted.referral_id}/vetting/", "phone-file-alert"),
        ("/vetting/alerts/", "phone-alerts"),
        ("/", "phone-home"),
    ]:
        officer.goto(path)
        assert _violations(officer) == [], path
        _shot(officer, name)
    # Closing an alert over a standing block: refused, in the summary on top.
    officer.goto("/vetting/alerts/")
    close = officer.locator("form[action$='/resolve/']").first
    close.get_by_label("How the block was dealt with").fill("Taken off the manifest.")
    close.locator("button[type=submit]").click()
    officer.wait_for_load_state()
    assert (
        "a block still stands against this person" in officer.locator(".error-summary").inner_text()
    )
    assert _violations(officer) == []
    _shot(officer, "phone-alert-refused")
    assert _unexpected(officer) == []


def test_the_senior_officers_pages(page_as: Any) -> None:
    referral = _blocked()
    for viewport, suffix in [(None, ""), (PHONE, "-phone")]:
        senior = page_as(Role.SENIOR_OFFICER, viewport=viewport)
        for path, name in [
            ("/vetting/overrides/", "overrides"),
            ("/vetting/overrides/?status=approved", "overrides-approved"),
            (f"/vetting/referrals/{referral.pk}/vetting/", "senior-file"),
        ]:
            senior.goto(path)
            assert _violations(senior) == [], path
            _shot(senior, name + suffix)
        assert _unexpected(senior) == []


def test_the_pickers_and_a_refused_status_change(page_as: Any) -> None:
    for viewport, suffix in [(None, ""), (PHONE, "-phone")]:
        liaison = page_as(Role.SENDING_LIAISON, viewport=viewport)
        liaison.goto("/vetting/referrals/new/")
        assert _violations(liaison) == []
        # A language by its name: the datalist offers it, the form takes it.
        field = liaison.locator("#id_languages")
        assert field.get_attribute("list") == "id_languages_names"
        assert liaison.locator("#id_languages_names option[value='Spanish']").count() == 1
        _shot(liaison, "referral-form" + suffix)
        admin = page_as(Role.SENIOR_OFFICER, viewport=viewport)
        admin.goto("/agreements/US-RW-2025/")
        panel = admin.locator("details", has_text="Change status")
        panel.locator("summary").click()
        options = panel.locator("select option").all_inner_texts()
        assert "Draft" not in options
        # A refused change (no reason): the error on top, the same choices offered.
        panel.locator("button[type=submit]").click()
        admin.wait_for_load_state()
        assert "There is a problem" in admin.locator(".error-summary").inner_text()
        again = admin.locator("details", has_text="Change status")
        assert again.locator("select option").all_inner_texts() == options
        assert _violations(admin) == []
        _shot(admin, "agreement-refused" + suffix)
        assert _unexpected(admin) == [] and _unexpected(liaison) == []
