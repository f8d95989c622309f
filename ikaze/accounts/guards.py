"""Permission gates. Services call `require`; interfaces record the refusal.

Also the probe record: a lookup of an object that exists outside the actor's scope answers
"not found" like any other, and the interface records it (`scoped_get`, `record_probe`).

A refusal must change nothing, yet be on record as a security event. The service raises
`PermissionDenied` before writing anything; its transaction rolls back; the interface that
caught it (page, API, command) then calls `record_denial`, outside the rolled-back transaction.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.error_codes import ErrorCode
from ikaze.audit.services import audit_security
from ikaze.core.errors import NotFound, PermissionDenied


class Denied(PermissionDenied):
    def __init__(self, perm: Perm, *, target_type: str = "", target_id: Any = "") -> None:
        super().__init__(
            "You do not have permission to do this.",
            details={"permission": str(perm)},
        )
        self.perm = perm
        self.target_type = target_type
        self.target_id = str(target_id or "")


class SecondFactorRequired(Denied):
    """SAFEGUARDS F6: a privileged role has given its password but not its second factor."""

    code = ErrorCode.TWO_FACTOR_REQUIRED

    def __init__(self, perm: Perm, *, target_type: str = "", target_id: Any = "") -> None:
        super().__init__(perm, target_type=target_type, target_id=target_id)
        self.message = "Complete two-factor sign-in first."


def require(
    actor: Actor | None, perm: Perm, *, target_type: str = "", target_id: Any = ""
) -> Actor:
    """Return the actor if it holds `perm`; otherwise raise `Denied` (`SecondFactorRequired`
    for a privileged person who has not completed the second factor)."""
    if actor is not None and actor.awaiting_second_factor:
        raise SecondFactorRequired(perm, target_type=target_type, target_id=target_id)
    if actor is None or not actor.can(perm):
        raise Denied(perm, target_type=target_type, target_id=target_id)
    return actor


def record_denial(actor: Actor | None, exc: PermissionDenied, *, path: str = "") -> None:
    """Write the security event for a refused attempt (outside the refused transaction)."""
    perm = getattr(exc, "perm", "")
    audit_security(
        actor=actor,
        action=f"denied:{perm}" if perm else "denied",
        target_type=getattr(exc, "target_type", ""),
        target_id=getattr(exc, "target_id", ""),
        reason=f"{exc.code}: {exc.message}" + (f" ({path})" if path else ""),
    )


# --- probes across organisations (issue 9 item 14) -------------------------------------------

M = TypeVar("M", bound=models.Model)


class OutOfScope(NotFound):
    """Answered as "not found" (same code, message and status), but the object exists outside
    the actor's scope: the interface records the probe as a security event."""

    def __init__(self, message: str, *, target_type: str, target_id: Any) -> None:
        super().__init__(message)
        self.target_type = target_type
        self.target_id = str(target_id)
        self.recorded = False


def scoped_get(scope: QuerySet[M], *, target_type: str, message: str, **lookup: Any) -> M:
    """The one object matching `lookup` among those the actor may see (`scope`), else
    NotFound; OutOfScope when it exists outside that scope. Every scoped lookup goes through
    here (selectors, and services checking ownership through `out_of_scope`)."""
    try:
        return scope.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, DjangoValidationError):
        pass
    raise out_of_scope(scope.model, target_type=target_type, message=message, **lookup)


def out_of_scope(
    model: type[models.Model], *, target_type: str, message: str, **lookup: Any
) -> NotFound:
    """The "not found" to raise for an object the actor may not see: OutOfScope if one
    matching `lookup` exists (one indexed query, run whether it exists or not)."""
    try:
        found = model._base_manager.filter(**lookup).values_list("pk", flat=True).first()
    except (ValueError, TypeError, DjangoValidationError):
        found = None
    if found is None:
        return NotFound(message)
    return OutOfScope(message, target_type=target_type, target_id=found)


def record_probe(actor: Actor | None, exc: Exception, *, path: str = "") -> None:
    """Write the security event for a lookup of an object outside the actor's scope (outside
    the refused transaction; the answer stays a plain 404)."""
    if not isinstance(exc, OutOfScope) or exc.recorded:
        return
    exc.recorded = True  # a service that recorded it already: the interface does not again
    audit_security(
        actor=actor,
        action="probe:out_of_scope",
        target_type=exc.target_type,
        target_id=exc.target_id,
        reason=f"not_found answered for an object outside the actor's scope ({path})",
    )
