"""Issue 13, "Must show": a senior officer locks a manifest and records the departure, the
reception officer records the arrival and, on a phone-sized screen, checks a family in at the
arrivals desk with the network cut and then restored; the occupancy changes and the
reconciliation balances. Screenshots of each step (test-artifacts/screenshots/movement-*)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.core import clock
from ikaze.movements import services
from ikaze.movements.models import ManifestEntry
from ikaze.people.services import household_add_member
from ikaze.reception.models import Stay, Unit
from tests import factories as f
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"movement-{name}.png"), full_page=True)


def _family_on_a_proposed_movement() -> Any:
    agreement = f.agreement(status="in_force", tranche_cap=20)
    rw = f.organisation(OrgKind.RECEIVING_STATE)
    world = SimpleNamespace(
        agreement=agreement,
        officer=f.vetting_officer(organisation_=rw),
        liaison=f.liaison(country=agreement.sending_state),
    )
    from ikaze.vetting.services import notice_issue, notice_record_service, referral_accept

    head = f.vetting_referral(agreement=agreement, officer=world.officer, given_names="Rosa")
    child = f.vetting_referral(
        agreement=agreement,
        officer=world.officer,
        given_names="Tomás",
        sex="M",
        date_of_birth=dt.date(2016, 2, 1),
    )
    for r, role in ((head, "head"), (child, "child")):
        household_add_member(actor=world.liaison, reference="H-FLOW", person=r.person, role=role)
    for r in (head, child):
        referral_accept(actor=world.officer, referral=r, reason="Meets the criteria.")
        n = notice_issue(actor=world.officer, referral=r, kind="transfer")
        notice_record_service(
            actor=world.officer,
            notice=n,
            served_on_person_at=clock.now(),
            proof_reference=f"RECEIPT-{r.pk}",
            served_on_counsel_at=clock.now(),
            counsel_name="Lic. Ana Pérez",
        )
    m = services.movement_propose(
        actor=world.liaison,
        agreement=agreement,
        departure_date=clock.today_local() + dt.timedelta(days=14),
        carrier="RwandAir",
        flight_number="WB777",
        origin="IAD",
        destination="KGL",
        seats=10,
    )
    services.manifest_add(actor=world.liaison, movement=m, referral_ids=[head.pk, child.pk])
    return m


def test_lock_depart_arrive_and_check_a_family_in_offline(page_as: Any) -> None:
    m = _family_on_a_proposed_movement()
    url = f"/movements/{m.pk}/"

    senior = page_as(Role.SENIOR_OFFICER)
    senior.goto(url)
    senior.click("text=Lock the manifest")
    senior.get_by_label("I have checked the manifest").check()
    senior.click("button:has-text('Lock')")
    senior.wait_for_url(f"**{url}")
    assert senior.locator("#movement-status").inner_text() == "Manifest locked"
    _shot(senior, "1-locked")

    # Past the notice period (A9): the server's clock, shared with this process, moves ahead.
    with clock.frozen(clock.now() + dt.timedelta(days=15)):
        senior.click("text=Record the departure and boarding")
        senior.click("button:has-text('Record departure')")
        senior.wait_for_url(f"**{url}")
        assert senior.locator("#movement-status").inner_text() == "Departed"
        _shot(senior, "2-departed")

        reception = page_as(Role.RECEPTION_OFFICER, viewport=PHONE)
        reception.goto(url)
        reception.click("text=Record the arrival")
        reception.click("button:has-text('Record arrival')")
        reception.wait_for_url(f"**{url}")
        assert reception.locator("#movement-status").inner_text() == "Arrived"
        assert reception.locator("[data-count=arrived]").inner_text() == "2"
        _shot(reception, "3-arrived")

        # The allocation review and a person's needs, on the phone, pass axe too; needs
        # recorded there show on the proposal.
        reception.goto("/reception/allocation/")
        assert _violations(reception) == []
        reception.locator("a:has-text('Record needs of')").first.click()
        assert _violations(reception) == []
        reception.get_by_label("Psychosocial support").check()
        reception.click("button:has-text('Record needs')")
        reception.wait_for_url("**/reception/allocation/")
        assert "Psychosocial support" in reception.locator("table").inner_text()

        unit = Unit.objects.get(facility__name="Hope Hostel", label="A2")
        reception.goto("/reception/desk/?q=Rosa")
        assert reception.locator(".desk-group").count() == 1
        assert _violations(reception) == []
        page_size = reception.evaluate(
            "performance.getEntriesByType('navigation')[0].transferSize"
            " + performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
        )
        assert page_size < 100_000
        group = reception.locator(".desk-group")
        group.locator("select").select_option(str(unit.pk))

        reception.context.set_offline(True)
        group.locator("button.desk-button").click()
        queue = reception.locator("#desk-queue li")
        queue.first.wait_for()
        assert "waiting to be sent" in queue.first.inner_text()
        assert "Offline" in reception.locator("#desk-link").inner_text()
        assert Stay.objects.count() == 0
        _shot(reception, "4-desk-offline")

        reception.context.set_offline(False)
        reception.locator("#desk-queue li.desk-done").wait_for(timeout=15_000)
        assert Stay.objects.filter(unit=unit, checked_out_at__isnull=True).count() == 2
        _shot(reception, "5-desk-sent")

        reception.goto(f"/reception/{unit.facility_id}/")
        assert reception.locator("[data-unit=A2]").inner_text() == "2 / 5"
        _shot(reception, "6-occupancy")

        reception.goto(url)
        assert reception.locator("[data-count=checked_in]").inner_text() == "2"
        assert (
            "Every person is accounted for."
            in reception.locator("#reconciliation-table caption").inner_text()
        )
        _shot(reception, "7-reconciled")
    assert ManifestEntry.objects.filter(movement=m, checked_in_at__isnull=False).count() == 2
    assert senior.ikaze_errors == [] and reception.ikaze_errors == []


def test_movement_and_reception_pages_pass_axe(page_as: Any) -> None:
    from ikaze.movements.models import Movement
    from ikaze.reception.models import Facility

    movement = Movement.objects.get(flight_number="WB711")
    facility = Facility.objects.get(name="Hope Hostel")
    reception = page_as(Role.RECEPTION_OFFICER)
    for path in (
        "/movements/",
        f"/movements/{movement.pk}/",
        "/movements/incidents/",
        "/reception/",
        f"/reception/{facility.pk}/",
        "/reception/desk/",
        "/reception/allocation/",
    ):
        response = reception.goto(path)
        assert response is not None and response.status == 200, path
        assert _violations(reception) == [], path
    _shot(reception, "8-allocation")
    liaison = page_as(Role.SENDING_LIAISON)
    liaison.goto(f"/movements/{movement.pk}/")
    assert _violations(liaison) == []
    _shot(liaison, "9-liaison-manifest")
    assert reception.ikaze_errors == [] and liaison.ikaze_errors == []
