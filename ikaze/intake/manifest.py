"""The manifest format: its columns, and reading CSV, XLSX and JSON files into rows of text.

Reading never evaluates anything: cell values are text, formulas are refused, and an XLSX is
checked for its uncompressed size before openpyxl opens it. docs/intake-format.md describes the
same columns for people.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from ikaze.core.spreadsheet import csv_writer, xlsx_append
from ikaze.core.text import normalise_text, shown


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
    """The whole file is unusable; the reason names what is wrong (and where).

    The reason is made printable (`ikaze.core.text.shown`): a NUL or an undecoded byte in a
    header never reaches a message, a database or a page as itself.
    """

    def __init__(self, reason: str, *, row: int = 0, column: str = "") -> None:
        reason = shown(reason, limit=2000)
        super().__init__(reason)
        self.reason = reason
        self.row = row
        self.column = column


class CellRefused(str):
    """A cell whose value cannot be taken as text of its column (a JSON object, an XLSX
    error cell, a number where text is expected). It reads as the value as sent; the row
    validator (`ikaze.intake.rows`) refuses the row, naming the cell and `reason`."""

    reason: str

    def __new__(cls, value: str, reason: str) -> CellRefused:
        cell = super().__new__(cls, value)
        cell.reason = reason
        return cell


class RefusedCells(dict[str, str]):
    """A row holding cells the reader refused: `refused` maps their columns to the reason."""

    refused: dict[str, str]


def _row(names: list[str], values: list[str]) -> dict[str, str]:
    """The row keyed by column; a RefusedCells when some cell is a CellRefused."""
    row = {n: (values[i] if i < len(values) else "") for i, n in enumerate(names) if n}
    refused = {n: v.reason for n, v in row.items() if isinstance(v, CellRefused)}
    if not refused:
        return row
    out = RefusedCells(row)
    out.refused = refused
    return out


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


def column_label(index: int) -> str:
    """A column as a spreadsheet names it: 0 -> A, 25 -> Z, 26 -> AA."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _check_headers(headers: list[str]) -> list[str]:
    cleaned = [normalise_text(h.strip().lower()) for h in headers]
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


def _refuse_unnamed(names: list[str], row_no: int, values: list[str]) -> None:
    """A cell under a column without a name: refused, never dropped (its data would be lost)."""
    for i, value in enumerate(values):
        if value.strip() and (i >= len(names) or not names[i]):
            label = column_label(i)
            if i >= len(names):
                raise FileRefused(
                    f"Row {row_no} has {len(values)} cells but the header has {len(names)}; "
                    f"cell {label}{row_no} has no column.",
                    row=row_no,
                    column=label,
                )
            raise FileRefused(
                f"Column {label} (number {i + 1}) has no name in the header (row 1) but holds "
                f"data in row {row_no}; name the column or remove its data.",
                row=1,
                column=label,
            )


# --- CSV: decoding -------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
    (b"\xff\xfe", "utf-16", "utf-16"),
    (b"\xfe\xff", "utf-16", "utf-16"),
)
# A valid UTF-8 sequence of two to four bytes: a file holding one is UTF-8 that went wrong
# somewhere, not a file in another encoding (whose letters almost never form them).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Single-byte Western code pages that charset-normalizer often cannot tell apart on a few
# names; Windows-1252 (what Excel on Windows saves in Western locales) is taken among them.
_WESTERN = frozenset(
    {"cp1252", "cp1250", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_15", "iso8859_2"}
)


def _row_of(content: bytes, offset: int) -> int:
    """The spreadsheet row (header = 1) of the CSV record holding byte `offset`."""
    prefix = content[:offset].decode("utf-8", errors="replace")
    try:
        records = sum(1 for _ in csv.reader(io.StringIO(prefix, newline="")))
    except csv.Error:  # a broken quote or a huge field before it: count lines instead
        records = prefix.count("\n") + (not prefix.endswith("\n"))
    return records + 1 if not prefix or prefix.endswith(("\n", "\r")) else records


def decode(content: bytes) -> tuple[str, str]:
    """Text of a CSV and the encoding it was read in; raise FileRefused if it has none.

    UTF-8 with or without BOM, strictly; UTF-16 and UTF-32 by their BOM; a file that is UTF-8
    but for some bytes is refused naming the first bad byte (never read in another encoding
    wholesale, never part one and part another); any other file in the encoding
    charset-normalizer finds, which the batch names.
    """
    for bom, codec, name in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(codec), name
            except UnicodeDecodeError as exc:
                raise FileRefused(
                    f"The file starts as {name.upper()} (byte order mark) but byte offset "
                    f"{exc.start} is not {name.upper()}; save it again as UTF-8."
                ) from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc
    if _UTF8_MULTIBYTE.search(content) is not None:
        row = _row_of(content, bad.start)
        raise FileRefused(
            f"The file is UTF-8 except for byte 0x{content[bad.start]:02X} at byte offset "
            f"{bad.start} (row {row}), which is not UTF-8. Correct that row or save the whole "
            "file again as UTF-8; it is not read in another encoding.",
            row=row,
        )
    import charset_normalizer

    results = list(charset_normalizer.from_bytes(content))
    if not results:
        raise FileRefused(
            "The file is not text in an encoding Ikaze recognises (UTF-8, UTF-16, UTF-32 or a "
            "known code page); save it as UTF-8 CSV."
        )
    best = results[0]
    encoding = best.encoding
    lowest = min(m.chaos for m in results)
    if any(
        "cp1252" in m.could_be_from_charset and m.chaos <= lowest
        for m in results
        if m.encoding in _WESTERN
    ):
        encoding = "cp1252"
    try:
        return content.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return str(best), best.encoding


_ENCODING_NAMES = {"cp1252": "Windows-1252", "utf-16": "UTF-16", "utf-32": "UTF-32"}


def encoding_note(encoding: str) -> str | None:
    """What the batch says about an encoding other than UTF-8, or None for UTF-8."""
    if encoding in ("utf-8", "xlsx", ""):
        return None
    if encoding in ("utf-16", "utf-32"):
        return f"The file is {_ENCODING_NAMES[encoding]} (byte order mark); it was read as such."
    name = _ENCODING_NAMES.get(encoding, encoding)
    return (
        f"The file is not UTF-8; it was read as {name} (detected). Check the names of the "
        "imported people; save the file as UTF-8 CSV to be sure."
    )


# --- CSV: reading --------------------------------------------------------------------------


def _csv_field_limit(max_bytes: int) -> None:
    # The csv module refuses a field over 131,072 characters with its own message (row 0, no
    # column). Up to the upload limit it reads it, and the row check refuses the cell with
    # the documented message, naming row and column.
    if csv.field_size_limit() < max_bytes:
        csv.field_size_limit(max_bytes)


def parse_csv(content: bytes, *, max_bytes: int = 0) -> Parsed:
    _csv_field_limit(max(max_bytes, len(content)))
    text, encoding = decode(content)
    notes = [note] if (note := encoding_note(encoding)) else []
    if not text.strip():
        raise FileRefused("The file is empty.")
    sample = text[:4096]
    delimiter = (
        ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        try:
            headers = next(reader)
        except StopIteration:
            raise FileRefused("The file is empty.") from None
        while headers and not headers[-1].strip():
            headers.pop()
        names = _check_headers(headers)
        rows: list[tuple[int, dict[str, str]]] = []
        for line_no, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            _refuse_unnamed(names, line_no, values)
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


# --- XLSX ----------------------------------------------------------------------------------

DATE_COLUMNS = frozenset({"date_of_birth", "document_expiry"})
YES_NO_COLUMNS = frozenset({"needs_interpreter", "health_consent"})
# The largest integer a spreadsheet's number (a double) holds exactly.
_EXACT_INTEGER = 2**53


def _typed_cell(column: str, value: Any, *, error: bool = False) -> str:
    """A cell's value as the text of `column`, or a CellRefused saying why it cannot be.

    Text is text; a real date cell is that date in a date column; a yes/no column takes a
    logical cell; a whole number (below 2**53) is its digits, written exactly (never
    "1.5e10"); any other number, a date in a text column and an error cell are refused.
    """
    import datetime as dt

    if value is None:
        return ""
    if error:
        return CellRefused(
            str(value), f"The cell holds the spreadsheet error {value}, not a value."
        )
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        if column in YES_NO_COLUMNS:
            return "yes" if value else "no"
        return CellRefused(str(value).upper(), "A logical (TRUE/FALSE) cell; write text.")
    if isinstance(value, (dt.datetime, dt.date)):
        if column in DATE_COLUMNS:
            # A real date cell is unambiguous; time of day is meaningless here.
            day = value.date() if isinstance(value, dt.datetime) else value
            return day.isoformat()
        return CellRefused(
            str(value), "A date cell in a column that is not a date; format the cell as text."
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return CellRefused(
                repr(value), "A number with a fraction; format the cell as text and type it."
            )
        number = int(value)
        if abs(number) >= _EXACT_INTEGER:
            return CellRefused(
                str(number),
                "A number too long for a spreadsheet to hold exactly (its last digits may "
                "be lost); format the cell as text and type it.",
            )
        return str(number)
    return CellRefused(str(value), "A value of a kind a manifest cell cannot hold.")


def _header_cell(value: Any) -> str:
    return "" if value is None else str(value)


def _xlsx_rows(ws: Any) -> list[tuple[int, dict[str, str]]]:
    """The sheet's rows, each cell typed by its column, read up to the limits only.

    The dimension a sheet declares (`A1:XFD1048576`) is not trusted (issue 17 item 9): it is
    forgotten, so openpyxl pads neither rows nor columns up to it; a row past MAX_ROWS or a
    cell past MAX_COLUMNS refuses the file the moment it is reached, without reading further.
    """
    ws.reset_dimensions()
    it: Iterator[tuple[Any, ...]] = ws.iter_rows()
    try:
        headers = [_header_cell(c.value) for c in next(it)[: MAX_COLUMNS + 1]]
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    while headers and not headers[-1].strip():
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise FileRefused(f"The header has more than {MAX_COLUMNS} columns.", row=1)
    names = _check_headers(headers)
    rows: list[tuple[int, dict[str, str]]] = []
    for row_no, cells in enumerate(it, start=2):
        if row_no > MAX_ROWS + 1:
            raise FileRefused(
                f"The sheet has rows past row {MAX_ROWS + 1:,}; the limit is {MAX_ROWS:,} rows "
                "per file. Split it into smaller files.",
                row=row_no,
            )
        if len(cells) > MAX_COLUMNS and any(
            c.value is not None and str(c.value).strip() for c in cells[MAX_COLUMNS:]
        ):
            raise FileRefused(
                f"Row {row_no} has a value past column {MAX_COLUMNS}; the limit is "
                f"{MAX_COLUMNS} columns.",
                row=row_no,
            )
        values = [
            _typed_cell(
                names[i] if i < len(names) else "",
                c.value,
                error=getattr(c, "data_type", "") == "e",
            )
            for i, c in enumerate(cells[:MAX_COLUMNS])
        ]
        if not any(v.strip() for v in values):
            continue
        _refuse_unnamed(names, row_no, values)
        rows.append((row_no, _row(names, values)))
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


# --- JSON ----------------------------------------------------------------------------------


def _json_cell(column: str, value: Any) -> str:
    """A JSON value as the text of `column`, or a CellRefused saying why it cannot be.

    Every column is text: a string is taken as it is; a yes/no column also takes true or
    false; numbers, objects and arrays are refused (a number would lose its leading zeros
    or be written "1.5e10" as a document number).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    shown_value = json.dumps(value, ensure_ascii=False)[:200]
    if isinstance(value, bool):
        if column in YES_NO_COLUMNS:
            return "yes" if value else "no"
        return CellRefused(shown_value, "true/false is not text; send a string.")
    if isinstance(value, int | float):
        return CellRefused(shown_value, "A number is not text here; send it as a string.")
    return CellRefused(shown_value, "An object or a list is not text; send a string.")


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
        lowered = {normalise_text(str(k).strip().lower()): v for k, v in item.items()}
        if (unnamed := lowered.get("")) not in (None, ""):
            raise FileRefused(
                f"Row {i} has a value under an empty key: {json.dumps(unnamed)[:60]}; "
                "every value needs its column name.",
                row=i,
            )
        rows.append((i, _row(names, [_json_cell(n, lowered.get(n)) for n in names])))
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
    return fmt, parse_csv(content, max_bytes=max_bytes)


def template_csv() -> bytes:
    """The CSV template: the header and one example row, UTF-8."""
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow(COLUMN_NAMES)
    w.writerow([c.example for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: the header, one example row, and the dictionary on a second sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "manifest"
    xlsx_append(ws, COLUMN_NAMES)
    # Written as text so spreadsheet programs keep dates and numbers as typed.
    xlsx_append(ws, [c.example for c in COLUMNS])
    for cell in ws[2]:
        cell.number_format = "@"
    info = wb.create_sheet("dictionary")
    xlsx_append(info, ["column", "required", "description", "example"])
    for c in COLUMNS:
        xlsx_append(info, [c.name, "yes" if c.required else "no", c.description, c.example])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HELP = _("Download a template, fill one row per person, and upload it.")
