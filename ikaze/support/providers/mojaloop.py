"""Mojaloop (FSPIOP 1.1) adapter: Rwanda's national switch eKash, as a payer DFSP.

Ikaze speaks the FSPIOP API itself (docs/adr/0025-mojaloop-fspiop-callbacks.md): party
lookup (GET /parties/MSISDN/{id}), quote (POST /quotes), transfer (POST /transfers) and status
query (GET /transfers/{id}). The switch answers each with 202 Accepted and the result arrives
later as a PUT callback to Ikaze's /fspiop/ routes (``fspiop_callbacks``), which drop it in the
``CallbackInbox`` this adapter waits on.

SAFEGUARDS E1-E4 here:
- E1: the transferId is the caller's reference id. ``submit`` asks the switch first
  (GET /transfers/{id}); only a transfer the switch does not know (3208) is posted, so a retry
  after a time-out never posts a second transfer; "already exists"/"modified request" (3106,
  HTTP 409) answers SUBMITTED.
- E2: only ``status`` (or the switch's answer to that same query made by ``submit``) reports
  SUCCESSFUL; the callback to a POST /transfers reports at most SUBMITTED.
- E3: the number is E.164 (``phonenumbers``) and the party lookup tells whether it can receive.
- E4: amounts are integer minor units in Ikaze and decimal strings on the wire; eKash's limit of
  2,000,000 RWF per transfer is refused before any call.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import phonenumbers
from babel.numbers import get_currency_precision

from ikaze.support.providers.base import (
    PayeeCheck,
    ProviderRefused,
    ProviderUnavailable,
    TransferState,
    TransferStatus,
)

FSPIOP_VERSION = "1.1"
# eKash's cap on one transfer (issue 14), in minor units of RWF (no decimals in RWF).
EKASH_MAX_TRANSFER_MINOR = {"RWF": 2_000_000}

# FSPIOP error codes Ikaze tells apart (Mojaloop API definition, section 7.6).
PARTY_NOT_FOUND = "3204"
TRANSFER_NOT_FOUND = "3208"
# How every adapter tells "the provider does not know this reference id" (MoMo's code; the
# reconciliation reads it as "unknown at the provider").
NOT_FOUND = "RESOURCE_NOT_FOUND"
MODIFIED_REQUEST = "3106"  # same id, different content: the switch already has this transfer
DUPLICATE_CODES = frozenset({MODIFIED_REQUEST})
# 1xxx communication, 2xxx server errors: the state is unknown, try again later.
_UNAVAILABLE_PREFIXES = ("1", "2")

_KINDS = ("parties", "quotes", "transfers")
_IDENT = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class CallbackError(ValueError):
    """A callback Ikaze cannot take: the kind or id is malformed, or its body is not JSON."""


@dataclass(frozen=True)
class Callback:
    body: dict[str, Any]
    error: bool  # it came to the .../error route (errorInformation in the body)

    @property
    def error_code(self) -> str | None:
        info = self.body.get("errorInformation") or {}
        code = info.get("errorCode")
        return str(code) if code is not None else None

    @property
    def error_text(self) -> str:
        info = self.body.get("errorInformation") or {}
        return f"{info.get('errorCode', '?')}: {info.get('errorDescription', '')}".strip()


class CallbackInbox:
    """Where FSPIOP callbacks wait for the adapter call that asked for them.

    A folder shared by the web process that receives the callback and the process that sends
    (the payment job): one file per awaited answer. A callback nobody waits for is refused, so
    the switch (or anyone else) cannot leave answers to questions Ikaze never asked.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, kind: str, ident: str, suffix: str) -> Path:
        if kind not in _KINDS or not _IDENT.match(ident):
            raise CallbackError(f"not an FSPIOP callback: {kind}/{ident}")
        return self.folder / f"{kind}-{ident.lower()}.{suffix}"

    def expect(self, kind: str, ident: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._path(kind, ident, "json").unlink(missing_ok=True)
        self._path(kind, ident, "wait").touch()

    def forget(self, kind: str, ident: str) -> None:
        self._path(kind, ident, "wait").unlink(missing_ok=True)
        self._path(kind, ident, "json").unlink(missing_ok=True)

    def deliver(self, kind: str, ident: str, raw: bytes, *, error: bool) -> bool:
        """Keep a callback's body for the waiting call; False when nobody waits for it."""
        target = self._path(kind, ident, "json")
        if not self._path(kind, ident, "wait").exists():
            return False
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CallbackError(f"the body of {kind}/{ident} is not JSON") from exc
        if not isinstance(body, dict):
            raise CallbackError(f"the body of {kind}/{ident} is not a JSON object")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".cb-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"error": error, "body": body}, fh)
        os.replace(tmp, target)
        return True

    def wait(self, kind: str, ident: str, timeout: float) -> Callback | None:
        """The callback once it has come, or None after ``timeout`` seconds."""
        target = self._path(kind, ident, "json")
        deadline = time.monotonic() + timeout
        while True:
            if target.exists():
                data = json.loads(target.read_text(encoding="utf-8"))
                self.forget(kind, ident)
                return Callback(body=data["body"], error=bool(data["error"]))
            if time.monotonic() >= deadline:
                self.forget(kind, ident)
                return None
            time.sleep(0.02)


def party_id(msisdn: str) -> str:
    """The MSISDN as FSPIOP names it (E.164 digits, no "+"); ProviderRefused if not a number."""
    try:
        number = phonenumbers.parse(msisdn, None if msisdn.startswith("+") else "RW")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ProviderRefused("invalid_msisdn", f"{msisdn!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def wire_amount(amount_minor: int, currency: str) -> str:
    """Integer minor units as FSPIOP's amount string: no exponent, no trailing zeros."""
    if amount_minor < 0:
        raise ProviderRefused("invalid_amount", "an amount cannot be negative")
    value = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def minor_units(amount: str, currency: str) -> int:
    """FSPIOP's amount string as integer minor units (exact; a finer amount is refused)."""
    try:
        scaled = Decimal(amount).scaleb(get_currency_precision(currency))
    except InvalidOperation:
        raise ProviderRefused("invalid_amount", f"{amount!r} is not an amount") from None
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise ProviderRefused("invalid_amount", f"{amount} {currency} has too many decimals")
    return int(scaled)


def _state_of(transfer_state: str | None) -> TransferState:
    return {
        "COMMITTED": TransferState.SUCCESSFUL,
        "ABORTED": TransferState.FAILED,
        "RESERVED": TransferState.PENDING,
        "RECEIVED": TransferState.PENDING,
    }.get(transfer_state or "", TransferState.PENDING)


class MojaloopProvider:
    """A payer DFSP talking FSPIOP to the switch at ``base_url``."""

    name = "mojaloop"

    def __init__(
        self,
        *,
        base_url: str,
        fsp_id: str,
        inbox: CallbackInbox,
        callback_timeout: float = 10.0,
        http_timeout: float = 5.0,
        payer_msisdn: str | None = None,
        limits: dict[str, int] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.fsp_id = fsp_id
        self.inbox = inbox
        self.callback_timeout = callback_timeout
        self.payer_msisdn = payer_msisdn
        self.limits = EKASH_MAX_TRANSFER_MINOR if limits is None else limits
        self._http = httpx.Client(timeout=http_timeout, transport=transport)
        # FSPIOP names a callback by the resource only (PUT /parties/MSISDN/{id}): two threads
        # asking about one payee (two entitlements of one household head) take turns.
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _turn(self, kind: str, ident: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault((kind, ident.lower()), threading.Lock())

    # --- the wire ----------------------------------------------------------------------------

    def _headers(self, resource: str, destination: str | None) -> dict[str, str]:
        media = f"application/vnd.interoperability.{resource}+json;version={FSPIOP_VERSION}"
        headers = {
            "Accept": media,
            "Content-Type": media,
            "Date": format_datetime(datetime.now(UTC), usegmt=True),
            "FSPIOP-Source": self.fsp_id,
        }
        if destination:
            headers["FSPIOP-Destination"] = destination
        return headers

    def _ask(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        ident: str,
        destination: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> Callback | None:
        """Send one FSPIOP request and wait for its callback (None: it did not come in time)."""
        with self._turn(kind, ident):
            return self._ask_now(
                method, path, kind=kind, ident=ident, destination=destination, body=body
            )

    def _ask_now(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        ident: str,
        destination: str | None,
        body: dict[str, Any] | None,
    ) -> Callback | None:
        self.inbox.expect(kind, ident)
        try:
            response = self._http.request(
                method,
                self.base_url + path,
                headers=self._headers(kind, destination),
                content=None if body is None else json.dumps(body),
            )
        except httpx.HTTPError as exc:
            self.inbox.forget(kind, ident)
            raise ProviderUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        if response.status_code != 202:
            self.inbox.forget(kind, ident)
            self._raise_for(method, path, response)
        return self.inbox.wait(kind, ident, self.callback_timeout)

    @staticmethod
    def _raise_for(method: str, path: str, response: httpx.Response) -> None:
        code = str(response.status_code)
        text = response.reason_phrase
        try:
            info = response.json().get("errorInformation") or {}
            code = str(info.get("errorCode") or code)
            text = str(info.get("errorDescription") or text)
        except (ValueError, AttributeError):
            pass
        if response.status_code >= 500 or code.startswith(_UNAVAILABLE_PREFIXES):
            raise ProviderUnavailable(f"{method} {path}: {code} {text}")
        if response.status_code == 409 or code in DUPLICATE_CODES:
            raise _AlreadySubmitted(code)
        raise ProviderRefused(code, text)

    @staticmethod
    def _refuse_or_retry(callback: Callback) -> None:
        code = callback.error_code or "?"
        if code.startswith(_UNAVAILABLE_PREFIXES):
            raise ProviderUnavailable(callback.error_text)
        raise ProviderRefused(code, callback.error_text)

    # --- PaymentProvider -----------------------------------------------------------------------

    def _lookup(self, msisdn: str) -> tuple[PayeeCheck, str | None]:
        ident = party_id(msisdn)
        callback = self._ask("GET", f"/parties/MSISDN/{ident}", kind="parties", ident=ident)
        if callback is None:
            raise ProviderUnavailable(f"no answer to the party lookup of {ident}")
        if callback.error:
            if callback.error_code == PARTY_NOT_FOUND:
                return PayeeCheck(active=False, name=None, reason=callback.error_text), None
            self._refuse_or_retry(callback)
        party = callback.body.get("party") or {}
        info = party.get("partyIdInfo") or {}
        name = party.get("name")
        complex_name = (party.get("personalInfo") or {}).get("complexName") or {}
        if not name and complex_name:
            parts = (complex_name.get(k) for k in ("firstName", "middleName", "lastName"))
            name = " ".join(p for p in parts if p) or None
        return PayeeCheck(active=True, name=name, reason=None), info.get("fspId")

    def check_payee(self, msisdn: str) -> PayeeCheck:
        return self._lookup(msisdn)[0]

    def status(self, reference_id: uuid.UUID) -> TransferStatus:
        found = self._query(reference_id)
        if found is None:
            raise ProviderRefused(NOT_FOUND, f"3208: the switch has no transfer {reference_id}")
        return found

    def _query(self, reference_id: uuid.UUID) -> TransferStatus | None:
        """The switch's state of the transfer; None when it does not know it (3208)."""
        ident = str(reference_id)
        callback = self._ask("GET", f"/transfers/{ident}", kind="transfers", ident=ident)
        if callback is None:
            raise ProviderUnavailable(f"no answer to the status query of {ident}")
        if callback.error:
            if callback.error_code == TRANSFER_NOT_FOUND:
                return None
            self._refuse_or_retry(callback)
        state = _state_of(callback.body.get("transferState"))
        return TransferStatus(
            state=state, provider_ref=ident, amount_minor=None, currency=None, reason=None
        )

    def submit(
        self, *, reference_id: uuid.UUID, msisdn: str, amount_minor: int, currency: str, note: str
    ) -> TransferStatus:
        limit = self.limits.get(currency)
        if limit is not None and amount_minor > limit:
            raise ProviderRefused(
                "over_switch_limit",
                f"{amount_minor} {currency} is over the switch's limit of {limit} per transfer",
            )
        amount = wire_amount(amount_minor, currency)  # refuses a negative amount first
        if amount_minor == 0:
            raise ProviderRefused("invalid_amount", "a transfer needs an amount above zero")
        ident = party_id(msisdn)
        # E1: a transfer the switch already has is never posted again.
        known = self._query(reference_id)
        if known is not None:
            return known
        payee, payee_fsp = self._lookup(msisdn)
        if not payee.active or not payee_fsp:
            raise ProviderRefused(PARTY_NOT_FOUND, payee.reason or f"no account for {ident}")
        quote = self._quote(reference_id, ident, payee_fsp, amount, currency, note)
        transfer = {
            "transferId": str(reference_id),
            "payerFsp": self.fsp_id,
            "payeeFsp": payee_fsp,
            "amount": {"amount": amount, "currency": currency},
            "ilpPacket": quote["ilpPacket"],
            "condition": quote["condition"],
            "expiration": _expiration(),
        }
        try:
            callback = self._ask(
                "POST",
                "/transfers",
                kind="transfers",
                ident=str(reference_id),
                destination=payee_fsp,
                body=transfer,
            )
        except _AlreadySubmitted:
            return _submitted(reference_id)
        if callback is None:
            raise ProviderUnavailable(f"no answer to transfer {reference_id}; query it later")
        if callback.error:
            if callback.error_code in DUPLICATE_CODES:
                return _submitted(reference_id)
            # 4001 (payer's liquidity), 5xxx (payee refused)...: this transfer will not happen.
            self._refuse_or_retry(callback)
        if callback.body.get("transferState") == "ABORTED":
            raise ProviderRefused("ABORTED", f"the switch aborted transfer {reference_id}")
        # E2: what the callback says (even COMMITTED) is confirmed by a status query only.
        return _submitted(reference_id)

    def _quote(
        self,
        reference_id: uuid.UUID,
        ident: str,
        payee_fsp: str,
        amount: str,
        currency: str,
        note: str,
    ) -> dict[str, Any]:
        quote_id = str(uuid.uuid4())
        request = {
            "quoteId": quote_id,
            "transactionId": str(reference_id),
            "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": ident}},
            "payer": {
                "partyIdInfo": {
                    "partyIdType": "MSISDN" if self.payer_msisdn else "BUSINESS",
                    "partyIdentifier": self.payer_msisdn or self.fsp_id,
                    "fspId": self.fsp_id,
                }
            },
            "amountType": "SEND",
            "amount": {"amount": amount, "currency": currency},
            "transactionType": {
                "scenario": "TRANSFER",
                "initiator": "PAYER",
                "initiatorType": "BUSINESS",
            },
            "note": note[:128],
        }
        callback = self._ask(
            "POST", "/quotes", kind="quotes", ident=quote_id, destination=payee_fsp, body=request
        )
        if callback is None:
            raise ProviderUnavailable(f"no answer to the quote for transfer {reference_id}")
        if callback.error:
            self._refuse_or_retry(callback)
        body = callback.body
        quoted = body.get("transferAmount") or {}
        if quoted.get("currency") != currency or minor_units(
            str(quoted.get("amount")), currency
        ) != minor_units(amount, currency):
            raise ProviderRefused(
                "quote_differs",
                f"the switch quoted {quoted.get('amount')} {quoted.get('currency')} "
                f"for {amount} {currency}",
            )
        if not body.get("ilpPacket") or not body.get("condition"):
            raise ProviderRefused("quote_incomplete", "the quote has no ILP packet or condition")
        return body

    def balance(self) -> tuple[int, str]:
        """FSPIOP gives a participant no balance query: the hub reports positions and
        liquidity through its own settlement reports, outside this API. Reconciliation lists
        the balance as unchecked for this provider (ADR 0025)."""
        raise ProviderRefused("unsupported", "the FSPIOP API has no balance query")


class _AlreadySubmitted(Exception):
    """The switch answered 409 / 3106: it already has this transfer id."""


def _submitted(reference_id: uuid.UUID) -> TransferStatus:
    return TransferStatus(
        state=TransferState.SUBMITTED,
        provider_ref=str(reference_id),
        amount_minor=None,
        currency=None,
        reason=None,
    )


def _expiration() -> str:
    moment = datetime.now(UTC) + timedelta(minutes=5)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def inbox_from_settings() -> CallbackInbox:
    """The inbox folder: settings' IKAZE_PAYMENT_PROVIDERS["mojaloop"]["callback_dir"], else
    IKAZE_MOJALOOP_CALLBACK_DIR, else ``fspiop/`` in Ikaze's var folder."""
    from django.conf import settings

    config = getattr(settings, "IKAZE_PAYMENT_PROVIDERS", {}).get("mojaloop", {})
    folder = config.get("callback_dir") or os.environ.get("IKAZE_MOJALOOP_CALLBACK_DIR")
    return CallbackInbox(Path(folder) if folder else Path(settings.VAR_DIR) / "fspiop")


def from_settings() -> MojaloopProvider:
    """The provider as settings.IKAZE_PAYMENT_PROVIDERS["mojaloop"] configures it.

    Keys (each also from the environment when settings lack it): ``base_url``
    (IKAZE_MOJALOOP_URL; default the Testing Toolkit on 127.0.0.1:4040), ``fsp_id``
    (IKAZE_MOJALOOP_FSP_ID; default "ikaze"), ``callback_timeout`` in seconds
    (IKAZE_MOJALOOP_CALLBACK_TIMEOUT; default 10), ``payer_msisdn`` (IKAZE_MOJALOOP_PAYER_MSISDN).
    """
    from django.conf import settings

    config = getattr(settings, "IKAZE_PAYMENT_PROVIDERS", {}).get("mojaloop", {})

    def setting(key: str, default: str) -> str:
        value = config.get(key) or os.environ.get(f"IKAZE_MOJALOOP_{key.upper()}") or default
        return str(value)

    return MojaloopProvider(
        base_url=setting("base_url", "http://127.0.0.1:4040"),
        fsp_id=fsp_id(),
        inbox=inbox_from_settings(),
        callback_timeout=float(setting("callback_timeout", "10")),
        payer_msisdn=setting("payer_msisdn", "") or None,
    )


def fsp_id() -> str:
    """Ikaze's participant id at the switch (FSPIOP-Source of its requests)."""
    from django.conf import settings

    config = getattr(settings, "IKAZE_PAYMENT_PROVIDERS", {}).get("mojaloop", {})
    return str(config.get("fsp_id") or os.environ.get("IKAZE_MOJALOOP_FSP_ID") or "ikaze")
