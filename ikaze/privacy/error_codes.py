"""The error codes of personal data: export bases, requests, holds and purges, breaches."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    NO_EXPORT_BASIS = "no_export_basis", "An export out of the receiving state has no legal basis."
    UNDER_LEGAL_HOLD = "under_legal_hold", "A legal hold suspends the purge of this person's data."
    REQUEST_CLOSED = "request_closed", "The data-subject request was already answered."
    ALREADY_ERASED = "already_erased", "The person's sensitive data was already destroyed."
    BREACH_CLOCK = "breach_clock", "A breach's notice or report time is not valid."
