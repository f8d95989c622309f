"""Issue 14, "Must show": the finance officer's batch (prepared in the demo) is approved by the
finance approver signed in with a second factor, sent (the page's progress bar follows the
background sender), reconciled, and a payee's history shows the payment as paid. Screenshots
of each step (test-artifacts/screenshots/support-*)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from ikaze.accounts.access import Role
from ikaze.support.models import Payment, PaymentBatch
from ikaze.support.momo_simulator import MomoSimulator
from ikaze.support.sender import batch_send_run
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"support-{name}.png"), full_page=True)


def test_prepare_approve_send_watch_reconcile_and_see_paid(page_as: Any) -> None:
    batch = PaymentBatch.objects.get()  # the demo's batch, prepared by `finance`
    n = batch.total_count
    with (
        MomoSimulator() as sim,
        override_settings(
            IKAZE_PAYMENT_PROVIDERS={"momo": {"base_url": sim.url, "timeout": 2.0}},
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        ),
    ):
        approver = page_as(Role.FINANCE_APPROVER)
        approver.click("nav >> text=Support payments")
        approver.click(f"a[href='/support/{batch.pk}/']")
        approver.click("#approve")
        approver.wait_for_selector("text=Batch approved.")
        assert "Approved by approver" in approver.inner_text("main")
        assert _violations(approver) == []
        _shot(approver, "approved")

        officer = page_as(Role.FINANCE_OFFICER)
        officer.goto(f"/support/{batch.pk}/")
        officer.click("#send")
        officer.wait_for_selector("progress#batch-progress-bar")
        assert "Sending" in officer.inner_text("#batch-status")
        assert f"0 of {n} sent" in " ".join(officer.inner_text("#batch-status").split())
        _shot(officer, "sending")

        def play_the_sender() -> None:
            try:
                batch_send_run(batch_id=batch.pk)
            finally:
                connections.close_all()

        sender = threading.Thread(target=play_the_sender)
        sender.start()
        sender.join(timeout=120)
        # The page polls every second; when the batch is sent it reloads with the outcome.
        officer.wait_for_selector(f"#batch-status:has-text('{n} of {n} sent')", timeout=20_000)
        officer.wait_for_selector("#payments tr[data-state=successful]")
        status = " ".join(officer.inner_text("#batch-status").split())
        assert f"{n} of {n} sent: {n} paid" in status
        officer.click("#reconcile")
        officer.wait_for_selector("text=Reconciled:")
        _shot(officer, "reconciled")

        payee = Payment.objects.filter(batch=batch).order_by("pk").first()
        assert payee is not None
        officer.click(f"#payments a[href='/support/people/{payee.person_id}/']")
        officer.wait_for_selector("#person-payments")
        row = officer.locator("#person-payments tbody tr").first
        assert row.get_attribute("data-state") == "successful"
        assert "Paid" in row.inner_text()
        assert _violations(officer) == []
        _shot(officer, "history")
        assert sim.state.stats()["paid"] == n
        assert approver.ikaze_errors == [] and officer.ikaze_errors == []
