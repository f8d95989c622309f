"""Building manifest files for tests."""

from __future__ import annotations

import csv
import io

from ikaze.intake.manifest import COLUMN_NAMES

_GIVEN = ["José Luis", "Ana María", "Carlos", "Luz Marina", "Wilmer", "Yesenia", "Óscar", "Karla"]
_FIRST = ["Pérez", "Hernández", "Castillo", "Mejía", "Ramírez", "Velásquez", "Orellana", "Zúñiga"]
_SECOND = ["Gómez", "López", "Cruz", "Morales", "Reyes", "Flores", "Aguilar", "Rosales"]


def row(n: int, **overrides: str) -> dict[str, str]:
    """A valid manifest row; different n give clearly different people."""
    base = {
        "external_reference": f"US-{n:06d}",
        "given_names": _GIVEN[n % 8],
        "first_surname": _FIRST[(n // 8) % 8],
        "second_surname": _SECOND[(n // 64) % 8],
        "sex": "M",
        "date_of_birth": f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
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
    # CRLF: the csv module quotes a carriage return only when it ends its lines.
    w = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return out.getvalue().encode(encoding)
