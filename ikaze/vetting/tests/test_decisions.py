"""Services of issue 4: facts, evaluations, decisions, overrides, notices, alerts.

Every refusal test proves that nothing changed (row counts and the referral's status) and that
the attempt is on record.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import (
    CapacityExceeded,
    Conflict,
    IllegalTransition,
    PermissionDenied,
    RuleBlocked,
    ValidationError,
)
from ikaze.vetting import selectors
from ikaze.vetting import services as svc
from ikaze.vetting.errors import BlockStands, NoticeSettingsMissing, NoticeUntranslated
from ikaze.vetting.models import (
    Alert,
    Decision,
    Evaluation,
    FactRemoval,
    Finding,
    LegalEventRecord,
    MonitorNotice,
    Notice,
    Override,
    Referral,
)
from ikaze.vetting.rules import RULESET_VERSION
from tests import factories as f

pytestmark = pytest.mark.django_db

MODELS = (
    LegalEventRecord,
    Evaluation,
    Finding,
    Decision,
    Override,
    Alert,
    MonitorNotice,
    Notice,
    FactRemoval,
)


def state(referral: Referral | None = None) -> dict[str, object]:
    out: dict[str, object] = {m.__name__: m.objects.count() for m in MODELS}
    # Security events record the refused attempt; a token's use is the token's own record.
    out["changes"] = (
        AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY)
        .exclude(action="api_token.use")
        .count()
    )
    out["places"] = list(Agreement.objects.order_by("pk").values_list("places_used", flat=True))
    if referral is not None:
        out["status"] = Referral.objects.get(pk=referral.pk).status
    return out


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action=f"refused:{action}"
    ).count()


@pytest.fixture
def officer():
    return f.vetting_officer()


@pytest.fixture
def seniors():
    org = f.organisation(OrgKind.RECEIVING_STATE)
    return (
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org),
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org),
    )


# --- facts ---------------------------------------------------------------------------------


def test_fact_is_stored_validated_and_evaluates_at_once(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    before = Evaluation.objects.filter(referral=r).count()
    rec = f.fact(
        by=officer,
        referral=r,
        kind="court_stay_granted",
        payload={"stay_ref": "S-1", "court": "ECtHR", "measure": "ecthr_rule_39"},
    )
    assert rec.person_id == r.person_id
    assert rec.payload == {
        "stay_ref": "S-1",
        "court": "ECtHR",
        "measure": "ecthr_rule_39",
        "until": None,
    }
    assert rec.recorded_by_label == officer.label
    ev = Evaluation.objects.filter(referral=r).order_by("-evaluated_at", "-created_at").first()
    assert Evaluation.objects.filter(referral=r).count() == before + 1
    assert ev is not None and ev.stage == "referral" and ev.blocked is True
    a8 = ev.findings.get(rule_id="A8", outcome="block")
    assert a8.facts_used["stay_ref"] == "S-1"
    assert a8.overridable is False
    assert (
        AuditEvent.objects.filter(action="legal_fact.record", target_id=str(r.person_id)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        ("no_such_kind", {}, "kind"),
        ("court_stay_granted", {"stay_ref": "S-1"}, "payload.court"),
        (
            "court_stay_granted",
            {"stay_ref": "S", "court": "X", "measure": "stay", "x": 1},
            "payload.x",
        ),
        (
            "fear_expressed",
            {
                "fear_ref": "F",
                "feared_country": "ZZ",
                "summary": "s",
                "expressed_to": "o",
                "screening_deadline": "2030-01-01",
            },
            "payload.feared_country",
        ),
    ],
)
def test_bad_fact_is_refused_and_changes_nothing(officer, kind, payload, field) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        f.fact(by=officer, referral=r, kind=kind, payload=payload)
    assert field in exc.value.details
    assert state(r) == before
    assert refusals("legal_fact.record") == 1


def test_fact_without_source_or_in_future_is_refused(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        f.fact(
            by=officer,
            referral=r,
            kind="legal_advice_given",
            payload={"provider": "P", "language": "es"},
            source=" ",
        )
    assert "source_document" in exc.value.details
    with pytest.raises(ValidationError) as exc:
        f.fact(
            by=officer,
            referral=r,
            kind="legal_advice_given",
            payload={"provider": "P", "language": "es"},
            days_ago=-3,
        )
    assert exc.value.details == {
        "effective_at": ["this fact cannot take effect after it was recorded"]
    }
    assert state(r) == before


def test_correction_supersedes_and_never_edits(officer) -> None:
    # A fact no rule protects the person with (legal advice) is corrected by one officer; a
    # protective one goes the four-eyes way (test_fact_removal.py).
    r = f.vetting_referral(officer=officer, clear=False)
    advice = f.fact(
        by=officer,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "en"},
    )
    fix = svc.legal_fact_record(
        actor=officer,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "es"},
        effective_at=clock.today_local(),
        source_document="MEMO-1",
        supersedes=advice,
    )
    assert fix.supersedes_id == advice.pk
    assert LegalEventRecord.objects.get(pk=advice.pk).payload["language"] == "en"
    retraction = svc.legal_fact_record(
        actor=officer,
        referral=r,
        kind="retraction",
        payload={"reason": "entered on the wrong person"},
        effective_at=clock.today_local(),
        source_document="MEMO-2",
        supersedes=fix,
    )
    assert retraction.supersedes_id == fix.pk
    ev = svc.latest_evaluation(r)
    assert ev is not None
    assert ev.findings.filter(rule_id="A12", outcome="warn").exists()  # no advice stands


def test_fact_by_sending_liaison_is_denied(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    liaison = f.liaison()
    before = state(r)
    with pytest.raises(PermissionDenied):
        f.fact(
            by=liaison,
            referral=r,
            kind="legal_advice_given",
            payload={"provider": "P", "language": "es"},
        )
    assert state(r) == before


# --- accept / refuse -----------------------------------------------------------------------


def test_accept_records_decision_evaluation_place_and_expiry(officer) -> None:
    ag = f.agreement(status="in_force", tranche_cap=5)
    r = f.vetting_referral(agreement=ag, officer=officer)
    d = svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    r.refresh_from_db()
    ag.refresh_from_db()
    assert r.status == "accepted"
    assert d.officer_name == officer.label
    assert d.expires_at == d.decided_at + dt.timedelta(days=90)
    assert d.place_taken is True and d.tranche is not None and d.tranche.places_used == 1
    assert ag.places_used == 1
    assert d.evaluation.stage == "decision" and d.evaluation.blocked is False
    outcomes = {x.rule_id: x.outcome for x in d.evaluation.finding_list()}
    assert (outcomes["A5"], outcomes["A6"]) == ("pass", "pass")
    # Passes live only in findings_data; blocks and warnings also get a Finding row.
    assert not d.evaluation.findings.filter(outcome="pass").exists()
    assert AuditEvent.objects.filter(action="decision.accept", target_id=str(r.pk)).count() == 1
    assert AuditEvent.objects.filter(action="referral.accept", target_id=str(r.pk)).count() == 1


def test_accept_blocked_changes_nothing_and_is_recorded(officer) -> None:
    r = f.vetting_referral(officer=officer)
    f.fact(
        by=officer,
        referral=r,
        kind="asylum_claim_filed",
        payload={"claim_ref": "C-1", "authority": "USCIS"},
    )
    before = state(r)
    with pytest.raises(RuleBlocked) as exc:
        svc.referral_accept(actor=officer, referral=r, reason="ok")
    assert list(exc.value.details) == ["A8"]
    assert state(r) == before
    assert refusals("referral.accept") == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_accept_needs_a_reason(officer, reason) -> None:
    r = f.vetting_referral(officer=officer)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.referral_accept(actor=officer, referral=r, reason=reason)
    assert exc.value.details == {"reason": ["Give the reason for the acceptance."]}
    assert state(r) == before


def test_accept_when_cap_full_is_refused(officer) -> None:
    ag = f.agreement(status="in_force", tranche_cap=1)
    r1 = f.vetting_referral(agreement=ag, officer=officer)
    r2 = f.vetting_referral(agreement=ag, officer=officer)
    svc.referral_accept(actor=officer, referral=r1, reason="first")
    before = state(r2)
    with pytest.raises(RuleBlocked) as exc:
        svc.referral_accept(actor=officer, referral=r2, reason="second")
    assert list(exc.value.details) == ["A6"]
    assert state(r2) == before


def test_cap_enforced_by_database_even_if_rules_saw_a_place(officer, monkeypatch) -> None:
    ag = f.agreement(status="in_force", tranche_cap=1)
    r1 = f.vetting_referral(agreement=ag, officer=officer)
    r2 = f.vetting_referral(agreement=ag, officer=officer)
    # Both officers read "one place left" (as two simultaneous requests would).
    from ikaze.vetting import screening

    real = screening.agreement_settings

    def stale(agreements, *, on):
        out = real(agreements, on=on)
        return {
            k: v.__class__(**{**{n: getattr(v, n) for n in v.__slots__}, "places_left": 1})
            for k, v in out.items()
        }

    svc.referral_accept(actor=officer, referral=r1, reason="first")
    monkeypatch.setattr(screening, "agreement_settings", stale)
    before = state(r2)
    with pytest.raises(CapacityExceeded):
        svc.referral_accept(actor=officer, referral=r2, reason="second")
    assert state(r2) == before


def test_token_cannot_decide(officer) -> None:
    from ikaze.accounts.actor import Actor

    r = f.vetting_referral(officer=officer)
    machine = Actor(
        user=officer.user,
        organisation=officer.organisation,
        roles=officer.roles,
        token=SimpleNamespace(pk="token-1"),
        label="token",
        perms=officer.perms,
    )
    before = state(r)
    with pytest.raises(PermissionDenied):
        svc.referral_accept(actor=machine, referral=r, reason="ok")
    assert state(r) == before


def test_decided_referral_cannot_be_decided_again(officer) -> None:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    before = state(r)
    with pytest.raises(IllegalTransition):
        svc.referral_accept(actor=officer, referral=r, reason="again")
    with pytest.raises(IllegalTransition):
        svc.referral_refuse(actor=officer, referral=r, reason_codes=["other"], reason="no")
    assert state(r) == before


def test_refuse_with_codes(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False)
    d = svc.referral_refuse(actor=officer, referral=r, reason_codes=["incomplete_referral"])
    r.refresh_from_db()
    assert r.status == "refused"
    assert d.reason_codes == ["incomplete_referral"]
    assert d.reason == "incomplete_referral"
    assert d.expires_at is None and d.place_taken is False
    assert d.evaluation.stage == "decision"


@pytest.mark.parametrize(
    ("codes", "reason", "details"),
    [
        ([], "x", {"reason_codes": ["Give at least one reason code."]}),
        (["nope"], "x", {"reason_codes": ["'nope' is not a refusal reason."]}),
        (["other"], " ", {"reason": ['Explain the reason "other".']}),
    ],
)
def test_refuse_without_valid_reason_changes_nothing(officer, codes, reason, details) -> None:
    r = f.vetting_referral(officer=officer)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.referral_refuse(actor=officer, referral=r, reason_codes=codes, reason=reason)
    assert exc.value.details == details
    assert state(r) == before
    assert refusals("referral.refuse") == 1


def test_liaison_cannot_decide() -> None:
    r = f.vetting_referral()
    liaison = f.liaison()
    before = state(r)
    with pytest.raises(PermissionDenied):
        svc.referral_accept(actor=liaison, referral=r, reason="ok")
    assert state(r) == before


# --- later facts on an accepted person -------------------------------------------------------


def test_fact_after_acceptance_raises_alert_and_tells_monitor(officer) -> None:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    f.fact(
        by=officer,
        referral=r,
        kind="fear_expressed",
        payload={
            "fear_ref": "F-1",
            "feared_country": "RW",
            "summary": "fears the destination",
            "expressed_to": "officer",
            "screening_deadline": (clock.today_local() + dt.timedelta(days=7)).isoformat(),
        },
    )
    alert = Alert.objects.get(referral=r)
    assert alert.rule_ids == ["A10", "A8"] or alert.rule_ids == ["A8", "A10"]
    assert alert.resolved_at is None
    notice = MonitorNotice.objects.get(alert=alert)
    assert notice.kind == "alert_raised"
    assert AuditEvent.objects.filter(action="monitor.notify", target_id=str(r.pk)).count() == 1
    # SAFEGUARDS F5: the fear claim still stands, so the alert stays open (test_alert_resolve).
    with pytest.raises(BlockStands):
        svc.alert_resolve(actor=officer, alert=alert, resolution="Taken off the manifest.")
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    # Withdrawing the acceptance closes it.
    sender = f.liaison(organisation_=r.referring_organisation)
    svc.referral_withdraw(actor=sender, referral=r, reason="Fear claim.")
    assert Alert.objects.get(pk=alert.pk).resolved_at is not None


def test_harmless_fact_after_acceptance_raises_no_alert(officer) -> None:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    f.fact(
        by=officer,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "Q", "language": "es"},
    )
    assert Alert.objects.count() == 0


# --- overrides -----------------------------------------------------------------------------


def _blocked_by_a12(officer):
    """A referral whose only block is A12 (no legal advice): overridable."""
    import hashlib

    r = f.vetting_referral(officer=officer, clear=False)
    f.fact(
        by=officer,
        referral=r,
        kind="assessment_signed",
        payload={
            "assessor": "A",
            "individual": True,
            "topics": f._ALL_TOPICS,
            "text_sha256": hashlib.sha256(b"x" + str(r.pk).encode()).hexdigest(),
        },
    )
    return r


def test_override_needs_two_different_seniors_and_then_accept_passes(officer, seniors) -> None:
    first, second = seniors
    r = _blocked_by_a12(officer)
    with pytest.raises(RuleBlocked) as exc:
        svc.referral_accept(actor=officer, referral=r, reason="ok")
    assert list(exc.value.details) == ["A12"]
    o = svc.override_request(
        actor=first, referral=r, rule_id="A12", justification="Advice given orally, record pending."
    )
    assert o.status == "requested" and o.finding.rule_id == "A12" and o.finding.overridable
    before = state(r)
    with pytest.raises(svc.FourEyes):
        svc.override_second(actor=first, override=o, justification="me again")
    assert state(r) == before
    assert refusals("override.second") == 1
    # Still blocked while only one senior has agreed.
    with pytest.raises(RuleBlocked):
        svc.referral_accept(actor=officer, referral=r, reason="ok")
    o = svc.override_second(actor=second, override=o, justification="Confirmed with the provider.")
    assert o.status == "approved" and o.seconded_by_id == second.user.pk
    assert MonitorNotice.objects.filter(override=o, kind="override_approved").count() == 1
    assert AuditEvent.objects.filter(action="monitor.notify", target_id=str(r.pk)).count() == 1
    d = svc.referral_accept(actor=officer, referral=r, reason="ok with override")
    assert d.outcome == "accepted"


@pytest.mark.parametrize("rule", ["A8", "A1"])
def test_absolute_rules_cannot_be_overridden(officer, seniors, rule) -> None:
    first, _second = seniors
    r = f.vetting_referral(officer=officer, date_of_birth=dt.date(2015, 1, 1))
    f.fact(
        by=officer,
        referral=r,
        kind="asylum_claim_filed",
        payload={"claim_ref": "C", "authority": "A"},
    )
    before = state(r)
    with pytest.raises(svc.OverrideRefused):
        svc.override_request(actor=first, referral=r, rule_id=rule, justification="please")
    assert state(r) == before
    assert refusals("override.request") == 1


def _a5(evaluation: Evaluation) -> tuple[str, dict[str, object]]:
    (a5,) = [x for x in evaluation.finding_list() if x.rule_id == "A5"]
    return a5.outcome.value, a5.facts_used


def test_a_referral_awaiting_its_decision_is_not_blocked_by_a5(officer, seniors) -> None:
    # SAFEGUARDS A5 at stage "decision" before anyone decided: the override request stores a
    # decision-stage evaluation, which must not show "no acceptance" as a block.
    first, _second = seniors
    r = _blocked_by_a12(officer)
    svc.override_request(actor=first, referral=r, rule_id="A12", justification="Advice oral.")
    ev = svc.latest_evaluation(r)
    assert ev is not None and ev.stage == "decision"
    assert _a5(ev) == ("warn", {"accepted": False})
    assert {x.rule_id for x in ev.findings.filter(outcome="block")} == {"A12"}
    # A referral whose only open point is the decision itself reads as not blocked.
    clear = f.vetting_referral(officer=officer)
    ev = svc.referral_evaluate(actor=officer, referral=clear, stage="decision")
    assert ev.blocked is False and _a5(ev)[0] == "warn"
    no_blocks = set(
        selectors.referral_queue_for(actor=officer, has_blocks="no").values_list("pk", flat=True)
    )
    blocked = set(
        selectors.referral_queue_for(actor=officer, has_blocks="yes").values_list("pk", flat=True)
    )
    assert clear.pk in no_blocks and clear.pk not in blocked
    assert r.pk in blocked and r.pk not in no_blocks
    # The acceptance being made still passes (and counts its place).
    d = svc.referral_accept(actor=officer, referral=clear, reason="Meets the criteria.")
    assert _a5(d.evaluation)[0] == "pass" and d.evaluation.blocked is False


def test_without_an_acceptance_a5_blocks_a_movement(officer) -> None:
    r = f.vetting_referral(officer=officer)
    for stage in ("manifest_lock", "departure"):
        ev = svc.referral_evaluate(actor=officer, referral=r, stage=stage)
        assert ev.blocked is True and _a5(ev)[0] == "block"
        assert ev.findings.get(rule_id="A5").overridable is False
    # Not decidable (a draft): silence, a block at decision too.
    draft = f.vetting_referral(officer=officer)
    Referral.objects.filter(pk=draft.pk).update(status=Referral.Status.DRAFT)
    ev = svc.referral_evaluate(actor=officer, referral=draft, stage="decision")
    assert _a5(ev)[0] == "block"


def test_a_refusal_blocks_a5_in_its_own_evaluation_and_after(officer) -> None:
    r = f.vetting_referral(officer=officer)
    d = svc.referral_refuse(actor=officer, referral=r, reason_codes=["other"], reason="No.")
    assert _a5(d.evaluation) == ("block", {"accepted": False, "officer": officer.label})
    ev = svc.referral_evaluate(actor=officer, referral=r, stage="decision")
    assert _a5(ev) == ("block", {"accepted": False, "officer": officer.label})
    assert ev.findings.get(rule_id="A5").message == d.evaluation.findings.get(rule_id="A5").message


def test_an_expired_acceptance_blocks_a5_at_decision(officer) -> None:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    ev = svc.referral_evaluate(actor=officer, referral=r, stage="decision")
    assert _a5(ev)[0] == "pass"
    Decision.objects.filter(referral=r).update(
        decided_at=clock.now() - dt.timedelta(days=r.agreement.acceptance_valid_days + 2)
    )
    ev = svc.referral_evaluate(actor=officer, referral=r, stage="decision")
    assert _a5(ev)[0] == "block" and ev.blocked is True


def test_vetting_officer_cannot_request_override(officer) -> None:
    r = _blocked_by_a12(officer)
    before = state(r)
    with pytest.raises(svc.SeniorOfficerRequired):
        svc.override_request(actor=officer, referral=r, rule_id="A12", justification="x")
    assert state(r) == before


def test_override_request_needs_justification_and_a_standing_block(officer, seniors) -> None:
    first, _ = seniors
    r = _blocked_by_a12(officer)
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.override_request(actor=first, referral=r, rule_id="A12", justification=" ")
    assert exc.value.details == {"justification": ["A written justification is required."]}
    with pytest.raises(ValidationError) as exc:
        svc.override_request(actor=first, referral=r, rule_id="A3", justification="x")
    assert exc.value.details == {"rule_id": ["No block of rule A3 stands."]}
    assert state(r) == before


def test_second_request_for_same_rule_conflicts(officer, seniors) -> None:
    first, second = seniors
    r = _blocked_by_a12(officer)
    svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    before = state(r)
    with pytest.raises(Conflict):
        svc.override_request(actor=second, referral=r, rule_id="A12", justification="y")
    assert state(r) == before


def test_decline_override(officer, seniors) -> None:
    first, second = seniors
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    o = svc.override_decline(actor=second, override=o, justification="Not convinced.")
    assert o.status == "declined"
    with pytest.raises(IllegalTransition):
        svc.override_second(actor=second, override=o, justification="changed my mind")


def _closures(referral: Referral) -> list[tuple[object, object]]:
    return [
        (e.before, e.after)
        for e in AuditEvent.objects.filter(
            action="override.close", target_id=str(referral.pk)
        ).order_by("seq")
    ]


def _advice(officer, r) -> None:
    f.fact(
        by=officer,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "es"},
    )


def test_accept_without_the_override_closes_the_pending_request(officer, seniors) -> None:
    first, second = seniors
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    # Refused acceptances roll back: the request stays open, nothing is recorded as closed.
    with pytest.raises(RuleBlocked):
        svc.referral_accept(actor=officer, referral=r, reason="ok")
    assert Override.objects.get(pk=o.pk).status == "requested"
    assert _closures(r) == []
    _advice(officer, r)  # the block is lifted by a fact, not by the override
    svc.referral_accept(actor=officer, referral=r, reason="Advice now on record.")
    o = Override.objects.get(pk=o.pk)
    assert (o.status, o.closed_reason) == ("superseded", "Advice now on record.")
    assert o.closed_at == Referral.objects.get(pk=r.pk).status_changed_at
    assert _closures(r) == [
        (
            {"override": str(o.pk), "status": "requested"},
            {"override": str(o.pk), "rule_id": "A12", "status": "superseded"},
        )
    ]
    before = state(r)
    with pytest.raises(IllegalTransition):
        svc.override_second(actor=second, override=o, justification="late")
    assert state(r) == before


def test_refusal_closes_the_pending_request_but_not_an_approved_one(officer, seniors) -> None:
    first, second = seniors
    r = f.vetting_referral(officer=officer, clear=False)  # A3 and A12 block
    a12 = svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    a12 = svc.override_second(actor=second, override=a12, justification="y")
    a3 = svc.override_request(actor=first, referral=r, rule_id="A3", justification="z")
    svc.referral_refuse(actor=officer, referral=r, reason_codes=["other"], reason="Not now.")
    assert Override.objects.get(pk=a12.pk).status == "approved"
    assert Override.objects.get(pk=a3.pk).status == "superseded"
    assert [after for _, after in _closures(r)] == [
        {"override": str(a3.pk), "rule_id": "A3", "status": "superseded"}
    ]


@pytest.mark.parametrize(("close", "status"), [("withdraw", "withdrawn"), ("expire", "expired")])
def test_withdrawal_or_expiry_closes_the_pending_request(officer, seniors, close, status) -> None:
    first, _ = seniors
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    if close == "withdraw":
        liaison = f.liaison(organisation_=r.referring_organisation)
        svc.referral_withdraw(actor=liaison, referral=r, reason="The person left.")
    else:
        svc.referral_expire(actor=officer, referral=r, reason="The person left.")
    o = Override.objects.get(pk=o.pk)
    assert (o.status, o.closed_reason) == (status, "The person left.")
    assert o.closed_at is not None
    assert [after for _, after in _closures(r)] == [
        {"override": str(o.pk), "rule_id": "A12", "status": status}
    ]


def test_asking_for_information_leaves_the_request_open(officer, seniors) -> None:
    first, _ = seniors
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=first, referral=r, rule_id="A12", justification="x")
    svc.referral_start_review(actor=officer, referral=r)
    svc.referral_request_information(actor=officer, referral=r, reason="Which provider?")
    assert Override.objects.get(pk=o.pk).status == "requested"
    assert _closures(r) == []


def test_the_monitor_is_told_the_seniors_full_names(officer) -> None:
    from ikaze.accounts.actor import actor_for_user
    from ikaze.accounts.models import User

    org = f.organisation(OrgKind.RECEIVING_STATE)
    seniors = []
    for username, first, last in (("jb.n", "Jean Bosco", "Niyonzima"), ("cm", "", "")):
        u = f.user(Role.SENIOR_OFFICER, organisation_=org, username=username)
        User.objects.filter(pk=u.pk).update(first_name=first, last_name=last)
        u.refresh_from_db()
        seniors.append(actor_for_user(u, second_factor=True))
    r = _blocked_by_a12(officer)
    o = svc.override_request(actor=seniors[0], referral=r, rule_id="A12", justification="one")
    o = svc.override_second(actor=seniors[1], override=o, justification="two")
    notice = MonitorNotice.objects.get(override=o)
    assert notice.message == "A12 overridden by Jean Bosco Niyonzima and cm: one / two"
    assert (o.requested_by_name, o.seconded_by_name) == ("jb.n", "cm")  # stored as signed in


# --- notices -------------------------------------------------------------------------------


def test_notice_in_spanish_then_service_counts_for_a9(officer) -> None:
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    assert n.language == "es" and n.template_language == "es" and n.needs_translation is False
    assert bytes(n.pdf)[:5] == b"%PDF-"
    now = clock.now()
    served = svc.notice_record_service(
        actor=officer,
        notice=n,
        served_on_person_at=now,
        proof_reference="SIGNED-RECEIPT-1",
        served_on_counsel_at=now,
        counsel_name="Lic. Ana Pérez",
    )
    assert served.service_event is not None
    assert served.service_event.kind == "notice_served"
    assert served.service_event.payload["served_on_counsel"] is True
    ev = svc.latest_evaluation(r)
    assert ev is not None
    (a9,) = [x for x in ev.finding_list() if x.rule_id == "A9"]
    assert a9.facts_used["notice_ref"] == n.notice_ref


def test_decision_notice_names_the_deciding_officer_in_full(tmp_path) -> None:
    from ikaze.accounts.actor import actor_for_user
    from ikaze.accounts.models import User
    from ikaze.vetting.tests.test_notices import pdf_text

    org = f.organisation(OrgKind.RECEIVING_STATE)
    officers = []
    for username, first, last in (("amina.u", "Amina", "Uwase"), ("eric.k", "Eric", "Kayitare")):
        u = f.user(Role.VETTING_OFFICER, organisation_=org, username=username)
        User.objects.filter(pk=u.pk).update(first_name=first, last_name=last)
        u.refresh_from_db()
        officers.append(actor_for_user(u))
    decider, issuer = officers
    r = f.vetting_referral(officer=decider)
    svc.referral_accept(actor=decider, referral=r, reason="ok")
    decision = svc.notice_issue(actor=issuer, referral=r, kind="decision")
    text = pdf_text(bytes(decision.pdf), tmp_path)
    assert "Decidido por Amina Uwase" in text
    # The acceptance's note ("ok") is the officer's, in English: not printed untranslated.
    assert "Motivos" not in text
    transfer = svc.notice_issue(actor=issuer, referral=r, kind="transfer")
    text = pdf_text(bytes(transfer.pdf), tmp_path)
    # The signature block names the issuing officer, their role, the date and the place.
    assert "Funcionario Eric Kayitare" in text
    assert "Cargo Funcionario de examen" in text
    assert "Lugar Kigali" in text


def test_notice_in_language_without_template_needs_an_interpreter(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False, languages=["ti"])
    svc.referral_refuse(actor=officer, referral=r, reason_codes=["not_eligible"])
    before = state(r)
    with pytest.raises(NoticeUntranslated) as exc:
        svc.notice_issue(actor=officer, referral=r, kind="decision")
    assert exc.value.code == "notice_untranslated"
    with pytest.raises(ValidationError) as invalid:
        svc.notice_issue(actor=officer, referral=r, kind="decision", interpreter_name="S. Tesfay")
    assert invalid.value.details == {
        "interpreter_language": ["An interpreter's record names the interpreter and the language."]
    }
    with pytest.raises(ValidationError) as invalid:
        svc.notice_issue(
            actor=officer,
            referral=r,
            kind="decision",
            interpreter_name="S. Tesfay",
            interpreter_language="am",
        )
    assert invalid.value.details == {
        "interpreter_language": ["The interpreter interprets into the person's language (ti)."]
    }
    assert state(r) == before
    n = svc.notice_issue(
        actor=officer,
        referral=r,
        kind="decision",
        interpreter_name="S. Tesfay",
        interpreter_language="ti",
    )
    assert (n.language, n.template_language, n.needs_translation) == ("ti", "en", True)
    assert (n.issue_interpreter_name, n.issue_interpreter_language) == ("S. Tesfay", "ti")


def test_a_spanish_notice_needs_the_reason_translated_or_an_interpreter(officer) -> None:
    r = f.vetting_referral(officer=officer, clear=False, languages=["es"])
    svc.referral_refuse(
        actor=officer, referral=r, reason_codes=["other"], reason="No travel document."
    )
    before = state(r)
    with pytest.raises(NoticeUntranslated) as exc:
        svc.notice_issue(actor=officer, referral=r, kind="decision")
    assert exc.value.details == {"reason_translation": ["Translate the reason."]}
    assert state(r) == before
    n = svc.notice_issue(
        actor=officer, referral=r, kind="decision", reason_translation="Sin documento de viaje."
    )
    assert n.reason_translation == "Sin documento de viaje."
    assert b"No travel document" not in bytes(n.pdf)


def test_a_notice_needs_the_agreements_notice_settings(officer) -> None:
    from ikaze.agreements.models import Agreement

    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    Agreement.objects.filter(pk=r.agreement_id).update(notice_settings={})
    before = state(r)
    with pytest.raises(NoticeSettingsMissing) as exc:
        svc.notice_issue(actor=officer, referral=r, kind="transfer")
    assert (exc.value.code, exc.value.details) == (
        "notice_settings_missing",
        {"notice_settings": ["notice_settings"]},
    )
    assert state(r) == before


def test_notice_refusals_change_nothing(officer) -> None:
    r = f.vetting_referral(officer=officer)
    before = state(r)
    with pytest.raises(IllegalTransition):
        svc.notice_issue(actor=officer, referral=r, kind="transfer")
    with pytest.raises(ValidationError):
        svc.notice_issue(actor=officer, referral=r, kind="letter")
    assert state(r) == before
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    n = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    before = state(r)
    with pytest.raises(ValidationError) as exc:
        svc.notice_record_service(
            actor=officer,
            notice=n,
            served_on_person_at=clock.now(),
            proof_reference="",
            served_on_counsel_at=clock.now(),
        )
    assert set(exc.value.details) == {"proof_reference", "counsel_name"}
    assert state(r) == before


def test_evaluate_stores_each_stage(officer) -> None:
    r = f.vetting_referral(officer=officer)
    ev = svc.referral_evaluate(actor=officer, referral=r, stage="decision")
    assert ev.stage == "decision" and ev.ruleset_version == RULESET_VERSION
    assert sorted({x.rule_id for x in ev.finding_list()}) == sorted(
        ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12", "A13"]
    )
    liaison = f.liaison()
    before = state(r)
    with pytest.raises(ValidationError):
        svc.referral_evaluate(actor=officer, referral=r, stage="lunch")
    with pytest.raises(PermissionDenied):
        svc.referral_evaluate(actor=liaison, referral=r, stage="decision")
    assert state(r) == before
