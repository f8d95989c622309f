"""The Mojaloop Testing Toolkit (npm ``ml-testing-toolkit``) as a local eKash switch.

Used by the Mojaloop adapter's tests and by ``ikaze demo`` when the demo pays through Mojaloop.
``TestingToolkit`` copies the package's ``spec_files/`` into a run folder, sets its ports and
callback endpoint there, starts it (``scripts/mojaloop-ttk.js``: the admin port is free to choose,
so two runs never collide), waits for its "Toolkit Initialization completed" line, pushes rules
over its admin API, reads its request history, and stops it by PID.

The rules ``switch_rules`` push make it behave as a switch with memory: a transfer it received
is COMMITTED when asked about, one it never received answers 3208 (not found). Faults are rules
of a higher priority (``error_rule``, ``no_callback_rule``, ``status_rule``, ...).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from ikaze.support.providers.mojaloop import CallbackError, CallbackInbox

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "node_modules" / "ml-testing-toolkit"
LAUNCHER = ROOT / "scripts" / "mojaloop-ttk.js"
READY_LINE = "Toolkit Initialization completed"
PAYEE_FSP = "ttkpayeefsp"  # the payee's DFSP as the toolkit answers it
RULES_FILE = "ikaze.json"
FAULT_PRIORITY = 10


class ToolkitError(RuntimeError):
    """The toolkit is not installed, did not start, or refused an admin request."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def available() -> bool:
    """Whether the toolkit is installed (``npm ci``) and ``node`` is on PATH."""
    return (PACKAGE / "src" / "index.js").exists() and shutil.which("node") is not None


class TestingToolkit:
    __test__ = False  # not a pytest test class

    def __init__(
        self,
        run_dir: Path,
        *,
        callback_url: str,
        api_port: int | None = None,
        admin_port: int | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.callback_url = callback_url.rstrip("/")
        self.api_port = api_port or free_port()
        self.admin_port = admin_port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._admin = httpx.Client(base_url=self.admin_url, timeout=10)

    @property
    def fspiop_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def log_path(self) -> Path:
        return self.run_dir / "ttk.log"

    # --- life --------------------------------------------------------------------------------

    def _prepare(self) -> None:
        spec = self.run_dir / "spec_files"
        if spec.exists():
            shutil.rmtree(spec)
        shutil.copytree(PACKAGE / "spec_files", spec)
        system = json.loads((spec / "system_config.json").read_text())
        system["API_PORT"] = self.api_port
        # The switch's memory of transfers (switch_rules) starts with a placeholder: the rules
        # engine cannot test "not in" against a list that does not exist yet.
        system["INIT_CONFIG"] = {"objectStore": {"inboundEnvironment": {"knownTransfers": ["-"]}}}
        (spec / "system_config.json").write_text(json.dumps(system, indent=2))
        user = json.loads((spec / "user_config.json").read_text())
        user["CALLBACK_ENDPOINT"] = self.callback_url
        user["CALLBACK_TIMEOUT"] = 5000
        (spec / "user_config.json").write_text(json.dumps(user, indent=2))

    def start(self, timeout: float = 60.0) -> TestingToolkit:
        if not available():
            raise ToolkitError("ml-testing-toolkit is not installed: run `npm ci` (or bootstrap)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._prepare()
        env = {
            **os.environ,
            "SCARF_ANALYTICS": "false",
            "TTK_ADMIN_PORT": str(self.admin_port),
            "TTK_ROOT": str(self.run_dir),
        }
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own launcher, fixed arguments
            ["node", str(LAUNCHER)],  # noqa: S607 - node from PATH, as npm installs it
            cwd=self.run_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise ToolkitError(f"the Testing Toolkit did not start:\n{tail}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        self._admin.close()
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def rss_mb(self) -> float | None:
        """The toolkit's resident memory (Linux), for the figures of the ADR."""
        if self.process is None:
            return None
        status = Path(f"/proc/{self.process.pid}/status")
        match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text()) if status.exists() else None
        return int(match.group(1)) / 1024 if match else None

    # --- admin API ---------------------------------------------------------------------------

    def _put(self, url: str, body: Any) -> None:
        response = self._admin.put(url, json=body)
        if response.status_code != 200:
            raise ToolkitError(f"PUT {url}: {response.status_code} {response.text[:300]}")

    def set_rules(self, kind: str, rules: list[dict[str, Any]]) -> None:
        """Replace the active ``kind`` rules (callback, validation, response)."""
        numbered = [{**rule, "ruleId": n} for n, rule in enumerate(rules, start=1)]
        self._put(f"/api/rules/files/{kind}/{RULES_FILE}", numbered)
        self._put(f"/api/rules/files/{kind}", {"type": "activeRulesFile", "fileName": RULES_FILE})

    def behave(
        self,
        *,
        callback: list[dict[str, Any]] | None = None,
        validation: list[dict[str, Any]] | None = None,
        response: list[dict[str, Any]] | None = None,
    ) -> None:
        """The switch's rules plus these faults (each list goes before the switch's own)."""
        base = switch_rules()
        self.set_rules("callback", [*(callback or []), *base["callback"]])
        self.set_rules("validation", [*(validation or []), *base["validation"]])
        self.set_rules("response", [*(response or []), *base["response"]])

    def requests(self) -> list[dict[str, Any]]:
        """Every request the toolkit received (its request history), oldest first."""
        response = self._admin.get("/api/history/requests")
        response.raise_for_status()
        return list(response.json())

    def transfers_posted(self, transfer_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests()
            if r.get("method") == "post"
            and r.get("path") == "/transfers"
            and (transfer_id is None or (r.get("body") or {}).get("transferId") == transfer_id)
        ]


# --- rules -------------------------------------------------------------------------------------

_FSPIOP = {"minorVersion": 1, "majorVersion": 1, "type": "fspiop", "asynchronous": True}


def _conditions(operation: str, method: str, *extra: dict[str, Any]) -> dict[str, Any]:
    # The operation is tested first (higher priority): the rest only for requests it matches.
    return {
        "all": [
            {"fact": "operationPath", "operator": "equal", "value": operation, "priority": 10},
            {"fact": "method", "operator": "equal", "value": method, "priority": 10},
            *extra,
        ]
    }


def when_id(ident: str) -> dict[str, Any]:
    return {"fact": "pathParams", "operator": "equal", "value": ident, "path": "ID"}


def when_payee(msisdn_digits: str) -> dict[str, Any]:
    return {
        "fact": "body",
        "operator": "equal",
        "value": msisdn_digits,
        "path": "payee.partyIdInfo.partyIdentifier",
    }


def when_transfer(transfer_id: str) -> dict[str, Any]:
    return {"fact": "body", "operator": "equal", "value": transfer_id, "path": "transferId"}


def when_amount(amount: str) -> dict[str, Any]:
    return {"fact": "body", "operator": "equal", "value": amount, "path": "amount.amount"}


def _rule(
    kind: str,
    description: str,
    conditions: dict[str, Any],
    event: dict[str, Any],
    priority: int = 1,
) -> dict[str, Any]:
    return {
        "type": kind,
        "version": 1,
        "priority": priority,
        "description": description,
        "apiVersion": _FSPIOP,
        "conditions": conditions,
        "event": event,
    }


def _callback(
    path: str, resource: str, body: dict[str, Any], delay_ms: int = 0, script: str = ""
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "headers": {
            "Content-Type": f"application/vnd.interoperability.{resource}+json;version=1.1",
            "FSPIOP-Source": "{$config.FSPID}",
            "FSPIOP-Destination": "{$request.headers.fspiop-source}",
            "Date": "{$request.headers.date}",
        },
        "body": body,
    }
    if delay_ms:
        params["delay"] = delay_ms
    if script:
        params["scripts"] = {"exec": [script], "scriptingEngine": "javascript"}
    return {"method": "put", "path": path, "params": params, "type": "FIXED_CALLBACK"}


# The toolkit's script (its JavaScript sandbox) by which the switch remembers a transfer it got.
REMEMBER = (
    "var t = JSON.parse(request.body).transferId;"
    "var known = environment.knownTransfers || [];"
    "if (known.indexOf(t) < 0) { known.push(t); }"
    "environment.knownTransfers = known;"
)


def switch_rules(payee_name: str = "Test Payee") -> dict[str, list[dict[str, Any]]]:
    """A switch that finds every payee, quotes without fees, commits every transfer and
    remembers it (its status query answers COMMITTED; an unknown transfer answers 3208)."""
    party = _callback(
        "/parties/{Type}/{ID}",
        "parties",
        {
            "party": {
                "partyIdInfo": {
                    "partyIdType": "{$request.params.Type}",
                    "partyIdentifier": "{$request.params.ID}",
                    "fspId": PAYEE_FSP,
                },
                "name": payee_name,
            }
        },
    )
    quote = _callback(
        "/quotes/{ID}",
        "quotes",
        {
            "transferAmount": {
                "amount": "{$request.body.amount.amount}",
                "currency": "{$request.body.amount.currency}",
            },
            "payeeReceiveAmount": {
                "amount": "{$request.body.amount.amount}",
                "currency": "{$request.body.amount.currency}",
            },
            "expiration": "{$request.body.expiration}",
            # ilpPacket and condition: the toolkit makes them from the quote (its ILP model).
        },
    )
    committed = {"transferState": "COMMITTED", "completedTimestamp": "{$request.headers.date}"}
    return {
        "callback": [
            _rule("callback", "get party", _conditions("/parties/{Type}/{ID}", "get"), party),
            _rule("callback", "post quote", _conditions("/quotes", "post"), quote),
            _rule(
                "callback",
                "post transfer, remembered",
                _conditions("/transfers", "post"),
                _callback("/transfers/{ID}", "transfers", committed, script=REMEMBER),
            ),
            _rule(
                "callback",
                "get transfer",
                _conditions("/transfers/{ID}", "get"),
                _callback("/transfers/{ID}", "transfers", committed),
            ),
        ],
        "validation": [
            _rule(
                "validation",
                "get transfer it never received",
                _conditions(
                    "/transfers/{ID}",
                    "get",
                    {
                        "fact": "pathParams",
                        "operator": "notIn",
                        "value": "{$environment.knownTransfers}",
                        "path": "ID",
                    },
                ),
                _error_event("3208", "Transfer ID not found"),
            )
        ],
        "response": [],
    }


def _error_event(code: str, text: str, delay_ms: int = 0) -> dict[str, Any]:
    params: dict[str, Any] = {
        "headers": {
            "Content-Type": "application/vnd.interoperability.parties+json;version=1.1",
            "FSPIOP-Source": "{$config.FSPID}",
            "FSPIOP-Destination": "{$request.headers.fspiop-source}",
            "Date": "{$request.headers.date}",
        },
        "body": {"errorInformation": {"errorCode": code, "errorDescription": text}},
    }
    if delay_ms:
        params["delay"] = delay_ms
    return {"method": "put", "path": None, "params": params, "type": "FIXED_ERROR_CALLBACK"}


def error_rule(
    operation: str,
    method: str,
    code: str,
    text: str,
    *conditions: dict[str, Any],
    remember: bool = False,
) -> dict[str, Any]:
    """A validation rule: answer this request with an FSPIOP error callback (.../error);
    ``remember``: the switch keeps the refused transfer (its status query then finds it)."""
    event = _error_event(code, text)
    if remember:
        event["params"]["scripts"] = {"exec": [REMEMBER], "scriptingEngine": "javascript"}
    return _rule(
        "validation",
        f"{method} {operation}: {code}",
        _conditions(operation, method, *conditions),
        event,
        FAULT_PRIORITY,
    )


def no_callback_rule(
    operation: str, method: str, *conditions: dict[str, Any], remember: bool = False
) -> dict[str, Any]:
    """A callback rule: accept the request (202) and never answer it (``remember``: a POST
    /transfers the switch keeps all the same, as a real switch whose callback was lost)."""
    params: dict[str, Any] = {}
    if remember:
        params["scripts"] = {"exec": [REMEMBER], "scriptingEngine": "javascript"}
    return _rule(
        "callback",
        f"{method} {operation}: no callback",
        _conditions(operation, method, *conditions),
        {"method": None, "path": None, "params": params, "type": "NO_CALLBACK"},
        FAULT_PRIORITY,
    )


def status_rule(transfer_id: str, state: str) -> dict[str, Any]:
    """A callback rule: the status query of this transfer answers ``state``."""
    body = {"transferState": state, "completedTimestamp": "{$request.headers.date}"}
    return _rule(
        "callback",
        f"get transfer {transfer_id}: {state}",
        _conditions("/transfers/{ID}", "get", when_id(transfer_id)),
        _callback("/transfers/{ID}", "transfers", body),
        FAULT_PRIORITY,
    )


def delayed_transfer_rule(delay_ms: int, *conditions: dict[str, Any]) -> dict[str, Any]:
    """A callback rule: commit the transfer (and remember it), ``delay_ms`` late."""
    rule = switch_rules()["callback"][2]
    event = json.loads(json.dumps(rule["event"]))
    event["params"]["delay"] = delay_ms
    return _rule(
        "callback",
        f"post transfer, {delay_ms} ms late",
        _conditions("/transfers", "post", *conditions),
        event,
        FAULT_PRIORITY,
    )


def http_error_rule(
    operation: str, method: str, status: int, *conditions: dict[str, Any]
) -> dict[str, Any]:
    """A response rule: answer the request itself with HTTP ``status`` (503: switch down)."""
    body = {"errorInformation": {"errorCode": "2003", "errorDescription": "Service unavailable"}}
    return _rule(
        "response",
        f"{method} {operation}: HTTP {status}",
        _conditions(operation, method, *conditions),
        {
            "method": None,
            "path": None,
            "params": {"body": body, "statusCode": str(status)},
            "type": "FIXED_RESPONSE",
        },
        FAULT_PRIORITY,
    )


# --- a callback receiver for tests and the demo's sender ---------------------------------------

_CALLBACK_PATH = re.compile(
    r"^/fspiop/(?P<kind>parties|quotes|transfers)/(?:MSISDN/)?(?P<id>[^/]+)(?P<error>/error)?$"
)


class CallbackReceiver:
    """The /fspiop/ callback routes on a port of their own, delivering into ``inbox``.

    The same handover as Ikaze's pages (``fspiop_callbacks.receive``) without a database, so
    the adapter's tests need no live Django server.
    """

    def __init__(self, inbox: CallbackInbox, port: int | None = None) -> None:
        self.inbox = inbox
        inbox_ = inbox

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = _CALLBACK_PATH.match(self.path)
                status = 404
                if match:
                    try:
                        taken = inbox_.deliver(
                            match["kind"], match["id"], raw, error=bool(match["error"])
                        )
                        status = 200 if taken else 404
                    except CallbackError:
                        status = 400
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fspiop"

    def start(self) -> CallbackReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running_toolkit(run_dir: Path, inbox: CallbackInbox) -> Iterator[TestingToolkit]:
    """A toolkit acting as the switch, its callbacks delivered into ``inbox``."""
    receiver = CallbackReceiver(inbox).start()
    toolkit = TestingToolkit(run_dir, callback_url=receiver.url)
    try:
        toolkit.start()
        toolkit.behave()
        yield toolkit
    finally:
        toolkit.stop()
        receiver.stop()


# --- the demo ----------------------------------------------------------------------------------

DEMO_PROVIDER_ENV = "IKAZE_DEMO_PAYMENT_PROVIDER"


def demo_switch(bind: str, var_dir: Path) -> TestingToolkit | None:
    """For ``ikaze demo`` configured to pay through Mojaloop (IKAZE_DEMO_PAYMENT_PROVIDER=
    mojaloop): the toolkit as eKash on the adapter's URL (default 127.0.0.1:4040, admin API
    on 5050), calling back the demo's own /fspiop/ routes. None for any other provider."""
    if os.environ.get(DEMO_PROVIDER_ENV, "momo").strip().lower() != "mojaloop":
        return None
    from ikaze.support.providers.mojaloop import from_settings

    url = httpx.URL(from_settings().base_url)
    toolkit = TestingToolkit(
        var_dir / "ttk",
        callback_url=f"http://{bind}/fspiop",
        api_port=url.port or 4040,
        admin_port=int(os.environ.get("IKAZE_DEMO_TTK_ADMIN_PORT", "5050")),
    )
    toolkit.start()
    toolkit.behave()
    return toolkit
