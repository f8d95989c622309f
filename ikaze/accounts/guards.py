"""Permission gates. Services call `require`; interfaces record the refusal.

A refusal must change nothing, yet be on record as a security event. The service raises
`PermissionDenied` before writing anything; its transaction rolls back; the interface that
caught it (page, API, command) then calls `record_denial`, outside the rolled-back transaction.
"""

from __future__ import annotations

from typing import Any

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.audit.services import audit_security
from ikaze.core.errors import PermissionDenied


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

    code = "two_factor_required"

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
