"""The adversarial suite (issue 4): try to move a protected person through every path.

Protected people: an unaccompanied minor (A1), an open fear claim (A10/A8), a pending appeal
(A8), a court stay (A8), a notice not yet ripe (A9, at movement), a household split (A7), a
full cap (A6). Paths: the API, the pages, a direct service call, concurrent requests.

- Admin: Ikaze has no Django admin (django.contrib.admin is not installed), so there is no
  admin path to try; `test_there_is_no_admin` proves it.
- CLI: no management command decides or moves a person (`ikaze` forwards Django commands;
  vetting's only one, `rescreen`, evaluates again and decides nothing);
  `test_no_command_decides` proves it.

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
from ikaze.vetting.models import Decision, Evaluation, Finding, Override, Referral
from ikaze.vetting.rules import RuleContext, Stage, evaluate
from ikaze.vetting.screening import build_contexts
from ikaze.vetting.tests.test_decisions import state
from tests import factories as f

pytestmark = pytest.mark.django_db


def _today(days: int = 0) -> str:
    return (clock.today_local() + dt.timedelta(days=days)).isoformat()


def minor(officer):  # type: ignore[no-untyped-def]
    return f.vetting_referral(
        officer=officer, date_of_birth=dt.date.today().replace(year=dt.date.today().year - 15)
    )


def fear(officer):  # type: ignore[no-untyped-def]
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


def appeal(officer):  # type: ignore[no-untyped-def]
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


def stay(officer):  # type: ignore[no-untyped-def]
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r, court="ECtHR", measure="ecthr_rule_39")
    return r


def household_split(officer):  # type: ignore[no-untyped-def]
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


def _accept_via(path: str, r: Referral, officer) -> int:  # type: ignore[no-untyped-def]
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
def test_protected_person_cannot_be_accepted(who, path) -> None:  # type: ignore[no-untyped-def]
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
def test_absolute_blocks_cannot_be_overridden_through_any_path(who) -> None:  # type: ignore[no-untyped-def]
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
def test_cap_full_refuses_through_every_path(path) -> None:  # type: ignore[no-untyped-def]
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=1)
    svc.referral_accept(
        actor=officer, referral=f.vetting_referral(agreement=ag, officer=officer), reason="first"
    )
    r = f.vetting_referral(agreement=ag, officer=officer)
    before = state(r)
    assert _accept_via(path, r, officer) == 409
    assert state(r) == before


def test_liaison_and_monitor_cannot_decide_via_api(api_client_for) -> None:  # type: ignore[no-untyped-def]
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


def test_machine_token_cannot_accept_even_with_the_role(api_client_for) -> None:  # type: ignore[no-untyped-def]
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

    def go(name, actor, referral):  # type: ignore[no-untyped-def]
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
