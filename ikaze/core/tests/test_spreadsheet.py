"""One formula neutraliser (issue 17 item 11): the rule, and that every writer uses it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from ikaze.core.spreadsheet import csv_writer, formula_safe, xlsx_append

IKAZE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        (" =1", "' =1"),
        ("\x00=1", "'\x00=1"),
        ("\u3000=1", "'\u3000=1"),
        ("\uff0b1", "'\uff0b1"),
        ("", ""),
        ("Ana", "Ana"),
        ("a=b", "a=b"),
        (12, 12),
        (None, None),
    ],
)
def test_every_owasp_trigger_is_neutralised(value: object, safe: object) -> None:
    assert formula_safe(value) == safe


def test_the_csv_writer_quotes_line_breaks_and_formulas() -> None:
    out = io.StringIO()
    csv_writer(out).writerow(["\r=1", "a\nb", "x"])
    assert out.getvalue() == '"\'\r=1","a\nb",x\r\n'


def test_the_xlsx_writer_writes_text_never_a_formula() -> None:
    import openpyxl

    ws = openpyxl.Workbook().active
    xlsx_append(ws, ["=1+1", "Ana", 3])
    assert [(c.value, c.data_type) for c in ws[1]] == [("'=1+1", "s"), ("Ana", "s"), (3, "n")]


_WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|\b(ws|info|sheet|worksheet)\.append\(")


def test_no_module_writes_csv_or_xlsx_rows_but_through_the_neutraliser() -> None:
    offenders = [
        str(path.relative_to(IKAZE))
        for path in IKAZE.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "spreadsheet.py"
        and _WRITERS.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
