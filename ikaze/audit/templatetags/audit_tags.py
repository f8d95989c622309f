"""Template helpers for audit events: an action's label in the page's language."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext

from ikaze.audit.labels import action_label as _action_label
from ikaze.audit.personal import is_sealed

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """`{{ event.action|action_label }}` → "Referral accepted" (the code when it has no label)."""
    return _action_label(code)


def _shown(value: Any) -> Any:
    if is_sealed(value):
        return gettext("(sealed)")
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return value


@register.filter
def audit_payload(value: Any) -> str:
    """An event's before/after as compact JSON, a sealed personal value shown as "(sealed)"."""
    return json.dumps(_shown(value), ensure_ascii=False, sort_keys=True)
