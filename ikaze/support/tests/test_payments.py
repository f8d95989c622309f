"""Batches: prepare, approve (maker-checker, second factor), send with every provider fault,
kill and rerun, reconcile; the ledger balances throughout (issue 14, SAFEGUARDS E1-E4)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IkazeError
from ikaze.support import errors, reconciliation, selectors, services
from ikaze.support.models import Entitlement, Incident, LedgerEntry, Payment, PaymentBatch
from ikaze.support.sender import batch_send_run
from ikaze.support.tests.conftest import assert_ledger_consistent, entitled, msisdn

pytestmark = pytest.mark.django_db


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action=f"refused:{action}"
    ).count()


def state() -> dict[str, Any]:
    return {
        "batches": list(PaymentBatch.objects.order_by("pk").values_list("pk", "status")),
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "state")),
        "ledger": LedgerEntry.objects.count(),
        "entitlements": list(Entitlement.objects.order_by("pk").values_list("pk", "status")),
    }


def approved(fin: Any, **kwargs: Any) -> PaymentBatch:
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement, **kwargs)
    return services.batch_approve(actor=fin.approver, batch=batch)


def sending(fin: Any) -> PaymentBatch:
    batch = approved(fin)
    return services.batch_send(actor=fin.officer, batch=batch)


def test_prepare_snapshots_payee_wallet_and_amount(fin) -> None:
    people = entitled(fin, 3)
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    rows = list(
        Payment.objects.filter(batch=batch).order_by("msisdn").values_list("msisdn", "amount_minor")
    )
    assert rows == [(msisdn(0), 50_000), (msisdn(1), 50_000), (msisdn(2), 50_000)]
    assert (batch.total_count, batch.total_minor) == (3, 150_000)
    # A later change of wallet does not change what was approved.
    from ikaze.support.models import Wallet

    Wallet.objects.filter(person=people[0]).update(msisdn="250790000000")
    assert Payment.objects.get(person=people[0]).msisdn == msisdn(0)
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"in_batch"}


def test_prepare_leaves_out_what_cannot_be_paid_with_the_reason(fin) -> None:
    entitled(fin, 1)
    entitled(fin, 1, amount=2_000_001, start=1)  # over eKash's 2,000,000 per transfer
    nowallet = entitled(fin, 1, start=2)
    from ikaze.support.models import Wallet

    Wallet.objects.filter(person=nowallet[0]).delete()
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    assert batch.total_count == 1
    reasons = sorted(x["reason"] for x in batch.excluded)
    assert len(reasons) == 2
    assert "limit of 2000000 per transfer" in reasons[0]
    assert "No checked mobile-money number" in reasons[1]


@override_settings(IKAZE_SUPPORT_DAILY_PAYEE_LIMIT_MINOR=60_000)
def test_the_daily_limit_per_payee_is_refused_with_the_reason(fin) -> None:
    entitled(fin, 1)
    services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    entitled(fin, 1, start=0)  # a second entitlement to the same number, same day
    before = state()
    with pytest.raises(errors.NothingToPay) as exc:
        services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    assert "daily limit of 60000" in exc.value.message
    assert state() == before
    assert refusals("support.batch_prepare") == 1


def test_nothing_to_pay_is_refused_and_recorded(fin) -> None:
    before = state()
    with pytest.raises(errors.NothingToPay):
        services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    assert state() == before
    assert refusals("support.batch_prepare") == 1


def test_the_maker_cannot_approve_and_the_refusal_is_recorded(fin) -> None:
    entitled(fin, 1)
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    # Give the maker the approver's role too: still not the checker of their own batch.
    from ikaze.accounts.access import Role
    from ikaze.accounts.actor import actor_for_user
    from ikaze.accounts.services import membership_grant
    from tests import factories as f

    membership_grant(
        actor=f.OPERATOR,
        user=fin.officer.user,
        organisation=fin.officer.organisation,
        role=Role.FINANCE_APPROVER,
    )
    both = actor_for_user(fin.officer.user, second_factor=True)
    before = state()
    with pytest.raises(errors.MakerIsChecker):
        services.batch_approve(actor=both, batch=batch)
    assert state() == before
    assert refusals("support.batch_approve") == 1
    # And the database refuses it whatever path tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(
            approved_by=fin.officer.user, status="approved"
        )


def test_an_approver_without_a_second_factor_is_refused_and_recorded(fin) -> None:
    entitled(fin, 1)
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    no_2fa = dataclasses.replace(fin.approver, second_factor=False)
    before = state()
    with pytest.raises(IkazeError) as exc:
        services.batch_approve(actor=no_2fa, batch=batch)
    assert exc.value.code == "two_factor_required"
    assert state() == before
    assert PaymentBatch.objects.get(pk=batch.pk).status == "prepared"


def test_a_clean_batch_is_paid_once_and_the_ledger_balances(fin, sim) -> None:
    entitled(fin, 5)
    batch = sending(fin)
    result = batch_send_run(batch_id=batch.pk)
    assert result.done
    assert result.counts == {"successful": 5}
    assert sim.state.stats() | {"balance": 0} == {
        "posts": 5,
        "transfers": 5,
        "paid": 5,
        "balance": 0,
    }
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"paid"}
    assert PaymentBatch.objects.get(pk=batch.pk).status == "sent"
    assert_ledger_consistent()
    # Sending again finds nothing to do and pays nothing.
    with pytest.raises(errors.BatchState):
        services.batch_send(actor=fin.officer, batch=batch)
    assert batch_send_run(batch_id=batch.pk).claimed is False
    assert sim.state.stats()["posts"] == 5


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("timeout", "successful"),  # recorded, answer lost: the retry's 409 means submitted
        ("conflict", "successful"),  # 409 on the first call is not a failure (E1)
        ("error", "successful"),  # 500 after recording: state unknown, retried with the same id
        ("fail", "failed"),
        ("amount", "successful"),
    ],
)
def test_each_fault_ends_in_one_transfer_and_a_visible_state(fin, sim, fault, expected) -> None:
    entitled(fin, 2)
    sim.state.faults[msisdn(0)] = fault
    batch = sending(fin)
    batch_send_run(batch_id=batch.pk)
    faulty = Payment.objects.get(msisdn=msisdn(0))
    assert faulty.state == expected
    assert Payment.objects.get(msisdn=msisdn(1)).state == "successful"
    assert sim.state.stats()["transfers"] == 2
    assert sim.state.stats()["paid"] == (2 if expected == "successful" else 1)
    if fault == "fail":
        assert faulty.reason == "PAYEE_NOT_ALLOWED_TO_RECEIVE"
        assert Entitlement.objects.get(pk=faulty.entitlement_id).status == "open"
    if fault == "amount":
        incident = Incident.objects.get(payment=faulty)
        assert (incident.kind, incident.detail) == (
            "amount_mismatch",
            "sent 50000 RWF, provider reports 50001 RWF",
        )
        assert list(selectors.open_incidents()) == [incident]
    assert_ledger_consistent()


def test_a_closed_account_fails_with_the_reason_and_nothing_is_paid(fin, sim) -> None:
    entitled(fin, 1)
    sim.state.closed.add(msisdn(0))
    batch = sending(fin)
    batch_send_run(batch_id=batch.pk)
    p = Payment.objects.get()
    assert (p.state, p.reason) == ("failed", "PAYEE_NOT_FOUND: The payee account is closed.")
    assert sim.state.stats()["paid"] == 0
    assert_ledger_consistent()


def test_insufficient_provider_balance_fails_the_payment(fin, sim) -> None:
    entitled(fin, 2)
    sim.state.balance = 60_000
    batch = sending(fin)
    batch_send_run(batch_id=batch.pk, workers=1, chunk=1)
    assert sorted(Payment.objects.values_list("state", "reason")) == [
        ("failed", "NOT_ENOUGH_FUNDS"),
        ("successful", ""),
    ]
    assert_ledger_consistent()


def test_a_late_pending_is_settled_by_the_reconciliation(fin, sim) -> None:
    entitled(fin, 1)
    sim.state.faults[msisdn(0)] = "pending"
    batch = sending(fin)
    batch_send_run(batch_id=batch.pk)
    assert Payment.objects.get().state == "pending"
    assert PaymentBatch.objects.get(pk=batch.pk).status == "sent"
    assert_ledger_consistent()
    run = reconciliation.reconciliation_run(actor=fin.officer, batch=batch, wait_seconds=0)
    assert (run.resolved, run.incidents, run.unreconciled) == (1, 0, 0)
    assert Payment.objects.get().state == "successful"
    assert sim.state.stats()["paid"] == 1
    assert_ledger_consistent()


def test_a_killed_sender_rerun_pays_each_exactly_once(fin, sim) -> None:
    entitled(fin, 12)
    sim.state.faults[msisdn(3)] = "timeout"
    batch = sending(fin)
    # The first sender dies after 5 payments, its lease still held.
    first = batch_send_run(batch_id=batch.pk, chunk=4, stop_after=5)
    assert first.claimed and not first.done
    # A provider call that went out before the death but was never recorded here:
    ref = Payment.objects.filter(state="created").order_by("pk").first()
    assert ref is not None
    from ikaze.support.providers.momo import MomoProvider

    MomoProvider(base_url=sim.url).submit(
        reference_id=ref.reference_id,
        msisdn=ref.msisdn,
        amount_minor=50_000,
        currency="RWF",
        note="",
    )
    # While the lease holds, nobody else sends.
    assert batch_send_run(batch_id=batch.pk).claimed is False
    PaymentBatch.objects.filter(pk=batch.pk).update(lease_until=None)  # the lease runs out
    second = batch_send_run(batch_id=batch.pk)
    assert second.done
    assert Payment.objects.filter(state="successful").count() == 12
    assert sim.state.stats()["transfers"] == 12
    assert sim.state.stats()["paid"] == 12
    assert_ledger_consistent()


def test_the_ledger_is_append_only(fin) -> None:
    entitled(fin, 1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.update(amount_minor=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.all().delete()


def test_a_second_payment_of_one_entitlement_is_impossible(fin) -> None:
    entitled(fin, 1)
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    p = Payment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            batch=batch,
            entitlement_id=p.entitlement_id,
            person_id=p.person_id,
            payee_name="x",
            msisdn=p.msisdn,
            amount_minor=1,
            currency="RWF",
        )


def test_reduction_for_a_complaint_is_refused_and_recorded(fin) -> None:
    entitled(fin, 1)
    e = Entitlement.objects.get()
    before = state()
    for reason in ("complaint", "appeal", "fear_claim"):
        with pytest.raises(errors.ForbiddenReason):
            services.adjustment_request(
                actor=fin.officer,
                entitlement=e,
                kind="stop",
                reason_code=reason,
                explanation="filed a complaint",
            )
    assert state() == before
    assert refusals("support.adjustment_request") == 3


def test_a_reduction_needs_a_second_approver_and_returns_the_difference(fin) -> None:
    entitled(fin, 1)
    e = Entitlement.objects.get()
    adj = services.adjustment_request(
        actor=fin.officer,
        entitlement=e,
        kind="reduce",
        reason_code="overpaid",
        explanation="Paid twice in March.",
        new_amount_minor=20_000,
    )
    assert Entitlement.objects.get().amount_minor == 50_000
    services.adjustment_approve(actor=fin.approver, adjustment=adj)
    assert Entitlement.objects.get().amount_minor == 20_000
    from ikaze.support.ledger import balances

    assert balances()["returned"] == 30_000
    assert list(selectors.adjustment_list_for(actor=fin.monitor)) == [adj]


def test_an_approved_reduction_reaches_the_monitor_as_an_adverse_action(fin) -> None:
    """B8 and C2: the reduction is kept as an adverse action with its reason code (flagged
    within 90 days of a complaint), and the monitor's inbox lists it from support."""
    from ikaze.core import monitor_inbox
    from ikaze.protection.models import AdverseAction

    entitled(fin, 1)
    e = Entitlement.objects.get()
    adj = services.adjustment_request(
        actor=fin.officer,
        entitlement=e,
        kind="stop",
        reason_code="left_country",
        explanation="Left for Uganda on 3 March.",
    )
    assert not AdverseAction.objects.exists()
    assert [i.kind for i in monitor_inbox.items(source="support")] == ["adjustment_stop"]
    assert monitor_inbox.items(source="support")[0].is_open
    services.adjustment_approve(actor=fin.approver, adjustment=adj)
    action = AdverseAction.objects.get()
    assert (action.person_id, action.kind, action.reason_code) == (
        e.person_id,
        "support_stopped",
        "left_country",
    )
    assert not monitor_inbox.items(source="support")[0].is_open


def test_an_unexplained_payment_difference_is_in_the_monitors_inbox(fin) -> None:
    entitled(fin, 1)
    batch = approved(fin)
    Incident.objects.create(
        kind=Incident.Kind.BALANCE_MISMATCH,
        batch=batch,
        detail="The provider's balance is 1,000 RWF lower than the ledger says.",
        opened_at=batch.created_at,
    )
    (item,) = monitor_inbox_items()
    assert (item.source, item.kind, item.is_open) == ("support", "balance_mismatch", True)
    assert item.agreement_id == str(batch.agreement_id)


def monitor_inbox_items() -> list[Any]:
    from ikaze.core import monitor_inbox

    return monitor_inbox.items(source="support")
