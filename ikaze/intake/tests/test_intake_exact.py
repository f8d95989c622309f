"""Issue 17: every manifest is refused or imported exactly (items 1-4, 8, 11, 12).

Each test names its item; each failed on the code before the issue, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.intake import services
from ikaze.intake.manifest import COLUMN_NAMES
from ikaze.intake.models import IntakeBatch, IntakeRowError
from ikaze.intake.selectors import error_report_csv
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import IdentityDocument, Person
from tests import factories

pytestmark = pytest.mark.django_db

INVISIBLE = (
    "Contains an invisible formatting character (U+%s), which is not allowed; remove it "
    "and send the text again."
)


@pytest.fixture
def agreement():
    return factories.agreement_in_force()


@pytest.fixture
def liaison():
    return factories.liaison()


@pytest.fixture
def send(agreement, liaison, django_capture_on_commit_callbacks):
    def send(content: bytes, *, name: str = "m.csv") -> IntakeBatch:
        with django_capture_on_commit_callbacks(execute=True):
            batch, _ = services.intake_batch_create(
                actor=liaison, agreement=agreement, file_name=name, content=content
            )
        batch.refresh_from_db()
        return batch

    return send


def errors_of(batch: IntakeBatch) -> list[tuple[int, str, str]]:
    return [
        (e.row, e.column, e.reason)
        for e in IntakeRowError.objects.filter(batch=batch).order_by("row", "column")
    ]


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header or COLUMN_NAMES)
    for values in rows:
        ws.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_row(r: dict[str, Any]) -> list[Any]:
    return [r.get(c, "") for c in COLUMN_NAMES]


# --- item 1: decoding -----------------------------------------------------------------------


def test_a_stray_byte_in_a_utf8_file_refuses_it_naming_row_and_byte(send) -> None:
    rows = [row(i, given_names="José") for i in range(1, 31)]
    content = csv_bytes(rows)
    last = content.rindex(b"Jos\xc3\xa9")
    content = content[:last] + b"Jos\xff" + content[last + 5 :]
    batch = send(content)
    assert (batch.status, batch.imported) == ("failed", 0)
    assert batch.failure == (
        f"The file is UTF-8 except for byte 0xFF at byte offset {last + 3} (row 31), which is "
        "not UTF-8. Correct that row or save the whole file again as UTF-8; it is not read in "
        "another encoding."
    )
    assert errors_of(batch)[0][:2] == (31, "")
    assert Person.objects.count() == 0


def test_a_windows_1252_file_stores_its_letters_never_c1_controls(send) -> None:
    rows = [
        row(1, given_names="Seán", first_surname="O’Brien", place_of_birth="“Cobán” – 5 €"),
        row(2, given_names="Iñaki", first_surname="Muñoz"),
    ]
    batch = send(csv_bytes(rows, encoding="cp1252"))
    assert (batch.status, batch.imported, batch.encoding) == ("done", 2, "cp1252")
    assert batch.notes[0].startswith("The file is not UTF-8; it was read as Windows-1252")
    p = Person.objects.get(external_reference="US-000001")
    assert (p.first_surname, p.place_of_birth) == ("O’Brien", "“Cobán” – 5 €")
    assert Person.objects.get(external_reference="US-000002").given_names == "Iñaki"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_file_is_read_by_its_bom(send, encoding: str) -> None:
    batch = send(csv_bytes([row(1, given_names="José Ñandú")], encoding=encoding))
    assert (batch.status, batch.imported, batch.encoding) == ("done", 1, encoding)
    assert Person.objects.get().given_names == "José Ñandú"
    assert batch.notes == [
        f"The file is {encoding.upper()} (byte order mark); it was read as such."
    ]


def test_a_refusal_never_carries_a_nul_or_raw_bytes(send) -> None:
    content = b"external_reference,given\x00names,\x1b[31mred\n" + b"A,B,C\n"
    batch = send(content)
    assert batch.status == "failed"
    assert "\x00" not in batch.failure and "\x1b" not in batch.failure
    assert "given\\u0000names" in batch.failure
    assert "\\u001b[31mred" in batch.failure


# --- item 2: one normalisation on every path ------------------------------------------------


def test_invisible_characters_and_line_breaks_are_refused_in_a_manifest(send) -> None:
    rows = [
        row(1, given_names="Ana\u202eZ"),
        row(2, first_surname="Pé\u200brez"),
        row(3, second_surname="\ufeffGómez"),
        row(4, name_as_in_documents="ANA\nPEREZ"),
        row(5, place_of_birth="San Pedro\r\nSula"),
        row(6, given_names="Jose\u0301 Luis"),
    ]
    batch = send(csv_bytes(rows))
    assert errors_of(batch) == [
        (2, "given_names", INVISIBLE % "202E"),
        (3, "first_surname", INVISIBLE % "200B"),
        (4, "second_surname", INVISIBLE % "FEFF"),
        (5, "name_as_in_documents", "Write this on one line (no tabs or line breaks)."),
        (6, "place_of_birth", "Write this on one line (no tabs or line breaks)."),
    ]
    # Decomposed accents are stored composed: "José" is one name however it was typed.
    assert list(Person.objects.values_list("given_names", flat=True)) == ["Jos\u00e9 Luis"]


def test_the_json_rows_and_the_api_hold_the_same_rule(
    api_client_for, agreement, django_capture_on_commit_callbacks
) -> None:
    client = api_client_for(Role.SENDING_LIAISON)
    body = {
        "agreement": agreement.code,
        "rows": [row(1, given_names="Jose\u0301"), row(2, first_surname="Ruiz\u2066")],
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/intake/batches/rows", body, content_type="application/json")
    assert r.status_code == 202, r.content
    batch = IntakeBatch.objects.get(pk=r.json()["id"])
    assert errors_of(batch) == [(3, "first_surname", INVISIBLE % "2066")]
    assert Person.objects.get().given_names == "Jos\u00e9"


def test_the_person_service_refuses_an_override_and_stores_nfc(liaison) -> None:
    from ikaze.core.errors import ValidationError
    from ikaze.people.services import person_create

    with pytest.raises(ValidationError) as caught:
        person_create(actor=liaison, data=factories.person_in(given_names="Ana\u202eZ"))
    assert caught.value.details == {"given_names": [INVISIBLE % "202E"]}
    assert Person.objects.count() == 0
    p = person_create(
        actor=liaison,
        data=factories.person_in(given_names="Jose\u0301", place_of_birth="Leo\u0301n"),
    )
    p.refresh_from_db()
    assert (p.given_names, p.place_of_birth) == ("Jos\u00e9", "Le\u00f3n")


def test_the_referral_page_refuses_a_zero_width_space(client_for) -> None:
    a = factories.agreement_in_force()
    client = client_for(Role.SENDING_LIAISON)
    r = client.post(
        "/vetting/referrals/new/",
        {
            "agreement": a.code,
            "external_reference": "US-77",
            "given_names": "Ana\u200b",
            "first_surname": "Ruiz",
            "sex": "F",
            "date_of_birth": "1990-01-02",
            "nationalities": "HN",
            "document_kind": "passport",
            "document_number": "P1234567",
            "document_issuing_state": "HN",
        },
    )
    assert r.status_code == 422
    assert "U+200B" in r.content.decode()
    assert Person.objects.count() == 0


# --- item 3: each column takes only its type ------------------------------------------------


def test_json_values_that_are_not_text_are_refused_by_cell(send) -> None:
    rows: list[dict[str, Any]] = [
        row(1, given_names={"a": 1}),
        row(2, first_surname=["x"]),
        row(3, document_number=True),
        row(4, document_number=1.5e10),
        row(5, needs_interpreter=True),
    ]
    batch = send(json.dumps(rows).encode(), name="rows.json")
    assert errors_of(batch) == [
        (2, "given_names", "An object or a list is not text; send a string."),
        (3, "first_surname", "An object or a list is not text; send a string."),
        (4, "document_number", "true/false is not text; send a string."),
        (5, "document_number", "A number is not text here; send it as a string."),
    ]
    assert IntakeRowError.objects.get(row=5).value == "15000000000.0"
    assert Person.objects.get().needs_interpreter is True


def test_the_api_refuses_a_number_as_a_document_number(
    api_client_for, agreement, django_capture_on_commit_callbacks
) -> None:
    client = api_client_for(Role.SENDING_LIAISON)
    body = {"agreement": agreement.code, "rows": [row(1, document_number=1.5e10), row(2)]}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/intake/batches/rows", body, content_type="application/json")
    batch = IntakeBatch.objects.get(pk=r.json()["id"])
    assert errors_of(batch) == [
        (2, "document_number", "A number is not text here; send it as a string.")
    ]
    assert list(IdentityDocument.objects.values_list("number", flat=True)) == ["GT0000002"]


def test_xlsx_error_cells_and_numbers_are_refused_or_exact(send) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COLUMN_NAMES)
    for r in (row(1), row(2), row(3), row(4), row(5)):
        ws.append(xlsx_row(r))
    col = {c: i + 1 for i, c in enumerate(COLUMN_NAMES)}
    ws.cell(2, col["given_names"]).value = "#N/A"
    ws.cell(2, col["given_names"]).data_type = "e"
    ws.cell(3, col["document_number"]).value = 12345678901
    ws.cell(4, col["document_number"]).value = 1.5
    ws.cell(5, col["first_surname"]).value = dt.date(2020, 1, 1)
    ws.cell(6, col["document_number"]).value = 2**60
    buf = io.BytesIO()
    wb.save(buf)
    batch = send(buf.getvalue(), name="m.xlsx")
    assert errors_of(batch) == [
        (2, "given_names", "The cell holds the spreadsheet error #N/A, not a value."),
        (4, "document_number", "A number with a fraction; format the cell as text and type it."),
        (
            5,
            "first_surname",
            "A date cell in a column that is not a date; format the cell as text.",
        ),
        (
            6,
            "document_number",
            "A number too long for a spreadsheet to hold exactly (its last digits may be lost); "
            "format the cell as text and type it.",
        ),
    ]
    assert list(IdentityDocument.objects.values_list("number", flat=True)) == ["12345678901"]


# --- item 4: every value within its column --------------------------------------------------


def test_values_longer_than_their_column_after_normalising_are_refused(send) -> None:
    rows = [
        row(1, document_number="ß" * 40),  # 40 as sent, 80 in capitals (column: 60)
        row(2, given_names="\u0958" * 150),  # 150 as sent, 300 in NFC (column: 200)
        row(3, external_reference="R" * 101),
        row(4),
    ]
    batch = send(csv_bytes(rows))
    assert (batch.status, batch.imported) == ("done", 1)
    assert errors_of(batch) == [
        (2, "document_number", "At most 60 characters in capitals."),
        (3, "given_names", "At most 200 characters."),
        (4, "external_reference", "At most 100 characters."),
    ]


# --- item 8: no column lost, no csv-module message ------------------------------------------


def test_a_column_without_a_name_holding_data_refuses_the_file(send) -> None:
    header = [*COLUMN_NAMES[:3], "", *COLUMN_NAMES[3:]]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    r = row(1)
    w.writerow(
        [
            *[r.get(c, "") for c in COLUMN_NAMES[:3]],
            "lost?",
            *[r.get(c, "") for c in COLUMN_NAMES[3:]],
        ]
    )
    batch = send(out.getvalue().encode())
    assert batch.status == "failed"
    assert batch.failure == (
        "Column D (number 4) has no name in the header (row 1) but holds data in row 2; name "
        "the column or remove its data."
    )
    assert errors_of(batch) == [(1, "D", batch.failure)]
    xlsx = send(
        xlsx_bytes([[*xlsx_row(r)[:3], "lost?", *xlsx_row(r)[3:]]], header=header), name="m.xlsx"
    )
    assert (xlsx.status, xlsx.failure) == ("failed", batch.failure)
    assert Person.objects.count() == 0


def test_a_huge_cell_is_refused_on_its_cell(send) -> None:
    batch = send(csv_bytes([row(1, vulnerabilities="v" * 200_000), row(2)]))
    assert (batch.status, batch.imported) == ("done", 1)
    assert errors_of(batch) == [(2, "vulnerabilities", "Longer than 2000 characters.")]


# --- item 11: no live formula in anything Ikaze writes --------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n@SUM(A1)", "'\n@SUM(A1)"),
        ("  =HYPERLINK(x)", "'  =HYPERLINK(x)"),
        ("\u00a0+1", "'\u00a0+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("-2+3", "'-2+3"),
        ("María", "María"),
        ("1-2", "1-2"),
    ],
)
def test_the_error_report_neutralises_every_formula_trigger(send, value: str, written: str) -> None:
    batch = send(csv_bytes([row(1, sex="Q")]))
    IntakeRowError.objects.filter(batch=batch).update(value=value)
    text = "".join(error_report_csv(batch=batch))
    assert list(csv.reader(io.StringIO(text, newline="")))[1][2] == written


# --- item 12: household roles against ages --------------------------------------------------


def test_household_roles_are_checked_against_ages_and_heads(send) -> None:
    year = clock.today_local().year
    rows = [
        row(1, household_reference="H1", household_role="head", date_of_birth=f"{year - 5}-01-01"),
        row(2, household_reference="H2", household_role="head"),
        row(3, household_reference="H2", household_role="child", date_of_birth="1970-01-01"),
        row(4, household_reference="H2", household_role="head"),
        row(5, household_reference="H2", household_role="spouse", date_of_birth=f"{year - 17}"),
    ]
    batch = send(csv_bytes(rows))
    errs = errors_of(batch)
    assert [(r, c) for r, c, _ in errs] == [
        (2, "household_role"),
        (4, "household_role"),
        (5, "household_role"),
        (6, "household_role"),
    ]
    assert errs[0][2] == (
        "A head must be at least 18; this person may be 5 (SAFEGUARDS A1, A7: a child is never "
        "the adult of a household)."
    )
    assert errs[1][2].startswith("This person is at least ")
    assert errs[2][2] == "Household H2 already has its head in row 3; a household has one head."
    assert errs[3][2].startswith("A spouse must be at least 18; this person may be 1")
    assert list(Person.objects.values_list("external_reference", flat=True)) == ["US-000002"]


def test_nfc_of_everything_stored(send) -> None:
    # Every text the registry holds from a manifest is NFC, whatever the file sent.
    batch = send(csv_bytes([row(1, first_surname="Mun\u0303oz", second_surname="Pe\u0301rez")]))
    p = Person.objects.get()
    assert batch.imported == 1
    for value in (p.given_names, p.first_surname, p.second_surname):
        assert unicodedata.is_normalized("NFC", value)
    assert (p.first_surname, p.second_surname) == ("Muñoz", "Pérez")
