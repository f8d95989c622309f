"""Every CSV and XLSX file Ikaze writes goes through here, so no cell is a live formula.

A spreadsheet program evaluates a cell whose text starts with a formula trigger: `=`, `+`,
`-`, `@` (OWASP "CSV injection"), also after leading spaces or control characters, a tab, a
carriage return or a line feed, and the full-width forms some programs read alike (`＝`, `＋`,
`－`, `＠`). A value such as `=HYPERLINK(...)` typed by a sender would run on the computer of
the officer who opens the report.

- CSV: such a value is written with a leading apostrophe (`'=1+1`), which spreadsheets show as
  text; other values are written unchanged.
- XLSX: every text value is written as a string cell (openpyxl would store `=...` as a
  formula) with the same apostrophe rule, so the file reads the same as the CSV.

`csv_writer` and `xlsx_append` are the only ways a module of Ikaze writes rows;
`ikaze/core/tests/test_spreadsheet.py` fails on a `csv.writer` or a worksheet `append` elsewhere.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# OWASP's triggers, and their full-width forms.
_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# Triggers themselves (OWASP): a tab, a carriage return, a line feed.
_LEADING = frozenset("\t\r\n")


def formula_safe(value: Any) -> Any:
    """`value`, or for text a spreadsheet would read as a formula, that text after `'`."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in _LEADING:
        return "'" + value
    # White space and control characters before a trigger are read as nothing.
    i = 0
    while i < len(value) and (value[i].isspace() or ord(value[i]) < 0x20):
        i += 1
    if i < len(value) and value[i] in _TRIGGERS:
        return "'" + value
    return value


class SafeCsvWriter:
    """`csv.writer` whose every cell passes through `formula_safe`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        # Lines end in CRLF (RFC 4180): the csv module quotes only the characters of its line
        # terminator, so with "\n" a carriage return inside a value would split the row.
        kwargs["lineterminator"] = "\r\n"
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([formula_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **kwargs: Any) -> SafeCsvWriter:
    """A CSV writer on `out` (arguments as `csv.writer`) that writes no live formula."""
    return SafeCsvWriter(out, **kwargs)


def xlsx_append(ws: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet: text as string cells, never a formula."""
    ws.append([formula_safe(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def xlsx_bytes(*, header: Iterable[Any], rows: Iterable[Iterable[Any]], title: str = "") -> bytes:
    """An XLSX workbook of one sheet, `header` in bold then `rows`, every cell formula-safe."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        # A sheet name holds at most 31 characters and none of []:*?/\ .
        ws.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    xlsx_append(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        xlsx_append(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
