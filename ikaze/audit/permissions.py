"""Which sealed levels of the audit chain a reader may open (ADR 0007, SAFEGUARDS D1).

The chain's domain knows levels, not permissions (it imports only core); the audit pages, API
and command map an actor's permissions to levels here, in one place.
"""

from __future__ import annotations

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.audit.personal import Level

LEVEL_PERMISSIONS: dict[Level, Perm] = {
    Level.PERSON: Perm.PERSON_VIEW,
    Level.SENSITIVE: Perm.SENSITIVE_VIEW,
}
ALL_LEVELS: frozenset[str] = frozenset(str(level) for level in Level)


def levels_for(actor: Actor | None) -> frozenset[str]:
    """The levels whose values this actor's permissions let it read (none without an actor)."""
    if actor is None:
        return frozenset()
    return frozenset(str(level) for level, perm in LEVEL_PERMISSIONS.items() if actor.can(perm))
