"""SAFEGUARDS F1 (issue 9 item 1): a protective fact is taken away only by two officers.

Table-driven over every protective kind declared in `legal_events.PROTECTIVE`: one officer
(or a token) can neither retract it, nor supersede it, nor restate it; a request changes
nothing until a different senior officer seconds it; then the retraction is recorded, the
person re-screened, the monitor told and the file shows who did it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.accounts.actor import Actor, actor_for_token
from ikaze.core import clock
from ikaze.core.errors import (
    Conflict,
    IllegalTransition,
    PermissionDenied,
    RuleBlocked,
    ValidationError,
)
from ikaze.vetting import services as svc
from ikaze.vetting.errors import (
    FourEyes,
    NamedOfficerRequired,
    ProtectiveFactFourEyes,
    SeniorOfficerRequired,
)
from ikaze.vetting.legal_events import PROTECTIVE, EventKind, is_protective, parse_payload
from ikaze.vetting.models import FactRemoval, LegalEventRecord, MonitorNotice, Referral
from ikaze.vetting.tests.test_decisions import refusals, state
from tests import factories as f

pytestmark = pytest.mark.django_db


def _today(days: int = 0) -> str:
    return (clock.today_local() + dt.timedelta(days=days)).isoformat()


# One protective fact of every kind PROTECTIVE declares: (payload, a same-kind correction that
# weakens it). The test below fails when a kind is added to PROTECTIVE without a case here.
CASES: dict[EventKind, tuple[dict[str, Any], dict[str, Any]]] = {
    EventKind.ASYLUM_CLAIM_FILED: (
        {"claim_ref": "C-1", "authority": "USCIS"},
        {"claim_ref": "C-OTHER", "authority": "USCIS"},
    ),
    EventKind.ASYLUM_CLAIM_DECIDED: (
        {"claim_ref": "C-1", "outcome": "refused", "appealable": True},
        {"claim_ref": "C-1", "outcome": "refused", "appealable": False},
    ),
    EventKind.APPEAL_FILED: (
        {"claim_ref": "C-1", "appeal_ref": "AP-1", "forum": "BIA"},
        {"claim_ref": "C-1", "appeal_ref": "AP-OTHER", "forum": "BIA"},
    ),
    EventKind.APPEAL_DECIDED: (
        {"appeal_ref": "AP-1", "outcome": "dismissed", "final": False},
        {"appeal_ref": "AP-1", "outcome": "dismissed", "final": True},
    ),
    EventKind.COURT_STAY_GRANTED: (
        {"stay_ref": "S-1", "court": "High Court", "measure": "stay"},
        # The stay "corrected" to have ended yesterday.
        {"stay_ref": "S-1", "court": "High Court", "measure": "stay", "until": _today(-1)},
    ),
    EventKind.FEAR_EXPRESSED: (
        {
            "fear_ref": "F-1",
            "feared_country": "RW",
            "summary": "Fears onward removal.",
            "expressed_to": "officer",
            "screening_deadline": _today(7),
        },
        {
            "fear_ref": "F-1",
            "feared_country": "CD",
            "summary": "Fears onward removal.",
            "expressed_to": "officer",
            "screening_deadline": _today(7),
        },
    ),
    EventKind.FEAR_SCREENING_DONE: (
        {"fear_ref": "F-1", "outcome": "positive", "screener": "UNHCR"},
        {"fear_ref": "F-1", "outcome": "negative", "screener": "UNHCR"},
    ),
    EventKind.CONSENT_GIVEN: (
        {"scheme": "voluntary", "language": "es", "informed": False},
        {"scheme": "voluntary", "language": "es", "informed": True},
    ),
    EventKind.CONSENT_WITHDRAWN: ({"reason": "changed her mind"}, {"reason": "typo"}),
    EventKind.AGE_DISPUTE_OPENED: (
        {"reason": "Says 16."},
        {"reason": "Says 16; looks older."},
    ),
    EventKind.AGE_DISPUTE_RESOLVED: (
        {"outcome": "child", "final": True, "method": "Merton assessment"},
        {"outcome": "adult", "final": True, "method": "Merton assessment"},
    ),
    EventKind.HOUSEHOLD_MEMBERSHIP: (
        {
            "household_ref": "H-1",
            "member_ref": "spouse-not-referred",
            "relationship": "spouse",
            "member_is_child": False,
        },
        {
            "household_ref": "H-1",
            "member_ref": "spouse-not-referred",
            "relationship": "other_relative",
            "member_is_child": False,
        },
    ),
    EventKind.NATIONALITY_RECORDED: (
        {"country": "RW", "basis": "Rwandan passport"},
        {"country": "CD", "basis": "Rwandan passport"},
    ),
}


def test_the_table_covers_every_protective_kind_and_each_case_protects() -> None:
    assert set(CASES) == set(PROTECTIVE)
    for kind, (payload, _weaker) in CASES.items():
        assert is_protective(kind, parse_payload(kind, payload)), kind


def test_facts_that_do_not_protect_are_not_protective() -> None:
    granted = parse_payload(
        EventKind.ASYLUM_CLAIM_DECIDED, {"claim_ref": "C", "outcome": "granted"}
    )
    adult = parse_payload(
        EventKind.AGE_DISPUTE_RESOLVED, {"outcome": "adult", "final": True, "method": "m"}
    )
    advice = parse_payload(EventKind.LEGAL_ADVICE_GIVEN, {"provider": "P", "language": "es"})
    assert [
        is_protective(EventKind.ASYLUM_CLAIM_DECIDED, granted),
        is_protective(EventKind.AGE_DISPUTE_RESOLVED, adult),
        is_protective(EventKind.LEGAL_ADVICE_GIVEN, advice),
    ] == [False, False, False]


@pytest.fixture
def team() -> tuple[Actor, Actor, Actor]:
    officer = f.vetting_officer()
    senior = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    senior2 = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    return officer, senior, senior2


def _record(officer: Actor, r: Referral, kind: EventKind) -> LegalEventRecord:
    return f.fact(by=officer, referral=r, kind=kind.value, payload=CASES[kind][0])


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.value)
def test_one_officer_cannot_retract_supersede_or_restate_a_protective_fact(
    team: tuple[Actor, Actor, Actor], kind: EventKind
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    fact = _record(officer, r, kind)
    weaker = CASES[kind][1]
    before = state(r)
    for actor in (officer, senior):
        with pytest.raises(ProtectiveFactFourEyes) as retract:
            svc.legal_fact_record(
                actor=actor,
                referral=r,
                kind="retraction",
                payload={"reason": "wrong file"},
                effective_at=clock.today_local(),
                source_document="MEMO-1",
                supersedes=fact,
            )
        assert retract.value.code == "protective_fact_four_eyes"
        assert list(retract.value.details) == ["supersedes"]
        with pytest.raises(ProtectiveFactFourEyes):
            svc.legal_fact_record(
                actor=actor,
                referral=r,
                kind=kind.value,
                payload=weaker,
                effective_at=clock.today_local(),
                source_document="MEMO-1",
                supersedes=fact,
            )
    assert state(r) == before
    assert refusals("legal_fact.record") == 4
    assert LegalEventRecord.objects.get(pk=fact.pk).superseded_by.count() == 0


@pytest.mark.parametrize("kind", list(CASES), ids=lambda k: k.value)
def test_two_officers_retract_a_protective_fact_and_the_monitor_is_told(
    team: tuple[Actor, Actor, Actor], kind: EventKind
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    fact = _record(officer, r, kind)
    events = LegalEventRecord.objects.count()
    removal = svc.fact_removal_request(
        actor=officer,
        referral=r,
        target=fact,
        justification="Recorded on the wrong person.",
        source_document="DGIE/MEMO/1",
    )
    # Asked, not done: the fact stands and nothing was recorded on the timeline.
    assert removal.status == FactRemoval.Status.REQUESTED
    assert LegalEventRecord.objects.count() == events
    assert not MonitorNotice.objects.filter(kind=MonitorNotice.Kind.FACT_REMOVED).exists()
    removal = svc.fact_removal_second(
        actor=senior,
        fact_removal=removal,
        justification="Checked against the sending state's file.",
        source_document="US/FILE/2",
    )
    assert removal.status == FactRemoval.Status.APPROVED
    assert removal.event is not None
    assert (removal.event.kind, removal.event.supersedes_id) == ("retraction", fact.pk)
    assert removal.event.source_document == "DGIE/MEMO/1"
    assert LegalEventRecord.objects.count() == events + 1
    notice = MonitorNotice.objects.get(kind=MonitorNotice.Kind.FACT_REMOVED)
    assert (notice.fact_removal_id, notice.legal_event_id, notice.referral_id) == (
        removal.pk,
        removal.event.pk,
        r.pk,
    )
    from ikaze.vetting.labels import fact_kind_label

    day = clock.today_local().isoformat()
    summary = (
        f"{fact_kind_label(kind)} retracted on {day} by {officer.user}, seconded by {senior.user}."
    )
    assert svc.removal_summary(removal) == summary
    assert notice.message == (
        f"{summary} Reasons: Recorded on the wrong person. / "
        "Checked against the sending state's file."
    )


def test_a_correction_of_the_same_kind_takes_effect_only_on_the_second_approval(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    stay = f.court_stay(by=officer, referral=r)
    removal = svc.fact_removal_request(
        actor=officer,
        referral=r,
        target=stay,
        kind="court_stay_granted",
        payload=CASES[EventKind.COURT_STAY_GRANTED][1],
        justification="The court order says the stay ended yesterday.",
        source_document="ORDER-2",
    )
    with pytest.raises(RuleBlocked):
        svc.referral_accept(actor=officer, referral=r, reason="The stay ended.")
    svc.fact_removal_second(
        actor=senior, fact_removal=removal, justification="Read the order.", source_document="O-2"
    )
    decision = svc.referral_accept(actor=officer, referral=r, reason="The stay ended.")
    assert decision.outcome == "accepted"


def test_a_fear_retraction_blocks_until_seconded_then_the_person_can_be_accepted(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    removal = svc.fact_removal_request(
        actor=officer, referral=r, target=fear, justification="Wrong file.", source_document="M-1"
    )
    with pytest.raises(RuleBlocked) as blocked:
        svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
    assert set(blocked.value.details) == {"A8", "A10"}
    svc.fact_removal_second(
        actor=senior, fact_removal=removal, justification="Agreed.", source_document="M-2"
    )
    assert svc.referral_accept(actor=officer, referral=r, reason="Eligible.").outcome == "accepted"


def _token_actor(role: Role, org: Any) -> Actor:
    from ikaze.accounts import services as accounts

    token, _clear = accounts.api_token_issue(
        actor=f.org_admin(org), name="machine", organisation=org, role=role
    )
    return actor_for_token(token)


def test_a_token_can_neither_request_nor_second_a_removal(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, _, _ = team
    r = f.vetting_referral(officer=officer)
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    token_officer = _token_actor(Role.VETTING_OFFICER, officer.organisation)
    token_senior = _token_actor(Role.SENIOR_OFFICER, officer.organisation)
    before = state(r)
    with pytest.raises(NamedOfficerRequired):
        svc.fact_removal_request(
            actor=token_officer, referral=r, target=fear, justification="j", source_document="d"
        )
    with pytest.raises(ProtectiveFactFourEyes):
        svc.legal_fact_record(
            actor=token_officer,
            referral=r,
            kind="retraction",
            payload={"reason": "r"},
            effective_at=clock.today_local(),
            source_document="d",
            supersedes=fear,
        )
    assert state(r) == before
    removal = svc.fact_removal_request(
        actor=officer, referral=r, target=fear, justification="j", source_document="d"
    )
    before = state(r)
    with pytest.raises(SeniorOfficerRequired):
        svc.fact_removal_second(
            actor=token_senior, fact_removal=removal, justification="j", source_document="d"
        )
    assert state(r) == before
    assert FactRemoval.objects.get(pk=removal.pk).status == FactRemoval.Status.REQUESTED
    assert refusals("fact_removal.request") == 1 and refusals("fact_removal.second") == 1


def test_the_second_approval_comes_from_a_different_senior_officer(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, senior, senior2 = team
    r = f.vetting_referral(officer=officer)
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    removal = svc.fact_removal_request(
        actor=senior, referral=r, target=fear, justification="j", source_document="d"
    )
    before = state(r)
    with pytest.raises(FourEyes):
        svc.fact_removal_second(
            actor=senior, fact_removal=removal, justification="j", source_document="d"
        )
    with pytest.raises(PermissionDenied):  # a vetting officer cannot second at all
        svc.fact_removal_second(
            actor=officer, fact_removal=removal, justification="j", source_document="d"
        )
    with pytest.raises(ValidationError) as missing:
        svc.fact_removal_second(
            actor=senior2, fact_removal=removal, justification=" ", source_document=""
        )
    assert set(missing.value.details) == {"justification", "source_document"}
    assert state(r) == before
    svc.fact_removal_second(
        actor=senior2, fact_removal=removal, justification="ok", source_document="d2"
    )
    with pytest.raises(IllegalTransition):
        svc.fact_removal_second(
            actor=senior2, fact_removal=removal, justification="ok", source_document="d2"
        )


def test_a_request_needs_a_justification_and_a_source_and_one_at_a_time(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    stay = f.court_stay(by=officer, referral=r)
    before = state(r)
    with pytest.raises(ValidationError) as missing:
        svc.fact_removal_request(
            actor=officer, referral=r, target=stay, justification="", source_document=" "
        )
    assert set(missing.value.details) == {"justification", "source_document"}
    assert state(r) == before
    removal = svc.fact_removal_request(
        actor=officer, referral=r, target=stay, justification="j", source_document="d"
    )
    with pytest.raises(Conflict):
        svc.fact_removal_request(
            actor=officer, referral=r, target=stay, justification="j", source_document="d"
        )
    declined = svc.fact_removal_decline(actor=senior, fact_removal=removal, justification="No.")
    assert declined.status == FactRemoval.Status.DECLINED
    assert LegalEventRecord.objects.filter(supersedes=stay).count() == 0
    # Declined: the stay stands, and a new request may be made.
    svc.fact_removal_request(
        actor=officer, referral=r, target=stay, justification="j2", source_document="d2"
    )


def test_a_fact_supersedes_only_a_fact_of_its_own_kind(team: tuple[Actor, Actor, Actor]) -> None:
    officer, _, _ = team
    r = f.vetting_referral(officer=officer)
    advice = LegalEventRecord.objects.get(referral=r, kind="legal_advice_given")
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    before = state(r)
    for target, kind, payload in (
        (advice, "assessment_signed", None),
        (fear, "court_stay_lifted", {"stay_ref": "S-1", "court": "C"}),
    ):
        with pytest.raises(ValidationError) as other_kind:
            svc.legal_fact_record(
                actor=officer,
                referral=r,
                kind=kind,
                payload=payload or {"assessor": "x"},
                effective_at=clock.today_local(),
                source_document="d",
                supersedes=target,
            )
        assert list(other_kind.value.details) == ["supersedes"]
    with pytest.raises(ValidationError) as removal_other_kind:
        svc.fact_removal_request(
            actor=officer,
            referral=r,
            target=fear,
            kind="court_stay_lifted",
            payload={"stay_ref": "S-1", "court": "C"},
            justification="j",
            source_document="d",
        )
    assert list(removal_other_kind.value.details) == ["supersedes"]
    assert state(r) == before


def test_a_restatement_that_would_replace_a_protective_fact_is_refused(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, _, _ = team
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r)
    before = state(r)
    with pytest.raises(ProtectiveFactFourEyes):
        f.fact(
            by=officer,
            referral=r,
            kind="court_stay_granted",
            payload=CASES[EventKind.COURT_STAY_GRANTED][1],  # same ref, ended yesterday
        )
    assert state(r) == before
    # Another stay (another reference) is a new fact, recorded by one officer.
    f.fact(
        by=officer,
        referral=r,
        kind="court_stay_granted",
        payload={"stay_ref": "S-2", "court": "ECtHR", "measure": "ecthr_rule_39"},
    )


# --- the API ---------------------------------------------------------------------------------


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_api_refuses_the_one_person_path_and_runs_the_four_eyes_one(
    client_for, api_client_for
) -> None:
    base = "/api/v1/vetting"
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    stay = f.court_stay(by=officer, referral=r)
    officer_client = client_for(Role.VETTING_OFFICER)
    token_client = api_client_for(Role.VETTING_OFFICER)
    senior_client = client_for(Role.SENIOR_OFFICER)
    before = state(r)
    direct = _post(
        officer_client,
        f"{base}/referrals/{r.pk}/facts",
        {
            "kind": "retraction",
            "payload": {"reason": "wrong"},
            "effective_at": _today(),
            "source_document": "M",
            "supersedes": str(stay.pk),
        },
    )
    assert direct.status_code == 409
    assert direct.json()["error"]["code"] == "protective_fact_four_eyes"
    token = _post(
        token_client,
        f"{base}/referrals/{r.pk}/fact-removals",
        {"fact_id": str(stay.pk), "justification": "j", "source_document": "d"},
    )
    assert token.status_code == 403
    assert token.json()["error"]["code"] == "named_officer_required"
    assert state(r) == before
    asked = _post(
        officer_client,
        f"{base}/referrals/{r.pk}/fact-removals",
        {"fact_id": str(stay.pk), "justification": "Wrong person.", "source_document": "M-1"},
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["status"], body["fact_kind"], body["kind"], body["event_id"]) == (
        "requested",
        "court_stay_granted",
        "retraction",
        None,
    )
    listed = senior_client.get(f"{base}/referrals/{r.pk}/fact-removals")
    assert [x["id"] for x in listed.json()] == [body["id"]]
    seconded = _post(
        senior_client,
        f"{base}/fact-removals/{body['id']}/second",
        {"justification": "Checked.", "source_document": "US-FILE"},
    )
    assert seconded.status_code == 200, seconded.content
    assert seconded.json()["status"] == "approved"
    assert LegalEventRecord.objects.get(pk=seconded.json()["event_id"]).supersedes_id == stay.pk
    notices = senior_client.get(f"{base}/monitor-notices").json()["items"]
    assert [(n["kind"], n["fact_removal_id"]) for n in notices if n["fact_removal_id"]] == [
        ("fact_removed", body["id"])
    ]


# --- the vetting file ------------------------------------------------------------------------


def _signed_in(actor: Actor, *, two_factor: bool = False) -> Client:
    from ikaze.vetting.tests.test_vetting_pages import signed_in, signed_in_with_2fa

    return signed_in_with_2fa(actor) if two_factor else signed_in(actor)


def test_the_file_asks_seconds_and_shows_who_removed_the_fact(
    team: tuple[Actor, Actor, Actor],
) -> None:
    officer, senior, _ = team
    r = f.vetting_referral(officer=officer)
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    oc = _signed_in(officer)
    page = oc.get(f"/vetting/referrals/{r.pk}/vetting/")
    assert [v for v, _label in page.context["removal_form"].fields["fact"].choices] == [
        str(fear.pk)
    ]
    refused = oc.post(
        f"/vetting/referrals/{r.pk}/fact-removals/",
        {"fact": str(fear.pk), "justification": "", "source_document": ""},
    )
    assert refused.status_code == 400
    assert not FactRemoval.objects.exists()
    asked = oc.post(
        f"/vetting/referrals/{r.pk}/fact-removals/",
        {"fact": str(fear.pk), "justification": "Wrong file.", "source_document": "M-1"},
    )
    assert asked.status_code == 302
    removal = FactRemoval.objects.get()
    sc = _signed_in(senior, two_factor=True)
    html = sc.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert "Second: remove the fact" in html and "removal requested" in html
    answered = sc.post(
        f"/vetting/fact-removals/{removal.pk}/answer/",
        {"action": "second", "justification": "Agreed.", "source_document": "US-2"},
    )
    assert answered.status_code == 302
    html = oc.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    day = clock.today_local().isoformat()
    assert (
        f"Fear expressed retracted on {day} by {officer.user}, seconded by {senior.user}." in html
    )
    assert "retracted or corrected" in html


# --- concurrency (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_seniors_seconding_at_once_remove_the_fact_once() -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    officer = f.vetting_officer()
    seniors = [
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation) for _ in range(2)
    ]
    r = f.vetting_referral(officer=officer)
    fear = _record(officer, r, EventKind.FEAR_EXPRESSED)
    removal = svc.fact_removal_request(
        actor=officer, referral=r, target=fear, justification="j", source_document="d"
    )
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def go(i: int) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            results[i] = svc.fact_removal_second(
                actor=seniors[i], fact_removal=removal, justification=f"s{i}", source_document="d"
            )
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(v).__name__ for v in results.values()) == [
        "FactRemoval",
        "IllegalTransition",
    ]
    assert LegalEventRecord.objects.filter(supersedes=fear).count() == 1
    assert MonitorNotice.objects.filter(kind=MonitorNotice.Kind.FACT_REMOVED).count() == 1
