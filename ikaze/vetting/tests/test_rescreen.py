"""Evaluating referrals again after the rule set changed: service, command line and API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from ikaze.accounts.access import Role
from ikaze.core.errors import PermissionDenied, ValidationError
from ikaze.vetting import services as svc
from ikaze.vetting.models import Alert, Evaluation, Referral
from ikaze.vetting.rules import RULESET_VERSION
from ikaze.vetting.services import facts as facts_module
from ikaze.vetting.tests.test_decisions import refusals, state
from tests import factories as f

pytestmark = pytest.mark.django_db
OLD = "2026.11.1"


def _latest_version(r: Referral) -> str:
    ev = svc.latest_evaluation(r)
    assert ev is not None
    return ev.ruleset_version


def test_only_referrals_of_an_older_rule_set_are_evaluated_again_unless_every() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    stale, fresh = (f.vetting_referral(agreement=ag, officer=officer) for _ in range(2))
    Evaluation.objects.filter(referral=stale).update(ruleset_version=OLD)
    assert list(svc.referrals_to_rescreen()) == [stale]
    before = Evaluation.objects.filter(referral=fresh).count()

    summary = svc.referrals_rescreen(actor=officer)
    assert summary["ruleset_version"] == RULESET_VERSION
    assert (summary["evaluated"], summary["open_evaluated"], summary["alerts_raised"]) == (1, 1, 0)
    assert _latest_version(stale) == RULESET_VERSION
    assert Evaluation.objects.filter(referral=fresh).count() == before
    assert list(svc.referrals_to_rescreen()) == []

    assert svc.referrals_rescreen(actor=officer)["evaluated"] == 0
    assert svc.referrals_rescreen(actor=officer, every=True)["evaluated"] == 2
    other = f.agreement_in_force()
    assert (
        svc.referrals_rescreen(actor=officer, agreement_code=other.code, every=True)["evaluated"]
        == 0
    )


def test_an_accepted_person_a_block_now_stands_against_gets_one_alert(monkeypatch) -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    # A fact that an earlier version of Ikaze stored without evaluating the person again.
    monkeypatch.setattr(facts_module, "_rescreen_person", lambda **kwargs: None)
    f.court_stay(by=officer, referral=r)
    assert not Alert.objects.exists()

    summary = svc.referrals_rescreen(actor=officer, every=True)
    assert (summary["accepted_evaluated"], summary["alerts_raised"]) == (1, 1)
    alert = Alert.objects.get()
    assert alert.rule_ids == ["A8"] and alert.resolved_at is None
    assert RULESET_VERSION in alert.reason
    assert Referral.objects.get(pk=r.pk).status == "accepted"  # decided nothing
    # Run again: the open alert already names A8, so no second one.
    assert svc.referrals_rescreen(actor=officer, every=True)["alerts_raised"] == 0
    assert Alert.objects.count() == 1


def test_refusals_change_nothing() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    Evaluation.objects.filter(referral=r).update(ruleset_version=OLD)
    others = [f.actor(role) for role in (Role.SENDING_LIAISON, Role.MONITOR, Role.SENIOR_OFFICER)]
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.referrals_rescreen(actor=officer, agreement_code="NO-SUCH")
    assert "agreement" in exc.value.details
    assert refusals("referral.rescreen") == 1
    for other in others:
        with pytest.raises(PermissionDenied):
            svc.referrals_rescreen(actor=other)
    assert state(r) == before
    assert _latest_version(r) == OLD


def test_the_command_prints_its_summary_and_refuses_bad_input() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    Evaluation.objects.filter(referral=r).update(ruleset_version=OLD)
    out = io.StringIO()
    call_command("rescreen", "--agreement", r.agreement.code.lower(), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["evaluated"] == 1 and summary["agreement"] == r.agreement.code
    with pytest.raises(CommandError, match="NO-SUCH"):
        call_command("rescreen", "--agreement", "no-such", stdout=io.StringIO())
    with pytest.raises(CommandError, match="nobody"):
        call_command("rescreen", "--as", "nobody", stdout=io.StringIO())


def test_the_api_evaluates_again_for_an_officer_and_refuses_a_liaison(api_client_for) -> None:
    r = f.vetting_referral()
    Evaluation.objects.filter(referral=r).update(ruleset_version=OLD)
    liaison = api_client_for(Role.SENDING_LIAISON)
    res = liaison.post("/api/v1/vetting/rescreen", data="{}", content_type="application/json")
    assert res.status_code == 403
    assert _latest_version(r) == OLD
    officer = api_client_for(Role.VETTING_OFFICER)
    res = officer.post("/api/v1/vetting/rescreen", data="{}", content_type="application/json")
    assert res.status_code == 200, res.content
    assert res.json()["evaluated"] == 1
    assert _latest_version(r) == RULESET_VERSION
    res = officer.post(
        "/api/v1/vetting/rescreen",
        data=json.dumps({"agreement": "NO-SUCH"}),
        content_type="application/json",
    )
    assert res.status_code == 422
    assert "agreement" in res.json()["error"]["details"]


def test_the_queue_offers_to_evaluate_again_and_the_button_does_it() -> None:
    from django.test import Client

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    c = Client()
    c.force_login(officer.user)
    assert 'data-testid="rescreen"' not in c.get("/vetting/queue/").content.decode()
    Evaluation.objects.filter(referral=r).update(ruleset_version=OLD)
    page = c.get("/vetting/queue/").content.decode()
    assert "1 referral was last evaluated with an older rule set" in page
    res = c.post("/vetting/rescreen/", follow=True)
    assert res.redirect_chain == [("/vetting/queue/", 302)]
    text = res.content.decode()
    assert f"1 referral evaluated again with rule set {RULESET_VERSION}." in text
    assert 'data-testid="rescreen"' not in text
    assert _latest_version(r) == RULESET_VERSION


def test_the_button_is_refused_to_a_liaison_and_changes_nothing() -> None:
    from django.test import Client

    r = f.vetting_referral()
    Evaluation.objects.filter(referral=r).update(ruleset_version=OLD)
    c = Client()
    c.force_login(f.liaison().user)
    assert c.post("/vetting/rescreen/").status_code == 403
    assert c.get("/vetting/rescreen/").status_code in (403, 405)
    assert _latest_version(r) == OLD
