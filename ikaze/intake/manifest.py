"""The manifest format: its columns, and reading CSV, XLSX and JSON files into rows of text.

Reading never evaluates anything: cell values are text, formulas are refused, and an XLSX is
checked for its uncompressed size before openpyxl opens it. docs/intake-format.md describes the
same columns for people.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    example: str


COLUMNS: list[Column] = [
    Column(
        "external_reference",
        True,
        "The sending state's identifier for the person (unique per sending organisation).",
        "DHS-2025-000123",
    ),
    Column(
        "given_names",
        True,
        "All given names, as written (compound names kept together).",
        "María José",
    ),
    Column("first_surname", True, "First (paternal) surname, with its particles.", "de la Cruz"),
    Column("second_surname", False, "Second (maternal) surname, if any.", "Hernández"),
    Column(
        "name_as_in_documents",
        False,
        "The full name exactly as printed in the travel document.",
        "MARIA JOSE DE LA CRUZ HERNANDEZ",
    ),
    Column("aliases", False, "Other names used, separated by ';'.", "Majo Cruz"),
    Column("sex", True, "F, M or X.", "F"),
    Column(
        "date_of_birth",
        True,
        "YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known. Other formats are refused.",
        "1990-04-03",
    ),
    Column(
        "place_of_birth",
        False,
        "Town and country of birth, as free text.",
        "San Pedro Sula, Honduras",
    ),
    Column("nationalities", True, "ISO 3166-1 alpha-2 codes separated by ';'.", "HN"),
    Column("languages", False, "ISO 639-1 or 639-3 codes separated by ';'.", "es"),
    Column("needs_interpreter", False, "yes or no (empty = no).", "no"),
    Column("phone", False, "E.164 (+ country code and number).", "+50499998888"),
    Column(
        "document_type",
        True,
        "passport, travel_document, national_id, birth_certificate or other (A4 needs a passport or travel document).",
        "passport",
    ),
    Column("document_number", True, "The document number.", "G1234567"),
    Column("document_issuing_state", True, "ISO 3166-1 alpha-2 code of the issuing state.", "HN"),
    Column("document_expiry", False, "YYYY-MM-DD.", "2030-01-31"),
    Column(
        "household_reference", False, "The same value on every row of one household.", "HH-0042"
    ),
    Column(
        "household_role",
        False,
        "head, spouse, child or other_adult (required with a household).",
        "head",
    ),
    Column(
        "relationship", False, "Relationship to the head of household, as free text.", "daughter"
    ),
    Column(
        "referral_reference",
        False,
        "The sending state's case reference for this referral (default: external_reference).",
        "CASE-77",
    ),
    Column(
        "health", False, "Health information; only with health_consent = yes (SAFEGUARDS A4).", ""
    ),
    Column(
        "health_consent", False, "yes if the person consented to share health information.", "no"
    ),
    Column("vulnerabilities", False, "Vulnerabilities the receiving state must know of.", ""),
]
COLUMN_NAMES = [c.name for c in COLUMNS]
REQUIRED = frozenset(c.name for c in COLUMNS if c.required)
FORMULA_PREFIXES = ("=", "+", "-", "@")
MAX_UNCOMPRESSED_RATIO = 100
MAX_CELL_CHARS = 2000
# Bounds of one file (docs/intake-format.md), whatever the file declares of itself.
MAX_ROWS = 250_000
MAX_COLUMNS = 64
MAX_JSON_DEPTH = 8


class FileRefused(Exception):
    """The whole file is unusable; the reason names what is wrong (and where)."""

    def __init__(self, reason: str, *, row: int = 0, column: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column


@dataclass
class Parsed:
    """Rows of text keyed by column, numbered as a spreadsheet shows them (header = row 1)."""

    rows: list[tuple[int, dict[str, str]]]
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def detect_format(file_name: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if file_name.lower().endswith(".json"):
        return "json"
    return "csv"


def _check_headers(headers: list[str]) -> list[str]:
    cleaned = [h.strip().lower() for h in headers]
    problems: list[str] = []
    unknown = [h for h in cleaned if h and h not in COLUMN_NAMES]
    missing = [c for c in COLUMN_NAMES if c in REQUIRED and c not in cleaned]
    repeated = sorted({h for h in cleaned if h and cleaned.count(h) > 1})
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}.")
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if repeated:
        problems.append(f"Columns given more than once: {', '.join(repeated)}.")
    if problems:
        raise FileRefused(
            " ".join(problems) + " See the data dictionary (docs/intake-format.md).", row=1
        )
    return cleaned


def decode(content: bytes) -> tuple[str, str]:
    """Text of a CSV: UTF-8 (with or without BOM), else Latin-1 (which always decodes)."""
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "latin-1"


def parse_csv(content: bytes) -> Parsed:
    text, encoding = decode(content)
    notes = []
    if encoding == "latin-1":
        notes.append("The file is not UTF-8; it was read as Latin-1 (ISO-8859-1).")
    if not text.strip():
        raise FileRefused("The file is empty.")
    sample = text[:4096]
    delimiter = (
        ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    names = _check_headers(headers)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for line_no, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                extra = values[len(names) :]
                if any(v.strip() for v in extra):
                    raise FileRefused(
                        f"Row {line_no} has {len(values)} cells but the header has {len(names)}.",
                        row=line_no,
                    )
            row = {n: (values[i] if i < len(values) else "") for i, n in enumerate(names) if n}
            rows.append((line_no, row))
    except csv.Error as exc:
        raise FileRefused(f"The CSV cannot be read: {exc}.") from None
    if not rows:
        raise FileRefused("The file has a header but no rows.")
    return Parsed(rows=rows, encoding=encoding, notes=notes)


def check_zip(content: bytes, *, max_bytes: int) -> None:
    """Refuse an XLSX whose members would inflate beyond the limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise FileRefused("The file looks like XLSX but is not a valid XLSX (zip) file.") from None
    total = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if total > max_bytes or (total / compressed > MAX_UNCOMPRESSED_RATIO and total > 10_000_000):
        raise FileRefused(
            f"The XLSX would expand to {total:,} bytes (limit {max_bytes:,}); it is refused "
            "as a possible zip bomb."
        )


def _xlsx_cell(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # A real date cell is unambiguous; time of day is meaningless here.
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(ws: Any) -> list[tuple[int, dict[str, str]]]:
    """The sheet's rows, read up to the limits only (issue 17 item 9).

    The dimension a sheet declares (`A1:XFD1048576`) is not trusted: it is forgotten, so
    openpyxl pads neither rows nor columns up to it; a row past MAX_ROWS or a cell past
    MAX_COLUMNS refuses the file the moment it is reached, without reading further.
    """
    ws.reset_dimensions()
    it: Iterator[tuple[Any, ...]] = ws.iter_rows(values_only=True)
    try:
        headers = [_xlsx_cell(v) for v in next(it)[: MAX_COLUMNS + 1]]
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise FileRefused(f"The header has more than {MAX_COLUMNS} columns.", row=1)
    names = _check_headers(headers)
    rows: list[tuple[int, dict[str, str]]] = []
    for row_no, values in enumerate(it, start=2):
        if row_no > MAX_ROWS + 1:
            raise FileRefused(
                f"The sheet has rows past row {MAX_ROWS + 1:,}; the limit is {MAX_ROWS:,} rows "
                "per file. Split it into smaller files.",
                row=row_no,
            )
        if len(values) > MAX_COLUMNS and any(
            v is not None and str(v).strip() for v in values[MAX_COLUMNS:]
        ):
            raise FileRefused(
                f"Row {row_no} has a value past column {MAX_COLUMNS}; the limit is "
                f"{MAX_COLUMNS} columns.",
                row=row_no,
            )
        cells = [_xlsx_cell(v) for v in values[:MAX_COLUMNS]]
        if not any(c.strip() for c in cells):
            continue
        rows.append(
            (row_no, {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names) if n})
        )
    return rows


def parse_xlsx(content: bytes, *, max_bytes: int) -> Parsed:
    check_zip(content, max_bytes=max_bytes)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:
        raise FileRefused(f"The XLSX cannot be read ({exc.__class__.__name__}).") from None
    try:
        ws = wb.worksheets[0]
        rows = _xlsx_rows(ws)
    finally:
        wb.close()
    if not rows:
        raise FileRefused("The file has a header but no rows.")
    return Parsed(rows=rows, encoding="xlsx")


_TOO_DEEP = (
    f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; send a list of objects whose "
    "values are text, numbers or lists of text."
)


def json_depth_check(data: Any) -> None:
    """Refuse parsed JSON nested deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > MAX_JSON_DEPTH:
                    raise FileRefused(_TOO_DEEP)
                stack.append((child, depth + 1))


def parse_json(content: bytes) -> Parsed:
    """JSON rows through the API: a list of objects keyed by column name."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRefused(f"The JSON cannot be read: {exc}.") from None
    except RecursionError:  # the parser's own bound, far deeper than ours
        raise FileRefused(_TOO_DEEP) from None
    if isinstance(data, list):
        json_depth_check(data)
    if not isinstance(data, list) or not data:
        raise FileRefused("Send a non-empty list of rows.")
    headers: list[str] = []
    for item in data:
        if not isinstance(item, dict):
            raise FileRefused("Every row must be an object keyed by column name.")
        headers.extend(k for k in item if k not in headers)
    names = _check_headers(headers)
    rows = []
    for i, item in enumerate(data, start=2):
        lowered = {str(k).strip().lower(): v for k, v in item.items()}
        rows.append((i, {n: "" if lowered.get(n) is None else str(lowered[n]) for n in names}))
    return Parsed(rows=rows, encoding="utf-8")


def parse(file_name: str, content: bytes, *, max_bytes: int) -> tuple[str, Parsed]:
    """Read a manifest file into rows of text; raise FileRefused if the file is unusable."""
    if not content:
        raise FileRefused("The file is empty.")
    if len(content) > max_bytes:
        raise FileRefused(f"The file is {len(content):,} bytes; the limit is {max_bytes:,}.")
    fmt = detect_format(file_name, content)
    if fmt == "xlsx":
        return fmt, parse_xlsx(content, max_bytes=max_bytes)
    if fmt == "json":
        return fmt, parse_json(content)
    return fmt, parse_csv(content)


def template_csv() -> bytes:
    """The CSV template: the header and one example row, UTF-8."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMN_NAMES)
    w.writerow([c.example for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: the header, one example row, and the dictionary on a second sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "manifest"
    ws.append(COLUMN_NAMES)
    # Written as text so spreadsheet programs keep dates and numbers as typed.
    ws.append([c.example for c in COLUMNS])
    for cell in ws[2]:
        cell.number_format = "@"
    info = wb.create_sheet("dictionary")
    info.append(["column", "required", "description", "example"])
    for c in COLUMNS:
        info.append([c.name, "yes" if c.required else "no", c.description, c.example])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HELP = _("Download a template, fill one row per person, and upload it.")
