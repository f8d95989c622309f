"""Template context shared by every page (navigation, actor, languages)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    from ikaze.accounts.actor import actor_or_none
    from ikaze.accounts.navigation import ROLE_INTROS, nav_for

    actor = actor_or_none(request)
    role = actor.primary_role if actor else None
    return {
        "actor": actor,
        "nav_items": nav_for(actor),
        "role_intro": ROLE_INTROS.get(role) if role else "",
        "role_labels": sorted(r.label for r in actor.roles) if actor else [],
        "ikaze_languages": settings.LANGUAGES,
    }
