"""A vetting officer asks a senior officer for an override from the file (issue 11 item 6).

The ask lifts nothing: a senior officer takes it up by requesting the override (two senior
officers still agree) or declines it with a note. Every refusal changes nothing and is on record.
"""

from __future__ import annotations

import re

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ikaze.vetting import landing, selectors
from ikaze.vetting import services as svc
from ikaze.vetting.models import MonitorNotice, Override, OverrideAsk
from ikaze.vetting.tests.test_decisions import refusals, state
from ikaze.vetting.tests.test_vetting_pages import signed_in, signed_in_with_2fa
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return f.organisation(OrgKind.RECEIVING_STATE)


@pytest.fixture
def officer(org):
    return f.vetting_officer(organisation_=org)


@pytest.fixture
def senior(org):
    return f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)


def snapshot(r) -> dict[str, object]:
    r.refresh_from_db()
    return {
        **state(r),
        "asks": list(OverrideAsk.objects.values_list("rule_id", "status").order_by("rule_id")),
        "status": r.status,
    }


def file_url(r) -> str:
    return f"/vetting/referrals/{r.pk}/vetting/"


def test_a_vetting_officer_asks_and_the_monitor_is_told(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)  # A3 and A12 block, both overridable
    ask = svc.override_ask(
        actor=officer, referral=r, rule_id="a12", justification="Advice given orally."
    )
    assert (ask.rule_id, ask.status, ask.justification) == ("A12", "open", "Advice given orally.")
    assert ask.asked_by_id == officer.user.pk and ask.override_id is None
    assert list(MonitorNotice.objects.filter(referral=r).values_list("kind", flat=True)) == [
        "override_asked"
    ]
    assert AuditEvent.objects.filter(action="override.ask", target_id=str(r.pk)).count() == 1
    assert Override.objects.count() == 0  # an ask lifts nothing


def _accepted(officer):
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    return r


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("not_blocking", ValidationError),
        ("absolute", svc.OverrideRefused),
        ("no_justification", ValidationError),
        ("open_ask", Conflict),
        ("live_override", Conflict),
        ("decided", IllegalTransition),
        ("senior", IllegalTransition),
    ],
)
def test_every_refused_ask_changes_nothing_and_is_recorded(officer, senior, case, error) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    actor, rule, why = officer, "A12", "Please."
    if case == "not_blocking":
        rule = "A7"
    elif case == "absolute":
        f.court_stay(by=officer, referral=r)
        rule = "A8"
    elif case == "no_justification":
        why = "  "
    elif case == "open_ask":
        svc.override_ask(actor=officer, referral=r, rule_id="A12", justification="First.")
    elif case == "live_override":
        svc.override_request(actor=senior, referral=r, rule_id="A12", justification="Mine.")
    elif case == "decided":
        r = _accepted(officer)
    elif case == "senior":
        actor = senior
    before = snapshot(r)
    with pytest.raises(error):
        svc.override_ask(actor=actor, referral=r, rule_id=rule, justification=why)
    assert snapshot(r) == before
    assert refusals("override.ask") == 1


def test_a_sending_liaison_can_neither_ask_nor_read_the_asks(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    svc.override_ask(actor=officer, referral=r, rule_id="A3", justification="Why.")
    liaison = f.liaison(country=r.agreement.sending_state)
    before = snapshot(r)
    with pytest.raises(PermissionDenied):
        svc.override_ask(actor=liaison, referral=r, rule_id="A12", justification="Why.")
    assert snapshot(r) == before
    with pytest.raises(NotFound):
        selectors.override_asks_for(actor=liaison, referral=r)
    assert selectors.override_ask_list_for(actor=officer).count() == 1


def test_a_senior_officer_declines_with_a_note(officer, senior) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    ask = svc.override_ask(actor=officer, referral=r, rule_id="A3", justification="Why.")
    before = snapshot(r)
    with pytest.raises(ValidationError):
        svc.override_ask_decline(actor=senior, ask=ask, note=" ")
    with pytest.raises(PermissionDenied):  # a vetting officer answers nothing
        svc.override_ask_decline(actor=officer, ask=ask, note="No.")
    assert snapshot(r) == before
    assert refusals("override.ask_decline") == 1
    done = svc.override_ask_decline(actor=senior, ask=ask, note="The assessment is due Monday.")
    assert (done.status, done.answered_by_id, done.answer_note) == (
        "declined",
        senior.user.pk,
        "The assessment is due Monday.",
    )
    assert done.answered_at is not None
    before = snapshot(r)
    with pytest.raises(IllegalTransition):
        svc.override_ask_decline(actor=senior, ask=ask, note="Again.")
    assert snapshot(r) == before
    assert refusals("override.ask_decline") == 2
    # Declined: the officer may ask again.
    again = svc.override_ask(actor=officer, referral=r, rule_id="A3", justification="New facts.")
    assert again.status == "open"


def test_a_senior_officers_request_takes_the_open_ask_up(officer, senior) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    a12 = svc.override_ask(actor=officer, referral=r, rule_id="A12", justification="Oral advice.")
    a3 = svc.override_ask(actor=officer, referral=r, rule_id="A3", justification="Assessed.")
    o = svc.override_request(actor=senior, referral=r, rule_id="A12", justification="Agreed.")
    a12.refresh_from_db()
    a3.refresh_from_db()
    assert (a12.status, a12.override_id, a12.answered_by_id) == ("taken_up", o.pk, senior.user.pk)
    assert (a3.status, a3.override_id) == ("open", None)
    assert AuditEvent.objects.filter(action="override.ask_take_up").count() == 1
    assert o.status == "requested"  # a second senior officer must still agree
    assert landing.overrides_waiting(senior) == "1 override asked by a vetting officer"


# --- pages -----------------------------------------------------------------------------------


def test_the_file_offers_the_ask_only_to_vetting_officers_and_only_blocking_rules(
    officer, senior
) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    c = signed_in(officer)
    page = c.get(file_url(r))
    assert [v for v, _l in page.context["ask_form"].fields["rule_id"].choices] == ["A3", "A12"]
    assert "Ask a senior officer for an override" in page.content.decode()
    senior_page = signed_in_with_2fa(senior).get(file_url(r)).content.decode()
    assert "Ask a senior officer for an override" not in senior_page
    # A rule that does not block is refused by the form; nothing is asked.
    res = c.post(
        f"/vetting/referrals/{r.pk}/override-asks/", {"rule_id": "A7", "justification": "x"}
    )
    assert res.status_code == 400 and OverrideAsk.objects.count() == 0
    res = c.post(
        f"/vetting/referrals/{r.pk}/override-asks/", {"rule_id": "A12", "justification": "Oral."}
    )
    assert res.status_code == 302
    page = c.get(file_url(r))
    assert [v for v, _l in page.context["ask_form"].fields["rule_id"].choices] == ["A3"]
    assert "A12 — Waiting for a senior officer" in page.content.decode()


def test_a_senior_officer_takes_up_or_declines_from_the_pages(officer, senior) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    ask = svc.override_ask(actor=officer, referral=r, rule_id="A12", justification="Oral advice.")
    c = signed_in_with_2fa(senior)
    html = c.get(file_url(r)).content.decode()
    assert f'href="?ask={ask.pk}#overrides"' in html
    page = c.get(file_url(r) + f"?ask={ask.pk}")
    assert page.context["override_form"]["rule_id"].value() == "A12"
    assert page.context["open_panel"] == "override_form"
    assert "asked for an override of A12:</p>" not in page.content.decode()
    assert re.search(r"asked for an override of A12: Oral advice\.", page.content.decode())
    listing = c.get("/vetting/overrides/").content.decode()
    assert "Asked by vetting officers" in listing
    assert f"/vetting/override-asks/{ask.pk}/decline/" in listing
    res = c.post(f"/vetting/override-asks/{ask.pk}/decline/", {"note": ""})
    assert res.status_code == 400
    assert OverrideAsk.objects.get(pk=ask.pk).status == "open"
    res = c.post(f"/vetting/override-asks/{ask.pk}/decline/", {"note": "Record it first."})
    assert res.status_code == 302
    ask.refresh_from_db()
    assert (ask.status, ask.answer_note) == ("declined", "Record it first.")
    assert "Asked by vetting officers" not in c.get("/vetting/overrides/").content.decode()
    # The vetting officer reads the answer on the file.
    mine = signed_in(officer).get(file_url(r)).content.decode()
    assert "Record it first." in mine
