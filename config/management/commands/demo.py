"""`ikaze demo`: SQLite database, the demo scenario, a worker, and the UI on :8000."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ikaze.core.management.commands.serve import BIND_HELP, bind_check, run_foreground

# How a person runs the demo (scripts/demo) and an `ikaze` command (scripts/ikaze): the hints
# name commands that work after the bootstrap, whatever PATH holds.
HOW = "./scripts/demo --bind"
IKAZE = "./scripts/ikaze"


class Command(BaseCommand):
    help = (
        "Create the database, load the demo scenario, print the demo accounts and serve the UI "
        "(the SQLite file var/ikaze.sqlite3 under IKAZE_HOME, or under the current folder)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="delete the SQLite database first, start again"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="load and print the accounts, do not serve"
        )
        parser.add_argument("--bind", default="127.0.0.1:8000", help=BIND_HELP)

    def handle(self, *args: Any, **opts: Any) -> None:
        from config import demo

        if not opts["no_serve"]:
            # Before anything else: a taken port is said at once, not after the demo loads.
            bind_check(opts["bind"], how=HOW)

        if opts["reset"] and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                path = f"{settings.DATABASES['default']['NAME']}{suffix}"
                if os.path.exists(path):
                    os.remove(path)
        call_command("migrate", interactive=False, verbosity=0)
        if demo.demo_loaded():
            self.stdout.write("Demo data already loaded (use --reset to start again).")
            accounts = demo.demo_accounts()
        else:
            self.stdout.write("Loading the demo scenario…")
            accounts = demo.load_demo()
        self._print_accounts(accounts)
        if opts["no_serve"]:
            return
        worker = subprocess.Popen(
            [sys.executable, "-m", "config.cli", "worker"], env=os.environ.copy()
        )
        # The demo's support payments go to the local MTN MoMo simulator (issue 14).
        momo = subprocess.Popen(
            [sys.executable, "-m", "ikaze.support.momo_simulator", "--port", "8765"],
            stdout=subprocess.DEVNULL,
            env=os.environ.copy(),
        )

        def stop_worker() -> None:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            if momo.poll() is None:
                momo.terminate()

        atexit.register(stop_worker)
        # The Mojaloop Testing Toolkit as eKash, when the demo pays through Mojaloop.
        from ikaze.support.providers import ttk

        try:
            switch = ttk.demo_switch(opts["bind"], settings.VAR_DIR)
        except ttk.ToolkitError as exc:
            self.stderr.write(f"Mojaloop payments are off: {exc}")
            switch = None
        if switch is not None:
            atexit.register(switch.stop)
            self.stdout.write(f"Mojaloop switch (Testing Toolkit) at {switch.fspiop_url}")

        def ready() -> None:
            self.stdout.write(f"\nIkaze is at http://{opts['bind']}/  (Ctrl-C to stop)\n")
            self.stdout.flush()

        try:
            run_foreground(bind=opts["bind"], workers=1, threads=8, on_ready=ready, how=HOW)
        finally:
            stop_worker()

    def _print_accounts(self, accounts: list[Any]) -> None:
        from config.demo import self_service_lines

        for line in [*account_table(accounts), *self_service_lines()]:
            self.stdout.write(line)


def account_table(accounts: list[Any], *, org_width: int = 36) -> list[str]:
    """The demo accounts as aligned columns: an organisation's name wraps between words
    within its column, and the second factor's key has a column of its own."""
    if not accounts:
        return []
    user_w = max(len("username"), *(len(a.username) for a in accounts))
    role_w = max(len("role"), *(len(a.role.value) for a in accounts))
    lines = [
        f"\nDemo accounts (password for all: {accounts[0].password})",
        f"{'username':<{user_w}}  {'role':<{role_w}}  {'organisation':<{org_width}}  TOTP key",
    ]
    for a in accounts:
        names = textwrap.wrap(a.organisation, org_width, break_long_words=False) or [""]
        key = a.totp_secret or "—"
        lines.append(
            f"{a.username:<{user_w}}  {a.role.value:<{role_w}}  {names[0]:<{org_width}}  {key}"
        )
        pad = " " * (user_w + role_w + 4)
        lines.extend(f"{pad}{more}" for more in names[1:])
    lines.append(
        "\nAccounts with a TOTP key sign in with a code too: add the key to an authenticator "
        f"app, or print the current code with `{IKAZE} totp USERNAME` (e.g. `{IKAZE} totp "
        "senior`)."
    )
    return lines
