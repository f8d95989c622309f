"""System checks: production refuses to start without a data keyring set on purpose."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from ikaze.privacy import keyring


@register()
def check_data_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not getattr(settings, "IKAZE_PRODUCTION", False):
        return []
    if not keyring.configured():
        return [
            Error(
                f"Set {keyring.ENV_KEYS} (id:base64 of 32 bytes, comma-separated) or "
                "IKAZE_DATA_KEY_FILE: sensitive values are encrypted with keys kept outside "
                "the database.",
                id="ikaze.E010",
            )
        ]
    try:
        keyring.keyring()
    except (OSError, ValueError, keyring.KeyringError) as exc:
        return [Error(f"The data keyring cannot be read: {exc}", id="ikaze.E011")]
    return []
