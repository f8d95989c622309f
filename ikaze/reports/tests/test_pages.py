"""Dashboards, CSV downloads, the API and the monthly reports, as each role meets them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.reports import services
from ikaze.reports.errors import MonthInvalid
from ikaze.reports.models import MonthlyReport
from tests import factories as f


def test_each_role_reaches_its_dashboards(client_for, crafted):
    monitor = client_for(Role.MONITOR)
    page = monitor.get("/reports/monitor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<img src="data:image/svg+xml;base64,') == 11
    assert "Referrals by month and status" in html
    assert monitor.get("/reports/").status_code == 200
    reception = client_for(Role.RECEPTION_OFFICER)
    assert reception.get("/reports/movements/").status_code == 200
    assert reception.get("/reports/vetting/").status_code == 403
    assert client_for(Role.CASEWORKER).get("/reports/").status_code == 403


def test_a_chart_has_its_table_and_csv(client_for, crafted):
    c = client_for(Role.SENIOR_OFFICER)
    html = c.get("/reports/vetting/?start=2026-01-01&end=2026-03-31").content.decode()
    assert "<caption>Decisions by month and outcome: the figures</caption>" in html
    assert '<th scope="row">Jan 2026</th>' in html
    response = c.get("/reports/vetting/csv/?chart=decisions&start=2026-01-01&end=2026-03-31")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["Month", "Accepted", "Refused", "Total"],
        ["Jan 2026", "2", "0", "2"],
        ["Feb 2026", "0", "1", "1"],
    ]


def test_figures_follow_the_language(client_for, crafted):
    c = client_for(Role.SENIOR_OFFICER)
    c.cookies["django_language"] = "fr"
    html = c.get("/reports/vetting/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "janv. 2026" in html


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("start=2026-03-01&end=2026-02-01", "end", "The end date is before the start date."),
        ("agreement=NOPE", "agreement", "Unknown agreement: choose one from the list."),
        ("nationality=%27%3B--", "nationality", "Give a two-letter country code, such as SY."),
        ("nationality=ZZ", "nationality", "Give a two-letter country code, such as SY."),
        ("start=1899-01-01", "start", "Reports start on 1 January 2000: check the year."),
        ("start=2026-13-45", "start", "Enter the date as YYYY-MM-DD."),
    ],
)
def test_impossible_filters_are_refused_with_the_reason(client_for, crafted, query, field, reason):
    c = client_for(Role.MONITOR)
    page = c.get(f"/reports/monitor/?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert "There is a problem" in html
    assert reason.replace("'", "&#x27;") in html
    assert "data:image/svg+xml" not in html
    csv_response = c.get(f"/reports/monitor/csv/?chart=referrals&{query}")
    assert csv_response.status_code == 400
    assert f"{field}: {reason}" in csv_response.content.decode()
    api = c.get(f"/api/v1/reports/monitor?{query}")
    assert api.status_code == 422
    body = api.json()["error"]
    assert body["code"] == "filter_invalid"
    assert body["details"][field] == [reason]


def test_a_liaison_sees_only_its_agreements(client_for, crafted):
    liaison = crafted.liaison  # a US liaison: both crafted agreements are with the US
    other = f.liaison(country="MX")
    from tests.support import session_client

    c = session_client(other.user)
    assert c.get(f"/reports/agreements/?agreement={crafted.a.code}").status_code == 400
    body = c.get("/api/v1/reports/agreements").json()
    referrals = next(ch for ch in body["charts"] if ch["key"] == "referrals")
    assert referrals["rows"] == []
    mine = session_client(liaison.user).get("/api/v1/reports/agreements").json()
    referrals = next(ch for ch in mine["charts"] if ch["key"] == "referrals")
    assert sum(row[-1] for row in referrals["rows"]) == 4


def test_the_api_gives_each_dashboards_tables(client_for, crafted):
    body = client_for(Role.MONITOR).get("/api/v1/reports/monitor?nationality=SY").json()
    arrivals = next(ch for ch in body["charts"] if ch["key"] == "arrivals")
    assert arrivals["headers"] == ["Month", "Syria", "Total"]
    assert arrivals["rows"] == [["Mar 2026", 2, 2]]


def test_monthly_report_is_made_kept_and_downloaded(client_for, crafted, make_actor):
    monitor = make_actor(Role.MONITOR)
    with clock.frozen(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)):
        report = services.monthly_report_request(
            actor=monitor, month=dt.date(2026, 3, 1), language="fr", run_now=True
        )
        report = services.monthly_report_make(report_id=report.pk)
    assert report.status == "done"
    assert bytes(report.pdf).startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(action="monthly_report.make", target_id=str(report.pk)).count()
        == 1
    )
    c = client_for(Role.MONITOR)
    listing = c.get("/reports/monthly/").content.decode()
    assert f"/reports/monthly/{report.pk}/pdf/" in listing
    pdf = c.get(f"/reports/monthly/{report.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="monthly_report.read").count() == 1


def test_a_month_not_begun_is_refused_and_recorded(make_actor, db):
    monitor = make_actor(Role.MONITOR)
    before = MonthlyReport.objects.count()
    future = clock.today_local().replace(day=1) + dt.timedelta(days=40)
    with pytest.raises(MonthInvalid) as exc:
        services.monthly_report_request(actor=monitor, month=future, language="en")
    assert exc.value.details == {"month": ["Choose a month that has begun, from 2000 on."]}
    with pytest.raises(MonthInvalid):
        services.monthly_report_request(actor=monitor, month=dt.date(2026, 1, 1), language="xx")
    assert MonthlyReport.objects.count() == before
    assert AuditEvent.objects.filter(action="refused:monthly_report.request").count() == 2


def test_the_make_button_queues_the_job_and_refuses_bad_months(
    client_for, db, django_capture_on_commit_callbacks
):
    c = client_for(Role.MONITOR)
    bad = c.post("/reports/monthly/new/", {"month": "2026-13", "report_language": "en"})
    assert bad.status_code == 400
    assert "Enter the month as YYYY-MM." in bad.content.decode()
    assert MonthlyReport.objects.count() == 0
    month = clock.today_local().replace(day=1).strftime("%Y-%m")
    with django_capture_on_commit_callbacks(execute=True):
        ok = c.post("/reports/monthly/new/", {"month": month, "report_language": "rw"})
    assert ok.status_code == 302
    report = MonthlyReport.objects.get()
    assert (report.status, report.language) == ("queued", "rw")
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__args=[str(report.pk)]).count() == 1
    translation.deactivate()


def test_the_command_makes_and_keeps_the_report(crafted, capsys):
    from django.core.management import call_command

    call_command("monthly_report", "--month", "2026-02", "--language", "es")
    report = MonthlyReport.objects.get()
    assert (report.month, report.language, report.status) == (dt.date(2026, 2, 1), "es", "done")
    assert bytes(report.pdf).startswith(b"%PDF")
    assert '"status": "done"' in capsys.readouterr().out
