"""Issue 15: a person files a complaint on the self-service page, in Spanish, on a phone-sized
screen, with the personal code and PIN the demo prints; the monitor sees it and its
acknowledgement deadline; the caseworker cannot reach it. The pages pass axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.protection import demo
from ikaze.protection.models import Complaint
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TEXT = "Me quitaron la comida de la semana después de hablar con la monitora."


def test_a_person_complains_in_spanish_on_a_phone_and_only_the_monitor_reads_it(
    browser: Any, demo_live: str, page_as: Any
) -> None:
    context = browser.new_context(base_url=demo_live, viewport=PHONE, locale="es-ES")
    page = context.new_page()
    page.goto("/protection/self/?lang=es")
    assert page.locator("h1").inner_text() != ""
    assert page.locator("html").get_attribute("lang") == "es"
    assert _violations(page) == []
    # A wrong PIN: the one answer every failure gets.
    page.fill("input[name=code]", demo.SELF_SERVICE_CODE)
    page.fill("input[name=pin]", "000000")
    page.click("main form button[type=submit]")
    assert _violations(page) == []
    page.fill("input[name=code]", demo.SELF_SERVICE_CODE.lower())
    page.fill("input[name=pin]", demo.SELF_SERVICE_PIN)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/protection/self/complaint/**")
    assert _violations(page) == []
    page.fill("textarea[name=content]", TEXT)
    page.click("main form button[type=submit]")
    receipt = page.locator("#receipt").inner_text()
    complaint = Complaint.objects.order_by("-filed_at").first()
    assert complaint is not None and complaint.reference in receipt
    assert complaint.ack_due_at.strftime("%Y-%m-%d") in receipt
    assert (complaint.channel, complaint.language) == ("self_service", "es")
    page.screenshot(path=str(SCREENSHOTS / "self-service-complaint-es-phone.png"), full_page=True)
    context.close()

    monitor = page_as(Role.MONITOR)
    monitor.goto(f"/protection/complaints/{complaint.pk}/")
    assert TEXT in monitor.locator("#complaint-content").inner_text()
    assert (
        complaint.ack_due_at.strftime("%Y-%m-%d") in monitor.locator("#ack-deadline").inner_text()
    )
    monitor.goto("/protection/inbox/?source=protection&state=open")
    assert complaint.reference in monitor.locator("#inbox").inner_text()
    assert _violations(monitor) == []
    assert monitor.ikaze_errors == []

    caseworker = page_as(Role.CASEWORKER)
    response = caseworker.goto(f"/protection/complaints/{complaint.pk}/")
    assert response is not None and response.status == 403
    assert TEXT not in caseworker.content()
    api = caseworker.request.get(f"/api/v1/protection/complaints/{complaint.pk}")
    assert api.status == 403 and TEXT not in api.text()
    caseworker.goto("/protection/cases/")
    assert TEXT not in caseworker.content()
    # The refused page and API call above are the only console errors (their 403s).
    assert [e for e in caseworker.ikaze_errors if "403" not in e] == []
