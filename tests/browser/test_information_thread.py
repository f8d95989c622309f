"""A liaison answers a request for information with a document; the officer sees it (issue 11
items 3 and 4), in Chromium, with axe-core checks of the changed pages on a desktop and on a
375 × 812 phone screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.documents.models import Document
from ikaze.vetting.models import Referral, ReferralMessage
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_liaison_answers_with_a_document_and_the_officer_sees_it(
    page_as: Any, tmp_path: Path
) -> None:
    referral = (
        Referral.objects.filter(status=Referral.Status.INFORMATION_REQUESTED)
        .order_by("created_at")
        .first()
    )
    assert referral is not None
    detail = f"/vetting/referrals/{referral.pk}/"

    # The liaison, on a phone first: the question is labelled, the answer form is there.
    phone = page_as(Role.SENDING_LIAISON, viewport=PHONE)
    phone.goto(detail)
    assert (
        phone.locator("ol.thread h3")
        .first.inner_text()
        .startswith("Question from the vetting officer, ")
    )
    assert _violations(phone) == []
    _shot(phone, "information-thread-liaison-phone")

    page = page_as(Role.SENDING_LIAISON)
    page.goto(detail)
    assert _violations(page) == []
    certificate = tmp_path / "birth certificate.pdf"
    certificate.write_bytes(PDF)
    page.fill("#id_answer", "The birth certificate is attached; the place of birth was wrong.")
    page.set_input_files("#id_attachments", str(certificate))
    page.select_option("#id_attachments_kind", "birth_certificate")
    page.fill("#id_place_of_birth", "San Pedro Sula")
    page.click("button:has-text('Send the answer')")
    page.wait_for_url(f"**{detail}")
    assert "Your answer is sent and the referral is submitted again." in page.inner_text("main")
    _shot(page, "information-thread-liaison-answered")
    assert page.ikaze_errors == []

    answer = ReferralMessage.objects.get(referral=referral, kind="answer")
    assert answer.corrected_fields == ["place_of_birth"]
    doc = Document.objects.get(target_type="referral_message", target_id=answer.pk)
    assert doc.original_name == "birth certificate.pdf"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED

    # The officer sees the answer and its document on the vetting file, and downloads it.
    officer = page_as(Role.VETTING_OFFICER)
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/")
    thread = officer.locator("ol.thread")
    assert "Answer from" in thread.inner_text()
    assert "the place of birth was wrong" in thread.inner_text()
    assert "Corrected: Place of birth" in thread.inner_text()
    with officer.expect_download() as download:
        officer.click(f"a[href='/documents/{doc.pk}/']")
    assert Path(download.value.path()).read_bytes() == PDF
    assert download.value.suggested_filename == "birth certificate.pdf"
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/")
    assert _violations(officer) == []
    _shot(officer, "information-thread-vetting-file")
    officer.goto(f"/people/{referral.person_id}/")
    assert _violations(officer) == []
    _shot(officer, "person-documents")
    assert officer.ikaze_errors == []

    officer_phone = page_as(Role.VETTING_OFFICER, viewport=PHONE)
    for path in (
        f"/vetting/referrals/{referral.pk}/vetting/",
        detail,
        f"/people/{referral.person_id}/",
    ):
        officer_phone.goto(path)
        assert _violations(officer_phone) == [], path
    _shot(officer_phone, "information-thread-vetting-file-phone")
