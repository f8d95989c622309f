"""The queue and the referral list as work lists (issue 11 item 6): search, sort, paging,
CSV of the filtered view, refused filters, the landing count, and the monitor's reads (item 9)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.navigation import nav_for
from ikaze.audit.models import AuditEvent
from ikaze.vetting import services as svc
from ikaze.vetting.models import Referral
from tests import factories as f
from tests import support

pytestmark = pytest.mark.django_db

QUEUE = "/vetting/queue/"


def signed_in(actor) -> Client:
    return support.session_client(actor.user)


def _csv(res) -> list[list[str]]:
    import csv
    import io

    body = b"".join(res.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_queue_leaves_accepted_people_out_and_the_landing_counts_the_same() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    accepted = f.vetting_referral(agreement=ag, officer=officer)
    f.vetting_referral(agreement=ag, officer=officer)
    f.vetting_referral(agreement=ag, officer=officer)
    svc.referral_accept(actor=officer, referral=accepted, reason="Clear.")
    c = signed_in(officer)
    default = c.get(QUEUE)
    assert default.context["page"].total == 2
    assert accepted.pk not in {r.pk for r in default.context["page"].items}
    waiting = {str(i["url"]): str(i.get("waiting", "")) for i in nav_for(officer, waiting=True)}
    assert waiting[QUEUE] == "2 referrals waiting for a decision"
    shown = c.get(QUEUE + "?status=accepted")
    assert [r.pk for r in shown.context["page"].items] == [accepted.pk]
    assert shown.context["rows"][0]["due"] is not None  # the acceptance's expiry (A5)


def test_the_queue_searches_by_name_and_reference_and_shows_blocking_rules() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    blocked = f.vetting_referral(agreement=ag, officer=officer, clear=False)
    f.vetting_referral(agreement=ag, officer=officer, first_surname="Zelaya")
    c = signed_in(officer)
    res = c.get(QUEUE + "?q=zelaya")
    assert [r.person.first_surname for r in res.context["page"].items] == ["Zelaya"]
    res = c.get(QUEUE + f"?q={blocked.person.external_reference}")
    rows = res.context["rows"]
    assert [row["r"].pk for row in rows] == [blocked.pk]
    assert [b["rule_id"] for b in rows[0]["blocks"]] == ["A3"]
    assert rows[0]["waiting"] == 0
    assert b"A3</span>" in res.content


def test_the_queue_sorts_by_a_column_and_says_so() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    for surname in ("Brito", "Aguilar", "Castro"):
        f.vetting_referral(agreement=ag, officer=officer, first_surname=surname)
    c = signed_in(officer)
    res = c.get(QUEUE + "?sort=person")
    assert [r.person.first_surname for r in res.context["page"].items] == [
        "Aguilar",
        "Brito",
        "Castro",
    ]
    person = res.context["list"].headers[0]
    assert (person.aria_sort, person.href) == ("ascending", "?sort=-person")
    assert 'aria-sort="ascending"' in res.content.decode()
    res = c.get(QUEUE + "?sort=-person&q=t")
    assert [r.person.first_surname for r in res.context["page"].items] == ["Castro", "Brito"]
    header = res.context["list"].headers[0]
    assert (header.aria_sort, header.href) == ("descending", "?q=t&sort=person")
    # Pagination and the export keep the filters and the sort.
    assert res.context["list"].query == "q=t&sort=-person"


def test_the_queue_pages_and_pins_its_query_count() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    f.vetting_referral(agreement=ag, officer=officer, clear=False)
    c = signed_in(officer)
    c.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        assert c.get(QUEUE + "?sort=-submitted").status_code == 200
    for _ in range(4):
        f.vetting_referral(agreement=ag, officer=officer, clear=False)
    with CaptureQueriesContext(connection) as five:
        res = c.get(QUEUE + "?sort=-submitted")
    assert res.context["page"].total == 5
    assert len(five) == len(one)
    from ikaze.core import worklist

    listing = worklist.work_list(
        res.wsgi_request,
        qs=Referral.objects.all(),
        columns=[worklist.Column("a", "A", ("created_at",))],
        default_sort="a",
        filters={},
        size=2,
    )
    assert (listing.page.pages, len(listing.page.items)) == (3, 2)


def test_the_queue_exports_the_filtered_view_formula_safe() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    f.vetting_referral(
        agreement=ag, officer=officer, given_names="=HYPERLINK(1)", first_surname="Hyperlink"
    )
    f.vetting_referral(agreement=ag, officer=officer, first_surname="Other")
    c = signed_in(officer)
    res = c.get("/vetting/queue/export.csv?q=hyperlink")
    assert res.status_code == 200
    assert res["Content-Disposition"] == 'attachment; filename="vetting-queue.csv"'
    rows = _csv(res)
    assert rows[0][:3] == ["Person", "Reference", "Nationality"]
    assert len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(1) Hyperlink López"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("agreement=NO-SUCH", "agreement", "Unknown agreement: choose one from the list."),
        ("status=lost", "status", "Unknown status: choose one from the list."),
        ("deadline=31/12/2026", "deadline", "Enter the date as YYYY-MM-DD."),
        ("nationality=1X", "nationality", "Enter a two-letter country code, e.g. HN."),
    ],
)
def test_a_refused_queue_filter_says_why_and_lists_nothing(query, field, message) -> None:
    officer = f.vetting_officer()
    f.vetting_referral(officer=officer)
    c = signed_in(officer)
    res = c.get(f"{QUEUE}?{query}")
    assert res.status_code == 400
    assert res.context["form"].errors[field] == [message]
    assert res.context["page"].total == 0
    assert message in res.content.decode()
    export = c.get(f"/vetting/queue/export.csv?{query}")
    assert (export.status_code, export.content.decode()) == (400, message + "\n")


def test_the_referral_list_sorts_searches_pages_and_exports() -> None:
    ag = f.agreement_in_force()
    liaison = f.liaison(country=ag.sending_state)
    for surname in ("Brito", "Aguilar"):
        f.referral(by=liaison, agreement=ag, first_surname=surname)
    c = signed_in(liaison)
    res = c.get("/vetting/referrals/?sort=person")
    assert [r.person.first_surname for r in res.context["page"].items] == ["Aguilar", "Brito"]
    assert res.context["list"].headers[0].aria_sort == "ascending"
    with CaptureQueriesContext(connection) as two:
        c.get("/vetting/referrals/?sort=person")
    f.referral(by=liaison, agreement=ag, first_surname="Castro")
    with CaptureQueriesContext(connection) as three:
        c.get("/vetting/referrals/?sort=person")
    assert len(three) == len(two)
    rows = _csv(c.get("/vetting/referrals/export.csv?q=brito"))
    assert [r[0] for r in rows] == ["Person", "María José Brito López"]
    bad = c.get("/vetting/referrals/?agreement=NO-SUCH")
    assert bad.status_code == 400
    assert bad.context["form"].errors["agreement"] == [
        "Unknown agreement: choose one from the list."
    ]


def test_a_monitor_reads_the_queue_overrides_and_notices_each_read_audited() -> None:
    from ikaze.vetting.tests.test_decisions import _blocked_by_a12

    monitor = f.actor(Role.MONITOR)
    r = _blocked_by_a12(f.vetting_officer())
    org = f.organisation(OrgKind.RECEIVING_STATE)
    first = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    second = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="Oral advice.")
    svc.override_second(actor=second, override=o, justification="Seen the note.")
    c = signed_in(monitor)
    security_before = support.security_events()
    for url in (
        QUEUE,
        "/vetting/overrides/?status=approved",
        "/vetting/monitor-notices/",
        f"/vetting/referrals/{r.pk}/vetting/",
        "/people/duplicates/",
        "/intake/",
    ):
        reads = AuditEvent.objects.filter(actor_id=str(monitor.user.pk), kind="read").count()
        res = c.get(url)
        assert res.status_code == 200, url
        after = AuditEvent.objects.filter(actor_id=str(monitor.user.pk), kind="read").count()
        assert after > reads, url
    assert support.security_events() == security_before
    overrides = c.get("/vetting/overrides/?status=approved").content.decode()
    assert "Oral advice." in overrides
    assert 'action="/vetting/overrides/' not in overrides  # no answer form for the monitor
    notices = c.get("/vetting/monitor-notices/")
    assert [n.kind for n in notices.context["page"].items] == ["override_approved"]
    assert r.person.full_name in notices.content.decode()
    # The monitor reads; it never answers.
    denied = c.post(f"/vetting/overrides/{o.pk}/second/", {"justification": "x"})
    assert denied.status_code == 403


def test_days_waiting_sorts_the_longest_wait_first_when_descending() -> None:
    import datetime as dt

    from ikaze.core import clock

    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    with clock.frozen(clock.now() - dt.timedelta(days=3)):
        old = f.vetting_referral(agreement=ag, officer=officer)
    new = f.vetting_referral(agreement=ag, officer=officer)
    c = signed_in(officer)
    res = c.get(QUEUE + "?sort=-waiting")
    assert [r["r"].pk for r in res.context["rows"]] == [old.pk, new.pk]
    assert [r["waiting"] for r in res.context["rows"]] == [3, 0]
    assert [r.pk for r in c.get(QUEUE + "?sort=waiting").context["page"].items] == [new.pk, old.pk]
