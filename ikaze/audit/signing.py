"""The checkpoint signing key: Ed25519, kept outside the database (issue 9 item 11, ADR 0007).

Where the key comes from, first match wins:

1. `IKAZE_AUDIT_SIGNING_KEY`: the 32-byte private key, as 64 hex digits (a secret store);
2. the file `settings.IKAZE_AUDIT_KEY_FILE` (default `var/audit-signing.key` under IKAZE_HOME),
   created on first use with mode 0600 (development and the demo).

Production must configure one of the two explicitly (system check ikaze.E003): a key created
beside the database would fall with it. The public key is published (`ikaze audit
public-key`, GET /api/v1/audit/public-key, the audit page) so that anyone can check a
checkpoint; its id is the first 16 hex digits of SHA-256 over its 32 bytes.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

ENV = "IKAZE_AUDIT_SIGNING_KEY"


class SigningKeyMissing(RuntimeError):
    pass


def key_file() -> Path:
    return Path(
        getattr(settings, "IKAZE_AUDIT_KEY_FILE", None) or settings.VAR_DIR / "audit-signing.key"
    )


def key_configured() -> bool:
    """Whether the key is set explicitly (the environment, or a key file named in the settings)."""
    return bool(os.environ.get(ENV)) or bool(getattr(settings, "IKAZE_AUDIT_KEY_FILE", None))


def _read_or_create(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    if getattr(settings, "IKAZE_PRODUCTION", False):
        raise SigningKeyMissing(f"No audit signing key: set {ENV} or create {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(seed.hex() + "\n")
    return seed


@functools.lru_cache(maxsize=4)
def _key(source: str) -> Ed25519PrivateKey:
    seed = (
        bytes.fromhex(os.environ[ENV].strip()) if source == "env" else _read_or_create(Path(source))
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    return _key("env" if os.environ.get(ENV) else str(key_file()))


def public_key_bytes() -> bytes:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def public_key_hex() -> str:
    return public_key_bytes().hex()


def key_id_of(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def key_id() -> str:
    return key_id_of(public_key_bytes())


def sign(message: bytes) -> str:
    return private_key().sign(message).hex()


def verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature_hex), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True
