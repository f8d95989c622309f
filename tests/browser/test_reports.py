"""Reports in the browser (issue 16): a dashboard's charts load under the page's policy and pass
axe; the monthly PDF, rendered to an image with poppler's pdftoppm, shows its charts."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from PIL import Image

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.reports.charts import PALETTE
from ikaze.reports.models import MonthlyReport
from ikaze.reports.services import monthly_report_make
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _chart_pixels(png: Path) -> int:
    """Pixels of the first two chart colours (bars), in a rendered page."""
    wanted = {_rgb(PALETTE[0]), _rgb(PALETTE[1])}
    image = Image.open(png).convert("RGB")
    near = 0
    for count, colour in image.getcolors(maxcolors=1 << 20) or []:
        if any(sum(abs(a - b) for a, b in zip(colour, w, strict=True)) < 30 for w in wanted):
            near += count
    return near


def test_a_dashboard_shows_its_charts_and_tables(page_as: Any) -> None:
    page = page_as(Role.MONITOR)
    page.goto("/reports/monitor/")
    images = page.locator("img[data-chart]")
    assert images.count() == 11
    assert page.evaluate(
        "() => [...document.querySelectorAll('img[data-chart]')].every(i => i.naturalWidth > 0)"
    )
    assert page.locator("table caption").count() == 11
    assert _violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("() => document.querySelector('img[data-chart]').clientWidth")
    assert width <= 375
    page.screenshot(path=str(SCREENSHOTS / "reports-monitor-phone.png"), full_page=False)
    assert page.ikaze_errors == []
    response = page.goto("/reports/monitor/?start=2026-05-01&end=2026-04-01")
    assert response is not None and response.status == 400
    assert page.locator(".error-summary").is_visible()
    assert _violations(page) == []
    # The refusal answers 400, which the browser reports; nothing else went wrong.
    assert all("status of 400" in e for e in page.ikaze_errors), page.ikaze_errors


def test_the_monthly_pdf_shows_its_charts(page_as: Any, tmp_path: Path) -> None:
    page = page_as(Role.MONITOR, language="rw")
    page.goto("/reports/monthly/")
    month = clock.today_local().strftime("%Y-%m")
    page.fill("input[name=month]", month)
    page.select_option("select[name=report_language]", "rw")
    with page.expect_navigation():
        page.click("form[action='/reports/monthly/new/'] button[type=submit]")
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
    report = MonthlyReport.objects.get()
    assert (report.status, report.language) == ("queued", "rw")
    # The worker's step, here in the test's process (no worker runs in the browser tests).
    report = monthly_report_make(report_id=report.pk)
    assert report.status == "done", report.failure
    page.reload()
    link = page.locator(f"a[href='/reports/monthly/{report.pk}/pdf/']")
    assert link.count() == 1
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "monthly.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    coloured = [p for p in pages if _chart_pixels(p) > 50]
    # The cap use and occupancy charts always have bars (agreements and facilities exist).
    assert len(coloured) >= 1, [(_chart_pixels(p), p.name) for p in pages]
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    # The month as Kinyarwanda writes it (babel), in the reader's language.
    assert format_date(report.month, "LLLL y", locale="rw") in text
    assert page.ikaze_errors == []
