"""Template helpers for audit events: an action's label in the page's language."""

from __future__ import annotations

from django import template

from ikaze.audit.labels import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """`{{ event.action|action_label }}` → "Referral accepted" (the code when it has no label)."""
    return _action_label(code)
