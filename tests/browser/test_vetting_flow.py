"""Issue 4, "Must show": a vetting officer opens a referral with a block, sees why, cannot
accept; the block is resolved by recording a fact; the officer accepts; the sending liaison
sees the decision; the notice PDF downloads in Spanish. Screenshots of each step."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.vetting.models import Override, Referral
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"vetting-{name}.png"), full_page=True)


def _pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())


def test_block_seen_resolved_accepted_decision_seen_notice_in_spanish(
    page_as: Any, tmp_path: Path
) -> None:
    # The demo's referral blocked only by A12 (no legal advice yet), an override pending.
    referral = Referral.objects.get(
        pk=Override.objects.get(rule_id="A12", status="requested").referral_id
    )
    name = referral.person.full_name
    officer = page_as(Role.VETTING_OFFICER)

    # The officer opens the referral from the liaison-facing referral page's link.
    officer.goto(f"/vetting/referrals/{referral.pk}/")
    officer.click("text=Open the vetting file")
    officer.wait_for_url(f"**/vetting/referrals/{referral.pk}/vetting/")
    assert officer.locator("h1").inner_text().startswith(name)
    a12 = officer.locator("tr", has_text="A12 —")
    assert "Block" in a12.inner_text()
    assert "Legal advice before acceptance" in a12.inner_text()
    _shot(officer, "1-blocked")

    # Accepting is refused, and the page says which safeguard stands in the way.
    # The decision's panel is closed: the summary's next action is to record a fact.
    officer.locator("summary", has_text="Record the decision").click()
    decide = officer.locator("form[action$='/decide/']")
    decide.get_by_label("Accept this person").check()
    decide.get_by_label("Reason", exact=True).fill("Eligible; every safeguard is met.")
    decide.locator("button[type=submit]").click()
    errors = officer.locator("form[action$='/decide/'] .form-errors")
    assert "A safeguard blocks this acceptance." in errors.inner_text()
    assert "A12" in errors.inner_text()
    _shot(officer, "2-refused-accept")
    referral.refresh_from_db()
    assert referral.status in (Referral.Status.SUBMITTED, Referral.Status.UNDER_REVIEW)

    # The missing fact is recorded (the form opens on "legal advice given").
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/?kind=legal_advice_given")
    fact = officer.locator("form[action$='/facts/']")
    fact.get_by_label("Took effect on").fill(clock.today_local().isoformat())
    fact.get_by_label("Source document").fill("LAF/2026/0042")
    fact.locator("[name=p_provider]").fill("Legal Aid Forum Rwanda")
    fact.locator("[name=p_language]").fill("es")
    fact.locator("button[type=submit]").click()
    officer.wait_for_url(f"**/vetting/referrals/{referral.pk}/vetting/")
    assert "The fact is recorded" in officer.locator("main").inner_text()
    _shot(officer, "3-fact-recorded")

    # Now the officer accepts.
    decide = officer.locator("form[action$='/decide/']")
    decide.get_by_label("Accept this person").check()
    decide.get_by_label("Reason", exact=True).fill("Eligible; every safeguard is met.")
    decide.locator("button[type=submit]").click()
    officer.wait_for_url(f"**/vetting/referrals/{referral.pk}/vetting/")
    assert "The decision is recorded." in officer.locator("main").inner_text()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED

    _shot(officer, "4-accepted")

    # The decision notice, in the person's language (Spanish), downloads as a PDF.
    notice = officer.locator("form[action$='/notices/']")
    notice.locator("select[name=kind]").select_option("decision")
    # The reason was written in English: the Spanish notice carries its translation.
    notice.locator("[name=reason_translation]").fill("Cumple todas las garantías.")
    notice.locator("button[type=submit]").click()
    officer.wait_for_url(f"**/vetting/referrals/{referral.pk}/vetting/?issued=*")
    _shot(officer, "5-notice-issued")
    link = officer.locator("#h-notices ~ ul a", has_text="Decision notice")
    assert "(PDF, Spanish)" in link.inner_text()
    with officer.expect_download() as download:
        link.click()
    pdf = tmp_path / "notice.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "GOBIERNO DE LA REPÚBLICA DE RUANDA" in text and "Decisión" in text and "Fecha" in text
    # The only console error is the refused acceptance's 400 (a form with errors).
    assert [e for e in officer.ikaze_errors if "status of 400" not in e] == []
    assert len(officer.ikaze_errors) == 1

    # The sending liaison sees the decision on its own referral, and not the vetting file.
    liaison = page_as(Role.SENDING_LIAISON)
    liaison.goto(f"/vetting/referrals/{referral.pk}/")
    assert liaison.locator("text=Open the vetting file").count() == 0
    liaison.click("text=See the decision")
    liaison.wait_for_url(f"**/vetting/referrals/{referral.pk}/decision/")
    body = liaison.locator("main").inner_text()
    assert "Accepted" in body and "Eligible; every safeguard is met." in body
    _shot(liaison, "6-liaison-decision")
    assert liaison.ikaze_errors == []


def test_the_findings_read_on_a_phone_without_sideways_scrolling(page_as: Any) -> None:
    referral = Referral.objects.get(
        pk=Override.objects.get(rule_id="A12", status="requested").referral_id
    )
    officer = page_as(Role.VETTING_OFFICER, viewport={"width": 390, "height": 844})
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/")
    # Every wide table of the vetting file fits its box: one card per row, no inner scroll.
    overflowing = officer.evaluate(
        """[...document.querySelectorAll('.table-wrap')]
             .filter(w => w.scrollWidth > w.clientWidth + 1).length"""
    )
    assert overflowing == 0
    assert officer.evaluate("document.documentElement.scrollWidth") <= 390
    # Each cell says what it is, since the column headings are out of sight.
    a12 = officer.locator("tr", has_text="A12 —")
    assert a12.locator("td[data-label='Finding']").is_visible()
    assert a12.locator("td[data-label='Outcome']").inner_text().strip() == "Block"
    _shot(officer, "phone-findings")
    assert officer.ikaze_errors == []
