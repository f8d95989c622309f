"""Errors specific to reception (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import CapacityExceeded, Conflict, RuleBlocked
from ikaze.reception.error_codes import ErrorCode


class NoBed(CapacityExceeded):
    code = ErrorCode.NO_BED


class UnitUnavailable(Conflict):
    code = ErrorCode.UNIT_UNAVAILABLE


class UnitUnsuitable(RuleBlocked):
    code = ErrorCode.UNIT_UNSUITABLE


class AlreadyCheckedIn(Conflict):
    code = ErrorCode.ALREADY_CHECKED_IN


class IdempotencyReused(Conflict):
    code = ErrorCode.IDEMPOTENCY_REUSED


class StayClosed(Conflict):
    code = ErrorCode.STAY_CLOSED


class NoPlacement(RuleBlocked):
    code = ErrorCode.NO_PLACEMENT
