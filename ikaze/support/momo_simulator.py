"""A small local simulator of the MTN MoMo Disbursement HTTP API (no third-party one exists).

Serves the calls `providers.momo` makes, on 127.0.0.1, with HTTP/1.1 keep-alive. It pays each
X-Reference-Id at most once (a second POST answers 409, as the real API) and counts every POST,
so tests and the benchmark can prove "no duplicate". Faults, per number or at a rate chosen by
the reference id (so a rerun meets the same fault):

- ``timeout``: the transfer is recorded, the answer comes after the client gave up;
- ``conflict``: the transfer is recorded and the first answer is 409;
- ``error``: the transfer is recorded and the first answer is 500 (state unknown to the caller);
- ``pending``: status stays PENDING for the first `pending_polls` queries;
- ``fail``: status FAILED with a reason;
- ``amount``: status reports one unit more than was sent.

Also: ``closed`` numbers (account-holder check says not active) and a balance that runs out
(status FAILED, NOT_ENOUGH_FUNDS). Run it alone with
``python -m ikaze.support.momo_simulator --port 8765 [--fault-rate 0.05]``; it prints its URL.
Control while running: GET /_sim/stats, POST /_sim/faults {"msisdn": kind, ...}.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULT_KINDS = ("timeout", "conflict", "error", "pending", "fail", "amount")
_TRANSFER = "/disbursement/v1_0/transfer"
_HOLDER = "/disbursement/v1_0/accountholder/msisdn/"


@dataclass
class Transfer:
    reference_id: str
    msisdn: str
    amount: str
    currency: str
    fault: str | None
    polls: int = 0
    status: str = "PENDING"
    reason: str | None = None
    financial_id: str = ""


@dataclass
class SimulatorState:
    fault_rate: float = 0.0
    seed: int = 0
    faults: dict[str, str] = field(default_factory=dict)  # msisdn -> fault kind
    closed: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    balance: int = 10**12
    currency: str = "RWF"
    timeout_seconds: float = 1.5
    pending_polls: int = 2
    latency_seconds: float = 0.0  # a real provider answers in tens to hundreds of ms
    transfers: dict[str, Transfer] = field(default_factory=dict)
    posts: int = 0
    paid: int = 0  # money actually moved (one per transfer, never twice)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, reference_id: str, msisdn: str) -> str | None:
        if msisdn in self.faults:
            return self.faults[msisdn]
        if self.fault_rate <= 0:
            return None
        digest = hashlib.sha256(f"{self.seed}:{reference_id}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= self.fault_rate:
            return None
        return FAULT_KINDS[digest[4] % len(FAULT_KINDS)]

    def settle(self, t: Transfer) -> None:
        """Decide a transfer once (the money moves here, once)."""
        if t.status != "PENDING":
            return
        amount = int(t.amount.split(".")[0])
        if t.fault == "fail":
            t.status, t.reason = "FAILED", "PAYEE_NOT_ALLOWED_TO_RECEIVE"
        elif amount > self.balance:
            t.status, t.reason = "FAILED", "NOT_ENOUGH_FUNDS"
        else:
            self.balance -= amount
            self.paid += 1
            t.status = "SUCCESSFUL"
            t.financial_id = str(uuid.uuid5(uuid.NAMESPACE_URL, t.reference_id).int)[:10]

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "posts": self.posts,
                "transfers": len(self.transfers),
                "paid": self.paid,
                "balance": self.balance,
            }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def do_POST(self) -> None:
        state = self.server.state
        if state.latency_seconds:
            time.sleep(state.latency_seconds)
        body = self._body()
        if self.path == "/disbursement/token/":
            self._send(200, {"access_token": uuid.uuid4().hex, "expires_in": 3600})
            return
        if self.path == "/_sim/faults":
            with state.lock:
                state.faults.update({str(k): str(v) for k, v in body.items()})
            self._send(200, {"ok": True})
            return
        if self.path != _TRANSFER:
            self._send(404, {"code": "RESOURCE_NOT_FOUND", "message": self.path})
            return
        ref = self.headers.get("X-Reference-Id") or ""
        try:
            uuid.UUID(ref)
        except ValueError:
            self._send(400, {"code": "INVALID_REFERENCE_ID", "message": "X-Reference-Id"})
            return
        msisdn = str(body.get("payee", {}).get("partyId", ""))
        with state.lock:
            state.posts += 1
            if ref in state.transfers:
                answer: tuple[int, Any] = (
                    409,
                    {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated reference id."},
                )
                fault = None
            else:
                fault = state.fault_for(ref, msisdn)
                if msisdn in state.closed:
                    answer = (
                        400,
                        {"code": "PAYEE_NOT_FOUND", "message": "The payee account is closed."},
                    )
                else:
                    state.transfers[ref] = Transfer(
                        reference_id=ref,
                        msisdn=msisdn,
                        amount=str(body.get("amount", "0")),
                        currency=str(body.get("currency", "")),
                        fault=fault,
                    )
                    answer = (202, None)
        if fault == "timeout":
            time.sleep(state.timeout_seconds)
        elif fault == "conflict":
            answer = (409, {"code": "RESOURCE_ALREADY_EXIST", "message": "Duplicated."})
        elif fault == "error":
            answer = (500, {"code": "INTERNAL_PROCESSING_ERROR", "message": "Try again."})
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(*answer)

    def do_GET(self) -> None:
        state = self.server.state
        if state.latency_seconds:
            time.sleep(state.latency_seconds)
        if self.path == "/_sim/stats":
            self._send(200, state.stats())
            return
        if self.path == "/_sim/transfers":
            with state.lock:
                refs = {ref: t.status for ref, t in state.transfers.items()}
            self._send(200, refs)
            return
        if self.path == "/disbursement/v1_0/account/balance":
            with state.lock:
                self._send(
                    200, {"availableBalance": str(state.balance), "currency": state.currency}
                )
            return
        if self.path.startswith(_HOLDER):
            msisdn, _, what = self.path[len(_HOLDER) :].partition("/")
            if what == "active":
                self._send(200, {"result": msisdn not in state.closed})
            elif what == "basicuserinfo":
                given, _, family = state.names.get(msisdn, "Test Payee").partition(" ")
                self._send(200, {"given_name": given, "family_name": family})
            else:
                self._send(404, {"code": "RESOURCE_NOT_FOUND", "message": self.path})
            return
        if self.path.startswith(_TRANSFER + "/"):
            ref = self.path[len(_TRANSFER) + 1 :]
            with state.lock:
                t = state.transfers.get(ref)
                if t is None:
                    self._send(404, {"code": "RESOURCE_NOT_FOUND", "message": "No transfer."})
                    return
                t.polls += 1
                if not (t.fault == "pending" and t.polls <= state.pending_polls):
                    state.settle(t)
                amount = t.amount
                if t.fault == "amount":
                    amount = str(int(amount.split(".")[0]) + 1)
                out: dict[str, Any] = {
                    "amount": amount,
                    "currency": t.currency,
                    "financialTransactionId": t.financial_id,
                    "externalId": t.reference_id,
                    "payee": {"partyIdType": "MSISDN", "partyId": t.msisdn},
                    "status": t.status,
                }
                if t.reason:
                    out["reason"] = t.reason
            self._send(200, out)
            return
        self._send(404, {"code": "RESOURCE_NOT_FOUND", "message": self.path})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: SimulatorState


class MomoSimulator:
    """The simulator on a thread of this process: `with MomoSimulator() as sim: sim.url`."""

    def __init__(self, port: int = 0, **state: Any) -> None:
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.state = SimulatorState(**state)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def state(self) -> SimulatorState:
        return self.server.state

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MomoSimulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> MomoSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="MTN MoMo Disbursement API simulator")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout-seconds", type=float, default=1.5)
    parser.add_argument("--latency-seconds", type=float, default=0.0)
    args = parser.parse_args(argv)
    sim = MomoSimulator(
        args.port,
        fault_rate=args.fault_rate,
        seed=args.seed,
        timeout_seconds=args.timeout_seconds,
        latency_seconds=args.latency_seconds,
    )
    print(sim.url, flush=True)
    sim.server.serve_forever()


if __name__ == "__main__":
    main()
