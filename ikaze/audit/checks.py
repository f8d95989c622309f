"""System checks for the audit chain's configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from ikaze.audit import signing


@register()
def check_audit_signing_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Production signs checkpoints with a key configured on purpose, outside the database."""
    if not getattr(settings, "IKAZE_PRODUCTION", False):
        return []
    if not signing.key_configured():
        return [
            Error(
                f"Set {signing.ENV} (64 hex digits) or IKAZE_AUDIT_KEY_FILE: the audit "
                "checkpoints must be signed with a key kept outside the database.",
                id="ikaze.E003",
            )
        ]
    try:
        signing.public_key_hex()
    except (OSError, ValueError, signing.SigningKeyMissing) as exc:
        return [Error(f"The audit signing key cannot be read: {exc}", id="ikaze.E004")]
    return []
