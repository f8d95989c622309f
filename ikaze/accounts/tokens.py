"""API token format and hashing. The clear token is never stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str, str]:
    """Return (clear token, prefix, sha256 hex of the clear token)."""
    prefix = secrets.token_hex(4)
    clear = f"ikz_{prefix}_{secrets.token_urlsafe(32)}"
    return clear, prefix, hash_token(clear)


def hash_token(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def prefix_of(clear: str) -> str | None:
    parts = clear.split("_")
    if len(parts) < 3 or parts[0] != "ikz":
        return None
    return parts[1]
