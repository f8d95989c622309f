"""`ikaze match FILE`: score a file of people against the registry; print JSON pairs.

FILE is a CSV (UTF-8, with or without BOM) whose headers include MATCH_COLUMNS (extra
columns are ignored; a missing unique_id becomes "row-N"). The registry is the database's
(ikaze.people.selectors.registry_frame) unless --registry names a CSV or Parquet file.
Nothing is written: the output is scored pairs for a person to adjudicate.

Input rules (each value is read by a stated rule or the file is refused, naming the row and
the column; nothing is silently dropped):
- separator: comma, semicolon, tab or pipe, whichever makes a header with a name column;
- date_of_birth: YYYY-MM-DD (or YYYY/MM/DD), or DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY: a date
  written with the year last is read DAY FIRST, as in the Spanish-speaking countries the
  registry's people come from (04/08/1981 is 4 August 1981), never month first;
- nationality: an ISO 3166 alpha-2 code (VE), an alpha-3 code (VEN) or a country name
  pycountry knows (Venezuela), stored as alpha-2;
- sex: M / F, or male / female, masculino / femenino, hombre / mujer, H (hombre).
Rows are numbered from 1 after the header (row 1 is the file's second line).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from ikaze.people.matching import MATCH_COLUMNS, Matcher

NAME_COLUMNS = ("given_names", "first_surname", "full_name")


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_SEX = {
    "M": "M",
    "MALE": "M",
    "MASCULINO": "M",
    "HOMBRE": "M",
    "H": "M",
    "F": "F",
    "FEMALE": "F",
    "FEMENINO": "F",
    "MUJER": "F",
}


def _refuse(path: Path, row: int, column: str, value: str, expected: str) -> CommandError:
    return CommandError(f"{path}: row {row}, column {column}: {value!r} is not {expected}")


def read_date(value: str | None) -> str | None:
    """An ISO date from the file's text (rules in the module docstring); ValueError if none."""
    import datetime as dt

    text = (value or "").strip()
    if not text:
        return None
    if m := _ISO_DATE.match(text):
        y, mo, d = (int(x) for x in m.groups())
    elif m := _DAY_FIRST.match(text):
        d, mo, y = (int(x) for x in m.groups())
    else:
        raise ValueError(text)
    return dt.date(y, mo, d).isoformat()  # ValueError for 31/02 or a 13th month


def read_nationality(value: str | None) -> str | None:
    """The ISO alpha-2 code of a nationality written as alpha-2, alpha-3 or a name."""
    import pycountry

    text = (value or "").strip()
    if not text:
        return None
    upper = text.upper()
    country = None
    if len(upper) == 2 and upper.isalpha():
        country = pycountry.countries.get(alpha_2=upper)
    elif len(upper) == 3 and upper.isalpha():
        country = pycountry.countries.get(alpha_3=upper)
    else:
        try:
            country = pycountry.countries.lookup(text)
        except LookupError:
            country = None
    if country is None:
        raise ValueError(text)
    return str(country.alpha_2)


def read_sex(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    if text not in _SEX:
        raise ValueError(text)
    return _SEX[text]


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # the usual other encoding of spreadsheet exports


def _header_columns(line: str, delimiter: str) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in line.split(delimiter)]


def detect_delimiter(path: Path, text: str) -> str:
    """The separator that makes a header naming a name column; refused naming what it saw."""
    header = text.splitlines()[0] if text else ""
    for delimiter in DELIMITERS:
        if any(c in NAME_COLUMNS for c in _header_columns(header, delimiter)):
            return delimiter
    tried = ", ".join(DELIMITERS.values())
    raise CommandError(
        f"{path}: needs at least one of the columns {', '.join(NAME_COLUMNS)}; none in the "
        f"header {header[:200]!r} split on any separator ({tried}); "
        f"expected headers: {', '.join(MATCH_COLUMNS)}"
    )


def read_people(path: Path) -> pl.DataFrame:
    """A frame with MATCH_COLUMNS (all strings) from a CSV or Parquet file, values checked."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        frame = pl.read_parquet(path)
        frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    else:
        text = _decode(path)
        delimiter = detect_delimiter(path, text)
        try:
            frame = pl.read_csv(text.encode(), infer_schema=False, separator=delimiter)
        except pl.exceptions.PolarsError as exc:
            name = DELIMITERS[delimiter]
            raise CommandError(f"{path}: not a readable CSV with {name}s ({exc})") from exc
        frame = frame.rename({c: c.strip().strip('"').strip().lower() for c in frame.columns})
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
    frame = frame.select(pl.col(c).cast(pl.String) for c in MATCH_COLUMNS)
    checks = (
        ("date_of_birth", read_date, "a date (YYYY-MM-DD, or DD/MM/YYYY read day first)"),
        ("nationality", read_nationality, "an ISO 3166 country code or name (VE, VEN)"),
        ("sex", read_sex, "a sex (M, F, male, female, masculino, femenino, hombre, mujer)"),
    )
    for column, read, expected in checks:
        values = []
        for row, value in enumerate(frame[column].to_list(), start=1):
            try:
                values.append(read(value))
            except ValueError:
                raise _refuse(path, row, column, str(value), expected) from None
        frame = frame.with_columns(pl.Series(column, values, dtype=pl.String))
    return frame


class Command(BaseCommand):
    help = (
        "Match a file of people against the registry and print the candidate pairs as JSON. "
        "Comma, semicolon, tab or pipe separated; dates YYYY-MM-DD or, with the year last, day "
        "first (04/08/1981 is 4 August 1981); nationalities as ISO alpha-2, alpha-3 or a "
        "country name. A value read by none of these rules refuses the file, naming its row "
        "and column."
    )

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
