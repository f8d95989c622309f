"""Every benchmark still runs: `ikaze bench NAME --smoke` exits 0 and ends with its JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_"))

pytestmark = pytest.mark.slow


def test_there_are_benchmarks() -> None:
    assert "api" in BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_bench_runs_at_smoke_size(name: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    # Own PostgreSQL database per run, so parallel workers and a developer's bench don't collide.
    env["IKAZE_BENCH_DB"] = f"ikaze_bench_smoke_{name}_{os.getpid()}"
    env.setdefault("IKAZE_HOME", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", "bench", name, "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-3000:]
    figures = json.loads(lines[-1])
    assert figures["bench"] == name
    assert figures["db"] in {"sqlite", "postgresql"}
    expected_db = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert figures["db"] == expected_db
    if name == "rotate":  # issue 15: the figures it names, every value rotated
        assert {"persons", "seconds", "values_rotated"} <= figures.keys()
        assert figures["values_rotated"] == 2 * figures["persons"]
        assert figures["old_key_values_left"] == 0


def test_the_reports_bench_names_every_dashboard(tmp_path: Path) -> None:
    """`ikaze bench reports --smoke`: its JSON has each dashboard's p50 and p95 (issue 16)."""
    env = dict(os.environ)
    env["IKAZE_BENCH_DB"] = f"ikaze_bench_smoke_reports_keys_{os.getpid()}"
    env.setdefault("IKAZE_HOME", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", "bench", "reports", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["persons"] == 2000
    assert set(figures["dashboards"]) == {"vetting", "movements", "agreements", "monitor"}
    for timing in figures["dashboards"].values():
        assert set(timing) == {"p50_ms", "p95_ms"}
        assert 0 < timing["p50_ms"] <= timing["p95_ms"]
    assert figures["max_p95_ms"] == max(t["p95_ms"] for t in figures["dashboards"].values())
