"""The error codes of reception: beds, units, stays, allocation."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    NO_BED = "no_bed", "The unit has no free bed left for everyone named."
    UNIT_UNAVAILABLE = "unit_unavailable", "The unit is under maintenance or closed."
    UNIT_UNSUITABLE = "unit_unsuitable", "The unit does not fit the household (sex, need, family)."
    ALREADY_CHECKED_IN = "already_checked_in", "The person was checked in elsewhere meanwhile."
    IDEMPOTENCY_REUSED = "idempotency_reused", "The idempotency key was used for another check-in."
    STAY_CLOSED = "stay_closed", "The stay is already closed."
    NO_PLACEMENT = "no_placement", "No placement satisfies every constraint."
