"""List exports (issue 16 item 4): CSV and XLSX of the same view, formula-safe, as the page's
permission allows, and refused when a registered guard says so."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.http import HttpResponse
from django.test import Client

from ikaze.core import worklist
from ikaze.vetting.tests.test_work_lists import signed_in
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_queue_as_xlsx_holds_text_never_a_formula() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    f.vetting_referral(
        agreement=ag, officer=officer, given_names="=HYPERLINK(1)", first_surname="Hyperlink"
    )
    f.vetting_referral(agreement=ag, officer=officer, first_surname="Other")
    c = signed_in(officer)
    c.cookies.load({"django_language": "fr"})
    res = c.get("/vetting/queue/export.xlsx?q=hyperlink")
    assert res.status_code == 200
    assert res["Content-Type"] == worklist.XLSX_CONTENT_TYPE
    assert res["Content-Disposition"] == 'attachment; filename="vetting-queue.xlsx"'
    ws = openpyxl.load_workbook(io.BytesIO(res.content)).active
    assert ws["A1"].value == "Personne"  # the header in the reader's language
    assert ws["A1"].font.bold
    assert ws["A2"].value == "'=HYPERLINK(1) Hyperlink López"
    assert ws["A2"].data_type == "s"
    assert len(list(ws.iter_rows())) == 2
    page = c.get("/vetting/queue/?q=hyperlink").content.decode()
    assert "/vetting/queue/export.xlsx?q=hyperlink" in page


def test_an_export_answers_as_its_page_does_for_a_role_without_it() -> None:
    liaison = f.liaison()
    c = signed_in(liaison)
    assert c.get("/vetting/queue/export.xlsx").status_code == 403
    assert c.get("/audit/events.xlsx").status_code == 403
    assert Client().get("/vetting/queue/export.xlsx").status_code == 302  # to sign in


def test_a_registered_guard_refuses_every_export() -> None:
    officer = f.vetting_officer()
    c = signed_in(officer)
    asked: list[str] = []

    def no_basis(request, what: str):
        asked.append(what)
        return HttpResponse("no legal basis recorded", status=403)

    worklist.register_export_guard(no_basis)
    try:
        for url in ("/vetting/queue/export.csv", "/vetting/referrals/export.xlsx"):
            res = c.get(url)
            assert (res.status_code, res.content) == (403, b"no legal basis recorded")
    finally:
        worklist._export_guards.remove(no_basis)
    assert asked == ["vetting-queue", "referrals"]
    assert c.get("/vetting/queue/export.csv").status_code == 200


def test_xlsx_bytes_keeps_numbers_and_names_the_sheet() -> None:
    from ikaze.core.spreadsheet import xlsx_bytes

    body = xlsx_bytes(header=["A", "B"], rows=[["+1", 3], ["x", None]], title="a/b:c")
    wb = openpyxl.load_workbook(io.BytesIO(body))
    ws = wb.active
    assert ws.title == "abc"
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["A", "B"], ["'+1", 3], ["x", None]]


def test_people_agreements_and_facilities_export_as_their_pages_list() -> None:
    from ikaze.accounts.access import Role

    officer = f.vetting_officer()
    ag = f.agreement_in_force(code="T-EXPORT-1")
    f.vetting_referral(agreement=ag, officer=officer, given_names="=cmd|' /C calc'!A0")
    c = signed_in(officer)
    people = c.get("/people/export.xlsx")
    assert people.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(people.content)).active
    names = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert any(str(n).startswith("'=cmd|") for n in names)

    agreements = c.get("/agreements/export.csv?status=in_force")
    body = b"".join(agreements.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.splitlines()[0].startswith("Code,Title,Sending state")
    assert "T-EXPORT-1" in body

    reception = signed_in(f.actor(Role.RECEPTION_OFFICER))
    facilities = reception.get("/reception/export.xlsx")
    assert facilities.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(facilities.content)).active
    assert [c.value for c in ws[1]] == ["Facility", "District", "Units", "Beds", "Beds taken"]
    assert signed_in(f.liaison()).get("/reception/export.csv").status_code == 403


def test_alerts_and_incidents_export_under_their_pages_permissions() -> None:
    from ikaze.accounts.access import Role

    officer = signed_in(f.vetting_officer())
    alerts = officer.get("/vetting/alerts/export.xlsx?state=all")
    assert alerts.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(alerts.content)).active
    assert [c.value for c in ws[1]][:3] == ["Person", "Agreement", "Raised"]
    assert (
        "/vetting/alerts/export.xlsx?state=open" in officer.get("/vetting/alerts/").content.decode()
    )
    # The monitor reads incidents; the sending liaison reads no alert.
    assert signed_in(f.liaison()).get("/vetting/alerts/export.csv").status_code == 403
    reception = signed_in(f.actor(Role.RECEPTION_OFFICER))
    incidents = reception.get("/movements/incidents/export.csv?open=1")
    assert incidents.status_code == 200
    body = b"".join(incidents.streaming_content).decode()  # type: ignore[attr-defined]
    assert body == "Opened,Movement,Kind,Detail,Explanation\r\n"


def test_the_movement_board_exports_its_movements() -> None:
    from ikaze.accounts.access import Role

    reception = signed_in(f.actor(Role.RECEPTION_OFFICER))
    board = reception.get("/movements/export.xlsx?status=locked")
    assert board.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(board.content)).active
    assert [c.value for c in ws[1]][:4] == ["Date", "Flight", "Route", "Agreement"]
    assert (
        "/movements/export.xlsx?status=locked"
        in reception.get("/movements/?status=locked").content.decode()
    )
    assert Client().get("/movements/export.csv").status_code == 302


def test_manifest_imports_and_monitor_notices_export() -> None:
    from ikaze.accounts.access import Role

    liaison = signed_in(f.liaison())
    # SAFEGUARDS D2: a list leaves for the sending state only on a recorded legal basis.
    assert liaison.get("/intake/export.csv").status_code == 409
    f.agreement_in_force()  # its data-sharing clause is the basis
    imports = liaison.get("/intake/export.csv")
    assert imports.status_code == 200
    body = b"".join(imports.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("File,Agreement,Uploaded,Status,Rows")
    monitor = signed_in(f.actor(Role.MONITOR))
    notices = monitor.get("/vetting/monitor-notices/export.xlsx")
    assert notices.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(notices.content)).active
    assert [c.value for c in ws[1]] == ["When", "What", "Rule", "Person", "Details"]
    assert liaison.get("/vetting/monitor-notices/export.csv").status_code == 403


def test_the_override_list_exports_the_status_shown() -> None:
    from ikaze.accounts.access import Role

    monitor = signed_in(f.actor(Role.MONITOR))
    res = monitor.get("/vetting/overrides/export.csv?status=approved")
    assert res.status_code == 200
    body = b"".join(res.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("Person,Rule,Requested by,Requested,Justification,Status")
    assert (
        "/vetting/overrides/export.xlsx?status=approved"
        in monitor.get("/vetting/overrides/?status=approved").content.decode()
    )
    assert signed_in(f.liaison()).get("/vetting/overrides/export.xlsx").status_code == 403
