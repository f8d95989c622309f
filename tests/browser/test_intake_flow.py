"""Browser: a liaison uploads a manifest with bad rows, watches it import, downloads the error
report; an officer adjudicates the duplicate it raised. The browser is the session's one
(conftest.py): a second Playwright in the same process fails."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.db import connections
from django.test import override_settings

from ikaze.accounts.access import Role
from ikaze.intake.manifest import COLUMN_NAMES
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _manifest() -> bytes:
    rows = [
        {
            "external_reference": "B-1",
            "given_names": "María José",
            "first_surname": "Hernández",
            "second_surname": "López",
            "sex": "F",
            "date_of_birth": "1990-04-03",
            "nationalities": "HN",
            "document_type": "passport",
            "document_number": "HN1234567",
            "document_issuing_state": "HN",
        },
        {
            "external_reference": "B-2",
            "given_names": "Maria Jose",
            "first_surname": "Hernandez",
            "second_surname": "Lopez",
            "sex": "F",
            "date_of_birth": "1990-04-03",
            "nationalities": "HN",
            "document_type": "passport",
            "document_number": "HN1234567",
            "document_issuing_state": "HN",
        },
        {
            "external_reference": "B-3",
            "given_names": "Wilmer",
            "first_surname": "Orellana",
            "second_surname": "Rivas",
            "sex": "M",
            "date_of_birth": "1979-12-12",
            "nationalities": "SV",
            "document_type": "passport",
            "document_number": "SV7654321",
            "document_issuing_state": "SV",
        },
        {
            "external_reference": "B-4",
            "given_names": "Nelson",
            "first_surname": "Funes",
            "sex": "M",
            "date_of_birth": "04/07/1990",
            "nationalities": "SV",
            "document_type": "passport",
            "document_number": "SV1122334",
            "document_issuing_state": "SV",
        },
        {
            "external_reference": "B-5",
            "given_names": "Génesis",
            "first_surname": "Rivas",
            "sex": "F",
            "date_of_birth": "2001-10-09",
            "nationalities": "VZ",
            "document_type": "passport",
            "document_number": "VE5566778",
            "document_issuing_state": "VE",
        },
    ]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMN_NAMES, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode()


def _page_for(browser, live_server, user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.add_cookies(
        [{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_upload_watch_download_adjudicate(browser, live_server, tmp_path) -> None:
    from ikaze.intake.models import IntakeBatch
    from ikaze.intake.services import intake_batch_run

    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    officer = factories.actor(Role.VETTING_OFFICER)
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(_manifest())

    # The job stays queued until the test plays the worker, so the page's polling is seen.
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        page = _page_for(browser, live_server, liaison.user)
        page.goto("/intake/")
        # Issue 11 item 7: the agreement is confirmed (its name and both states) before upload;
        # with only one agreement the page opens on that confirmation.
        confirm = page.locator("[data-testid=confirm-agreement]")
        assert agreement.code in confirm.inner_text()
        page.set_input_files("#id_file", str(manifest))
        page.click(f"button[type=submit]:has-text('Import into {agreement.code}')")
        page.wait_for_url("**/intake/*/")
        assert page.locator("progress#batch-progress-bar").count() == 1
        assert "Queued" in page.locator("#batch-status").inner_text()

        batch = IntakeBatch.objects.get()

        def play_the_worker() -> None:
            try:
                intake_batch_run(batch_id=batch.pk)
            finally:
                # A thread's database connection outlives the thread unless it is closed.
                connections.close_all()

        worker = threading.Thread(target=play_the_worker)
        worker.start()
        worker.join(timeout=120)
        # The page polls every second; when the job is done it reloads with the summary.
        page.wait_for_selector("text=Download the error report (CSV)", timeout=20_000)
        status = page.locator("#batch-status").inner_text()
        assert "5 rows: 3 imported, 2 rejected, 1 possible duplicates." in " ".join(status.split())

        with page.expect_download() as download:
            page.click("text=Download the error report (CSV)")
        report = tmp_path / "errors.csv"
        download.value.save_as(report)
        lines = report.read_text().splitlines()
        assert lines[0] == "row,column,value,reason"
        assert [line.split(",")[:2] for line in lines[1:]] == [
            ["5", "date_of_birth"],
            ["6", "nationalities"],
        ]

    officer_page = _page_for(browser, live_server, officer.user)
    officer_page.goto("/people/duplicates/")
    officer_page.click("text=Compare and decide")
    assert officer_page.locator("td:has-text('HN1234567')").count() >= 1
    officer_page.check("input[value=same]")
    officer_page.fill(
        "#id_reason", "Same passport number and date of birth; name written without accents."
    )
    officer_page.click("button:has-text('Record the decision')")
    officer_page.wait_for_selector("text=Decision recorded.")
    from ikaze.people.models import MatchCandidate

    assert MatchCandidate.objects.get().status == "same"
