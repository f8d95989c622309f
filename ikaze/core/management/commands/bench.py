"""`ikaze bench NAME [flags]`: run bench/NAME.py; its last stdout line is one JSON object."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BENCH_DIR = Path(settings.BASE_DIR) / "bench"


class Command(BaseCommand):
    help = "Run a benchmark from bench/ and print its figures as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="benchmark name (a file in bench/)")
        parser.add_argument("rest", nargs="*", help="flags for the benchmark (after --)")

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after the name belongs to the benchmark, including its own --flags.
        if len(argv) < 3:
            raise SystemExit(
                "usage: ikaze bench NAME [flags]; available: " + ", ".join(available())
            )
        self._bench_args = argv[3:]
        super().run_from_argv([*argv[:3]])

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["name"]
        path = BENCH_DIR / f"{name}.py"
        if not path.is_file() or name.startswith("_"):
            raise CommandError(f"No benchmark {name!r}; available: {', '.join(available())}")
        if str(BENCH_DIR.parent) not in sys.path:
            sys.path.insert(0, str(BENCH_DIR.parent))
        spec = importlib.util.spec_from_file_location(f"bench.{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main(getattr(self, "_bench_args", []))


def available() -> list[str]:
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))
