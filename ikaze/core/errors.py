"""Typed errors with stable codes. Services raise them; interfaces render them.

Every error carries a machine code, a human message and details (field -> reasons, or row/column
for files), which the API renders as {"error": {"code", "message", "details"}} and pages render
as field errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class IkazeError(Exception):
    code: str = "error"
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
        return {"error": {"code": self.code, "message": str(self.message), "details": self.details}}


class ValidationError(IkazeError):
    """Input is wrong; `details` maps each field to its reasons."""

    code = "invalid"
    status = 422

    @classmethod
    def for_field(cls, field: str, reason: str, *, code: str = "invalid") -> ValidationError:
        return cls(f"{field}: {reason}", code=code, details={field: [str(reason)]})


class NotFound(IkazeError):
    """The object does not exist or the actor may not know it exists (never a leak)."""

    code = "not_found"
    status = 404


class PermissionDenied(IkazeError):
    code = "forbidden"
    status = 403


class Conflict(IkazeError):
    """The object changed under the actor (optimistic version) or a uniqueness rule."""

    code = "conflict"
    status = 409


class IllegalTransition(IkazeError):
    code = "illegal_transition"
    status = 409


class RuleBlocked(IkazeError):
    """A safeguard blocks the action."""

    code = "blocked"
    status = 409


class CapacityExceeded(IkazeError):
    code = "cap_reached"
    status = 409
