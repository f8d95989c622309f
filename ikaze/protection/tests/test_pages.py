"""The protection pages and API as people use them: the self-service page outside the sign-in
and second-factor gate (the documented F6 exception), complaints hidden from caseworkers on
every interface, and a case worked through its page."""

from __future__ import annotations

import pytest
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.accounts.middleware import BEFORE_SECOND_FACTOR, reachable_before_second_factor
from ikaze.protection import services
from ikaze.protection.models import Complaint, LockHit
from ikaze.protection.tests.conftest import open_case
from tests import factories
from tests.support import session_client

pytestmark = pytest.mark.django_db

SECRET = "Me amenazaron en la oficina de la unidad."


def test_f6_exception_is_named_and_only_the_self_service_pages() -> None:
    names = [n for n in BEFORE_SECOND_FACTOR if n.startswith("protection:")]
    assert names == ["protection:self_service", "protection:self_service_complaint"]
    assert reachable_before_second_factor("/protection/self/")
    assert reachable_before_second_factor("/protection/self/complaint/")
    assert not reachable_before_second_factor("/protection/complaints/")
    assert not reachable_before_second_factor("/protection/inbox/")


def test_f6_a_monitor_without_second_factor_reaches_self_service_and_nothing_else(world) -> None:
    monitor = factories.user(Role.MONITOR, username="sofia")
    factories.totp_device(monitor)
    client = Client()
    client.post("/accounts/login/", {"username": "sofia", "password": factories.PASSWORD})
    assert client.get("/protection/self/").status_code == 200
    response = client.get("/protection/complaints/")
    assert response.status_code == 302 and "/accounts/two-factor/" in response["Location"]


def test_self_service_needs_no_account_and_files_in_spanish(world) -> None:
    case = open_case(world)
    code, pin = services.personal_code_issue(actor=world.caseworker, case=case)
    client = Client()
    page = client.get("/protection/self/?lang=es")
    assert page.status_code == 200 and 'lang="es"' in page.content.decode()
    wrong = client.post("/protection/self/", {"code": code.code, "pin": "x", "lang": "es"})
    unknown = client.post("/protection/self/", {"code": "NOPE000000", "pin": "x", "lang": "es"})
    assert wrong.status_code == unknown.status_code == 403
    assert _same_error(wrong, unknown)
    # Before sign-in the complaint page sends back to the sign-in page.
    assert client.get("/protection/self/complaint/").status_code == 302
    ok = client.post("/protection/self/", {"code": code.code, "pin": pin, "lang": "es"})
    assert ok.status_code == 302 and ok["Location"] == "/protection/self/complaint/"
    done = client.post("/protection/self/complaint/", {"content": SECRET, "lang": "es"})
    assert done.status_code == 200
    c = Complaint.objects.get()
    assert c.reference in done.content.decode()
    # One complaint per sign-in: the page asks for the code again.
    assert client.get("/protection/self/complaint/").status_code == 302


def _same_error(a, b) -> bool:
    import re

    def errors(r) -> list[str]:
        return re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', r.content.decode(), re.S)

    return errors(a) == errors(b) and errors(a) != []


def test_c2_caseworker_never_reaches_complaint_content(world) -> None:
    case = open_case(world)
    c = services.complaint_file(actor=world.caseworker, case=case, content=SECRET)
    client = session_client(world.caseworker.user)
    for path in (
        f"/protection/complaints/{c.pk}/",
        "/protection/complaints/",
        "/protection/inbox/",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert SECRET not in response.content.decode()
    for path in (
        f"/api/v1/protection/complaints/{c.pk}",
        "/api/v1/protection/complaints",
        "/api/v1/protection/inbox",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
    page = client.get(f"/protection/cases/{case.pk}/")
    assert page.status_code == 200 and SECRET not in page.content.decode()
    monitor = session_client(world.monitor.user)
    assert SECRET in monitor.get(f"/protection/complaints/{c.pk}/").content.decode()
    assert monitor.get(f"/api/v1/protection/complaints/{c.pk}").json()["content"] == SECRET


def test_a_caseworker_refused_a_third_country_on_the_page_sees_why(world) -> None:
    case = open_case(world, nationalities=["HN"])
    client = session_client(world.caseworker.user)
    response = client.post(
        f"/protection/cases/{case.pk}/depart/",
        {"depart-destination": "LY", "depart-departs_on": "2026-12-20"},
    )
    assert response.status_code == 409
    assert "non-refoulement" in response.content.decode()
    assert LockHit.objects.count() == 1


def test_the_api_refuses_closing_before_a_final_decision(world) -> None:
    case = open_case(world)
    client = session_client(world.caseworker.user)
    services.case_claim_lodge(actor=world.caseworker, case=case)
    response = client.post(
        f"/api/v1/protection/cases/{case.pk}/close",
        {"outcome": "status_granted", "reason": "Done."},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_final")
