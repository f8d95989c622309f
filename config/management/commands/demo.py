"""`ikaze demo`: SQLite database, the demo scenario, a worker, and the UI on :8000."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the database, load the demo scenario, print the demo accounts and serve the UI."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="delete the SQLite database first")
        parser.add_argument("--no-serve", action="store_true", help="load and print, do not serve")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args: Any, **opts: Any) -> None:
        from config import demo

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

        def stop_worker() -> None:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

        atexit.register(stop_worker)
        self.stdout.write(f"\nIkaze is at http://{opts['bind']}/  (Ctrl-C to stop)\n")
        from ikaze.core.management.commands.serve import run_foreground

        try:
            run_foreground(bind=opts["bind"], workers=1, threads=8)
        finally:
            stop_worker()

    def _print_accounts(self, accounts: list[Any]) -> None:
        self.stdout.write(
            f"\nDemo accounts (password for all: {accounts[0].password})" if accounts else ""
        )
        self.stdout.write(f"{'username':<12} {'role':<18} {'organisation':<40} two-factor")
        for a in accounts:
            tf = (
                f"TOTP key {a.totp_secret}  (current code: ikaze totp {a.username})"
                if a.totp_secret
                else "—"
            )
            self.stdout.write(f"{a.username:<12} {a.role.value:<18} {a.organisation[:40]:<40} {tf}")
