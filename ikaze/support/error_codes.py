"""The error codes of support payments: entitlements, batches, providers, adjustments."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    PHONE_INVALID = "phone_invalid", "The phone number is not a Rwandan mobile number (E3)."
    PAYEE_INACTIVE = "payee_inactive", "The provider says the payee's account cannot receive."
    PROVIDER_UNAVAILABLE = "provider_unavailable", "The provider did not answer; try again."
    NO_ARRIVAL = "no_arrival", "No verified arrival: support starts at check-in (issue 14)."
    NO_RATE = "no_rate", "No exchange rate is recorded for the currency on or before the date."
    NOTHING_TO_PAY = "nothing_to_pay", "No entitlement matches the batch's filters."
    MAKER_IS_CHECKER = "maker_is_checker", "The batch's maker cannot approve it."
    SECOND_FACTOR = "second_factor", "Approval needs a person signed in with a second factor."
    BATCH_STATE = "batch_state", "The batch is not in the state this needs."
    FORBIDDEN_REASON = "forbidden_reason", "Never a reason to reduce or stop support (B8)."
    ADJUSTMENT_STATE = "adjustment_state", "The adjustment is not awaiting approval."
