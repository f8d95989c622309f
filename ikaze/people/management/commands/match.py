"""`ikaze match FILE`: score a file of people against the registry; print JSON pairs.

FILE is a CSV (UTF-8, with or without BOM) whose headers include MATCH_COLUMNS (extra
columns are ignored; a missing unique_id becomes "row-N"). The registry is the database's
(ikaze.people.selectors.registry_frame) unless --registry names a CSV or Parquet file.
Nothing is written: the output is scored pairs for a person to adjudicate.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from ikaze.people.matching import MATCH_COLUMNS, Matcher

NAME_COLUMNS = ("given_names", "first_surname", "full_name")


def read_people(path: Path) -> pl.DataFrame:
    """A frame with MATCH_COLUMNS (all strings) from a CSV or Parquet file."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # the usual other encoding of spreadsheet exports
        try:
            frame = pl.read_csv(text.encode(), infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise CommandError(f"{path}: not a readable CSV ({exc})") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    if not any(c in frame.columns for c in NAME_COLUMNS):
        raise CommandError(
            f"{path}: needs at least one of the columns {', '.join(NAME_COLUMNS)}; "
            f"expected headers: {', '.join(MATCH_COLUMNS)}"
        )
    if "unique_id" not in frame.columns:
        frame = frame.with_row_index("row", offset=1).with_columns(
            unique_id=pl.format("row-{}", pl.col("row"))
        )
    missing = [c for c in MATCH_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(*(pl.lit(None, dtype=pl.String).alias(c) for c in missing))
    return frame.select(pl.col(c).cast(pl.String) for c in MATCH_COLUMNS)


class Command(BaseCommand):
    help = "Match a file of people against the registry and print the candidate pairs as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--registry", type=Path, help="CSV or Parquet registry (default: the database's)"
        )
        parser.add_argument("--threshold", type=float, default=0.9)
        parser.add_argument("--model-dir", type=Path, default=None)
        parser.add_argument("--retrain", action="store_true", help="retrain the model first")

    def handle(self, *args: Any, **opts: Any) -> None:
        start = time.perf_counter()
        incoming = read_people(opts["file"])
        if opts["registry"] is not None:
            registry = read_people(opts["registry"])
        else:
            from ikaze.people.selectors import registry_frame

            registry = registry_frame()
        matcher = Matcher.load_or_train(
            registry, model_dir=opts["model_dir"], retrain=opts["retrain"]
        )
        pairs = matcher.link_batch(incoming, registry, threshold=opts["threshold"])
        result = {
            "rows": incoming.height,
            "registry": registry.height,
            "threshold": opts["threshold"],
            "candidates": pairs.height,
            "pairs": [
                {
                    **row,
                    "probability": round(row["probability"], 6),
                    "match_weight": round(row["match_weight"], 3),
                }
                for row in pairs.iter_rows(named=True)
            ],
            "train_seconds": None
            if matcher.train_seconds is None
            else round(matcher.train_seconds, 2),
            "seconds": round(time.perf_counter() - start, 2),
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
