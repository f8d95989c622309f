"""Errors specific to personal data (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import Conflict, RuleBlocked, ValidationError
from ikaze.privacy.error_codes import ErrorCode


class NoExportBasis(RuleBlocked):
    code = ErrorCode.NO_EXPORT_BASIS


class UnderLegalHold(RuleBlocked):
    code = ErrorCode.UNDER_LEGAL_HOLD


class RequestClosed(Conflict):
    code = ErrorCode.REQUEST_CLOSED


class AlreadyErased(Conflict):
    code = ErrorCode.ALREADY_ERASED


class BreachClock(ValidationError):
    code = ErrorCode.BREACH_CLOCK
