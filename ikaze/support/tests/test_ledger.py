"""The ledger always balances, whatever the providers answer (hypothesis), and agrees with
the payments' states."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikaze.core import clock
from ikaze.support import ledger, services
from ikaze.support.models import Payment
from ikaze.support.providers.base import TransferState, TransferStatus
from ikaze.support.sender import _FIELDS, Outcome, _apply, payment_settle
from ikaze.support.tests.conftest import assert_ledger_consistent, entitled

pytestmark = pytest.mark.django_db

STEPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # which payment
        st.sampled_from(["submit", "refuse", "successful", "failed", "pending", "error"]),
        st.integers(min_value=-1, max_value=1),  # the provider's amount off by this much
    ),
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_sequence_of_provider_answers_keeps_the_ledger_balanced(fin, steps) -> None:
    from django.db import transaction

    sid = transaction.savepoint()
    try:
        entitled(fin, 6, start=int(uuid.uuid4().int % 10**6))
        batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
        ids = list(Payment.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True))
        now = clock.now() + dt.timedelta(seconds=1)
        for which, answer, off in steps:
            row = Payment.objects.filter(pk=ids[which]).values(*_FIELDS).get()
            if answer in ("submit", "refuse", "error"):
                outcome = Outcome(
                    payment_id=row["id"],
                    submitted=answer == "submit",
                    refused=("PAYEE_NOT_FOUND", "closed") if answer == "refuse" else None,
                    error="HTTP 500" if answer == "error" else "",
                )
                _apply({row["id"]: row}, [outcome])
            else:
                payment_settle(
                    row,
                    TransferStatus(
                        state=TransferState(answer),
                        provider_ref="x",
                        amount_minor=row["amount_minor"] + off,
                        currency="RWF",
                        reason=None,
                    ),
                    now=now,
                )
            assert_ledger_consistent()
        balances = ledger.balances()
        assert sum(balances.values()) == 0
        assert balances["budget"] == -sum(
            Payment.objects.filter(batch=batch).values_list("amount_minor", flat=True)
        )
    finally:
        transaction.savepoint_rollback(sid)
