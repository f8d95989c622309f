"""Throughput and latency of the agreement list (GET /api/v1/agreements) against a bare view.

Serves the project with gunicorn on 127.0.0.1 (a free port), seeds N agreements, then drives
keep-alive HTTP requests from a few threads of this process, interleaving rounds of the bare
view (a constant answer through the same middleware), of the agreement list as a signed-in
receiving-state vetting officer calls it (session cookie: the primary figures), and of the same
list called with a sending-state liaison's bearer token (each request also authenticates the
token and audits its use: the `token_*` figures).
Goal (issue 2): the list reaches at least a third of the bare view's throughput.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import _harness as h

ROOT = Path(__file__).resolve().parent.parent
LIST = "/api/v1/agreements"
BARE = "/bench/bare"


def main(argv: list[str]) -> None:
    args = h.parse(
        argv,
        __doc__,
        sizes={"agreements": 20, "requests": 2000, "warmup": 200},
        smoke={"agreements": 3, "requests": 60, "warmup": 10},
        extra={
            "threads": (int, 4, "client threads (each keeps one connection alive)"),
            "workers": (int, 2, "gunicorn worker processes"),
            "server_threads": (int, 4, "threads per gunicorn worker (gthread)"),
            "worker_class": (
                str,
                "gthread",
                "gunicorn worker class (sync closes every connection)",
            ),
            "rounds": (int, 5, "interleaved rounds of bare and list requests"),
        },
    )
    with h.bench_database(keep=args.keep_db) as db:
        with h.timed(f"seed {args.agreements} agreements"):
            seeded = _seed(args.agreements)
        port = h.free_port()
        server = _serve(
            db.env, port, workers=args.workers, threads=args.server_threads, kind=args.worker_class
        )
        try:
            _wait_ready(port, server)
            session = {"Cookie": seeded["cookie"]}
            token = {"Authorization": f"Bearer {seeded['token']}"}
            # The officer sees every agreement; the US liaison only those with the US (all here).
            for who, hdrs in (("officer", session), ("liaison", token)):
                total = _get_json(port, LIST + "?size=100", hdrs).get("total")
                if total != args.agreements:
                    raise SystemExit(f"the {who} sees {total} agreements, not {args.agreements}")
            h.progress(f"warm-up: {args.warmup} requests each")
            runs = [(BARE, {}, Sample()), (LIST, session, Sample()), (LIST, token, Sample())]
            for path, hdrs, _sample in runs:
                _drive(port, path, hdrs, args.warmup, args.threads)
            bare, listed, tokened = (s for _p, _h, s in runs)
            per_round = max(1, args.requests // args.rounds)
            for r in range(args.rounds):
                # Rotate which goes first, so drift on a shared machine hits all alike.
                for path, hdrs, sample in runs[r % 3 :] + runs[: r % 3]:
                    sample.add(_drive(port, path, hdrs, per_round, args.threads))
                h.progress(
                    f"round {r + 1}/{args.rounds}: bare {bare.rps:.0f} rps, "
                    f"list {listed.rps:.0f} rps, with a token {tokened.rps:.0f} rps"
                )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        errors = bare.errors + listed.errors + tokened.errors

        def ms(sample: Sample, p: float) -> float:
            return round(h.percentile(sample.latencies, p) * 1000, 2)

        def ratio(sample: Sample) -> float:
            return round(sample.rps / bare.rps, 3) if bare.rps else 0.0

        h.emit(
            "api",
            {
                "list_rps": round(listed.rps, 1),
                "bare_rps": round(bare.rps, 1),
                "ratio": ratio(listed),
                "list_p50_ms": ms(listed, 50),
                "list_p95_ms": ms(listed, 95),
                "bare_p50_ms": ms(bare, 50),
                "bare_p95_ms": ms(bare, 95),
                "token_list_rps": round(tokened.rps, 1),
                "token_ratio": ratio(tokened),
                "token_list_p50_ms": ms(tokened, 50),
                "token_list_p95_ms": ms(tokened, 95),
                "agreements": args.agreements,
                "requests": per_round * args.rounds,
                "threads": args.threads,
                "workers": args.workers,
                "server_threads": args.server_threads,
                "worker_class": args.worker_class,
                "errors": errors,
                "peak_rss_mb": h.peak_rss_mb(),
            },
        )
    if errors:
        raise SystemExit(f"{errors} requests failed")


def _seed(n: int) -> dict[str, str]:
    """Create n agreements in force with the US, a signed-in receiving-state vetting officer
    (its session cookie) and a US liaison's token."""
    from django.conf import settings
    from django.test import Client

    from ikaze.accounts import services as accounts
    from ikaze.accounts.access import OrgKind, Role
    from tests import factories

    admin = factories.actor(Role.ADMIN)
    us = factories.organisation(OrgKind.SENDING_STATE, country="US")
    for i in range(n):
        factories.agreement(
            by=admin, code=f"BENCH-US-RW-{i + 1:03d}", status="in_force", tranche_cap=250
        )
    # The sending state's token is issued by the sending state's own administrator.
    _token, clear = accounts.api_token_issue(
        actor=factories.actor(Role.ORG_ADMIN, organisation_=us),
        name="bench client",
        organisation=us,
        role=Role.SENDING_LIAISON,
    )
    # A vetting officer needs no second factor; the session is stored as a sign-in stores it.
    client = Client()
    client.force_login(factories.user(Role.VETTING_OFFICER, username="bench-vetting"))
    name = settings.SESSION_COOKIE_NAME
    return {"token": clear, "cookie": f"{name}={client.cookies[name].value}"}


def _serve(
    env: dict[str, str], port: int, *, workers: int, threads: int, kind: str
) -> subprocess.Popen[bytes]:
    from django.conf import settings

    # The same secret key as this process, which signed the officer's session.
    child_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings_bench",
        "IKAZE_DEBUG": "0",
        "IKAZE_SECRET_KEY": settings.SECRET_KEY,
    }
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        kind,
        "--keep-alive",
        "10",
        "--log-level",
        "warning",
    ]
    h.progress(f"gunicorn on 127.0.0.1:{port} ({workers} {kind} workers x {threads} threads)")
    return subprocess.Popen(args, cwd=ROOT, env=child_env, stdout=sys.stderr)


def _wait_ready(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def _get_json(port: int, path: str, headers: dict[str, str]) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)


class Sample:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.seconds = 0.0
        self.errors = 0

    def add(self, other: tuple[list[float], float, int]) -> None:
        latencies, seconds, errors = other
        self.latencies.extend(latencies)
        self.seconds += seconds
        self.errors += errors

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _drive(
    port: int, path: str, headers: dict[str, str], total: int, threads: int
) -> tuple[list[float], float, int]:
    """Send `total` GETs from `threads` keep-alive connections; (latencies, wall seconds, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    start = threading.Barrier(threads + 1)

    def worker(count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        start.wait()
        for _ in range(count):
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            mine.append(time.perf_counter() - t0)
            failed += 0 if ok else 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in shares]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return latencies, time.perf_counter() - t0, errors[0]


if __name__ == "__main__":  # pragma: no cover - run through `ikaze bench api`
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main(sys.argv[1:])
