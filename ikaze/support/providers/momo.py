"""MTN MoMo Disbursement API adapter (the API's shape; `momo_simulator` serves it locally).

OAuth token at /disbursement/token/ (Basic auth of the API user and key), then Bearer calls:
account-holder check, `transfer` with `X-Reference-Id` (SAFEGUARDS E1: our stored reference,
reused on every retry; 409 means it was submitted before), status query (E2: the only source of
SUCCESSFUL) and balance. One httpx client per provider keeps its connections alive and is safe
to share between the sender's threads.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
from babel.numbers import get_currency_precision
from django.conf import settings

from ikaze.support.providers.base import (
    PayeeCheck,
    ProviderRefused,
    ProviderUnavailable,
    TransferState,
    TransferStatus,
)

DEFAULTS: dict[str, Any] = {
    "base_url": "http://127.0.0.1:8765",
    "api_user": "ikaze",
    "api_key": "ikaze-local",
    "subscription_key": "ikaze-local",
    "target_environment": "sandbox",
    "timeout": 10.0,
    "connections": 16,
}

_STATES = {
    "SUCCESSFUL": TransferState.SUCCESSFUL,
    "FAILED": TransferState.FAILED,
    "PENDING": TransferState.PENDING,
    "REJECTED": TransferState.FAILED,
    "TIMEOUT": TransferState.FAILED,
}


def to_major(amount_minor: int, currency: str) -> str:
    """Integer minor units as the API's decimal string ("1500" RWF, "12.50" USD) (E4)."""
    digits = get_currency_precision(currency)
    if digits == 0:
        return str(amount_minor)
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{part:0{digits}d}"


def to_minor(text: str, currency: str) -> int:
    """The API's decimal string as integer minor units, refusing more decimals than allowed."""
    digits = get_currency_precision(currency)
    whole, _, part = str(text).strip().partition(".")
    part = part.rstrip("0")
    if len(part) > digits or not (whole.lstrip("-").isdigit() or whole in {"", "-"}):
        raise ValueError(f"not an amount in {currency}: {text!r}")
    sign = -1 if whole.startswith("-") else 1
    return sign * (int(whole.lstrip("-") or "0") * 10**digits + int(part.ljust(digits, "0") or 0))


class MomoProvider:
    name = "momo"

    def __init__(self, **config: Any) -> None:
        self.config = {**DEFAULTS, **config}
        self.base_url = str(self.config["base_url"]).rstrip("/")
        limits = httpx.Limits(
            max_connections=int(self.config["connections"]),
            max_keepalive_connections=int(self.config["connections"]),
        )
        self.client = httpx.Client(
            base_url=self.base_url, timeout=float(self.config["timeout"]), limits=limits
        )
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    # --- HTTP ---------------------------------------------------------------------------------

    def _token_value(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() > self._token_until:
                response = self._call(
                    "POST",
                    "/disbursement/token/",
                    auth=(str(self.config["api_user"]), str(self.config["api_key"])),
                    with_token=False,
                )
                body = response.json()
                self._token = str(body["access_token"])
                self._token_until = time.monotonic() + int(body.get("expires_in", 3600)) - 60
            return self._token

    def _call(
        self, method: str, path: str, *, with_token: bool = True, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        headers["Ocp-Apim-Subscription-Key"] = str(self.config["subscription_key"])
        headers["X-Target-Environment"] = str(self.config["target_environment"])
        if with_token:
            headers["Authorization"] = f"Bearer {self._token_value()}"
        try:
            response = self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:  # time-out, refused connection, broken answer
            raise ProviderUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        if response.status_code == 401 and with_token:
            self._token = None
        if response.status_code >= 500 or response.status_code in {401, 429}:
            raise ProviderUnavailable(f"{method} {path}: HTTP {response.status_code}")
        return response

    @staticmethod
    def _refusal(response: httpx.Response) -> ProviderRefused:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("code") or f"HTTP_{response.status_code}")
        return ProviderRefused(code, str(body.get("message") or response.reason_phrase))

    # --- the interface ------------------------------------------------------------------------

    def check_payee(self, msisdn: str) -> PayeeCheck:
        response = self._call("GET", f"/disbursement/v1_0/accountholder/msisdn/{msisdn}/active")
        if response.status_code == 404:
            return PayeeCheck(active=False, name=None, reason="NOT_FOUND: no such account")
        if response.status_code != 200:
            raise self._refusal(response)
        if not response.json().get("result"):
            return PayeeCheck(active=False, name=None, reason="NOT_ACTIVE: the account is closed")
        info = self._call("GET", f"/disbursement/v1_0/accountholder/msisdn/{msisdn}/basicuserinfo")
        name = None
        if info.status_code == 200:
            data = info.json()
            name = " ".join(p for p in (data.get("given_name"), data.get("family_name")) if p)
        return PayeeCheck(active=True, name=name or None, reason=None)

    def submit(
        self, *, reference_id: uuid.UUID, msisdn: str, amount_minor: int, currency: str, note: str
    ) -> TransferStatus:
        body = {
            "amount": to_major(amount_minor, currency),
            "currency": currency,
            "externalId": str(reference_id),
            "payee": {"partyIdType": "MSISDN", "partyId": msisdn},
            "payerMessage": note[:160],
            "payeeNote": note[:160],
        }
        response = self._call(
            "POST",
            "/disbursement/v1_0/transfer",
            headers={"X-Reference-Id": str(reference_id)},
            json=body,
        )
        if response.status_code in {200, 201, 202, 409}:  # E1: 409 = submitted before
            return TransferStatus(
                state=TransferState.SUBMITTED,
                provider_ref=None,
                amount_minor=None,
                currency=None,
                reason=None,
            )
        raise self._refusal(response)

    def status(self, reference_id: uuid.UUID) -> TransferStatus:
        response = self._call("GET", f"/disbursement/v1_0/transfer/{reference_id}")
        if response.status_code == 404:
            raise ProviderRefused("RESOURCE_NOT_FOUND", "the provider has no such transfer")
        if response.status_code != 200:
            raise self._refusal(response)
        data = response.json()
        currency = str(data.get("currency") or "")
        amount = data.get("amount")
        reason = data.get("reason")
        if isinstance(reason, dict):
            reason = f"{reason.get('code', '')}: {reason.get('message', '')}"
        return TransferStatus(
            state=_STATES.get(str(data.get("status")), TransferState.PENDING),
            provider_ref=data.get("financialTransactionId") or None,
            amount_minor=to_minor(str(amount), currency)
            if amount is not None and currency
            else None,
            currency=currency or None,
            reason=str(reason) if reason else None,
        )

    def balance(self) -> tuple[int, str]:
        response = self._call("GET", "/disbursement/v1_0/account/balance")
        if response.status_code != 200:
            raise self._refusal(response)
        data = response.json()
        currency = str(data["currency"])
        return to_minor(str(data["availableBalance"]), currency), currency


def from_settings() -> MomoProvider:
    """The provider as settings.IKAZE_PAYMENT_PROVIDERS["momo"] configures it."""
    config = getattr(settings, "IKAZE_PAYMENT_PROVIDERS", {}).get("momo", {})
    return MomoProvider(**config)
