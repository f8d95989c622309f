"""The adversarial suite (issue 4): try to move a protected person through every path.

Protected people: an unaccompanied minor (A1), an open fear claim (A10/A8), a pending appeal
(A8), a court stay (A8), a notice not yet ripe (A9, at movement), a household split (A7), a
full cap (A6). Paths: the API, the pages, a direct service call, concurrent requests.
Side doors (issue 9, SAFEGUARDS F): removing the protective fact by one person or a token
(F1), and back-dated or typed-in service of a notice (F3).

- Admin: Ikaze has no Django admin (django.contrib.admin is not installed), so there is no
  admin path to try; `test_there_is_no_admin` proves it.
- CLI: no management command decides or moves a person (`ikaze` forwards Django commands;
  vetting's two, `rescreen` and `expire_acceptances`, evaluate again or end acceptances and
  accept nobody); `test_no_command_decides` proves it.
- Side doors (issue 9, SAFEGUARDS F4, F5): a household change that leaves an accepted member
  protected (a parent withdrawn, a partner refused or expired, a relative added, a parent's
  date of birth corrected), and closing the alert over the standing block, are tried below.

Each attempt must be refused, leave a security event, and change nothing (row counts and the
referral's status).
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import IkazeError, RuleBlocked
from ikaze.vetting import services as svc
from ikaze.vetting.models import (
    Decision,
    Evaluation,
    FactRemoval,
    Finding,
    LegalEventRecord,
    Override,
    Referral,
)
from ikaze.vetting.rules import RuleContext, Stage, evaluate
from ikaze.vetting.screening import build_contexts
from ikaze.vetting.tests.test_decisions import state
from tests import factories as f

pytestmark = pytest.mark.django_db


def _today(days: int = 0) -> str:
    return (clock.today_local() + dt.timedelta(days=days)).isoformat()


def minor(officer):
    return f.vetting_referral(
        officer=officer, date_of_birth=dt.date.today().replace(year=dt.date.today().year - 15)
    )


def fear(officer):
    r = f.vetting_referral(officer=officer)
    f.fact(
        by=officer,
        referral=r,
        kind="fear_expressed",
        payload={
            "fear_ref": "F-1",
            "feared_country": "RW",
            "summary": "fears onward removal",
            "expressed_to": "officer",
            "screening_deadline": _today(7),
        },
    )
    return r


def appeal(officer):
    r = f.vetting_referral(officer=officer)
    f.fact(
        by=officer,
        referral=r,
        kind="asylum_claim_filed",
        payload={"claim_ref": "C", "authority": "USCIS"},
        days_ago=300,
    )
    f.fact(
        by=officer,
        referral=r,
        kind="asylum_claim_decided",
        payload={"claim_ref": "C", "outcome": "refused", "appeal_window_ends": _today(-60)},
        days_ago=100,
    )
    f.fact(
        by=officer,
        referral=r,
        kind="appeal_filed",
        payload={"claim_ref": "C", "appeal_ref": "AP", "forum": "BIA"},
        days_ago=90,
    )
    return r


def stay(officer):
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r, court="ECtHR", measure="ecthr_rule_39")
    return r


def household_split(officer):
    r = f.vetting_referral(officer=officer)
    f.fact(
        by=officer,
        referral=r,
        kind="household_membership",
        payload={
            "household_ref": "H-1",
            "member_ref": "spouse-not-referred",
            "relationship": "spouse",
            "member_is_child": False,
        },
    )
    return r


PROTECTED = {
    "unaccompanied_minor": (minor, "A1"),
    "open_fear_claim": (fear, "A10"),
    "pending_appeal": (appeal, "A8"),
    "court_stay": (stay, "A8"),
    "household_split": (household_split, "A7"),
}


def _accept_via(path: str, r: Referral, officer) -> int:
    if path == "service":
        try:
            svc.referral_accept(actor=officer, referral=r, reason="trying")
        except RuleBlocked:
            return 409
        return 201
    c = Client()
    c.force_login(officer.user)
    if path == "api":
        res = c.post(
            f"/api/v1/vetting/referrals/{r.pk}/accept",
            data=json.dumps({"reason": "trying"}),
            content_type="application/json",
        )
    else:
        res = c.post(
            f"/vetting/referrals/{r.pk}/decide/", {"outcome": "accept", "reason": "trying"}
        )
    return res.status_code


@pytest.mark.parametrize("path", ["service", "api", "page"])
@pytest.mark.parametrize("who", sorted(PROTECTED))
def test_protected_person_cannot_be_accepted(who, path) -> None:
    officer = f.vetting_officer()
    make, rule = PROTECTED[who]
    r = make(officer)
    before = state(r)
    security = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action="refused:referral.accept"
    ).count()
    status = _accept_via(path, r, officer)
    assert status == {"service": 409, "api": 409, "page": 400}[path]
    assert state(r) == before
    assert state(r)["status"] == "submitted"
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.SECURITY, action="refused:referral.accept"
        ).count()
        == security + 1
    )
    ev = svc.evaluation_run(actor=officer, referral=r, stage=Stage.DECISION, store=False)[0]
    assert rule in {x.rule_id for x in ev.blocking}


@pytest.mark.parametrize(
    "who", ["unaccompanied_minor", "open_fear_claim", "pending_appeal", "court_stay"]
)
def test_absolute_blocks_cannot_be_overridden_through_any_path(who) -> None:
    officer = f.vetting_officer()
    org = officer.organisation
    s1 = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    make, rule = PROTECTED[who]
    r = make(officer)
    before = state(r)
    with pytest.raises(svc.OverrideRefused):
        svc.override_request(actor=s1, referral=r, rule_id=rule, justification="urgent")
    c = Client()
    c.force_login(s1.user)
    res = c.post(
        f"/api/v1/vetting/referrals/{r.pk}/overrides",
        data=json.dumps({"rule_id": rule, "justification": "urgent"}),
        content_type="application/json",
    )
    # Session auth needs two-factor (and CSRF) for a senior officer: refused either way.
    assert res.status_code in (401, 403, 409)
    assert state(r) == before
    assert Override.objects.count() == 0
    # And a forged override row cannot exist: the database refuses an absolute rule's kind.
    finding = Finding.objects.filter(evaluation__referral=r, rule_id=rule).first()
    assert finding is not None and finding.overridable is False
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Override.objects.create(
            referral=r,
            rule_id=rule,
            rule_kind="absolute",
            finding=finding,
            requested_by=s1.user,
            requested_by_name="x",
            request_justification="x",
            requested_at=clock.now(),
        )


def test_notice_not_ripe_blocks_at_movement() -> None:
    """SAFEGUARDS A9: served today, the notice is not ripe for a transfer within 10 days."""
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=clock.now(),
        proof_reference="RCPT",
        served_on_counsel_at=clock.now(),
        counsel_name="Counsel",
    )
    (s,) = build_contexts(Referral.objects.filter(pk=r.pk), stage=Stage.MANIFEST_LOCK)
    ctx = s.context
    soon = RuleContext(
        stage=Stage.MANIFEST_LOCK,
        now=ctx.now,
        legal=ctx.legal,
        person=ctx.person,
        referral=ctx.referral,
        agreement=ctx.agreement,
        decision=ctx.decision,
        planned_departure=clock.today_local() + dt.timedelta(days=9),
    )
    ripe = RuleContext(
        stage=Stage.MANIFEST_LOCK,
        now=ctx.now,
        legal=ctx.legal,
        person=ctx.person,
        referral=ctx.referral,
        agreement=ctx.agreement,
        decision=ctx.decision,
        planned_departure=clock.today_local() + dt.timedelta(days=10),
    )
    assert [x.outcome for x in evaluate(soon).findings if x.rule_id == "A9"] == ["block"]
    assert [x.outcome for x in evaluate(ripe).findings if x.rule_id == "A9"] == ["pass"]


@pytest.mark.parametrize("path", ["service", "api"])
def test_cap_full_refuses_through_every_path(path) -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=1)
    svc.referral_accept(
        actor=officer, referral=f.vetting_referral(agreement=ag, officer=officer), reason="first"
    )
    r = f.vetting_referral(agreement=ag, officer=officer)
    before = state(r)
    assert _accept_via(path, r, officer) == 409
    assert state(r) == before


def test_liaison_and_monitor_cannot_decide_via_api(api_client_for) -> None:
    r = f.vetting_referral()
    roles = (Role.SENDING_LIAISON, Role.MONITOR, Role.SENIOR_OFFICER, Role.ADMIN)
    clients = {role: api_client_for(role) for role in roles}
    before = state(r)
    for role in roles:
        res = clients[role].post(
            f"/api/v1/vetting/referrals/{r.pk}/accept",
            data=json.dumps({"reason": "x"}),
            content_type="application/json",
        )
        assert res.status_code == 403, role
    assert state(r) == before
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.SECURITY, action="denied:vetting.referral.decide"
        ).count()
        == 4
    )


def test_machine_token_cannot_accept_even_with_the_role(api_client_for) -> None:
    """SAFEGUARDS A5: a named officer in person, never a token."""
    r = f.vetting_referral()
    client = api_client_for(Role.VETTING_OFFICER)
    before = state(r)
    res = client.post(
        f"/api/v1/vetting/referrals/{r.pk}/accept",
        data=json.dumps({"reason": "x"}),
        content_type="application/json",
    )
    assert res.status_code in (403, 404)
    assert state(r) == before


def test_there_is_no_admin() -> None:
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert Client().get("/admin/").status_code == 404


def test_no_command_decides() -> None:
    import io

    from django.core.management import call_command, get_commands, load_command_class

    vetting = [name for name, app in get_commands().items() if app == "ikaze.vetting"]
    assert sorted(vetting) == ["expire_acceptances", "rescreen"]
    common = {
        "--version",
        "--verbosity",
        "--settings",
        "--pythonpath",
        "--traceback",
        "--no-color",
        "--force-color",
        "--skip-checks",
        "--help",
    }
    for name, extra in (
        ("rescreen", {"--agreement", "--every", "--as"}),
        ("expire_acceptances", set()),
    ):
        parser = load_command_class("ikaze.vetting", name).create_parser("ikaze", name)
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
        assert options - common == extra
    # Run over every protected person: each stays as it was, none accepted.
    officer = f.vetting_officer()
    people = [make(officer) for make, _rule in PROTECTED.values()]
    call_command("rescreen", "--every", stdout=io.StringIO())
    call_command("expire_acceptances", stdout=io.StringIO())
    for r in people:
        assert Referral.objects.get(pk=r.pk).status != "accepted"


# --- side doors: household changes, closing an alert over a standing block (issue 9) ---------


def _household(officer, *roles):
    from ikaze.people.services import household_add_member

    ag = f.agreement(status="in_force", tranche_cap=10, acceptance_valid_days=10)
    sender = f.liaison(country=ag.sending_state)
    today = clock.today_local()
    born = {"head": dt.date(1985, 1, 1), "spouse": dt.date(1986, 1, 1)}
    out = []
    for role in roles:
        dob = born.get(role, today.replace(year=today.year - 9))
        r = f.referral(by=sender, agreement=ag, date_of_birth=dob)
        household_add_member(actor=sender, reference=f"H-{ag.code}", person=r.person, role=role)
        f.clear_facts(by=officer, referral=r)
        out.append(r)
    return sender, out


def _parent_withdrawn(officer):
    sender, (parent, child) = _household(officer, "head", "child")
    svc.referral_accept(actor=officer, referral=child, reason="With the parent.")
    svc.referral_withdraw(actor=sender, referral=parent, reason="Stays.")
    return child


def _partner_refused(officer):
    _sender, (partner, spouse) = _household(officer, "head", "spouse")
    svc.referral_accept(actor=officer, referral=spouse, reason="Eligible.")
    svc.referral_refuse(actor=officer, referral=partner, reason_codes=["not_eligible"])
    return spouse


def _partner_expired(officer):
    _sender, (partner, spouse) = _household(officer, "head", "spouse")
    svc.referral_accept(actor=officer, referral=partner, reason="Eligible.")
    svc.referral_accept(actor=officer, referral=spouse, reason="Eligible.")
    # The partner's acceptance has run out (test_cap_release moves the clock instead).
    Decision.objects.filter(referral=partner).update(expires_at=clock.now() - dt.timedelta(days=1))
    assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY)["expired"] == 1
    return spouse


def _relative_added(officer):
    from ikaze.people.services import household_add_member

    sender, (head,) = _household(officer, "head")
    svc.referral_accept(actor=officer, referral=head, reason="Eligible.")
    household_add_member(
        actor=sender,
        reference=f"H-{head.agreement.code}",
        person=f.person(by=sender),
        role="other_adult",
    )
    return head


def _parent_made_minor(officer):
    from ikaze.people.services import person_update

    sender, (parent, child) = _household(officer, "head", "child")
    svc.referral_accept(actor=officer, referral=parent, reason="Eligible.")
    svc.referral_accept(actor=officer, referral=child, reason="With the parent.")
    today = clock.today_local()
    person_update(
        actor=sender,
        person=parent.person,
        changes={"date_of_birth": today.replace(year=today.year - 16)},
    )
    return child


HOUSEHOLD_CHANGES = {
    "parent_withdrawn": _parent_withdrawn,
    "partner_refused": _partner_refused,
    "partner_expired": _partner_expired,
    "relative_added": _relative_added,
    "parent_made_minor": _parent_made_minor,
}


@pytest.mark.parametrize("change", sorted(HOUSEHOLD_CHANGES))
def test_a_household_change_leaves_the_accepted_member_alerted_and_unmovable(
    change, api_client_for
) -> None:
    from ikaze.vetting.models import Alert, Notice

    officer = f.vetting_officer()
    r = HOUSEHOLD_CHANGES[change](officer)
    # Raised in the transaction of the change, not by a later `ikaze rescreen --every`.
    (alert,) = Alert.objects.filter(referral=r, resolved_at__isnull=True)
    assert "A7" in alert.rule_ids
    assert Referral.objects.get(pk=r.pk).status == "accepted"
    before = state(r)
    # The same officer cannot close it while the block stands, nor issue a transfer notice.
    with pytest.raises(svc.BlockStands):
        svc.alert_resolve(actor=officer, alert=alert, resolution="Fine.")
    with pytest.raises(svc.AlertOpen):
        svc.notice_issue(actor=officer, referral=r, kind="transfer")
    assert state(r) == before and Notice.objects.count() == 0
    assert Alert.objects.get(pk=alert.pk).resolved_at is None


def test_closing_an_alert_over_a_standing_block_is_refused_through_every_path(
    client_for,
) -> None:
    from ikaze.vetting.models import Alert

    officer = f.vetting_officer()
    # A court stay recorded after acceptance: the alert reports A8, which still stands.
    r2 = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r2, reason="Eligible.")
    f.court_stay(by=officer, referral=r2)
    (alert,) = Alert.objects.filter(referral=r2)
    api = client_for(Role.VETTING_OFFICER)  # another officer: a session, the API and the page
    before = state(r2)
    with pytest.raises(svc.BlockStands):
        svc.alert_resolve(actor=officer, alert=alert, resolution="Done.")
    res = api.post(
        f"/api/v1/vetting/alerts/{alert.pk}/resolve",
        data=json.dumps({"resolution": "Done."}),
        content_type="application/json",
    )
    assert (res.status_code, res.json()["error"]["code"]) == (409, "block_stands")
    page = api.post(f"/vetting/alerts/{alert.pk}/resolve/", {"resolution": "Done."})
    assert page.status_code == 400
    assert "a block still stands against this person (A8)" in page.content.decode()
    assert state(r2) == before
    assert Alert.objects.get(pk=alert.pk).resolved_at is None


# --- concurrent requests (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_the_last_place_at_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    org = f.organisation()
    a, b = f.vetting_officer(organisation_=org), f.vetting_officer(organisation_=org)
    ag = f.agreement(status="in_force", tranche_cap=1)
    r1 = f.vetting_referral(agreement=ag, officer=a)
    r2 = f.vetting_referral(agreement=ag, officer=a)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def go(name, actor, referral):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            results[name] = svc.referral_accept(actor=actor, referral=referral, reason=f"by {name}")
        except IkazeError as exc:
            results[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=go, args=("a", a, r1)),
        threading.Thread(target=go, args=("b", b, r2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    outcomes = sorted(type(v).__name__ for v in results.values())
    assert outcomes in (["CapacityExceeded", "Decision"], ["Decision", "RuleBlocked"])
    assert Decision.objects.filter(outcome="accepted").count() == 1
    ag.refresh_from_db()
    assert ag.tranches.get().places_used == 1
    statuses = sorted(
        Referral.objects.filter(pk__in=[r1.pk, r2.pk]).values_list("status", flat=True)
    )
    assert statuses == ["accepted", "submitted"]
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.SECURITY, action="refused:referral.accept"
        ).count()
        == 1
    )
    assert Evaluation.objects.filter(stage="decision", referral__in=[r1, r2]).count() == 1


# --- issue 9: side doors (SAFEGUARDS F1, F3) -------------------------------------------------


def _protective_facts(r: Referral) -> list[LegalEventRecord]:
    from ikaze.vetting.legal_events import is_protective, parse_payload

    return [
        e
        for e in LegalEventRecord.objects.filter(person_id=r.person_id).order_by("recorded_at")
        if is_protective(e.kind, parse_payload(e.kind, e.payload))
    ]


@pytest.mark.parametrize("path", ["service", "api", "token"])
@pytest.mark.parametrize(
    "who", ["open_fear_claim", "pending_appeal", "court_stay", "household_split"]
)
def test_one_person_cannot_remove_a_protective_fact_and_accept(who, path, api_client_for) -> None:
    """F1: retracting or "correcting" the fact that protects the person, then accepting."""
    officer = f.vetting_officer()
    make, rule = PROTECTED[who]
    r = make(officer)
    facts = _protective_facts(r)
    assert facts
    token = api_client_for(Role.VETTING_OFFICER) if path == "token" else None
    c = Client()
    c.force_login(officer.user)
    before = state(r)
    for fact in facts:
        body = {
            "kind": "retraction",
            "payload": {"reason": "entered by mistake"},
            "effective_at": _today(),
            "source_document": "MEMO",
            "supersedes": str(fact.pk),
        }
        if path == "service":
            with pytest.raises(svc.FourEyes):
                svc.legal_fact_record(
                    actor=officer,
                    referral=r,
                    kind="retraction",
                    payload=body["payload"],
                    effective_at=clock.today_local(),
                    source_document="MEMO",
                    supersedes=fact,
                )
        else:
            client = token if token is not None else c
            res = client.post(
                f"/api/v1/vetting/referrals/{r.pk}/facts",
                data=json.dumps(body),
                content_type="application/json",
            )
            assert res.status_code == 409, res.content
            assert res.json()["error"]["code"] == "protective_fact_four_eyes"
            asked = client.post(
                f"/api/v1/vetting/referrals/{r.pk}/fact-removals",
                data=json.dumps(
                    {"fact_id": str(fact.pk), "justification": "j", "source_document": "d"}
                ),
                content_type="application/json",
            )
            if token is not None:  # a token never asks; a named officer only asks
                assert asked.status_code == 403
    if path == "api":
        assert FactRemoval.objects.filter(referral=r).count() == len(facts)
        before["FactRemoval"] = len(facts)  # asked, not done: nothing else changed
        before["changes"] = state(r)["changes"]  # the requests are audited
    assert _accept_via("service", r, officer) == 409
    after = state(r)
    assert after["status"] == "submitted"
    assert {k: v for k, v in after.items() if k != "changes"} == {
        k: v for k, v in before.items() if k != "changes"
    }
    ev = svc.evaluation_run(actor=officer, referral=r, stage=Stage.DECISION, store=False)[0]
    assert rule in {x.rule_id for x in ev.blocking}


@pytest.mark.parametrize("path", ["service", "api"])
def test_back_dated_or_typed_in_service_never_satisfies_a9(path, client_for) -> None:
    """F3: service 20 days before the notice was issued, or a notice_served fact typed in."""
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    c = client_for(Role.VETTING_OFFICER)
    back = n.issued_at - dt.timedelta(days=20)
    typed = {
        "notice_ref": n.notice_ref,
        "notice_kind": "transfer",
        "destination_country": "RW",
        "language": "es",
        "template_language": "es",
        "served_on_person": True,
        "served_on_counsel": True,
        "counsel_name": "Counsel",
        "proof_reference": "RCPT",
    }
    before = state(r)
    if path == "service":
        with pytest.raises(IkazeError):
            svc.notice_record_service(
                actor=officer,
                notice=n,
                served_on_person_at=back,
                proof_reference="RCPT",
                served_on_counsel_at=back,
                counsel_name="Counsel",
            )
        with pytest.raises(IkazeError):
            f.fact(by=officer, referral=r, kind="notice_served", payload=typed, days_ago=20)
    else:
        res = c.post(
            f"/api/v1/vetting/notices/{n.pk}/service",
            data=json.dumps(
                {
                    "served_on_person_at": back.isoformat(),
                    "served_on_counsel_at": back.isoformat(),
                    "counsel_name": "Counsel",
                    "proof_reference": "RCPT",
                }
            ),
            content_type="application/json",
        )
        assert res.status_code == 422
        assert set(res.json()["error"]["details"]) == {
            "served_on_person_at",
            "served_on_counsel_at",
        }
        res = c.post(
            f"/api/v1/vetting/referrals/{r.pk}/facts",
            data=json.dumps(
                {
                    "kind": "notice_served",
                    "payload": typed,
                    "effective_at": (clock.today_local() - dt.timedelta(days=20)).isoformat(),
                    "source_document": "RCPT",
                }
            ),
            content_type="application/json",
        )
        assert res.status_code == 422
    assert state(r) == before
    (s,) = build_contexts(Referral.objects.filter(pk=r.pk), stage=Stage.DEPARTURE)
    assert [x.outcome for x in evaluate(s.context).findings if x.rule_id == "A9"] == ["block"]
