"""Browser: a batch whose worker died stops polling and says why; a re-sent row with a changed
date of birth shows as a conflict to review (issue 17 items 5 and 7). Phone width, axe clean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from ikaze.intake import services
from ikaze.intake.models import IntakeBatch
from ikaze.intake.tests.helpers import csv_bytes, row
from tests import factories
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations
from tests.browser.test_intake_flow import _page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_batch_fails_and_a_conflict_is_listed(browser: Any, live_server: Any) -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="a.csv", content=csv_bytes([row(1)])
        )
        conflict, _ = services.intake_batch_create(
            actor=liaison,
            agreement=agreement,
            file_name="b.csv",
            content=csv_bytes([row(1, date_of_birth="1971-02-03")]),
        )
    stale, _ = services.intake_batch_create(
        actor=liaison,
        agreement=agreement,
        file_name="c.csv",
        content=csv_bytes([row(2)]),
        enqueue=False,
    )
    IntakeBatch.objects.filter(pk=stale.pk).update(
        status="running",
        phase="checking",
        updated_at=stale.updated_at - dt.timedelta(hours=2),
    )

    page = _page_for(browser, live_server, liaison.user)
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"/intake/{stale.pk}/")
    assert "Failed" in page.locator("#batch-status").inner_text()
    assert page.locator("#batch-progress[hx-get]").count() == 0
    assert "its worker ended" in page.locator("[role=alert]").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "intake-stale-failed.png"), full_page=True)
    assert _violations(page) == []

    page.goto(f"/intake/{conflict.pk}/")
    assert page.locator("td:has-text('Conflict with the registry')").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "intake-conflict.png"), full_page=True)
    assert _violations(page) == []
