"""The installation's folder (IKAZE_HOME/var) and its secret key.

Importing the settings reads them and changes nothing; `prepare()` makes them, called
explicitly by whatever starts a process: the `ikaze` console script (config.cli), manage.py,
the WSGI entry point and the test harness (conftest.py).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def var_dir() -> Path:
    return Path(os.environ.get("IKAZE_HOME") or Path.cwd()).resolve() / "var"


def stored_secret_key(var: Path) -> str:
    """IKAZE_SECRET_KEY, else the key `prepare()` stored for this installation, else ""
    (Django then refuses to start: run it through `ikaze`, or set IKAZE_SECRET_KEY)."""
    if key := os.environ.get("IKAZE_SECRET_KEY"):
        return key
    try:
        return (var / "secret_key").read_text().strip()
    except FileNotFoundError:
        return ""


def prepare(var: Path | None = None) -> None:
    """Make the folders the settings name (the SQLite file's, static files') and, unless
    IKAZE_SECRET_KEY is set, a per-installation key kept beside the SQLite file so that
    sessions survive restarts."""
    var = var or var_dir()
    (var / "static").mkdir(parents=True, exist_ok=True)
    path = var / "secret_key"
    if os.environ.get("IKAZE_SECRET_KEY") or path.exists():
        return
    path.write_text("insecure-" + secrets.token_urlsafe(48))
    path.chmod(0o600)
