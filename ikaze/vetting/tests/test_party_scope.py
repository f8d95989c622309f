"""Vetting acts only on referrals under an agreement the actor's state is party to (issue 9
item 10, carried from agreements to vetting).

The demo holds agreements between two other states (US–Costa Rica, US–Peru). A Rwandan officer
may not accept under them (taking a cap place), refuse, record facts, ask or second overrides,
issue notices, close alerts or expire; nor see their referrals at all: "not yours" answers
"no such referral" (OutOfScope, a 404) and is recorded as a probe. One rule holds it
(`services._common.referral_party_require`, reached through `_receiving` and `_lock`;
`selectors.referral_party_q` for reads), the monitor still reads everything (C1).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import OutOfScope
from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.intake import services as intake
from ikaze.vetting import landing, selectors
from ikaze.vetting import services as svc
from ikaze.vetting.legal_events import EventKind
from ikaze.vetting.models import Alert, FactRemoval, Notice, Override, Referral
from ikaze.vetting.tests.test_decisions import state
from ikaze.vetting.tests.test_fact_removal import _record
from tests import factories as f

pytestmark = pytest.mark.django_db

PROBE = "probe:out_of_scope"
CODE = "US-CR-2025"


def _probes() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=PROBE)
        .order_by("seq")
        .values_list("actor_id", "target_type", "target_id")
    )


def _a12_only(officer: Actor, agreement: Agreement) -> Referral:
    """A referral whose only block is A12 (no legal advice): an override can be asked."""
    import hashlib

    r = f.vetting_referral(agreement=agreement, officer=officer, clear=False)
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


@pytest.fixture
def costa_rica() -> dict[str, Any]:
    """US–Costa Rica, worked by Costa Rica's officers: an open referral with a protective fact
    and a removal asked, a blocked one with an override asked, an accepted one with a notice
    and an open alert, an accepted one whose late service waits for a second officer."""
    cr = f.organisation(OrgKind.RECEIVING_STATE, country="CR")
    admin = f.actor(Role.ADMIN, organisation_=cr)
    officer = f.vetting_officer(organisation_=cr)
    senior = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=cr)
    agreement = f.agreement(by=admin, code=CODE, receiving_state="CR", status="in_force")

    open_ = f.vetting_referral(agreement=agreement, officer=officer)
    feared = f.vetting_referral(agreement=agreement, officer=officer)
    fear = _record(officer, feared, EventKind.FEAR_EXPRESSED)
    removal = svc.fact_removal_request(
        actor=officer,
        referral=feared,
        target=fear,
        justification="Recorded on the wrong person.",
        source_document="DGME/MEMO/1",
    )
    blocked = _a12_only(officer, agreement)
    override = svc.override_request(
        actor=senior, referral=blocked, rule_id="A12", justification="Advice given orally."
    )
    accepted = f.vetting_referral(agreement=agreement, officer=officer)
    svc.referral_accept(actor=officer, referral=accepted, reason="Eligible.")
    notice = svc.notice_issue(actor=officer, referral=accepted, kind="transfer")
    f.court_stay(by=officer, referral=accepted)
    alert = Alert.objects.get(referral=accepted)

    late = f.vetting_referral(agreement=agreement, officer=officer)
    svc.referral_accept(actor=officer, referral=late, reason="Eligible.")
    late_notice = svc.notice_issue(actor=officer, referral=late, kind="transfer")
    Notice.objects.filter(pk=late_notice.pk).update(
        issued_at=late_notice.issued_at - dt.timedelta(days=3)
    )
    late_notice.refresh_from_db()
    late_notice = svc.notice_record_service(
        actor=officer,
        notice=late_notice,
        served_on_person_at=late_notice.issued_at,
        proof_reference="R-LATE",
        served_on_counsel_at=late_notice.issued_at,
        counsel_name="Legal Aid",
    )
    assert late_notice.service_event is None  # recorded late: a second officer confirms it
    return {
        "agreement": Agreement.objects.get(pk=agreement.pk),
        "officer": officer,
        "open": Referral.objects.get(pk=open_.pk),
        "feared": Referral.objects.get(pk=feared.pk),
        "fear": fear,
        "removal": FactRemoval.objects.get(pk=removal.pk),
        "blocked": Referral.objects.get(pk=blocked.pk),
        "override": Override.objects.get(pk=override.pk),
        "accepted": Referral.objects.get(pk=accepted.pk),
        "notice": Notice.objects.get(pk=notice.pk),
        "alert": alert,
        "late_notice": Notice.objects.get(pk=late_notice.pk),
    }


@pytest.fixture
def rwanda() -> dict[str, Actor]:
    rw = f.organisation(OrgKind.RECEIVING_STATE, country="RW")
    partner = f.organisation(OrgKind.PARTNER, country="RW")
    return {
        "officer": f.vetting_officer(organisation_=rw),
        "senior": f.vetting_officer(Role.SENIOR_OFFICER, organisation_=rw),
        "caseworker": f.actor(Role.CASEWORKER, organisation_=partner),
    }


# Every vetting write, by the Rwandan actor who holds its permission, on Costa Rica's file:
# (actor, target in the world, the call).
WRITES: dict[str, tuple[str, str, Callable[[Actor, dict[str, Any]], object]]] = {
    "accept": (
        "officer",
        "open",
        lambda a, w: svc.referral_accept(actor=a, referral=w["open"], reason="Eligible."),
    ),
    "refuse": (
        "officer",
        "open",
        lambda a, w: svc.referral_refuse(
            actor=a, referral=w["open"], reason_codes=["other"], reason="Not ours."
        ),
    ),
    "start review": (
        "officer",
        "open",
        lambda a, w: svc.referral_start_review(actor=a, referral=w["open"]),
    ),
    "request information": (
        "officer",
        "open",
        lambda a, w: svc.referral_request_information(
            actor=a, referral=w["open"], reason="Send the file."
        ),
    ),
    "expire": (
        "officer",
        "open",
        lambda a, w: svc.referral_expire(actor=a, referral=w["open"], reason="Too old."),
    ),
    "evaluate": (
        "officer",
        "open",
        lambda a, w: svc.referral_evaluate(actor=a, referral=w["open"], stage="decision"),
    ),
    "record a fact": (
        "officer",
        "open",
        lambda a, w: svc.legal_fact_record(
            actor=a,
            referral=w["open"],
            kind="court_stay_lifted",
            payload={"stay_ref": "S-1", "court": "C"},
            effective_at=clock.today_local(),
            source_document="DOC-9",
        ),
    ),
    "record a fact (partner)": (
        "caseworker",
        "open",
        lambda a, w: svc.legal_fact_record(
            actor=a,
            referral=w["open"],
            kind="legal_advice_given",
            payload={"provider": "Legal Aid Rwanda", "language": "es"},
            effective_at=clock.today_local(),
            source_document="DOC-9",
        ),
    ),
    "ask to remove a fact": (
        "officer",
        "feared",
        lambda a, w: svc.fact_removal_request(
            actor=a,
            referral=w["feared"],
            target=w["fear"],
            justification="Wrong person.",
            source_document="MEMO",
        ),
    ),
    "second a removal": (
        "senior",
        "feared",
        lambda a, w: svc.fact_removal_second(
            actor=a, fact_removal=w["removal"], justification="Checked.", source_document="M"
        ),
    ),
    "decline a removal": (
        "senior",
        "feared",
        lambda a, w: svc.fact_removal_decline(
            actor=a, fact_removal=w["removal"], justification="No."
        ),
    ),
    "ask an override": (
        "senior",
        "blocked",
        lambda a, w: svc.override_request(
            actor=a, referral=w["blocked"], rule_id="A12", justification="Oral advice."
        ),
    ),
    "second an override": (
        "senior",
        "blocked",
        lambda a, w: svc.override_second(actor=a, override=w["override"], justification="Yes."),
    ),
    "decline an override": (
        "senior",
        "blocked",
        lambda a, w: svc.override_decline(actor=a, override=w["override"], justification="No."),
    ),
    "issue a notice": (
        "officer",
        "accepted",
        lambda a, w: svc.notice_issue(actor=a, referral=w["accepted"], kind="transfer"),
    ),
    "record service": (
        "officer",
        "accepted",
        lambda a, w: svc.notice_record_service(
            actor=a,
            notice=w["notice"],
            served_on_person_at=w["notice"].issued_at,
            proof_reference="R-1",
            served_on_counsel_at=w["notice"].issued_at,
            counsel_name="Legal Aid",
        ),
    ),
    "confirm late service": (
        "senior",
        "late",
        lambda a, w: svc.notice_confirm_service(
            actor=a, notice=w["late_notice"], justification="Saw the receipt."
        ),
    ),
    "close an alert": (
        "officer",
        "accepted",
        lambda a, w: svc.alert_resolve(actor=a, alert=w["alert"], resolution="Not ours."),
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_every_vetting_write_refuses_an_officer_of_a_state_not_party(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor], name: str
) -> None:
    who, target, call = WRITES[name]
    actor = rwanda[who]
    referral_id = (
        costa_rica["late_notice"].referral_id if target == "late" else costa_rica[target].pk
    )
    before = state(Referral.objects.get(pk=referral_id))
    probes = _probes()

    with pytest.raises(OutOfScope) as exc:
        call(actor, costa_rica)

    # Typed, and answered as the selectors answer: no such referral (404), never a leak.
    assert (exc.value.code, exc.value.status) == ("not_found", 404)
    assert exc.value.message == "No such referral."
    assert (exc.value.target_type, exc.value.target_id) == ("referral", str(referral_id))
    # Nothing changed: no row, no audit event but the probe, no place taken.
    assert state(Referral.objects.get(pk=referral_id)) == before
    assert Agreement.objects.get(pk=costa_rica["agreement"].pk).places_used == 2
    # The attempt is on record, once, as a probe by this actor of this referral.
    assert _probes() == [*probes, (str(actor.user.pk), "referral", str(referral_id))]
    event = AuditEvent.objects.filter(action=PROBE).order_by("-seq").first()
    assert event is not None and event.kind == AuditEvent.Kind.SECURITY
    assert event.organisation_id == str(actor.organisation_id)


def test_the_states_own_officers_still_act_on_their_agreement(
    costa_rica: dict[str, Any],
) -> None:
    # The rule keeps out the other states, not the parties: Costa Rica's officer accepts.
    officer = costa_rica["officer"]
    svc.referral_accept(actor=officer, referral=costa_rica["open"], reason="Eligible.")
    assert Referral.objects.get(pk=costa_rica["open"].pk).status == "accepted"
    assert Agreement.objects.get(pk=costa_rica["agreement"].pk).places_used == 3
    assert _probes() == []


def test_a_rescreen_keeps_to_the_agreements_of_the_officers_state(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor]
) -> None:
    officer = rwanda["officer"]
    before = state()
    with pytest.raises(OutOfScope) as exc:
        svc.referrals_rescreen(actor=officer, agreement_code=CODE, every=True)
    assert (exc.value.code, exc.value.target_type) == ("not_found", "agreement")
    assert state() == before
    assert _probes() == [(str(officer.user.pk), "agreement", str(costa_rica["agreement"].pk))]
    # Without a code: every referral of Rwanda's agreements, none of Costa Rica's.
    ours = f.vetting_referral(officer=officer)
    summary = svc.referrals_rescreen(actor=officer, every=True)
    assert (summary["open_evaluated"], summary["accepted_evaluated"]) == (1, 0)
    assert selectors.rescreen_pending_count(actor=officer) == 0
    assert ours.agreement.receiving_state == "RW"


def test_an_officers_expiry_run_leaves_other_states_acceptances(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor]
) -> None:
    later = clock.now() + dt.timedelta(days=400)
    result = svc.acceptances_expire(actor=rwanda["officer"], now=later)
    assert result == {"expired": 0, "places_released": 0, "failed": 0}
    assert Referral.objects.get(pk=costa_rica["accepted"].pk).status == "accepted"
    assert Agreement.objects.get(pk=costa_rica["agreement"].pk).places_used == 2
    # The scheduled job (no person) still expires every state's acceptances.
    result = svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY, now=later)
    assert result == {"expired": 2, "places_released": 2, "failed": 0}


# --- reads ---------------------------------------------------------------------------------


def test_an_officer_sees_only_the_referrals_of_its_states_agreements(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor]
) -> None:
    officer, senior = rwanda["officer"], rwanda["senior"]
    ours = f.vetting_referral(officer=officer)
    w = costa_rica
    assert list(selectors.referral_list_for(actor=officer)) == [ours]
    assert list(selectors.referral_queue_for(actor=officer)) == [ours]
    assert list(selectors.alert_list_for(actor=officer)) == []
    assert list(selectors.override_list_for(actor=senior)) == []
    assert list(selectors.monitor_notice_list_for(actor=officer)) == []
    lookups: list[tuple[Callable[[], object], str, object]] = [
        (
            lambda: selectors.referral_get_for(actor=officer, referral_id=w["open"].pk),
            "referral",
            w["open"].pk,
        ),
        (
            lambda: selectors.referral_vetting_get_for(actor=officer, referral_id=w["open"].pk),
            "referral",
            w["open"].pk,
        ),
        (
            lambda: selectors.alert_get_for(actor=officer, alert_id=w["alert"].pk),
            "alert",
            w["alert"].pk,
        ),
        (
            lambda: selectors.override_get_for(actor=senior, override_id=w["override"].pk),
            "override",
            w["override"].pk,
        ),
        (
            lambda: selectors.notice_get_for(actor=officer, notice_id=w["notice"].pk),
            "notice",
            w["notice"].pk,
        ),
        (
            lambda: selectors.fact_get_for(actor=officer, fact_id=w["fear"].pk),
            "legal_fact",
            w["fear"].pk,
        ),
        (
            lambda: selectors.fact_removal_get_for(actor=senior, fact_removal_id=w["removal"].pk),
            "fact_removal",
            w["removal"].pk,
        ),
    ]
    for lookup, target_type, target_id in lookups:
        with pytest.raises(OutOfScope) as exc:
            lookup()
        assert (exc.value.code, exc.value.target_type, exc.value.target_id) == (
            "not_found",
            target_type,
            str(target_id),
        )
    # The landing page counts what the officer can open: its own referral, no other alert.
    assert landing.queue_waiting(officer) == "1 referral waiting for a decision"
    assert landing.overrides_waiting(senior) == ""


def test_the_monitor_still_reads_every_agreements_file(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor]
) -> None:
    monitor = f.actor(Role.MONITOR)
    ours = f.vetting_referral(officer=rwanda["officer"])
    w = costa_rica
    seen = {r.pk for r in selectors.referral_list_for(actor=monitor)}
    assert seen == {
        ours.pk,
        w["open"].pk,
        w["feared"].pk,
        w["blocked"].pk,
        w["accepted"].pk,
        w["late_notice"].referral_id,
    }
    assert selectors.referral_get_for(actor=monitor, referral_id=w["open"].pk) == w["open"]
    assert [a.pk for a in selectors.alert_list_for(actor=monitor)] == [w["alert"].pk]
    assert selectors.override_get_for(actor=monitor, override_id=w["override"].pk) == w["override"]
    assert selectors.fact_get_for(actor=monitor, fact_id=w["fear"].pk) == w["fear"]
    assert _probes() == []
    # And the monitor reads, it does not act (not a party on either side).
    with pytest.raises(Exception):  # noqa: B017 - refused by permission before the party rule
        svc.referral_accept(actor=monitor, referral=w["open"], reason="x")


def _signed_in(actor: Actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    device = f.totp_device(actor.user)
    session = c.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return c


def test_through_the_api_another_states_referral_is_a_recorded_404(
    costa_rica: dict[str, Any], rwanda: dict[str, Actor]
) -> None:
    officer = rwanda["officer"]
    referral = costa_rica["open"]
    c = _signed_in(officer)
    before = state(referral)
    got = c.get(f"/api/v1/vetting/referrals/{referral.pk}/facts")
    accepted = c.post(
        f"/api/v1/vetting/referrals/{referral.pk}/accept",
        data=json.dumps({"reason": "Eligible."}),
        content_type="application/json",
    )
    assert (got.status_code, accepted.status_code) == (404, 404)
    assert accepted.json()["error"]["code"] == "not_found"
    assert state(referral) == before
    assert _probes() == [(str(officer.user.pk), "referral", str(referral.pk))] * 2


# --- the sending side ----------------------------------------------------------------------


def test_a_sending_state_refers_only_under_agreements_it_is_the_sending_party_of(
    costa_rica: dict[str, Any],
) -> None:
    mexico = f.liaison(country="MX")
    us = f.liaison(country="US")
    agreement = costa_rica["agreement"]
    person = f.person(by=mexico)
    other_us = f.liaison(country="US")
    before = state()
    for call in (
        lambda: svc.referral_create(actor=mexico, agreement=agreement, person=person),
        lambda: svc.referral_refer_person(
            actor=mexico, agreement=agreement, data=f.person_in(external_reference="MX-2")
        ),
        lambda: svc.referrals_submit_bulk(
            actor=mexico,
            agreement=agreement,
            items=[svc.BulkReferralIn(person.pk, "MX-3")],
            intake_batch_id=uuid.uuid4(),
        ),
        lambda: intake.intake_batch_create(
            actor=mexico, agreement=agreement, file_name="m.csv", content=b"x", enqueue=False
        ),
    ):
        with pytest.raises(OutOfScope) as exc:
            call()
        assert (exc.value.code, exc.value.target_type, exc.value.target_id) == (
            "not_found",
            "agreement",
            str(agreement.pk),
        )
    assert state() == before
    # Another organisation (even of the sending state) neither submits nor withdraws the
    # referral of the one that made it.
    referral = costa_rica["open"]
    for call in (
        lambda: svc.referral_submit(actor=other_us, referral=referral),
        lambda: svc.referral_withdraw(actor=other_us, referral=referral, reason="Not mine."),
    ):
        with pytest.raises(OutOfScope) as exc:
            call()
        assert (exc.value.target_type, exc.value.target_id) == ("referral", str(referral.pk))
    assert state() == before
    # The sending party itself refers (the United States, under US–Costa Rica).
    r = svc.referral_create(actor=us, agreement=agreement, person=f.person(by=us))
    assert r.status == "draft"


def test_through_the_api_a_referral_under_another_pair_of_states_is_a_recorded_404(
    costa_rica: dict[str, Any],
) -> None:
    mexico = f.liaison(country="MX")
    c = Client()
    c.force_login(mexico.user)
    before = state()
    answer = c.post(
        "/api/v1/vetting/referrals",
        data=json.dumps(
            {
                "agreement": CODE,
                "person_reference": "MX-1",
                "given_names": "Ana",
                "first_surname": "López",
                "sex": "F",
                "date_of_birth": "1990-01-01",
                "nationalities": ["VE"],
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert state() == before
    assert _probes() == [(str(mexico.user.pk), "agreement", str(costa_rica["agreement"].pk))]
