"""Issue 16 item 6 in a browser, signed in as nobody: switch to Kinyarwanda, open an
agreement's public statistics on a phone (axe-core passes), download the HXL CSV and check it
with libhxl. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import hxl
import pytest

from ikaze.reports.tests.test_public import HXL_SCHEMA
from tests.browser.conftest import SCREENSHOTS, _watch
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_reads_the_public_statistics_in_kinyarwanda_and_gets_hxl(
    browser: Any, demo_live: str, tmp_path: Path
) -> None:
    context = browser.new_context(
        base_url=demo_live, viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    try:
        page = context.new_page()
        _watch(page)
        page.goto("/reports/public/")
        with page.expect_navigation():
            page.select_option("#lang-select", "rw")
        assert page.locator("html").get_attribute("lang") == "rw"
        assert page.url.endswith("/reports/public/")  # not sent to sign in
        page.locator("main a[href*='/reports/public/US-RW-2025/']").click()
        page.wait_for_url("**/reports/public/US-RW-2025/")
        assert page.locator("html").get_attribute("lang") == "rw"
        assert page.locator("table").count() == 3  # money, decisions, arrivals
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "public-statistics-rw.png"), full_page=True)
        assert _violations(page) == []

        with page.expect_download() as download:
            page.locator("a[href$='statistics.csv']").click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        assert target.name == "ikaze-US-RW-2025-statistics.csv"
        content = target.read_bytes()
        report = hxl.validate(hxl.data(io.BytesIO(content)), hxl.data(HXL_SCHEMA))
        assert report["is_valid"], report
        source = hxl.data(io.BytesIO(content))
        assert "#affected+num" in [c.display_tag for c in source.columns]
        rows = list(source)
        assert rows and all(r.get("#meta+agreement+code") == "US-RW-2025" for r in rows)
        for row in rows:
            people = row.get("#affected+num")
            assert people in ("", None) or int(people) == 0 or int(people) >= 5
        assert content.count(b"\r\n") == len(rows) + 2
        assert page.ikaze_errors == []
    finally:
        context.close()
