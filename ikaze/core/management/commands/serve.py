"""`ikaze serve`: the production server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Ikaze with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("IKAZE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("IKAZE_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("IKAZE_THREADS", "4"))
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        serve(bind=opts["bind"], workers=opts["workers"], threads=opts["threads"])


def serve(*, bind: str, workers: int, threads: int) -> None:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, args)  # noqa: S606  (replace this process with gunicorn)


def run_foreground(*, bind: str, workers: int, threads: int) -> None:
    """Run gunicorn as a child and wait (so the caller can clean up after it)."""
    import subprocess

    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "5",
        "--timeout",
        "120",
    ]
    proc = subprocess.Popen(args)

    def on_sigterm(signum: int, frame: object) -> None:
        # Stopping this process by its PID must stop its children too (gunicorn, the worker).
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
