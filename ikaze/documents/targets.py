"""Who may read and attach documents to a record: asked of the app that owns the record.

Documents attach to people, referrals, facts, notices and messages, which other apps own and
scope. `documents` imports none of them: each owner registers, when it starts (its
`AppConfig.ready`), two checks per target type: `read(actor, id)` and `attach(actor, id)`. Each
returns nothing when allowed and raises the owner's own refusal otherwise (NotFound /
OutOfScope for a record out of the actor's scope, Denied for a missing permission), the same
answer the owner's pages give. A target type nobody registered is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from ikaze.core.errors import NotFound

if TYPE_CHECKING:
    from ikaze.accounts.actor import Actor

Check = Callable[["Actor", uuid.UUID], object]


@dataclass(frozen=True)
class TargetAccess:
    read: Check
    attach: Check


_TARGETS: dict[str, TargetAccess] = {}


def register_target(target_type: str, *, read: Check, attach: Check) -> None:
    """Declare who may read and attach documents to records of `target_type`."""
    _TARGETS[target_type] = TargetAccess(read=read, attach=attach)


def target_access(target_type: str) -> TargetAccess:
    try:
        return _TARGETS[target_type]
    except KeyError:
        raise NotFound(gettext("No such record.")) from None
