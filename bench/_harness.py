"""What every benchmark uses: flags, a dedicated database, timing, memory, progress, the JSON line.

A benchmark is `bench/NAME.py` with `main(argv: list[str]) -> None`; `ikaze bench NAME [flags]`
runs it with Django set up. The shape (see bench/README.md):

    from bench import _harness as h

    def main(argv):
        args = h.parse(argv, __doc__, sizes={"people": 100_000}, smoke={"people": 200})
        with h.bench_database() as db:           # fresh, migrated, dropped afterwards
            with h.timed("seed") as seed:
                ...
            h.emit("NAME", {"rows_per_s": args.people / seed.seconds, ...})

Everything but the last line goes to stderr; `emit` prints one JSON object as the last line of
stdout, with "bench" and "db" added.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_STARTED = time.perf_counter()


# --- flags -------------------------------------------------------------------------------------


def parse(
    argv: list[str],
    description: str | None,
    *,
    sizes: Mapping[str, int],
    smoke: Mapping[str, int],
    extra: Mapping[str, tuple[type, Any, str]] | None = None,
) -> argparse.Namespace:
    """Parse a benchmark's flags.

    `sizes` are the defaults the goals name (one `--name N` flag each, `-` for `_`); `smoke` the
    tiny sizes `--smoke` selects (CI runs every benchmark with `--smoke`). A size given
    explicitly wins over both. `extra` adds other flags: {"name": (type, default, help)}.
    """
    parser = argparse.ArgumentParser(
        prog=f"ikaze bench {_caller_name(sys._getframe(1).f_globals)}",
        description=(description or "").strip().splitlines()[0] if description else None,
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, to check the benchmark still runs"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the bench database afterwards (to inspect)"
    )
    for name, default in sizes.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=int,
            default=None,
            help=f"default {default}; with --smoke {smoke.get(name, default)}",
        )
    for name, (kind, default, text) in (extra or {}).items():
        parser.add_argument(
            f"--{name.replace('_', '-')}", dest=name, type=kind, default=default, help=text
        )
    args = parser.parse_args(argv)
    for name, default in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, smoke.get(name, default) if args.smoke else default)
    return args


def _caller_name(caller_globals: Mapping[str, Any]) -> str:
    return str(caller_globals.get("__name__", "NAME")).rsplit(".", 1)[-1]


# --- output ------------------------------------------------------------------------------------


def progress(message: str) -> None:
    """One line of progress on stderr, with the seconds since the start."""
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def db_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def emit(bench: str, figures: Mapping[str, Any]) -> None:
    """Print the figures as ONE JSON object, the last line on stdout."""
    out = {"bench": bench, "db": db_vendor(), **figures}
    sys.stderr.flush()
    print(json.dumps(out, sort_keys=False, default=str), flush=True)


@dataclass
class Timer:
    label: str
    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)


@contextmanager
def timed(label: str, *, quiet: bool = False) -> Iterator[Timer]:
    """Time a block with perf_counter; `timer.seconds` is set when the block ends."""
    timer = Timer(label)
    if not quiet:
        progress(f"{label} ...")
    timer._start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - timer._start
        if not quiet:
            progress(f"{label}: {timer.seconds:.2f}s")


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) by nearest rank; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the database ------------------------------------------------------------------------------


@dataclass
class BenchDatabase:
    vendor: str
    name: str
    env: dict[str, str]  # environment for child processes (servers, workers) to use this database


@contextmanager
def bench_database(
    *, migrate: bool = True, keep: bool = False, reuse: bool = False
) -> Iterator[BenchDatabase]:
    """Point Django at a fresh database for the benchmark, migrate it, drop it afterwards.

    With `reuse` on PostgreSQL, an existing database of that name is kept as it is (migrated
    forward) and kept afterwards: a benchmark whose data set takes minutes to make checks its
    own completion marker and makes it only once.

    Without DATABASE_URL: a new SQLite file under a temporary IKAZE_HOME (your own
    var/ikaze.sqlite3 is never touched). With a PostgreSQL DATABASE_URL: a database named
    IKAZE_BENCH_DB (default `ikaze_bench`) on the same server, created afresh.
    """
    from django.core.management import call_command
    from django.db import connections

    conn = connections["default"]
    conn.close()
    original = dict(conn.settings_dict)
    env = dict(os.environ)
    home: str | None = None
    if conn.vendor == "sqlite":
        home = tempfile.mkdtemp(prefix="ikaze-bench-")
        os.makedirs(os.path.join(home, "var"), exist_ok=True)
        name = os.path.join(home, "var", "ikaze.sqlite3")
        env.pop("DATABASE_URL", None)
        env["IKAZE_HOME"] = home
    elif conn.vendor == "postgresql":
        name = os.environ.get("IKAZE_BENCH_DB", "ikaze_bench")
        if reuse:
            _pg_ensure(original, name)
            keep = True
        else:
            _pg_recreate(original, name)
        env["DATABASE_URL"] = _with_db_name(os.environ["DATABASE_URL"], name)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise SystemExit(f"unsupported database vendor {conn.vendor}")
    conn.settings_dict["NAME"] = name
    progress(f"bench database: {conn.vendor} {name}")
    try:
        if migrate:
            with timed("migrate", quiet=True) as t:
                call_command("migrate", verbosity=0, interactive=False)
            progress(f"migrated in {t.seconds:.1f}s")
        yield BenchDatabase(vendor=conn.vendor, name=name, env=env)
    finally:
        conn.close()
        if keep:
            progress(f"kept the bench database {name}")
        elif conn.vendor == "postgresql":
            conn.settings_dict["NAME"] = original["NAME"]
            _pg_drop(original, name)
        if home and not keep:
            shutil.rmtree(home, ignore_errors=True)


def _with_db_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _pg_admin(settings_dict: Mapping[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=True,
    )


def _pg_recreate(settings_dict: Mapping[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pg_ensure(settings_dict: Mapping[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(settings_dict) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pg_drop(settings_dict: Mapping[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
