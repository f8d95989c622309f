"""The one interface every payment provider adapter implements (SAFEGUARDS E1-E4).

E1: the caller makes the reference id and stores it before the first call; a provider answers
409 (already submitted) as a normal SUBMITTED. E2: only ``status`` may report SUCCESSFUL as a
fact the caller relies on. E4: amounts are integer minor units.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class PayeeCheck:
    active: bool  # account exists and can receive
    name: str | None  # holder name if the provider tells it
    reason: str | None  # why not, if not active (a provider code + text)


class TransferState(StrEnum):
    SUBMITTED = "submitted"
    PENDING = "pending"
    SUCCESSFUL = "successful"
    FAILED = "failed"


@dataclass(frozen=True)
class TransferStatus:
    state: TransferState
    provider_ref: str | None  # the provider's own id (financialTransactionId / transferId)
    amount_minor: int | None  # as the provider reports it (to compare with ours)
    currency: str | None
    reason: str | None  # failure code + text


class ProviderUnavailable(Exception):
    """Time-out, 5xx, connection error: the state is unknown, retry later."""


class ProviderRefused(Exception):
    """A definitive refusal by the provider."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PaymentProvider(Protocol):
    name: str

    def check_payee(self, msisdn: str) -> PayeeCheck: ...

    def submit(
        self, *, reference_id: uuid.UUID, msisdn: str, amount_minor: int, currency: str, note: str
    ) -> TransferStatus: ...  # 409 = already submitted

    def status(self, reference_id: uuid.UUID) -> TransferStatus: ...

    def balance(self) -> tuple[int, str]: ...  # (amount_minor, currency)


# name -> "module:factory"; each factory reads its own settings (URLs, credentials).
_REGISTRY: dict[str, str] = {
    "momo": "ikaze.support.providers.momo:from_settings",
    "mojaloop": "ikaze.support.providers.mojaloop:from_settings",
}


def provider_names() -> list[str]:
    return sorted(_REGISTRY)


def provider_for(name: str) -> PaymentProvider:
    """The provider registered under ``name``; settings decide its URLs and credentials."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unknown payment provider {name!r}") from None
    module_name, _, factory = target.partition(":")
    module = importlib.import_module(module_name)
    provider: PaymentProvider = getattr(module, factory)()
    return provider
