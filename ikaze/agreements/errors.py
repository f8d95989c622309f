"""Errors specific to agreements (stable codes the API and the pages show)."""

from __future__ import annotations

from typing import Any

from ikaze.agreements.error_codes import ErrorCode
from ikaze.core.errors import (
    CapacityExceeded,
    Conflict,
    PermissionDenied,
    RuleBlocked,
    ValidationError,
)


class AgreementNotInForce(RuleBlocked):
    """No referral, manifest or place under an agreement that is not in force (or, on a given
    day, outside its validity): the one error of `services.agreement_in_force_require`."""

    code = ErrorCode.AGREEMENT_NOT_IN_FORCE


class NoCapPeriod(CapacityExceeded):
    """The agreement has cap periods and none covers the date."""

    code = ErrorCode.NO_CAP_PERIOD


class StaleVersion(Conflict):
    """Someone else changed the agreement since the form or request was prepared."""

    code = ErrorCode.STALE_VERSION


class PaymentNotAllowed(RuleBlocked):
    """Inter-state payments are recorded only once an agreement has been signed."""

    code = ErrorCode.AGREEMENT_NOT_SIGNED


class NotAParty(PermissionDenied):
    """Issue 9 item 10: officers act only on agreements their state is a party to."""

    code = ErrorCode.NOT_A_PARTY

    def __init__(self, message: str, *, details: dict[str, Any], target_id: object = "") -> None:
        super().__init__(message, details=details)
        self.perm = "agreement.party"
        self.target_type = "agreement"
        self.target_id = str(target_id or "")


class PaymentCurrencyMismatch(ValidationError):
    """One currency per schedule line: another currency needs a recorded exchange rate."""

    code = ErrorCode.PAYMENT_CURRENCY_MISMATCH


class PaymentAlreadyReversed(Conflict):
    """A payment is reversed once; a second reversal would count it back twice."""

    code = ErrorCode.PAYMENT_ALREADY_REVERSED


class PaymentIsReversal(Conflict):
    """A reversal stands; the payment it took back is recorded again as a new payment."""

    code = ErrorCode.PAYMENT_IS_REVERSAL
