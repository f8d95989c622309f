"""SAFEGUARDS F3 (issue 9 item 3): a notice's service cannot be back-dated or typed in.

Service before issue is refused; a `notice_served` fact cannot be recorded through the generic
facts path; A9 counts only service recorded through the notice service for an issued notice of
this referral; service recorded late counts only once a second officer confirms it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.core.errors import IllegalTransition, ValidationError
from ikaze.vetting import services as svc
from ikaze.vetting.errors import FourEyes, NamedOfficerRequired
from ikaze.vetting.legal_events import SERVICE_ONLY_KINDS, EventKind
from ikaze.vetting.models import LegalEventRecord, MonitorNotice, Notice, Referral
from ikaze.vetting.rules import Stage
from ikaze.vetting.screening import build_contexts
from ikaze.vetting.tests.test_decisions import refusals, state
from ikaze.vetting.tests.test_fact_removal import _token_actor
from tests import factories as f

pytestmark = pytest.mark.django_db


def _served_payload(ref: str = "N-TYPED") -> dict[str, Any]:
    return {
        "notice_ref": ref,
        "notice_kind": "transfer",
        "destination_country": "RW",
        "language": "es",
        "template_language": "es",
        "served_on_person": True,
        "served_on_counsel": True,
        "counsel_name": "Legal Aid",
        "proof_reference": "PROOF-TYPED",
    }


def _a9_at_departure(r: Referral) -> Any:
    from ikaze.vetting.rules import evaluate

    (s,) = build_contexts(Referral.objects.filter(pk=r.pk), stage=Stage.DEPARTURE)
    (a9,) = [x for x in evaluate(s.context).findings if x.rule_id == "A9" and x.outcome != "warn"]
    return a9


def _accepted(officer: Any) -> Referral:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    return r


def test_service_before_issue_is_refused_and_changes_nothing() -> None:
    officer = f.vetting_officer()
    r = _accepted(officer)
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    before = state(r)
    twenty_days_before = n.issued_at - dt.timedelta(days=20)
    with pytest.raises(ValidationError) as refused:
        svc.notice_record_service(
            actor=officer,
            notice=n,
            served_on_person_at=twenty_days_before,
            proof_reference="RECEIPT-1",
            served_on_counsel_at=n.issued_at - dt.timedelta(seconds=1),
            counsel_name="Lic. Ana Pérez",
        )
    assert set(refused.value.details) == {"served_on_person_at", "served_on_counsel_at"}
    assert state(r) == before
    assert Notice.objects.get(pk=n.pk).served_on_person_at is None
    assert refusals("notice.record_service") == 1


@pytest.mark.parametrize("kind", sorted(SERVICE_ONLY_KINDS))
def test_a_service_only_fact_cannot_be_typed_into_the_generic_path(client_for, kind) -> None:
    officer = f.vetting_officer()
    r = _accepted(officer)
    c = client_for(Role.VETTING_OFFICER)
    before = state(r)
    with pytest.raises(ValidationError) as refused:
        f.fact(by=officer, referral=r, kind=kind.value, payload=_served_payload())
    assert list(refused.value.details) == ["kind"]
    res = c.post(
        f"/api/v1/vetting/referrals/{r.pk}/facts",
        data=json.dumps(
            {
                "kind": kind.value,
                "payload": _served_payload(),
                "effective_at": clock.today_local().isoformat(),
                "source_document": "TYPED",
            }
        ),
        content_type="application/json",
    )
    assert res.status_code == 422
    assert list(res.json()["error"]["details"]) == ["kind"]
    page = c.post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": kind.value,
            "effective_at": clock.today_local().isoformat(),
            "source_document": "T",
        },
    )
    assert page.status_code == 400
    assert "recorded only as proof of service" in page.content.decode()
    assert state(r) == before


def test_a9_ignores_a_notice_served_row_no_notice_service_recorded() -> None:
    # A row an earlier version let anyone type in: no notice was issued, no PDF exists.
    officer = f.vetting_officer()
    r = _accepted(officer)
    LegalEventRecord.objects.create(
        id=uuid.uuid4(),
        person_id=r.person_id,
        referral=r,
        kind=EventKind.NOTICE_SERVED.value,
        payload=_served_payload(),
        effective_at=clock.today_local() - dt.timedelta(days=30),
        recorded_at=clock.now() - dt.timedelta(days=30),
        source_document="TYPED",
        recorded_by_label="vetting",
    )
    a9 = _a9_at_departure(r)
    assert a9.outcome == "block"
    assert a9.facts_used["notices_not_counted"] == [
        {"notice_ref": "N-TYPED", "defects": ["not_recorded_through_notice_service"]}
    ]


def test_the_context_carries_only_this_referrals_notice_service() -> None:
    officer = f.vetting_officer()
    r = _accepted(officer)
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    n = svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=n.issued_at,
        proof_reference="R-1",
        served_on_counsel_at=n.issued_at,
        counsel_name="Legal Aid",
    )
    # Another referral's context holds none of this referral's service events.
    r2 = _accepted(officer)
    (s2,) = build_contexts(Referral.objects.filter(pk=r2.pk), stage=Stage.DEPARTURE)
    assert s2.context.referral.notice_service_events == frozenset()
    (s,) = build_contexts(Referral.objects.filter(pk=r.pk), stage=Stage.DEPARTURE)
    assert s.context.referral.notice_service_events == frozenset({str(n.service_event_id)})


def test_service_recorded_on_time_counts_at_once() -> None:
    officer = f.vetting_officer()
    r = _accepted(officer)
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    served = svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=n.issued_at,
        proof_reference="R-1",
        served_on_counsel_at=n.issued_at,
        counsel_name="Legal Aid",
    )
    assert served.service_event is not None and not served.service_late
    assert served.service_recorded_by_id == officer.user.pk
    a9 = _a9_at_departure(r)
    assert a9.facts_used["notice_ref"] == n.notice_ref
    assert (
        a9.facts_used["earliest_transfer"]
        == (clock.today_local() + dt.timedelta(days=10)).isoformat()
    )


def test_late_service_counts_only_once_a_second_officer_confirms_it() -> None:
    officer = f.vetting_officer()
    other = f.vetting_officer(organisation_=officer.organisation)
    r = _accepted(officer)
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    # Issued three days ago, served then, recorded only now.
    Notice.objects.filter(pk=n.pk).update(issued_at=n.issued_at - dt.timedelta(days=3))
    n.refresh_from_db()
    events = LegalEventRecord.objects.count()
    served = svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=n.issued_at,
        proof_reference="R-LATE",
        served_on_counsel_at=n.issued_at,
        counsel_name="Legal Aid",
    )
    assert (served.service_late, served.awaiting_confirmation, served.service_event) == (
        True,
        True,
        None,
    )
    assert LegalEventRecord.objects.count() == events
    told = MonitorNotice.objects.get(kind=MonitorNotice.Kind.FACT_LATE)
    assert n.notice_ref in told.message and "second officer" in told.message
    assert _a9_at_departure(r).outcome == "block"
    assert _a9_at_departure(r).facts_used.get("notice_ref") is None
    before = state(r)
    with pytest.raises(FourEyes):
        svc.notice_confirm_service(actor=officer, notice=served, justification="Saw the receipt.")
    with pytest.raises(NamedOfficerRequired):
        svc.notice_confirm_service(
            actor=_token_actor(Role.VETTING_OFFICER, officer.organisation),
            notice=served,
            justification="Saw the receipt.",
        )
    assert state(r)["LegalEventRecord"] == before["LegalEventRecord"]
    with pytest.raises(ValidationError):
        svc.notice_confirm_service(actor=other, notice=served, justification=" ")
    confirmed = svc.notice_confirm_service(
        actor=other, notice=served, justification="Compared the signed receipt with the log."
    )
    assert confirmed.service_event is not None
    assert confirmed.service_confirmed_by_id == other.user.pk
    assert confirmed.service_event.effective_at == (
        n.issued_at.astimezone(clock.local_zone()).date()
    )
    a9 = _a9_at_departure(r)
    assert a9.facts_used["notice_ref"] == n.notice_ref
    # SAFEGUARDS F2: the period runs from the day the service counted, not three days back.
    assert (
        a9.facts_used["earliest_transfer"]
        == (clock.today_local() + dt.timedelta(days=10)).isoformat()
    )
    with pytest.raises(IllegalTransition):
        svc.notice_confirm_service(actor=other, notice=confirmed, justification="again")
    assert MonitorNotice.objects.filter(kind=MonitorNotice.Kind.FACT_LATE).count() == 1


def test_the_file_shows_late_service_and_a_second_officer_confirms_it_there() -> None:
    from ikaze.vetting.tests.test_vetting_pages import signed_in

    officer = f.vetting_officer()
    other = f.vetting_officer(organisation_=officer.organisation)
    r = _accepted(officer)
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    Notice.objects.filter(pk=n.pk).update(issued_at=n.issued_at - dt.timedelta(days=3))
    n.refresh_from_db()
    svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=n.issued_at,
        proof_reference="R-LATE",
        served_on_counsel_at=n.issued_at,
        counsel_name="Legal Aid",
    )
    mine = signed_in(officer)
    html = mine.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert "recorded late: counts once a second officer confirms it" in html
    refused = mine.post(
        f"/vetting/notices/{n.pk}/confirm-service/", {"justification": "I checked it."}
    )
    assert refused.status_code == 302
    assert Notice.objects.get(pk=n.pk).service_event_id is None
    confirmed = signed_in(other).post(
        f"/vetting/notices/{n.pk}/confirm-service/", {"justification": "Saw the receipt."}
    )
    assert confirmed.status_code == 302
    assert Notice.objects.get(pk=n.pk).service_confirmed_by_id == other.user.pk
    html = mine.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert "late service confirmed" in html
