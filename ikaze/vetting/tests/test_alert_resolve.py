"""An alert closes only when the block it reports is gone or the acceptance ended; no transfer
notice while a block stands (issue 9 item 5, SAFEGUARDS F5)."""

from __future__ import annotations

import json

import pytest

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import Conflict
from ikaze.people.services import household_add_member
from ikaze.vetting import services as svc
from ikaze.vetting.errors import AlertOpen, BlockStands
from ikaze.vetting.models import Alert, Notice, Referral
from ikaze.vetting.services import facts as facts_module
from ikaze.vetting.tests.test_decisions import _blocked_by_a12, refusals, state
from tests import factories as f

pytestmark = pytest.mark.django_db


def _stayed(officer):
    """An accepted person a court stay recorded after acceptance now blocks (A8): one alert."""
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    f.court_stay(by=officer, referral=r)
    return Referral.objects.get(pk=r.pk), Alert.objects.get(referral=r)


def _left_behind(officer, r: Referral):
    """A relative joins the accepted person's household without a referral: A7 alert."""
    sender = f.liaison(organisation_=r.referring_organisation)
    household_add_member(actor=sender, reference=f"H-{r.pk}", person=r.person, role="head")
    cousin = f.person(by=sender)
    household_add_member(actor=sender, reference=f"H-{r.pk}", person=cousin, role="other_adult")
    return sender, cousin, Alert.objects.get(referral=r, resolved_at__isnull=True)


def test_the_same_officer_cannot_close_an_alert_while_the_block_stands() -> None:
    officer = f.vetting_officer()
    r, alert = _stayed(officer)
    assert alert.rule_ids == ["A8"]
    before = state(r)

    with pytest.raises(BlockStands) as exc:
        svc.alert_resolve(actor=officer, alert=alert, resolution="Taken off the manifest.")

    assert exc.value.code == "block_stands"
    assert list(exc.value.details) == ["A8"]
    assert "A8" in exc.value.message
    assert state(r) == before  # no evaluation kept, no event, the alert still open
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    assert refusals("alert.resolve") == 1


def test_an_alert_closes_once_the_block_it_reports_is_gone() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    sender, cousin, alert = _left_behind(officer, r)
    assert alert.rule_ids == ["A7"]
    with pytest.raises(BlockStands):
        svc.alert_resolve(actor=officer, alert=alert, resolution="Cousin travels.")

    # The cousin is referred under the same agreement: the household moves together again.
    cousin_ref = svc.referral_create(actor=sender, agreement=r.agreement, person=cousin)
    svc.referral_submit(actor=sender, referral=cousin_ref)
    closed = svc.alert_resolve(actor=officer, alert=alert, resolution="Cousin referred too.")

    assert closed.resolved_at is not None and closed.resolved_by_id == officer.user.pk
    event = AuditEvent.objects.get(action="alert.resolve")
    assert event.after["alert"] == str(alert.pk)
    assert event.after["status"] == "accepted"
    assert event.after["evaluation"] is not None  # the fresh evaluation relied on is kept
    with pytest.raises(Conflict):
        svc.alert_resolve(actor=officer, alert=alert, resolution="Again.")


def test_an_approved_override_lifts_its_rule_but_not_the_others() -> None:
    officer = f.vetting_officer()
    first = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    second = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="Oral advice.")
    svc.override_second(actor=second, override=o, justification="Confirmed.")
    svc.referral_accept(actor=officer, referral=r, reason="With the override.")
    sender, cousin, alert = _left_behind(officer, r)
    assert alert.rule_ids == ["A7"]  # A12 stands, lifted by the override

    cousin_ref = svc.referral_create(actor=sender, agreement=r.agreement, person=cousin)
    svc.referral_submit(actor=sender, referral=cousin_ref)
    svc.alert_resolve(actor=officer, alert=alert, resolution="Cousin referred too.")
    assert Alert.objects.get(pk=alert.pk).resolved_at is not None


def test_withdrawing_the_acceptance_closes_the_alerts() -> None:
    officer = f.vetting_officer()
    r, alert = _stayed(officer)
    sender = f.liaison(organisation_=r.referring_organisation)

    svc.referral_withdraw(actor=sender, referral=r, reason="The stay stands.")

    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by_id == sender.user.pk
    assert alert.resolution == "Closed: the acceptance was withdrawn (The stay stands.)."
    event = AuditEvent.objects.get(action="alert.close")
    assert (event.target_id, event.after["alert"]) == (str(r.pk), str(alert.pk))


def test_no_transfer_notice_while_an_alert_is_open_or_a_block_stands(monkeypatch) -> None:
    officer = f.vetting_officer()
    r, _alert = _stayed(officer)
    before = state(r)
    with pytest.raises(AlertOpen) as exc:
        svc.notice_issue(actor=officer, referral=r, kind="transfer")
    assert exc.value.code == "alert_open"
    assert state(r) == before and Notice.objects.count() == 0

    # A block no alert reports (a fact stored by an older Ikaze, without evaluating again).
    other = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=other, reason="Eligible.")
    monkeypatch.setattr(facts_module, "_rescreen_person", lambda **kwargs: None)
    f.court_stay(by=officer, referral=other)
    before = state(other)
    with pytest.raises(BlockStands) as exc2:
        svc.notice_issue(actor=officer, referral=other, kind="transfer")
    assert list(exc2.value.details) == ["A8"]
    assert state(other) == before and Notice.objects.count() == 0
    assert refusals("notice.issue") == 2
    # The decision notice is not a transfer: it can still be issued.
    assert svc.notice_issue(actor=officer, referral=other, kind="decision").kind == "decision"


def test_the_api_shows_the_refusal_naming_the_rules(client_for) -> None:
    officer = f.vetting_officer()
    r, alert = _stayed(officer)
    client = client_for(Role.VETTING_OFFICER)
    res = client.post(
        f"/api/v1/vetting/alerts/{alert.pk}/resolve",
        data=json.dumps({"resolution": "Taken off the manifest."}),
        content_type="application/json",
    )
    assert res.status_code == 409, res.content
    error = res.json()["error"]
    assert error["code"] == "block_stands"
    assert list(error["details"]) == ["A8"]
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    notice = client.post(
        f"/api/v1/vetting/referrals/{r.pk}/notices",
        data=json.dumps({"kind": "transfer"}),
        content_type="application/json",
    )
    assert notice.status_code == 409, notice.content
    assert notice.json()["error"]["code"] == "alert_open"


def test_the_vetting_file_shows_the_alert_and_the_refusal_to_close_it() -> None:
    from ikaze.vetting.tests.test_vetting_pages import signed_in

    officer = f.vetting_officer()
    r, alert = _stayed(officer)
    c = signed_in(officer)
    page = c.get(f"/vetting/referrals/{r.pk}/vetting/")
    assert page.status_code == 200
    assert alert.reason in page.content.decode()
    assert f"/vetting/alerts/{alert.pk}/resolve/" in page.content.decode()

    res = c.post(f"/vetting/alerts/{alert.pk}/resolve/", {"resolution": "Taken off."})

    assert res.status_code == 400
    body = res.content.decode()
    assert "a block still stands against this person (A8)" in body
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    # Once the acceptance is withdrawn the file shows the alert closed, with no form.
    sender = f.liaison(organisation_=r.referring_organisation)
    svc.referral_withdraw(actor=sender, referral=r, reason="The stay stands.")
    closed = c.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert "Closed: the acceptance was withdrawn (The stay stands.)." in closed
    assert f"/vetting/alerts/{alert.pk}/resolve/" not in closed
