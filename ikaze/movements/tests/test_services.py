"""Movements: propose, manifest refusals, lock with re-screening, departure, arrival."""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import IllegalTransition, ValidationError
from ikaze.movements import errors, services
from ikaze.movements.models import Incident, ManifestEntry
from ikaze.movements.tests.conftest import accepted, departure_day, propose, refusals, state
from ikaze.people.selectors import person_names as people_names
from ikaze.people.services import household_add_member
from ikaze.vetting.models import Alert, MonitorNotice
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_propose_records_the_movement(world) -> None:
    m = propose(world)
    assert (m.status, m.origin, m.destination, m.seats, m.flight_number) == (
        "proposed",
        "IAD",
        "KGL",
        10,
        "WB711",
    )
    assert m.proposed_by == world.liaison.organisation
    assert AuditEvent.objects.filter(action="movement.propose", target_id=str(m.pk)).count() == 1


def test_propose_refuses_bad_codes_and_changes_nothing(world) -> None:
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.movement_propose(
            actor=world.liaison,
            agreement=world.agreement,
            departure_date=clock.today_local(),
            carrier="RwandAir",
            flight_number="711",
            origin="IA",
            destination="KGL",
            seats=0,
        )
    assert sorted(exc.value.details) == ["flight_number", "origin", "seats"]
    assert state() == before
    assert refusals("movement.propose") == 1


def test_manifest_add_puts_accepted_people_on(world) -> None:
    m = propose(world)
    r1, r2 = accepted(world), accepted(world)
    entries = services.manifest_add(actor=world.liaison, movement=m, referral_ids=[r1.pk, r2.pk])
    assert [e.person_id for e in entries] == [r1.person_id, r2.person_id]
    assert ManifestEntry.objects.filter(movement=m, removed_at__isnull=True).count() == 2


def _refused(world, m, ids, cls, action="manifest.add"):
    before = state()
    with pytest.raises(cls) as exc:
        services.manifest_add(actor=world.liaison, movement=m, referral_ids=ids)
    assert state() == before
    assert refusals(action) == 1
    return exc.value


def test_manifest_refuses_a_referral_not_accepted(world) -> None:
    m = propose(world)
    r = f.vetting_referral(agreement=world.agreement, officer=world.officer)
    err = _refused(world, m, [r.pk], errors.NotAccepted)
    assert err.code == "not_accepted" and list(err.details) == [str(r.pk)]


def test_manifest_refuses_a_blocked_person(world) -> None:
    m = propose(world)
    r = accepted(world)
    f.fact(
        by=world.officer,
        referral=r,
        kind="asylum_claim_filed",
        payload={"claim_ref": "C-1", "authority": "USCIS"},
    )
    err = _refused(world, m, [r.pk], errors.PersonBlocked)
    assert err.code == "person_blocked"


def test_manifest_refuses_an_expired_acceptance(world) -> None:
    m = propose(world)
    r = accepted(world)
    with clock.frozen(clock.now() + dt.timedelta(days=91)):
        err = _refused(world, m, [r.pk], errors.AcceptanceExpired)
    assert err.code == "acceptance_expired"


def test_manifest_refuses_a_duplicate(world) -> None:
    m = propose(world)
    r = accepted(world)
    err = _refused(world, m, [r.pk, r.pk], errors.DuplicatePerson)
    assert err.details == {"referrals": [str(r.pk)]}


def test_manifest_refuses_someone_already_manifested(world) -> None:
    m1, m2 = propose(world), propose(world)
    r = accepted(world)
    services.manifest_add(actor=world.liaison, movement=m1, referral_ids=[r.pk])
    err = _refused(world, m2, [r.pk], errors.AlreadyManifested)
    assert err.details == {"people": [str(r.person_id)]}


def test_manifest_refuses_a_household_split(world) -> None:
    m = propose(world)
    head, child = accepted(world), accepted(world, given_names="Ana")
    for r, role in ((head, "head"), (child, "child")):
        household_add_member(actor=world.liaison, reference="H-1", person=r.person, role=role)
    err = _refused(world, m, [head.pk], errors.HouseholdSplit)
    assert err.code == "household_split"
    entries = services.manifest_add(
        actor=world.liaison, movement=m, referral_ids=[head.pk, child.pk]
    )
    assert len({e.household_id for e in entries}) == 1 and entries[0].household_id is not None


def test_a_household_splits_only_under_a_best_interests_determination_with_consent(world) -> None:
    """SAFEGUARDS A7: the refusal says what is needed; once recorded for the one who travels
    (naming who stays, consent given), the split is allowed and the monitor told."""
    from ikaze.vetting.models import MonitorNotice

    m = propose(world)
    head, child = accepted(world, given_names="Jon"), accepted(world, given_names="Ana")
    for r, role in ((head, "head"), (child, "child")):
        household_add_member(actor=world.liaison, reference="H-2", person=r.person, role=role)
    err = _refused(world, m, [head.pk], errors.HouseholdSplit)
    assert "best-interests determination" in err.message and "Ana" in err.message
    assert err.details["best_interests_needed_for"] == [
        people_names(ids=[head.person_id])[str(head.person_id)]
    ]
    bid = {
        "determined_by": "UNHCR BID panel",
        "outcome": "split_in_best_interests",
        "separated_members": [str(child.person_id)],
        "consent_recorded": False,
    }
    f.fact(by=world.officer, referral=head, kind="best_interests_determination", payload=bid)
    with pytest.raises(errors.HouseholdSplit):  # no consent yet
        services.manifest_add(actor=world.liaison, movement=m, referral_ids=[head.pk])
    assert refusals("manifest.add") == 2
    f.fact(
        by=world.officer,
        referral=head,
        kind="best_interests_determination",
        payload={**bid, "consent_recorded": True, "consent_by": "Jon (father)"},
    )
    notices = MonitorNotice.objects.filter(kind="household_split").count()
    (entry,) = services.manifest_add(actor=world.liaison, movement=m, referral_ids=[head.pk])
    assert entry.person_id == head.person_id
    told = MonitorNotice.objects.filter(kind="household_split")
    assert told.count() == notices + 1 and "Ana" in told.first().message


def test_manifest_refuses_more_people_than_seats(world) -> None:
    m = propose(world, seats=1)
    r1, r2 = accepted(world), accepted(world)
    err = _refused(world, m, [r1.pk, r2.pk], errors.SeatsExceeded)
    assert err.code == "seats_exceeded"


def test_lock_rescreens_and_takes_off_the_newly_blocked(world) -> None:
    m = propose(world)
    ok, bad = accepted(world), accepted(world)
    services.manifest_add(actor=world.liaison, movement=m, referral_ids=[ok.pk, bad.pk])
    f.court_stay(by=world.officer, referral=bad)
    notices = MonitorNotice.objects.count()
    removed = services.manifest_lock(actor=world.senior, movement=m)
    m.refresh_from_db()
    assert m.status == "locked" and m.locked_by_label == world.senior.label
    assert [e.person_id for e in removed] == [bad.person_id]
    assert removed[0].removed_reason.startswith("A8: ")
    assert Alert.objects.filter(referral=bad, rule_ids=["A8"]).count() == 2
    assert MonitorNotice.objects.count() == notices + 1
    on = ManifestEntry.objects.filter(movement=m, removed_at__isnull=True)
    assert [e.person_id for e in on] == [ok.person_id]


def test_lock_needs_a_senior_officer_and_a_proposed_movement(world) -> None:
    m = propose(world)
    services.manifest_add(actor=world.liaison, movement=m, referral_ids=[accepted(world).pk])
    from ikaze.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.manifest_lock(actor=world.officer, movement=m)
    services.manifest_lock(actor=world.senior, movement=m)
    before = state()
    with pytest.raises(IllegalTransition):
        services.manifest_lock(actor=world.senior, movement=m)
    assert state() == before
    assert refusals("manifest.lock") == 1


def _departed(world, outcomes):
    m = propose(world)
    rs = [accepted(world) for _ in outcomes]
    entries = services.manifest_add(
        actor=world.liaison, movement=m, referral_ids=[r.pk for r in rs]
    )
    services.manifest_lock(actor=world.senior, movement=m)
    boarding = {
        str(e.pk): (o, "Refused to board" if o != "boarded" else "")
        for e, o in zip(entries, outcomes, strict=True)
    }
    with departure_day():
        services.movement_depart(actor=world.senior, movement=m, boarding=boarding)
    m.refresh_from_db()
    return m, entries


def test_departing_an_unlocked_manifest_is_refused(world) -> None:
    m = propose(world)
    e = services.manifest_add(actor=world.liaison, movement=m, referral_ids=[accepted(world).pk])
    before = state()
    with pytest.raises(IllegalTransition):
        services.movement_depart(
            actor=world.senior, movement=m, boarding={str(e[0].pk): ("boarded", "")}
        )
    assert state() == before
    assert refusals("movement.depart") == 1


def test_departure_records_boarding_and_opens_incidents(world) -> None:
    m, entries = _departed(world, ["boarded", "no_show", "removed_at_gate"])
    assert m.status == "departed"
    assert [ManifestEntry.objects.get(pk=e.pk).boarding for e in entries] == [
        "boarded",
        "no_show",
        "removed_at_gate",
    ]
    assert sorted(Incident.objects.filter(movement=m).values_list("kind", flat=True)) == [
        "no_show",
        "removed_at_gate",
    ]


def test_departure_removes_someone_blocked_since_the_lock(world) -> None:
    m = propose(world)
    r = accepted(world)
    (e,) = services.manifest_add(actor=world.liaison, movement=m, referral_ids=[r.pk])
    services.manifest_lock(actor=world.senior, movement=m)
    f.court_stay(by=world.officer, referral=r)
    with departure_day():
        services.movement_depart(
            actor=world.senior, movement=m, boarding={str(e.pk): ("boarded", "")}
        )
    e.refresh_from_db()
    assert e.boarding == "removed_at_gate" and e.boarding_reason.startswith("A8: ")


def test_arrival_consumes_the_cap_and_reconciles(world) -> None:
    from ikaze.movements import selectors

    m, entries = _departed(world, ["boarded", "boarded", "no_show"])
    before = Agreement.objects.get(pk=world.agreement.pk)
    with departure_day():
        services.movement_arrive(actor=world.reception, movement=m, arrived=[str(entries[0].pk)])
    after = Agreement.objects.get(pk=world.agreement.pk)
    assert (after.places_used, after.places_arrived) == (before.places_used, 1)
    m.refresh_from_db()
    with departure_day():
        rec = selectors.movement_reconciliation(movement=m)
    assert (rec.manifest, rec.boarded, rec.arrived, rec.checked_in, rec.awaiting_check_in) == (
        3,
        2,
        1,
        0,
        1,
    )
    assert rec.balanced
    kinds = sorted(Incident.objects.filter(movement=m).values_list("kind", flat=True))
    assert kinds == ["no_show", "not_arrived"]


def test_arriving_someone_who_did_not_board_is_refused(world) -> None:
    m, entries = _departed(world, ["boarded", "no_show"])
    before = state()
    with pytest.raises(errors.NotBoarded) as exc:
        services.movement_arrive(actor=world.reception, movement=m, arrived=[str(entries[1].pk)])
    assert exc.value.details == {"arrived": [str(entries[1].pk)]}
    assert state() == before
    assert refusals("movement.arrive") == 1


def test_check_in_after_24_hours_is_a_late_incident(world) -> None:
    m, entries = _departed(world, ["boarded"])
    with departure_day():
        services.movement_arrive(actor=world.reception, movement=m, arrived=[str(entries[0].pk)])
    late = clock.now() + dt.timedelta(days=15, hours=25)
    services.manifest_entry_check_in(actor=world.reception, person_id=entries[0].person_id, at=late)
    assert list(Incident.objects.filter(movement=m).values_list("kind", flat=True)) == [
        "late_check_in"
    ]


def test_incident_explained_once(world) -> None:
    m, _entries = _departed(world, ["no_show"])
    inc = Incident.objects.get(movement=m)
    services.incident_explain(actor=world.reception, incident=inc, explanation="Hospitalised.")
    inc.refresh_from_db()
    assert (inc.is_open, inc.explanation) == (False, "Hospitalised.")
    before = state()
    with pytest.raises(IllegalTransition):
        services.incident_explain(actor=world.reception, incident=inc, explanation="Again.")
    assert state() == before


def test_refresh_opens_the_incident_of_someone_not_housed_within_24_hours(world) -> None:
    m, entries = _departed(world, ["boarded"])
    with departure_day():
        services.movement_arrive(actor=world.reception, movement=m, arrived=[str(entries[0].pk)])
    with clock.frozen(clock.now() + dt.timedelta(days=15, hours=23)):
        assert services.movement_incidents_refresh(actor=world.reception, movement=m) == []
    with clock.frozen(clock.now() + dt.timedelta(days=15, hours=25)):
        (incident,) = services.movement_incidents_refresh(actor=world.reception, movement=m)
    assert (incident.kind, incident.entry_id) == ("late_check_in", entries[0].pk)


def test_an_acceptance_used_by_boarding_does_not_expire_before_arrival(world) -> None:
    """SAFEGUARDS A5 / ADR 0021: boarding uses the acceptance; the expiry job, run after its
    term while the person is in the air, expires the no-show's acceptance only, and the
    boarded person's arrival still consumes a place."""
    from ikaze.vetting import services as vetting
    from ikaze.vetting.models import Decision, Referral

    m, entries = _departed(world, ["boarded", "no_show"])
    boarded, no_show = entries
    used = Decision.objects.filter(outcome="accepted", used_at__isnull=False)
    assert list(used.values_list("referral_id", flat=True)) == [boarded.referral_id]
    with clock.frozen(clock.now() + dt.timedelta(days=400)):
        result = vetting.acceptances_expire(actor=world.officer)
        statuses = dict(
            Referral.objects.filter(pk__in=[boarded.referral_id, no_show.referral_id]).values_list(
                "pk", "status"
            )
        )
        services.movement_arrive(actor=world.reception, movement=m, arrived=[str(boarded.pk)])
    assert result == {"expired": 1, "places_released": 1, "failed": 0}
    assert statuses == {boarded.referral_id: "accepted", no_show.referral_id: "expired"}
    after = Agreement.objects.get(pk=world.agreement.pk)
    assert (after.places_used, after.places_arrived) == (1, 1)
    assert AuditEvent.objects.filter(action="referral.acceptance_use").count() == 1


def test_both_sides_are_told_of_a_removal_at_lock_and_at_the_gate(world) -> None:
    """Issue 13: the sending liaison reads it on the referral's thread; the monitor has the
    alert (and reads the thread too)."""
    from ikaze.vetting import selectors as vetting_selectors
    from ikaze.vetting.models import ReferralMessage
    from tests import support

    m = propose(world)
    ok, at_lock, at_gate = accepted(world), accepted(world), accepted(world)
    entries = services.manifest_add(
        actor=world.liaison, movement=m, referral_ids=[ok.pk, at_lock.pk, at_gate.pk]
    )
    f.court_stay(by=world.officer, referral=at_lock)
    notices = MonitorNotice.objects.count()
    services.manifest_lock(actor=world.senior, movement=m)
    assert MonitorNotice.objects.count() == notices + 1
    (told,) = vetting_selectors.referral_thread_for(actor=world.liaison, referral=at_lock)
    assert told.kind == ReferralMessage.Kind.MOVEMENT
    assert "WB711" in told.body and "locked" in told.body and "A8" in told.body
    with departure_day():
        services.movement_depart(
            actor=world.senior,
            movement=m,
            boarding={
                str(entries[0].pk): ("boarded", ""),
                str(entries[2].pk): ("removed_at_gate", "Refused to board without his son."),
            },
        )
    (gate,) = vetting_selectors.referral_thread_for(actor=world.liaison, referral=at_gate)
    assert "at the gate" in gate.body and "without his son" in gate.body
    assert vetting_selectors.referral_thread_for(actor=world.liaison, referral=ok) == []
    assert len(vetting_selectors.referral_thread_for(actor=world.monitor, referral=at_gate)) == 1
    from ikaze.accounts.models import Membership

    referring = Membership.objects.filter(organisation=at_gate.referring_organisation).first()
    page = support.session_client(referring.user).get(f"/vetting/referrals/{at_gate.pk}/")
    assert page.status_code == 200 and "Movement notice from" in page.content.decode()
