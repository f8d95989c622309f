"""Decision and transfer notices: a clean PDF in each template language, with the
destination and the rights in that language; a missing language needs a translation (A9)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ikaze.vetting.notices import (
    LocalOnlyFetcher,
    NoticeContext,
    NoticeKind,
    choose_template_language,
    render_html,
    render_notice,
)
from ikaze.vetting.rules import RefusalReason, notice_language_served

CONTEXT = NoticeContext(
    notice_ref="RW-US-2026-000123-T1",
    person_name="María José Hernández López",
    person_reference="P-000123",
    issued_on=dt.date(2026, 11, 16),
    destination="RW",
    sending_state="US",
    agreement_title="US–Rwanda arrangement 2025",
    officer_name="J. Mukamana",
    monitor_name="Independent Monitoring Committee",
    monitor_contact="+250 788 000 111 · monitor@example.rw",
    legal_advice_provider="Legal Aid Forum",
    legal_advice_contact="+250 788 000 222",
    appeal_body="High Court, Kigali",
    appeal_contact="registry@example.rw",
    understood_languages=("es",),
    planned_departure=dt.date(2026, 11, 30),
    accepted=False,
    reasons=(RefusalReason.INCOMPLETE_REFERRAL,),
    reason_text="",
    agreement_name="the arrangement between the United States and Rwanda",
    sending_authority="the authorities of the United States",
    receiving_authority="the Government of the Republic of Rwanda",
    issuing_office="Directorate General of Immigration and Emigration",
    office_address="KG 7 Ave, Kigali",
    place="Kigali",
    officer_role="Vetting officer",
)

# What each language must say: the destination and the rights, in that language.
EXPECTED = {
    "en": ["Rwanda", "legal advice", "court", "fear", "monitor", "November 26, 2026"],
    "es": [
        "Ruanda",
        "asesoría jurídica",
        "tribunal",
        "teme",
        "supervisión",
        "26 de noviembre de 2026",
    ],
    "fr": ["Rwanda", "conseil juridique", "tribunal", "craignez", "contrôle", "26 novembre 2026"],
    "rw": ["U Rwanda", "amategeko", "urukiko", "ubwoba", "umugenzuzi", "26 Ugushyingo 2026"],
}


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(out.stdout.split())


@pytest.mark.parametrize("language", ["en", "es", "fr", "rw"])
def test_transfer_notice_renders_in_each_language(language: str, tmp_path: Path) -> None:
    doc = render_notice(NoticeKind.TRANSFER, language, CONTEXT)
    assert doc.pdf.startswith(b"%PDF-") and len(doc.pdf) > 5000
    assert (doc.language, doc.template_language, doc.needs_translation) == (
        language,
        language,
        False,
    )
    text = pdf_text(doc.pdf, tmp_path) if shutil.which("pdftotext") else " ".join(doc.html.split())
    for phrase in EXPECTED[language]:
        assert phrase in text, (language, phrase)
    assert "RW-US-2026-000123-T1" in text


@pytest.mark.parametrize("language", ["en", "es", "fr", "rw"])
def test_decision_notice_renders_in_each_language(language: str) -> None:
    refused, _, _ = render_html(NoticeKind.DECISION, language, CONTEXT)
    accepted, _, _ = render_html(NoticeKind.DECISION, language, _accepted())
    assert refused != accepted
    doc = render_notice(NoticeKind.DECISION, language, CONTEXT)
    assert doc.pdf.startswith(b"%PDF-") and doc.needs_translation is False


def _accepted() -> NoticeContext:
    from dataclasses import replace

    return replace(CONTEXT, accepted=True, reasons=())


def test_spanish_decision_notice_gives_the_reason_and_how_to_appeal() -> None:
    html, _, _ = render_html(NoticeKind.DECISION, "es", CONTEXT)
    text = " ".join(html.split())
    assert "ha rechazado acogerle" in text
    assert "La solicitud de traslado no contenía la información que exige el acuerdo." in text
    assert "Cómo recurrir" in text and "dentro de los 30 días" in text
    assert "Independent Monitoring Committee" in text


def test_a_language_without_a_template_needs_translation() -> None:
    doc = render_notice(NoticeKind.TRANSFER, "ti", CONTEXT)
    assert (doc.language, doc.template_language, doc.needs_translation) == ("ti", "es", False)
    # ("es" is understood by this person.) Someone who understands only Tigrinya:
    from dataclasses import replace

    doc = render_notice(NoticeKind.TRANSFER, "ti", replace(CONTEXT, understood_languages=("ti",)))
    assert (doc.template_language, doc.needs_translation) == ("en", True)
    assert "counts as served only once a translation or an interpreter is recorded" in doc.html
    # SAFEGUARDS A9: not served until a translation or an interpreter is recorded.
    served: dict[str, Any] = {
        "template_language": "en",
        "served_language": "ti",
        "person_languages": ("ti",),
    }
    assert (
        notice_language_served(**served, translation_recorded=False, interpreter_language=None)
        is False
    )
    assert (
        notice_language_served(**served, translation_recorded=True, interpreter_language=None)
        is True
    )


@pytest.mark.parametrize(
    ("language", "understood", "expected"),
    [
        ("es", (), ("es", False)),
        ("rn", (), ("rw", True)),  # Kirundi: the Kinyarwanda text is the closest start
        ("pt", ("pt",), ("es", True)),
        ("ln", ("ln", "fr"), ("fr", False)),
        ("ar", ("ar",), ("en", True)),
    ],
)
def test_choose_template_language(
    language: str, understood: tuple[str, ...], expected: tuple[str, bool]
) -> None:
    assert choose_template_language(language, understood) == expected


def test_the_renderer_never_fetches_a_url() -> None:
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        LocalOnlyFetcher().fetch("https://example.org/logo.png")
    with pytest.raises(FatalURLFetchingError):
        LocalOnlyFetcher().fetch("file:///etc/passwd")


def test_person_supplied_text_is_escaped() -> None:
    from dataclasses import replace

    html, _, _ = render_html(
        NoticeKind.DECISION, "en", replace(CONTEXT, reason_text="<script>x</script>")
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
