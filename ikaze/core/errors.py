"""Typed errors with stable codes. Services raise them; interfaces render them.

Every error carries a machine code, a human message and details (field -> reasons, or row/column
for files), which the API renders as {"error": {"code", "message", "details"}} and pages render
as field errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ikaze.core.error_codes import ErrorCode


class IkazeError(Exception):
    code: str = ErrorCode.ERROR
    status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": {"code": str(self.code), "message": str(self.message), "details": self.details}
        }


class ValidationError(IkazeError):
    """Input is wrong; `details` maps each field to its reasons."""

    code: str = ErrorCode.INVALID
    status = 422

    @classmethod
    def for_field(
        cls, field: str, reason: str, *, code: str = ErrorCode.INVALID
    ) -> ValidationError:
        return cls(f"{field}: {reason}", code=code, details={field: [str(reason)]})


class NotFound(IkazeError):
    """The object does not exist or the actor may not know it exists (never a leak)."""

    code: str = ErrorCode.NOT_FOUND
    status = 404


class PermissionDenied(IkazeError):
    code: str = ErrorCode.FORBIDDEN
    status = 403


class Conflict(IkazeError):
    """The object changed under the actor (optimistic version) or a uniqueness rule."""

    code: str = ErrorCode.CONFLICT
    status = 409


class IllegalTransition(IkazeError):
    code: str = ErrorCode.ILLEGAL_TRANSITION
    status = 409


class RuleBlocked(IkazeError):
    """A safeguard blocks the action."""

    code: str = ErrorCode.BLOCKED
    status = 409


class CapacityExceeded(IkazeError):
    code: str = ErrorCode.CAP_REACHED
    status = 409
