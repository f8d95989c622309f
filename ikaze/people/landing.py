"""What waits on the landing page behind "Possible duplicates": open candidate pairs."""

from __future__ import annotations

from django.utils.translation import ngettext

from ikaze.accounts.actor import Actor
from ikaze.accounts.navigation import register_waiting
from ikaze.people.selectors import match_candidate_list_for


def duplicates_waiting(actor: Actor) -> str:
    n = match_candidate_list_for(actor=actor).count()
    if not n:
        return ""
    return ngettext(
        "%(count)s possible duplicate to decide", "%(count)s possible duplicates to decide", n
    ) % {"count": n}


def register() -> None:
    register_waiting("people:match_queue", duplicates_waiting)
