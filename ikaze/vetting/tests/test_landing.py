"""The landing page says what waits behind each entry, counted within the reader's scope."""

from __future__ import annotations

import pytest
from django.test import Client

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.navigation import nav_for
from ikaze.vetting import services as svc
from tests import factories as f

pytestmark = pytest.mark.django_db


QUEUE, REFERRALS, OVERRIDES = "/vetting/queue/", "/vetting/referrals/", "/vetting/overrides/"


def _waiting(actor) -> dict[str, str]:
    """Entry URL → what the landing page says waits there."""
    return {str(i["url"]): str(i.get("waiting", "")) for i in nav_for(actor, waiting=True)}


def _landing(actor) -> str:
    c = Client()
    c.force_login(actor.user)
    res = c.get("/")
    assert res.status_code == 200
    return res.content.decode()


def test_the_officer_sees_how_many_referrals_wait_and_nothing_when_none_do() -> None:
    officer = f.vetting_officer()
    assert 'data-testid="waiting"' not in _landing(officer)
    ag = f.agreement_in_force()
    first = f.vetting_referral(agreement=ag, officer=officer)
    f.vetting_referral(agreement=ag, officer=officer)
    page = _landing(officer)
    assert "2 referrals waiting for a decision" in page
    svc.referral_refuse(actor=officer, referral=first, reason_codes=["not_eligible"])
    assert _waiting(officer)[QUEUE] == "1 referral waiting for a decision"


def test_a_liaison_counts_only_its_own_referrals_asked_for_information() -> None:
    officer = f.vetting_officer()
    ag = f.agreement_in_force()
    mine = f.liaison()
    other = f.liaison()
    r = f.referral(by=mine, agreement=ag)
    theirs = f.referral(by=other, agreement=ag)
    for referral in (r, theirs):
        svc.referral_start_review(actor=officer, referral=referral)
        svc.referral_request_information(actor=officer, referral=referral, reason="Unclear.")
    assert _waiting(mine)[REFERRALS] == "1 referral needs more information from you"
    assert "1 referral needs more information from you" in _landing(mine)
    # The receiving side reads this in its queue, not here.
    assert _waiting(officer)[REFERRALS] == ""


def test_a_senior_officer_counts_requests_others_made_not_their_own() -> None:
    from ikaze.vetting.tests.test_decisions import _blocked_by_a12

    org = f.organisation(OrgKind.RECEIVING_STATE)
    first = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    second = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    r = _blocked_by_a12(f.vetting_officer())
    svc.override_request(actor=first, referral=r, rule_id="A12", justification="Advice oral.")
    assert _waiting(first)[OVERRIDES] == ""
    assert _waiting(second)[OVERRIDES] == "1 request waiting for your second approval"


def test_the_landing_page_reads_in_the_readers_language() -> None:
    from django.utils import translation

    officer = f.vetting_officer()
    f.vetting_referral(officer=officer)
    with translation.override("fr"):
        assert _waiting(officer)[QUEUE] == "1 orientation en attente de décision"
    with translation.override("rw"):
        assert "decision" not in _waiting(officer)[QUEUE]
