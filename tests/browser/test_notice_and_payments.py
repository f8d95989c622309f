"""Issue 11 items 12 and 14, "Must show": a vetting officer issues a decision notice in Spanish
whose PDF carries no English (text extracted with poppler's pdftotext) and writes its date as
"2 de diciembre de 2026"; the success panel puts the PDF at the top of the file; the refusal
(an English reason, not translated) is shown first. The changed pages (the vetting file after
issue, an agreement's money) are axe-core clean at desktop size and on a 375 × 812 phone."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ikaze.accounts.access import Role
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.models import User
from ikaze.agreements.demo import rwanda_notice_settings
from ikaze.core import clock
from ikaze.vetting import services as svc
from ikaze.vetting.models import Override, Referral
from ikaze.vetting.notices.texts import REASON_LABELS
from tests import support
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPANISH_REASON = "Faltan el certificado de nacimiento y el número del expediente de asilo."
PHONE = {"width": 375, "height": 812}
NOTICES = Path(settings.BASE_DIR) / "ikaze" / "vetting" / "templates" / "vetting" / "notices"
OFFICERS_REASON = "The birth certificate and the asylum case file number are missing."


@pytest.fixture
def december() -> Iterator[None]:
    """The clock stands on 2 December 2026, 09:00 in Kigali, from before the demo is loaded
    (the live server runs in this process, so its pages see the same clock)."""
    at = dt.datetime(2026, 12, 2, 9, 0, tzinfo=clock.local_zone())
    with clock.frozen(at):
        yield


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"h11e-{name}.png"), full_page=True)


def _pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())


def english_source_strings() -> list[str]:
    """The English of a decision notice: each run of text of the English templates (between
    tags and template code), the English reason labels, the shared parts' msgids, the demo
    agreement's English names and the placeholders notices once carried."""
    out: set[str] = set()
    for name in ("_base.html", "_reason_text.html", "en/decision.html"):
        source = (NOTICES / name).read_text("utf-8")
        source = re.sub(r"<style>.*?</style>", " ", source, flags=re.S)
        source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|<[^>]+>", "\n", source, flags=re.S)
        for run in source.split("\n"):
            run = " ".join(run.split()).strip(" .,:;()—·")
            if len(re.findall(r"[A-Za-z]{2,}", run)) >= 2 or run in {
                "Officer",
                "Role",
                "Place",
                "Signature",
                "Reasons",
            }:
                out.add(run)
    out.update(REASON_LABELS["en"].values())
    out.update(v["en"] for v in rwanda_notice_settings("US").values() if isinstance(v, dict))
    out.update(
        {
            OFFICERS_REASON,
            "The authorities of",
            "Government of",
            "Appeal tribunal",
            "Legal aid provider on record",
            "Independent monitoring committee",
            "Vetting officer",
        }
    )
    return sorted(out)


def test_a_spanish_notice_has_no_english_and_opens_on_its_pdf(
    december: None, page_as: Any, tmp_path: Path
) -> None:
    # The demo's referral blocked only by A12 (a Spanish speaker) is refused, with a reason
    # written in English.
    referral = Referral.objects.get(
        pk=Override.objects.get(rule_id="A12", status="requested").referral_id
    )
    assert referral.person.languages[0] == "es"
    officer_actor = actor_for_user(
        User.objects.get(username=support.DEMO_USERNAME[Role.VETTING_OFFICER])
    )
    svc.referral_refuse(
        actor=officer_actor,
        referral=referral,
        reason_codes=["incomplete_referral", "other"],
        reason=OFFICERS_REASON,
    )

    officer = page_as(Role.VETTING_OFFICER)
    officer.goto(f"/vetting/referrals/{referral.pk}/vetting/")
    # The forms sit in panels (issue 11 item 1); the notice's opens from its summary.
    if not officer.locator("form[action$='/notices/'] select[name=kind]").is_visible():
        officer.locator("summary", has_text="Issue a notice").click()
    notice = officer.locator("form[action$='/notices/']")
    notice.locator("select[name=kind]").select_option("decision")
    notice.locator("button[type=submit]").click()
    # Refused: the officer's reason is in English and neither translated nor interpreted.
    errors = officer.locator("form[action$='/notices/'] .form-errors")
    assert "The refusal's reason is written in English" in errors.inner_text()
    _shot(officer, "notice-1-refused")

    notice = officer.locator("form[action$='/notices/']")
    notice.locator("select[name=kind]").select_option("decision")
    notice.get_by_label(
        "The decision's written reason, translated into the notice's language"
    ).fill(SPANISH_REASON)
    notice.locator("button[type=submit]").click()
    officer.wait_for_url(f"**/vetting/referrals/{referral.pk}/vetting/?issued=*")
    panel = officer.locator("#notice-issued")
    assert "The notice is issued." in panel.inner_text()
    link = panel.get_by_role("link", name="Download the notice (PDF)")
    box = link.bounding_box()
    assert box is not None and box["y"] < 800  # at the top, without scrolling
    _shot(officer, "notice-2-issued")
    assert _violations(officer) == []

    with officer.expect_download() as download:
        link.click()
    pdf = tmp_path / "notice.pdf"
    download.value.save_as(pdf)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, SCREENSHOTS / "h11e-notice-es.pdf")
    text = _pdf_text(pdf)
    left = [s for s in english_source_strings() if s.casefold() in text.casefold()]
    assert left == [], text
    assert "2 de diciembre de 2026" in text
    assert "de diciembre de" in text
    for spanish in (
        "Las autoridades de los Estados Unidos han pedido que el Gobierno de la República de "
        "Ruanda le acoja",
        "Dirección General de Inmigración",
        SPANISH_REASON,
        "La solicitud de traslado no contenía la información que exige el acuerdo.",
        "ha rechazado acogerle",
        "la Secretaría de Recursos del Ministerio de Gestión de Emergencias",
        "el Foro de Asistencia Jurídica de Ruanda",
        "Firmado por la oficina emisora",
        "Cargo Funcionario de examen",
        "Lugar Kigali",
    ):
        assert spanish in text, spanish
    assert officer.ikaze_errors == [e for e in officer.ikaze_errors if "status of 400" in e]

    # The same page on a phone: the panel and the file stay accessible.
    phone = page_as(Role.VETTING_OFFICER, viewport=PHONE)
    phone.goto(officer.url)
    assert phone.locator("#notice-issued").is_visible()
    _shot(phone, "notice-3-phone")
    assert _violations(phone) == []


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_agreements_money_reads_arrears_and_is_accessible(
    page_as: Any, viewport: dict[str, int] | None
) -> None:
    finance = page_as(Role.FINANCE_OFFICER, viewport=viewport)
    finance.goto("/agreements/UK-RW-MEDP/")
    main = finance.locator("main").inner_text()
    assert "in arrears £80,000.00" in main and "in arrears £100,000,000.00" in main
    assert "within schedule" not in main
    finance.locator("summary", has_text="Reverse this payment").first.click()
    _shot(finance, f"agreement-money-{'phone' if viewport else 'desktop'}")
    assert _violations(finance) == []
    assert finance.ikaze_errors == []
