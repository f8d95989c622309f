"""Errors specific to movements (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import CapacityExceeded, Conflict, RuleBlocked, ValidationError
from ikaze.movements.error_codes import ErrorCode


class NotAccepted(RuleBlocked):
    code = ErrorCode.NOT_ACCEPTED


class AcceptanceExpired(RuleBlocked):
    code = ErrorCode.ACCEPTANCE_EXPIRED


class PersonBlocked(RuleBlocked):
    code = ErrorCode.PERSON_BLOCKED


class AlreadyManifested(Conflict):
    code = ErrorCode.ALREADY_MANIFESTED


class DuplicatePerson(ValidationError):
    code = ErrorCode.DUPLICATE_PERSON


class HouseholdSplit(RuleBlocked):
    code = ErrorCode.HOUSEHOLD_SPLIT


class SeatsExceeded(CapacityExceeded):
    code = ErrorCode.SEATS_EXCEEDED


class NotBoarded(Conflict):
    code = ErrorCode.NOT_BOARDED


class NotArrived(Conflict):
    code = ErrorCode.NOT_ARRIVED


class PaxlstInvalid(ValidationError):
    code = ErrorCode.PAXLST_INVALID


class MrzCheckDigit(ValidationError):
    code = ErrorCode.MRZ_CHECK_DIGIT
