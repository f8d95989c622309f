"""Cap places go back when an acceptance ends (issue 9 item 6, SAFEGUARDS A5, A6): withdrawn or
expired, in the same transaction, audited, once; the scheduled job expires acceptances."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ikaze.accounts.access import Role
from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import IkazeError, IllegalTransition, NotFound, ValidationError
from ikaze.vetting import services as svc
from ikaze.vetting.models import Decision, Referral
from ikaze.vetting.tasks import EXPIRY_EVERY, acceptances_expire_schedule, acceptances_expire_task
from ikaze.vetting.tests.test_decisions import state
from tests import factories as f

pytestmark = pytest.mark.django_db


def _places(ag: Agreement) -> tuple[int, int]:
    ag.refresh_from_db()
    return ag.places_used, ag.tranches.get().places_used


def _accepted(ag: Agreement, officer, n: int = 1) -> list[Referral]:
    out = []
    for _ in range(n):
        r = f.vetting_referral(agreement=ag, officer=officer)
        svc.referral_accept(actor=officer, referral=r, reason="Eligible.")
        out.append(Referral.objects.get(pk=r.pk))
    return out


def _sender(r: Referral):
    return f.liaison(organisation_=r.referring_organisation)


def test_withdrawing_an_acceptance_gives_its_place_back_in_the_same_transaction() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=1)
    (r,) = _accepted(ag, officer)
    assert _places(ag) == (1, 1)

    svc.referral_withdraw(actor=_sender(r), referral=r, reason="The person left.")

    assert _places(ag) == (0, 0)
    decision = Decision.objects.get(referral=r)
    assert decision.place_taken is True and decision.place_released_at is not None
    event = AuditEvent.objects.get(action="decision.release_place")
    assert event.target_id == str(r.pk)
    assert event.after["decision"] == str(decision.pk)
    assert event.after["tranche"] == str(ag.tranches.get().pk)
    assert event.reason == "The person left."
    # The place is free again: another person can be accepted under the cap of one.
    (other,) = _accepted(ag, officer)
    assert _places(ag) == (1, 1)
    assert Referral.objects.get(pk=other.pk).status == "accepted"


def test_an_acceptance_past_its_validity_expires_and_gives_its_place_back() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start):
        (r,) = _accepted(ag, officer)
    # Day 10 is the last valid day, as A5 reads it (its whole day, in Kigali's calendar).
    zone = clock.local_zone()
    last_day = start.astimezone(zone).date() + dt.timedelta(days=10)
    with clock.frozen(dt.datetime.combine(last_day, dt.time(23, 59), tzinfo=zone)):
        assert "A5" not in svc.referral_blocks_standing(referral=r)[0]
        assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
            "expired": 0,
            "places_released": 0,
            "failed": 0,
        }
        assert Referral.objects.get(pk=r.pk).status == "accepted"
    with clock.frozen(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    ):
        assert "A5" in svc.referral_blocks_standing(referral=r)[0]  # the job agrees with A5
        assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
            "expired": 1,
            "places_released": 1,
            "failed": 0,
        }
        assert Referral.objects.get(pk=r.pk).status == "expired"
        assert _places(ag) == (0, 0)
        event = AuditEvent.objects.get(action="referral.expire", target_id=str(r.pk))
        assert event.actor_label == "system:acceptance-expiry"
        assert (event.before, event.after) == ({"status": "accepted"}, {"status": "expired"})
        assert AuditEvent.objects.filter(action="decision.release_place").count() == 1
        # Idempotent: a second run changes nothing.
        before = state(r)
        assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
            "expired": 0,
            "places_released": 0,
            "failed": 0,
        }
        assert state(r) == before
        assert _places(ag) == (0, 0)


def test_a_withdrawn_acceptance_is_not_released_again_by_the_expiry() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start):
        a, _b = _accepted(ag, officer, 2)
        svc.referral_withdraw(actor=_sender(a), referral=a, reason="Left.")
    assert _places(ag) == (1, 1)
    with clock.frozen(start + dt.timedelta(days=11)):
        assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
            "expired": 1,
            "places_released": 1,
            "failed": 0,
        }
    assert _places(ag) == (0, 0)
    assert AuditEvent.objects.filter(action="decision.release_place").count() == 2


def test_a_place_still_held_by_an_acceptance_that_ended_earlier_is_given_back() -> None:
    # Before this fix a withdrawal kept the place: the job repairs such acceptances.
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5)
    (r,) = _accepted(ag, officer)
    svc.referral_withdraw(actor=_sender(r), referral=r, reason="Left.")
    Decision.objects.filter(referral=r).update(place_released_at=None)
    Agreement.objects.filter(pk=ag.pk).update(places_used=1)
    ag.tranches.update(places_used=1)

    assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
        "expired": 0,
        "places_released": 1,
        "failed": 0,
    }
    assert _places(ag) == (0, 0)
    assert svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY) == {
        "expired": 0,
        "places_released": 0,
        "failed": 0,
    }


def test_an_ended_acceptance_closes_its_open_alerts() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start):
        (r,) = _accepted(ag, officer)
        f.court_stay(by=officer, referral=r)
    alert = r.alerts.get()
    with clock.frozen(start + dt.timedelta(days=11)):
        svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY)
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by is None
    assert alert.resolution.startswith("Closed: the acceptance expired")
    assert AuditEvent.objects.filter(action="alert.close", target_id=str(r.pk)).count() == 1


def test_refusals_change_nothing() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5)
    (r,) = _accepted(ag, officer)
    sender, stranger, monitor = _sender(r), f.liaison(), f.actor(Role.MONITOR)
    before = state(r), _places(ag)
    # No reason; another sending organisation; the receiving state cannot withdraw.
    with pytest.raises(ValidationError):
        svc.referral_withdraw(actor=sender, referral=r, reason=" ")
    with pytest.raises(NotFound):
        svc.referral_withdraw(actor=stranger, referral=r, reason="Mine.")
    with pytest.raises(IkazeError):
        svc.referral_withdraw(actor=officer, referral=r, reason="Mine.")
    # A person running the expiry needs the receiving state's decide permission.
    with pytest.raises(IkazeError):
        svc.acceptances_expire(actor=sender)
    with pytest.raises(IkazeError):
        svc.acceptances_expire(actor=monitor)
    assert (state(r), _places(ag)) == before
    # A withdrawn acceptance cannot be withdrawn again: its place is not given back twice.
    svc.referral_withdraw(actor=sender, referral=r, reason="Left.")
    after = state(r), _places(ag)
    with pytest.raises(IllegalTransition):
        svc.referral_withdraw(actor=sender, referral=r, reason="Again.")
    assert (state(r), _places(ag)) == after


def test_the_expiry_without_an_actor_is_refused_and_changes_nothing() -> None:
    """Issue 10 item 5: no `actor=None` taken for the system; the job names its actor."""
    from ikaze.accounts.guards import Denied

    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start):
        (r,) = _accepted(ag, officer)
    with clock.frozen(start + dt.timedelta(days=11)):
        before = state(r), _places(ag), AuditEvent.objects.count()
        with pytest.raises(Denied):
            svc.acceptances_expire(actor=None)
        assert (state(r), _places(ag), AuditEvent.objects.count()) == before
        summary = svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY)
    assert summary == {"expired": 1, "places_released": 1, "failed": 0}


def test_the_command_expires_and_prints_a_summary() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start):
        _accepted(ag, officer, 2)
    out = io.StringIO()
    with clock.frozen(start + dt.timedelta(days=11)):
        call_command("expire_acceptances", stdout=out)
    assert json.loads(out.getvalue()) == {"expired": 2, "places_released": 2, "failed": 0}
    assert _places(ag) == (0, 0)


def test_the_job_runs_in_the_worker_and_schedules_its_next_run() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=5, acceptance_valid_days=10)
    start = clock.now()
    with clock.frozen(start - dt.timedelta(days=11)):
        (r,) = _accepted(ag, officer)
    path = acceptances_expire_task.module_path
    # What `ikaze worker` does when it starts: a run is waiting, once.
    assert acceptances_expire_schedule() is True
    assert acceptances_expire_schedule() is False
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1

    # The worker's own step (`ikaze worker` loops over it): take the due run and run it.
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    due = DBTaskResult.objects.ready().get(task_path=path)
    due.claim("test")
    worker.run_task(due)

    assert Referral.objects.get(pk=r.pk).status == "expired"
    assert _places(ag) == (0, 0)
    done = DBTaskResult.objects.get(task_path=path, status="SUCCESSFUL")
    assert done.return_value == {"expired": 1, "places_released": 1, "failed": 0}
    # The run scheduled the next one, an hour later (not yet due: the batch worker stopped).
    waiting = DBTaskResult.objects.get(task_path=path, status="READY")
    assert waiting.run_after >= done.finished_at + EXPIRY_EVERY - dt.timedelta(seconds=5)


# --- concurrent runs (PostgreSQL) ----------------------------------------------------------


def _together(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def go(i, fn):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except IkazeError as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_expiry_runs_at_once_release_each_place_exactly_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=10, acceptance_valid_days=10)
    with clock.frozen(clock.now() - dt.timedelta(days=11)):
        people = _accepted(ag, officer, 4)
    kept = _accepted(ag, officer, 1)
    assert _places(ag) == (5, 5)

    def expire() -> dict[str, int]:
        return svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY)

    results = _together(expire, expire)

    assert sum(r["expired"] for r in results) == 4
    assert sum(r["failed"] for r in results) == 0
    assert _places(ag) == (1, 1)
    assert (
        sorted(
            Referral.objects.filter(pk__in=[p.pk for p in people]).values_list("status", flat=True)
        )
        == ["expired"] * 4
    )
    assert Referral.objects.get(pk=kept[0].pk).status == "accepted"
    assert AuditEvent.objects.filter(action="decision.release_place").count() == 4
    assert AuditEvent.objects.filter(action="referral.expire").count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_an_expiry_at_once_release_the_place_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL")
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force", tranche_cap=10, acceptance_valid_days=10)
    with clock.frozen(clock.now() - dt.timedelta(days=11)):
        (r,) = _accepted(ag, officer)
    sender = _sender(r)

    results = _together(
        lambda: svc.acceptances_expire(actor=svc.SYSTEM_EXPIRY),
        lambda: svc.referral_withdraw(actor=sender, referral=r, reason="Left."),
    )

    assert Referral.objects.get(pk=r.pk).status in ("expired", "withdrawn")
    assert _places(ag) == (0, 0)
    assert AuditEvent.objects.filter(action="decision.release_place").count() == 1
    # Whichever came second found the acceptance ended and changed nothing.
    expired = results[0]["expired"]
    assert (expired, isinstance(results[1], IllegalTransition)) in ((1, True), (0, False))
