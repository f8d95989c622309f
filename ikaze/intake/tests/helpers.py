"""Building manifest files for tests."""

from __future__ import annotations

import csv
import io

from ikaze.intake.manifest import COLUMN_NAMES


def row(n: int, **overrides: str) -> dict[str, str]:
    base = {
        "external_reference": f"US-{n:06d}",
        "given_names": "José Luis",
        "first_surname": f"Pérez{n}",
        "second_surname": "Gómez",
        "sex": "M",
        "date_of_birth": "1988-07-15",
        "nationalities": "GT",
        "languages": "es",
        "document_type": "passport",
        "document_number": f"GT{n:07d}",
        "document_issuing_state": "GT",
        "document_expiry": "2032-01-01",
    }
    base.update(overrides)
    return base


def csv_bytes(
    rows: list[dict[str, str]], *, encoding: str = "utf-8", columns: list[str] | None = None
) -> bytes:
    out = io.StringIO()
    cols = columns or COLUMN_NAMES
    w = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return out.getvalue().encode(encoding)
