"""The audit log page (issue 11 item 10): targets by name with links for those who may open
them, filters by day, action from a list, actor's name and person's name, a CSV of the view."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from tests import factories as f
from tests import support

pytestmark = pytest.mark.django_db


def _client(role: Role):
    actor = f.actor(role)
    return actor, support.session_client(actor.user)


def test_the_monitor_sees_a_referral_by_its_persons_name_with_a_link() -> None:
    r = f.vetting_referral(first_surname="Zelaya")
    _, c = _client(Role.MONITOR)
    page = c.get("/audit/?action=referral.submit")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert {row["event"].target_id for row in rows} == {str(r.pk)}
    assert rows[0]["target"] == {
        "name": r.person.full_name,
        "url": f"/vetting/referrals/{r.pk}/",
    }
    assert f'<a href="/vetting/referrals/{r.pk}/">{r.person.full_name}</a>' in (
        page.content.decode()
    )


def test_the_auditor_sees_no_persons_name_and_no_name_search() -> None:
    r = f.vetting_referral(first_surname="Zelaya")
    _, c = _client(Role.AUDITOR)
    page = c.get("/audit/?action=referral.submit")
    assert page.context["rows"][0]["target"] is None
    assert "Zelaya" not in page.content.decode()
    assert "q" not in page.context["form"].fields
    assert str(r.pk)[:10] in page.content.decode()


def test_the_log_finds_events_by_a_persons_name_and_by_the_actors_name() -> None:
    officer = f.vetting_officer()
    officer.user.first_name, officer.user.last_name = "Aline", "Uwase"
    officer.user.save()
    mine = f.vetting_referral(officer=officer, first_surname="Zelaya")
    f.vetting_referral(first_surname="Other")
    _, c = _client(Role.MONITOR)
    by_person = c.get("/audit/?q=zelaya&action=referral.submit")
    assert [row["event"].target_id for row in by_person.context["rows"]] == [str(mine.pk)]
    by_actor = c.get("/audit/?actor=uwase")
    assert by_actor.status_code == 200
    assert by_actor.context["page"].total > 0
    assert {row["event"].actor_id for row in by_actor.context["rows"]} == {str(officer.user.pk)}
    assert "Aline Uwase" in by_actor.content.decode()


def test_the_log_keeps_a_date_range_in_the_receiving_states_days() -> None:
    f.vetting_referral()
    _, c = _client(Role.AUDITOR)
    today = clock.today_local()
    kept = c.get(f"/audit/?since={today}&until={today}")
    assert kept.context["page"].total > 0
    tomorrow = today + dt.timedelta(days=1)
    assert c.get(f"/audit/?since={tomorrow}").context["page"].total == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-12-05&until=2026-12-01", "until", "The end date is before the start date."),
        ("since=05/12/2026", "since", "Enter the date as YYYY-MM-DD."),
        ("action=referral.", "action", "Unknown action: choose one from the list."),
        ("kind=gossip", "kind", "Unknown kind: choose one from the list."),
    ],
)
def test_a_refused_audit_filter_says_why_and_lists_nothing(query, field, message) -> None:
    f.vetting_referral()
    _, c = _client(Role.AUDITOR)
    page = c.get(f"/audit/?{query}")
    assert page.status_code == 400
    assert page.context["form"].errors[field] == [message]
    assert page.context["page"].total == 0
    assert message in page.content.decode()
    before = AuditEvent.objects.filter(action="audit.export").count()
    export = c.get(f"/audit/events.csv?{query}")
    assert (export.status_code, export.content.decode()) == (400, message + "\n")
    assert AuditEvent.objects.filter(action="audit.export").count() == before


def test_the_csv_is_the_filtered_view_and_is_itself_recorded() -> None:
    r = f.vetting_referral()
    auditor, c = _client(Role.AUDITOR)
    res = c.get("/audit/events.csv?action=referral.submit")
    assert res.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(res.streaming_content).decode())))
    assert rows[0][:5] == ["seq", "When (UTC)", "Kind", "Action", "Action code"]
    assert [(row[3], row[4], row[7]) for row in rows[1:]] == [
        ("Referral submitted", "referral.submit", str(r.pk))
    ]
    export = AuditEvent.objects.filter(action="audit.export").last()
    assert export is not None
    assert (export.actor_id, export.reason) == (
        str(auditor.user.pk),
        "CSV export: action=referral.submit",
    )


def test_the_audit_log_pins_its_query_count() -> None:
    f.vetting_referral()
    _, c = _client(Role.MONITOR)
    c.get("/audit/")
    with CaptureQueriesContext(connection) as one:
        c.get("/audit/?kind=change")
    for _ in range(3):
        f.vetting_referral()
    with CaptureQueriesContext(connection) as four:
        c.get("/audit/?kind=change")
    assert len(four) == len(one)
