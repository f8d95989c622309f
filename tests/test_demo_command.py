"""Issue 11 item 15: `./scripts/demo` (which runs `ikaze demo`) fails at once, with a clear
message and a non-zero status, when its port is taken; its account table aligns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from config.demo import DEMO_ORGANISATIONS, DemoAccount
from config.management.commands.demo import account_table
from ikaze.accounts.access import Role
from ikaze.core.management.commands.serve import bind_check, run_foreground

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port this test listens on (never 8000: a demo may run there)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_the_demo_refuses_a_taken_port_before_it_loads_anything(held_port, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", "demo", "--bind", f"127.0.0.1:{held_port}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "IKAZE_HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"CommandError: Cannot serve on 127.0.0.1:{held_port}: Address already in use. Another "
        "program (perhaps another Ikaze) is using that port. Stop it, or choose another port: "
        f"./scripts/demo --bind 127.0.0.1:{held_port + 1}"
    )
    assert not (tmp_path / "var" / "ikaze.sqlite3").exists()  # nothing was loaded


def test_the_port_check_passes_a_free_port_and_refuses_a_malformed_bind():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    bind_check(f"127.0.0.1:{free}", how="--bind")  # no error
    with pytest.raises(CommandError) as refused:
        bind_check("127.0.0.1", how="--bind")
    assert str(refused.value) == "--bind '127.0.0.1': expected HOST:PORT, e.g. 127.0.0.1:8001"


@pytest.mark.slow
def test_a_server_that_cannot_bind_is_an_error_not_a_success(held_port):
    """If the port is taken between the check and the start, gunicorn's failure is reported
    with a non-zero status, and "Ikaze is at …" is never said."""
    said = []
    with pytest.raises(CommandError) as refused:
        run_foreground(
            bind=f"127.0.0.1:{held_port}",
            workers=1,
            threads=1,
            on_ready=lambda: said.append("ready"),
            how="./scripts/demo --bind",
        )
    assert said == []
    assert str(refused.value) == (
        f"The web server stopped (exit status 1); if it could not bind 127.0.0.1:{held_port}, "
        "choose another port: ./scripts/demo --bind 127.0.0.1:8001"
    )


def test_the_account_table_keeps_words_whole_and_the_key_in_its_own_column():
    accounts = [
        DemoAccount("dgie-admin", "pw", Role.ORG_ADMIN, DEMO_ORGANISATIONS[0][0], "KEYKEYKEY"),
        DemoAccount("vetting", "pw", Role.VETTING_OFFICER, DEMO_ORGANISATIONS[0][0], None),
    ]
    lines = account_table(accounts)
    assert lines[0] == "\nDemo accounts (password for all: pw)"
    header = lines[1]
    key_at = header.index("TOTP key")
    first = lines[2]
    assert first.startswith("dgie-admin  org_admin        Republic of Rwanda")
    assert first[key_at:] == "KEYKEYKEY"
    assert first[key_at - 2 : key_at] == "  "
    # The organisation's name, read back from its column, is whole, word by word.
    org_at = header.index("organisation")
    vetting_at = next(i for i, line in enumerate(lines) if line.startswith("vetting"))
    rows = lines[2:vetting_at]
    column = " ".join(line[org_at:key_at].strip() for line in rows if line[org_at:key_at].strip())
    assert column == DEMO_ORGANISATIONS[0][0]
    vetting = next(line for line in lines if line.startswith("vetting"))
    assert vetting[key_at:] == "—"
    assert lines[-1].endswith(
        "print the current code with `./scripts/ikaze totp USERNAME` "
        "(e.g. `./scripts/ikaze totp senior`)."
    )
