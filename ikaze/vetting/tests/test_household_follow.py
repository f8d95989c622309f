"""Decisions follow the household (issue 9 item 4, SAFEGUARDS F4): a change to one member that
another member's finding depends on evaluates the others again in the same transaction."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import IkazeError, ValidationError
from ikaze.people.services import household_add_member, person_update
from ikaze.vetting import services as svc
from ikaze.vetting.models import Alert, Evaluation, MonitorNotice, Referral
from ikaze.vetting.tests.test_decisions import state
from tests import factories as f

pytestmark = pytest.mark.django_db

ADULT = dt.date(1985, 1, 1)


def _years_ago(years: int) -> dt.date:
    today = clock.today_local()
    return today.replace(year=today.year - years)


def family(*members: tuple[str, dt.date], agreement=None, officer=None):
    """Referrals of one household (role, date of birth), submitted, with the facts for acceptance."""
    ag = agreement or f.agreement_in_force()
    officer = officer or f.vetting_officer()
    sender = f.liaison(country=ag.sending_state)
    ref = f"H-{Referral.objects.count()}"
    out = []
    for role, born in members:
        r = f.referral(by=sender, agreement=ag, date_of_birth=born)
        household_add_member(actor=sender, reference=ref, person=r.person, role=role)
        f.clear_facts(by=officer, referral=r)
        out.append(r)
    return sender, officer, out


def _alert_rules(r: Referral) -> list[list[str]]:
    return [a.rule_ids for a in Alert.objects.filter(referral=r, resolved_at__isnull=True)]


def test_a_child_accepted_with_the_parent_open_is_alerted_when_the_parent_is_withdrawn() -> None:
    sender, officer, (parent, child) = family(("head", ADULT), ("child", _years_ago(9)))
    svc.referral_accept(actor=officer, referral=child, reason="With the parent.")
    assert not Alert.objects.exists()
    runs = AuditEvent.objects.filter(action="household.reevaluate").count()

    svc.referral_withdraw(actor=sender, referral=parent, reason="The parent stays.")

    # In the same transaction: the child is blocked (A1 unaccompanied, A7 split), the monitor told.
    (alert,) = Alert.objects.filter(referral=child)
    assert alert.rule_ids == ["A1", "A7"]
    assert alert.resolved_at is None
    assert alert.reason == "A change in the household now blocks this person (A1, A7)."
    notice = MonitorNotice.objects.get(alert=alert)
    assert notice.kind == "alert_raised"
    assert Referral.objects.get(pk=child.pk).status == "accepted"  # nobody is decided here
    raise_event = AuditEvent.objects.get(action="alert.raise", target_id=str(child.pk))
    assert raise_event.after["cause"] == "household"
    assert raise_event.after["referral"] == str(parent.pk)
    assert raise_event.after["status"] == "withdrawn"
    assert AuditEvent.objects.filter(action="household.reevaluate").count() == runs + 1


def test_a_spouse_accepted_is_alerted_when_the_partner_is_refused() -> None:
    _sender, officer, (partner, spouse) = family(("head", ADULT), ("spouse", ADULT))
    svc.referral_accept(actor=officer, referral=spouse, reason="Eligible.")

    svc.referral_refuse(actor=officer, referral=partner, reason_codes=["not_eligible"])

    assert _alert_rules(spouse) == [["A7"]]
    assert MonitorNotice.objects.filter(referral=spouse, kind="alert_raised").count() == 1


def test_an_open_member_is_evaluated_again_when_another_leaves() -> None:
    sender, _officer, (head, spouse) = family(("head", ADULT), ("spouse", ADULT))
    before = Evaluation.objects.filter(referral=spouse).count()

    svc.referral_withdraw(actor=sender, referral=head, reason="Stays.")

    latest = Evaluation.objects.filter(referral=spouse).order_by("-evaluated_at", "-created_at")
    assert latest.count() == before + 1
    ev = latest.first()
    assert ev is not None and ev.stage == "referral" and ev.blocked
    assert {x.rule_id for x in ev.findings.filter(outcome="block")} == {"A7"}
    assert not Alert.objects.exists()  # an open referral is not an acceptance


def test_a_partner_whose_acceptance_expires_leaves_the_move() -> None:
    ag = f.agreement(status="in_force", acceptance_valid_days=10)
    _sender, officer, (head, spouse) = family(("head", ADULT), ("spouse", ADULT), agreement=ag)
    start = clock.now()
    with clock.frozen(start):
        svc.referral_accept(actor=officer, referral=head, reason="Eligible.")
    with clock.frozen(start + dt.timedelta(days=5)):
        svc.referral_accept(actor=officer, referral=spouse, reason="Eligible.")
    with clock.frozen(start + dt.timedelta(days=11)):
        summary = svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY)
        assert summary["expired"] == 1
        assert Referral.objects.get(pk=head.pk).status == "expired"
        assert _alert_rules(spouse) == [["A7"]]


def test_a_member_added_to_the_household_of_an_accepted_person_raises_an_alert() -> None:
    sender, officer, (head,) = family(("head", ADULT))
    svc.referral_accept(actor=officer, referral=head, reason="Alone.")
    cousin = f.person(by=sender)  # not referred: does not travel

    household_add_member(
        actor=sender,
        reference=head.person.memberships.get().household.reference,
        person=cousin,
        role="other_adult",
    )

    assert _alert_rules(head) == [["A7"]]


def test_a_new_member_referred_in_one_step_raises_nothing() -> None:
    # referral_refer_person refers the person before they join: the others see them on the move.
    sender, officer, (head,) = family(("head", ADULT))
    svc.referral_accept(actor=officer, referral=head, reason="Eligible.")
    svc.referral_refer_person(
        actor=sender,
        agreement=head.agreement,
        data=f.person_in(),
        household=svc.HouseholdIn(
            reference=head.person.memberships.get().household.reference, role="spouse"
        ),
    )
    assert not Alert.objects.exists()


def test_correcting_a_parents_date_of_birth_to_a_minor_alerts_the_accepted_child() -> None:
    sender, officer, (parent, child) = family(("head", ADULT), ("child", _years_ago(9)))
    svc.referral_accept(actor=officer, referral=parent, reason="Eligible.")
    svc.referral_accept(actor=officer, referral=child, reason="With the parent.")

    person_update(actor=sender, person=parent.person, changes={"date_of_birth": _years_ago(16)})

    # The child has no adult travelling with them (A1, A7); the "parent" is an unaccompanied
    # child now (A1, A7): both accepted people are alerted.
    assert _alert_rules(child) == [["A1", "A7"]]
    assert _alert_rules(parent) == [["A1", "A7"]]


def test_correcting_an_accepted_persons_nationality_to_the_receiving_state_alerts() -> None:
    sender, officer, (alone,) = family(("head", ADULT))
    svc.referral_accept(actor=officer, referral=alone, reason="Eligible.")

    person_update(actor=sender, person=alone.person, changes={"nationalities": ["HN", "RW"]})

    assert _alert_rules(alone) == [["A2"]]


def test_a_second_change_names_the_same_rules_and_raises_no_second_alert() -> None:
    sender, officer, (head, spouse, other) = family(
        ("head", ADULT), ("spouse", ADULT), ("other_adult", ADULT)
    )
    svc.referral_accept(actor=officer, referral=head, reason="Eligible.")
    svc.referral_withdraw(actor=sender, referral=spouse, reason="Stays.")
    svc.referral_withdraw(actor=sender, referral=other, reason="Stays.")
    assert _alert_rules(head) == [["A7"]]


def test_a_refused_withdrawal_changes_nothing() -> None:
    sender, officer, (parent, child) = family(("head", ADULT), ("child", _years_ago(9)))
    svc.referral_accept(actor=officer, referral=child, reason="With the parent.")
    before = state(parent), state(child)
    with pytest.raises(ValidationError):
        svc.referral_withdraw(actor=sender, referral=parent, reason="  ")
    assert (state(parent), state(child)) == before
    assert not Alert.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_withdrawn_at_once_leave_the_third_alerted() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    sender, officer, (head, spouse, child) = family(
        ("head", ADULT), ("spouse", ADULT), ("child", _years_ago(9))
    )
    svc.referral_accept(actor=officer, referral=child, reason="With the parents.")
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def go(referral):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            svc.referral_withdraw(actor=sender, referral=referral, reason="Stays.")
        except IkazeError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(r,)) for r in (head, spouse)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    # The household rows serialise the two changes: the later one sees both parents gone.
    rules = sorted({rule for a in Alert.objects.filter(referral=child) for rule in a.rule_ids})
    assert rules == ["A1", "A7"]
