"""Twenty senders of one batch at once send it once (PostgreSQL: threads and processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from ikaze.core.errors import IkazeError
from ikaze.support import services
from ikaze.support.models import Payment
from ikaze.support.sender import batch_send_run
from ikaze.support.tests.conftest import assert_ledger_consistent, entitled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _approved(fin):
    batch = services.batch_prepare(actor=fin.officer, agreement=fin.agreement)
    return services.batch_approve(actor=fin.approver, batch=batch)


def test_twenty_sends_at_once_start_one_and_pay_once(fin, sim) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    entitled(fin, 10)
    batch = _approved(fin)
    barrier = threading.Barrier(20)
    results: list[str] = []

    def send() -> None:
        try:
            barrier.wait()
            services.batch_send(actor=fin.officer, batch=batch)
            results.append("ok")
        except IkazeError as exc:
            results.append(str(exc.code))
        finally:
            connections.close_all()

    def run() -> None:
        try:
            barrier.wait()
            results.append("ran" if batch_send_run(batch_id=batch.pk).claimed else "held")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["batch_state"] * 19 + ["ok"]
    results.clear()
    threads = [threading.Thread(target=run) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ran") >= 1
    assert sim.state.stats()["posts"] == 10
    assert sim.state.stats()["paid"] == 10
    assert Payment.objects.filter(state="successful").count() == 10
    assert_ledger_consistent()


def _sender(batch_id: str, url: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["IKAZE_MOMO_URL"] = url
    env["IKAZE_MOMO_TIMEOUT"] = "0.3"
    return subprocess.Popen(
        [sys.executable, "-m", "config.cli", "support_send", batch_id, "--chunk", "2"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_processes_sending_at_once_and_a_killed_one_pay_once(fin, sim) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    entitled(fin, 30)
    sim.state.latency_seconds = 0.02
    batch = services.batch_send(actor=fin.officer, batch=_approved(fin))
    # One sender is killed in the middle of the batch ...
    first = _sender(str(batch.pk), sim.url)
    while sim.state.stats()["posts"] < 6 and first.poll() is None:
        threading.Event().wait(0.01)
    first.kill()
    first.wait()
    assert Payment.objects.exclude(state="successful").exists()
    # ... its lease runs out, and four senders start at once: every payment is paid once.
    from ikaze.support.models import PaymentBatch

    PaymentBatch.objects.filter(pk=batch.pk).update(lease_until=None)
    others = [_sender(str(batch.pk), sim.url) for _ in range(4)]
    for p in others:
        p.communicate(timeout=120)
    assert Payment.objects.filter(state="successful").count() == 30
    assert sim.state.stats()["transfers"] == 30
    assert sim.state.stats()["paid"] == 30
    assert_ledger_consistent()
