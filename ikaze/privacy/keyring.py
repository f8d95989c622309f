"""The master keys that encrypt personal data at rest (SAFEGUARDS D1, ADR 0027).

Where the keyring comes from, first match wins:

1. `IKAZE_DATA_KEYS`: `id:key,id:key,...`, each key 32 bytes in URL-safe base64 (a secret
   store), with `IKAZE_DATA_KEY_ACTIVE` naming the key new values are sealed with (default:
   the last one listed);
2. the file `settings.IKAZE_DATA_KEY_FILE` (default `var/data-keys.json` under IKAZE_HOME),
   created on first use with mode 0600 outside production (development, the demo, the
   tests); `ikaze keys new` adds a key to it and makes it the active one.

Production must configure one of the two explicitly (system check ikaze.E010): a key kept
beside the database would fall with it. A key stays in the keyring until `ikaze keys status`
shows no value sealed with it; only then may it be removed.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

ENV_KEYS = "IKAZE_DATA_KEYS"
ENV_ACTIVE = "IKAZE_DATA_KEY_ACTIVE"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BYTES = 32


class KeyringError(RuntimeError):
    """The keyring is missing or malformed (production refuses to start: ikaze.E010)."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active: str

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyringError(f"The data key {key_id!r} is not in the keyring.") from None


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(keys: dict[str, str], active: str, where: str) -> Keyring:
    parsed: dict[str, bytes] = {}
    for key_id, encoded in keys.items():
        if not KEY_ID.match(key_id):
            raise KeyringError(f"{where}: the key id {key_id!r} is not 1-32 of A-Z a-z 0-9 _ -.")
        try:
            raw = unb64(encoded.strip())
        except ValueError:
            raise KeyringError(f"{where}: the key {key_id!r} is not base64.") from None
        if len(raw) != KEY_BYTES:
            raise KeyringError(f"{where}: the key {key_id!r} is not {KEY_BYTES} bytes.")
        parsed[key_id] = raw
    if not parsed:
        raise KeyringError(f"{where}: no key.")
    active = active or list(parsed)[-1]
    if active not in parsed:
        raise KeyringError(f"{where}: the active key {active!r} is not in the keyring.")
    return Keyring(keys=parsed, active=active)


def key_file() -> Path:
    return Path(
        getattr(settings, "IKAZE_DATA_KEY_FILE", None) or settings.VAR_DIR / "data-keys.json"
    )


def configured() -> bool:
    """Whether the keyring is set on purpose (the environment, or a file named in settings)."""
    return bool(os.environ.get(ENV_KEYS)) or bool(getattr(settings, "IKAZE_DATA_KEY_FILE", None))


def new_key_id() -> str:
    return "k" + secrets.token_hex(4)


def _write_file(path: Path, data: dict[str, Any], *, exclusive: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(tmp, flags, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    if exclusive:
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(tmp, path)
        tmp.unlink()
    else:
        os.replace(tmp, path)


def _read_file(path: Path) -> Keyring:
    data = json.loads(path.read_text())
    return _parse(dict(data.get("keys", {})), str(data.get("active", "")), str(path.name))


@functools.cache
def keyring() -> Keyring:
    """The keyring in force (cached; a change of settings or `add_key` clears it)."""
    if env := os.environ.get(ENV_KEYS):
        pairs = {}
        for item in env.split(","):
            key_id, sep, encoded = item.strip().partition(":")
            if not sep:
                raise KeyringError(f"{ENV_KEYS}: write each key as id:base64.")
            pairs[key_id] = encoded
        return _parse(pairs, os.environ.get(ENV_ACTIVE, ""), ENV_KEYS)
    path = key_file()
    if not path.exists():
        if getattr(settings, "IKAZE_PRODUCTION", False):
            raise KeyringError(f"No data keys: set {ENV_KEYS} or create {path}.")
        key_id = new_key_id()
        _write_file(
            path,
            {"active": key_id, "keys": {key_id: b64(secrets.token_bytes(KEY_BYTES))}},
            exclusive=True,
        )
    return _read_file(path)


def add_key() -> str:
    """Add a fresh key to the key file and make it the active one; return its id. With the
    keyring in the environment, the operator adds the key there instead (KeyringError)."""
    if os.environ.get(ENV_KEYS):
        raise KeyringError(
            f"The keyring comes from {ENV_KEYS}: add the new key there and name it in {ENV_ACTIVE}."
        )
    current = keyring()
    key_id = new_key_id()
    keys = {k: b64(v) for k, v in current.keys.items()} | {
        key_id: b64(secrets.token_bytes(KEY_BYTES))
    }
    _write_file(key_file(), {"active": key_id, "keys": keys}, exclusive=False)
    keyring.cache_clear()
    return key_id


def remove_key(key_id: str) -> None:
    """Drop a retired key from the key file (the caller checked that nothing uses it)."""
    current = keyring()
    if key_id == current.active:
        raise KeyringError("The active key cannot be removed.")
    keys = {k: b64(v) for k, v in current.keys.items() if k != key_id}
    _write_file(key_file(), {"active": current.active, "keys": keys}, exclusive=False)
    keyring.cache_clear()


def _clear(*, setting: str, **kwargs: Any) -> None:
    if setting in {"IKAZE_DATA_KEY_FILE", "VAR_DIR", "IKAZE_PRODUCTION"}:
        keyring.cache_clear()


setting_changed.connect(_clear)
