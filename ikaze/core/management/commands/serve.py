"""`ikaze serve`: the production server (gunicorn, static files through whitenoise)."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

BIND_HELP = (
    "the address and port to serve on, HOST:PORT (default %(default)s); choose another port "
    "when that one is taken, e.g. --bind 127.0.0.1:8001"
)


class Command(BaseCommand):
    help = "Serve Ikaze with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("IKAZE_BIND", "127.0.0.1:8000"),
            help=BIND_HELP + " (or set IKAZE_BIND)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("IKAZE_WORKERS", "2")),
            help="gunicorn worker processes (default %(default)s, or set IKAZE_WORKERS)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("IKAZE_THREADS", "4")),
            help="threads per worker (default %(default)s, or set IKAZE_THREADS)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        bind_check(opts["bind"], how="ikaze serve --bind")
        serve(bind=opts["bind"], workers=opts["workers"], threads=opts["threads"])


def _host_port(bind: str) -> tuple[str, int] | None:
    """(host, port) of a HOST:PORT bind; None for a Unix socket ("unix:PATH")."""
    if bind.startswith("unix:"):
        return None
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind {bind!r}: expected HOST:PORT, e.g. 127.0.0.1:8001")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104  (gunicorn's meaning of ":PORT")


def bind_check(bind: str, *, how: str) -> None:
    """Refuse, with a message saying how to choose another port, when `bind` cannot be
    listened on (taken by another program, or an address this machine does not have)."""
    address = _host_port(bind)
    if address is None:
        return
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise CommandError(f"--bind {bind}: unknown host {host!r} ({exc}).") from exc
    family, kind, proto, _name, sockaddr = infos[0]
    probe = socket.socket(family, kind, proto)
    try:
        # As gunicorn binds (SO_REUSEADDR): a port left in TIME_WAIT is free, one listened on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(sockaddr)
        probe.listen(1)
    except OSError as exc:
        raise CommandError(
            f"Cannot serve on {host}:{port}: {exc.strerror or exc}. Another program (perhaps "
            f"another Ikaze) is using that port. Stop it, or choose another port: "
            f"{how} {host}:{port + 1 if port < 65535 else 8001}"
        ) from exc
    finally:
        probe.close()


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


def run_foreground(
    *,
    bind: str,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] = lambda: None,
    how: str = "--bind",
) -> None:
    """Run gunicorn as a child and wait (so the caller can clean up after it). `on_ready` is
    called once gunicorn listens; if gunicorn stops first (it could not bind: another program
    took the port meanwhile) or fails later, CommandError says so (a non-zero exit)."""
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
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, bufsize=1)
    listening = threading.Event()

    def relay_log() -> None:
        # gunicorn's log goes on to our stderr; its "Listening at:" line says it is bound
        # (a port that merely answers could be another program's).
        assert proc.stderr is not None
        for line in proc.stderr:
            sys.stderr.write(line)
            if "Listening at:" in line:
                listening.set()

    threading.Thread(target=relay_log, daemon=True).start()

    def on_sigterm(signum: int, frame: object) -> None:
        # Stopping this process by its PID must stop its children too (gunicorn, the worker).
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        while proc.poll() is None and not listening.wait(0.2):
            pass
        if proc.poll() is None:
            on_ready()
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return
    if code != 0:
        raise CommandError(
            f"The web server stopped (exit status {code}); if it could not bind {bind}, choose "
            f"another port: {how} 127.0.0.1:8001"
        )
