"""`ikaze bench payments`: a 10,000-payment batch against the MoMo simulator, 5% faults.

Issue 14: the simulator (its own process, 20 ms per answer as a real provider's latency) injects
5% faults of every kind (time-out, 409, 500, late PENDING, failure, another amount). The batch
is prepared, approved by another person, sent by the sender (a bounded thread pool sharing one
keep-alive client, database writes per chunk), then the reconciliation job runs. Baseline, in
the same run: the naive sender (one request at a time: `workers=1, chunk=1`) on `--baseline`
payments of the same kind, first.

Figures: payments, per_s (sending the batch, database writes included), baseline_per_s, their
ratio, duplicates (transfers the provider holds beyond one per payment, plus money moved more
often than our ledger says: must be 0), unreconciled (payments whose state still differs from
the provider's after the reconciliation and that no incident reports: must be 0), the
incidents raised (the wrong amounts), peak memory.

Flags: --payments N (default 10,000), --baseline N (default 300), --workers N (default 32),
--smoke.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

from bench import _harness as h

PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway bench database)


def _setup() -> tuple[Any, Any, Any, Any]:
    from ikaze.accounts import services as accounts
    from ikaze.accounts.access import Role
    from ikaze.accounts.actor import actor_for_user, command_line_actor
    from ikaze.agreements import services as agreements

    operator = command_line_actor(roles=frozenset({Role.ADMIN}), label="bench")
    rw = accounts.organisation_create(
        actor=operator, name="Bench RW", kind="receiving_state", country="RW"
    )
    users = {}
    for name, role in (
        ("admin", Role.ADMIN),
        ("officer", Role.FINANCE_OFFICER),
        ("approver", Role.FINANCE_APPROVER),
    ):
        u = accounts.user_create(actor=operator, username=f"bench-{name}", password=PASSWORD)
        accounts.membership_grant(actor=operator, user=u, organisation=rw, role=role)
        users[name] = actor_for_user(u, second_factor=True)
    a = agreements.agreement_create(
        actor=users["admin"],
        code="US-RW-PAY",
        fields={"title": "Bench", "sending_state": "US", "receiving_state": "RW"},
    )
    for to in ("signed", "in_force"):
        a = agreements.agreement_transition(actor=users["admin"], agreement=a, to=to, reason="b")
    item = agreements.support_item_add(
        actor=users["admin"],
        agreement=a,
        kind="stipend",
        description="Relief grant",
        amount_minor=50_000,
        currency="RWF",
    )
    return users["officer"], users["approver"], a, item


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310  (127.0.0.1 only)
        return json.loads(r.read())


def _send(officer: Any, approver: Any, agreement: Any, n: int, workers: int, chunk: int) -> Any:
    from ikaze.support import services
    from ikaze.support.sender import batch_send_run

    batch = services.batch_prepare(actor=officer, agreement=agreement, limit=n)
    batch = services.batch_approve(actor=approver, batch=batch)
    batch = services.batch_send(actor=officer, batch=batch)
    with h.timed(f"send {n} payments, {workers} worker(s)") as t:
        result = batch_send_run(batch_id=batch.pk, workers=workers, chunk=chunk)
    h.progress(f"  {result.counts}")
    return batch, n / t.seconds


def main(argv: list[str]) -> None:
    args = h.parse(
        argv,
        __doc__,
        sizes={"payments": 10_000, "baseline": 300, "workers": 32},
        smoke={"payments": 200, "baseline": 40, "workers": 8},
    )
    port = h.free_port()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ikaze.support.momo_simulator",
            "--port",
            str(port),
            "--fault-rate",
            "0.05",
            "--seed",
            "14",
            "--timeout-seconds",
            "1.2",
            "--latency-seconds",
            "0.02",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = (sim.stdout.readline() if sim.stdout else "").strip()
        h.progress(f"simulator at {url}")
        _run(args, url)
    finally:
        sim.terminate()
        sim.wait(timeout=10)


def _run(args: Any, url: str) -> None:
    from django.test import override_settings

    config = {"momo": {"base_url": url, "timeout": 1.0, "connections": args.workers}}
    with h.bench_database(keep=args.keep_db), override_settings(IKAZE_PAYMENT_PROVIDERS=config):
        from ikaze.support.models import Incident, Payment
        from ikaze.support.reconciliation import reconciliation_run
        from ikaze.support.seeding import seed_entitled

        with h.timed("seed"):
            officer, approver, agreement, item = _setup()
            seed_entitled(agreement=agreement, item=item, n=args.baseline + args.payments)
        base_batch, baseline_per_s = _send(officer, approver, agreement, args.baseline, 1, 1)
        batch, per_s = _send(officer, approver, agreement, args.payments, args.workers, 500)
        runs = []
        with h.timed("reconcile"):
            for b in (base_batch, batch):
                runs.append(
                    reconciliation_run(
                        actor=officer, batch=b, polls=4, wait_seconds=0.1, workers=args.workers
                    )
                )
        theirs = _get(f"{url}/_sim/transfers")
        stats = _get(f"{url}/_sim/stats")
        ours = {str(r): s for r, s in Payment.objects.values_list("reference_id", "state")}
        extra = len(set(theirs) - set(ours))
        successful = sum(1 for s in ours.values() if s == "successful")
        duplicates = extra + max(0, int(stats["paid"]) - successful)
        with_incident = set(
            Incident.objects.filter(explained_at__isnull=True, payment__isnull=False).values_list(
                "payment__reference_id", flat=True
            )
        )
        with_incident_s = {str(r) for r in with_incident}
        differ = 0
        for ref, state in ours.items():
            provider = theirs.get(ref)
            expected = {"SUCCESSFUL": "successful", "FAILED": "failed"}.get(provider or "")
            if provider is None and state in ("failed", "created"):
                continue
            if expected != state and ref not in with_incident_s:
                differ += 1
        unreconciled = differ + sum(r.unreconciled for r in runs)
        h.progress(f"provider: {stats}; incidents: {len(with_incident_s)}")
        h.emit(
            "payments",
            {
                "payments": args.payments,
                "per_s": round(per_s, 1),
                "baseline_per_s": round(baseline_per_s, 1),
                "ratio": round(per_s / baseline_per_s, 2) if baseline_per_s else None,
                "duplicates": duplicates,
                "unreconciled": unreconciled,
                "incidents": len(with_incident_s),
                "workers": args.workers,
                "peak_rss_mb": h.peak_rss_mb(),
            },
        )
