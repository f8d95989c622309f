"""The error codes of agreements: status, caps, versions, parties, payments (issue 10 item 4)."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    AGREEMENT_NOT_IN_FORCE = (
        "agreement_not_in_force",
        "The agreement is not in force (or the day is outside its validity): no referral, "
        "manifest or place under it.",
    )
    NO_CAP_PERIOD = "no_cap_period", "The agreement has cap periods and none covers the date."
    STALE_VERSION = "stale_version", "Someone changed the agreement since the version you sent."
    AGREEMENT_NOT_SIGNED = (
        "agreement_not_signed",
        "Inter-state payments are recorded only once the agreement has been signed.",
    )
    NOT_A_PARTY = "not_a_party", "The caller's state is not a party to the agreement."
    PAYMENT_CURRENCY_MISMATCH = (
        "payment_currency_mismatch",
        "The payment's currency is not its schedule line's and no exchange rate (with its date "
        "and source) is recorded.",
    )
    PAYMENT_ALREADY_REVERSED = (
        "payment_already_reversed",
        "The payment has been reversed already; record a new payment instead.",
    )
    PAYMENT_IS_REVERSAL = (
        "payment_is_reversal",
        "A reversal cannot be reversed; record the payment again instead.",
    )
