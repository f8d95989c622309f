"""Errors specific to support payments (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import Conflict, IllegalTransition, RuleBlocked
from ikaze.core.errors import ValidationError as _ValidationError
from ikaze.support.error_codes import ErrorCode


class PhoneInvalid(_ValidationError):
    code = ErrorCode.PHONE_INVALID


class PayeeInactive(RuleBlocked):
    code = ErrorCode.PAYEE_INACTIVE


class ProviderDown(Conflict):
    code = ErrorCode.PROVIDER_UNAVAILABLE
    status = 503


class NoArrival(RuleBlocked):
    code = ErrorCode.NO_ARRIVAL


class NoRate(RuleBlocked):
    code = ErrorCode.NO_RATE


class NothingToPay(_ValidationError):
    code = ErrorCode.NOTHING_TO_PAY


# Maker-checker is a rule of the batch, not a permission of the role (the approver holds it):
# 409, recorded as a refusal like every broken rule.
class MakerIsChecker(RuleBlocked):
    code = ErrorCode.MAKER_IS_CHECKER


class SecondFactorMissing(RuleBlocked):
    """Approval by a named person signed in with a second factor (never a token)."""

    code = ErrorCode.SECOND_FACTOR


class BatchState(IllegalTransition):
    code = ErrorCode.BATCH_STATE


class ForbiddenReason(RuleBlocked):
    code = ErrorCode.FORBIDDEN_REASON


class AdjustmentState(IllegalTransition):
    code = ErrorCode.ADJUSTMENT_STATE
