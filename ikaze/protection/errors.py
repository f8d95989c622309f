"""Errors specific to protection (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import (
    Conflict,
    IllegalTransition,
    PermissionDenied,
    RuleBlocked,
    ValidationError,
)
from ikaze.protection.error_codes import ErrorCode


class CaseClosed(IllegalTransition):
    code = ErrorCode.CASE_CLOSED


class NotFinal(RuleBlocked):
    code = ErrorCode.NOT_FINAL


class NoBriefing(RuleBlocked):
    code = ErrorCode.NO_BRIEFING


class NoRepresentation(ValidationError):
    code = ErrorCode.NO_REPRESENTATION


class NotReasoned(ValidationError):
    code = ErrorCode.NOT_REASONED


class NotUnderstood(RuleBlocked):
    code = ErrorCode.NOT_UNDERSTOOD


class StageOrder(IllegalTransition):
    code = ErrorCode.STAGE_ORDER


class RemovalBlocked(RuleBlocked):
    code = ErrorCode.REMOVAL_BLOCKED


class Refoulement(RuleBlocked):
    code = ErrorCode.REFOULEMENT


class ReasonForbidden(RuleBlocked):
    code = ErrorCode.REASON_FORBIDDEN


class SelfServiceRefused(PermissionDenied):
    code = ErrorCode.SELF_SERVICE_REFUSED


class MonitorRevocation(PermissionDenied):
    code = ErrorCode.MONITOR_REVOCATION


class RequestDecided(Conflict):
    code = ErrorCode.REQUEST_DECIDED
