from __future__ import annotations

import csv
import io
import zipfile

import pytest

from ikaze.audit.models import AuditEvent
from ikaze.core.errors import ValidationError
from ikaze.intake import services
from ikaze.intake.models import IntakeBatch, IntakeRowError
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import HouseholdMember, Person
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return factories.agreement_in_force()


@pytest.fixture
def liaison():
    return factories.liaison()


def upload(
    liaison, agreement, content: bytes, *, name: str = "m.csv", mode: str = "lenient", capture=None
) -> IntakeBatch:
    with capture(execute=True):
        batch, _ = services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name=name, content=content, mode=mode
        )
    batch.refresh_from_db()
    return batch


def errors_of(batch: IntakeBatch) -> list[tuple[int, str, str]]:
    return [
        (e.row, e.column, e.reason)
        for e in IntakeRowError.objects.filter(batch=batch).order_by("row", "column")
    ]


def test_lenient_imports_valid_rows_and_reports_each_bad_one(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    rows = [
        row(1),
        row(2, date_of_birth="03/04/1990"),
        row(3, nationalities="XX"),
        row(4, date_of_birth="1990-02-30"),
        row(5, given_names='=HYPERLINK("x")'),
        row(6, phone="+250788123456"),
        row(7, date_of_birth="1975"),
    ]
    batch = upload(liaison, agreement, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert (batch.status, batch.rows_total, batch.imported, batch.rejected) == ("done", 7, 3, 4)
    errs = errors_of(batch)
    assert [(r, c) for r, c, _ in errs] == [
        (3, "date_of_birth"),
        (4, "nationalities"),
        (5, "date_of_birth"),
        (6, "given_names"),
    ]
    assert "ambiguous" in errs[0][2]
    assert "not a real date" in errs[2][2]
    assert "formulas are refused" in errs[3][2]
    assert Person.objects.count() == 3
    assert Referral.objects.filter(status="submitted", intake_batch_id=batch.pk).count() == 3
    p = Person.objects.get(external_reference="US-000007")
    assert (p.date_of_birth.isoformat(), p.dob_precision) == ("1975-01-01", "year")
    assert Person.objects.get(external_reference="US-000006").phone == "+250788123456"


def test_strict_imports_nothing_when_a_row_fails(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(1), row(2, sex="Q")]),
        mode="strict",
        capture=django_capture_on_commit_callbacks,
    )
    assert (batch.status, batch.imported, batch.rejected) == ("done", 0, 1)
    assert Person.objects.count() == 0
    assert Referral.objects.count() == 0
    assert errors_of(batch) == [(3, "sex", "Write one of F, M, X.")]


def test_same_file_again_is_the_same_batch(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    content = csv_bytes([row(1)])
    first = upload(liaison, agreement, content, capture=django_capture_on_commit_callbacks)
    second = upload(liaison, agreement, content, capture=django_capture_on_commit_callbacks)
    assert second.pk == first.pk
    assert IntakeBatch.objects.count() == 1
    assert Person.objects.count() == 1


def test_same_reference_in_another_file_creates_nothing_new(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    upload(liaison, agreement, csv_bytes([row(1)]), capture=django_capture_on_commit_callbacks)
    again = upload(
        liaison,
        agreement,
        csv_bytes([row(1, place_of_birth="Cobán")]),
        capture=django_capture_on_commit_callbacks,
    )
    assert (again.imported, again.duplicates, again.rejected) == (0, 1, 0)
    assert Person.objects.count() == 1
    assert Referral.objects.count() == 1


def test_repeated_reference_within_file(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    batch = upload(
        liaison, agreement, csv_bytes([row(1), row(1)]), capture=django_capture_on_commit_callbacks
    )
    assert (batch.imported, batch.rejected) == (1, 1)
    assert errors_of(batch) == [
        (3, "external_reference", "Repeats row 2 (same external_reference).")
    ]


def test_child_without_adult_is_flagged(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    rows = [
        row(1, household_reference="H1", household_role="head"),
        row(
            2,
            household_reference="H1",
            household_role="child",
            relationship="son",
            date_of_birth="2015-01-02",
        ),
        row(3, household_reference="H2", household_role="child", date_of_birth="2016-05-05"),
        # The only adult of H3 is invalid, so its child cannot come alone either.
        row(4, household_reference="H3", household_role="head", sex="?"),
        row(5, household_reference="H3", household_role="child", date_of_birth="2017-05-05"),
    ]
    batch = upload(liaison, agreement, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert batch.imported == 2
    assert [(r, c) for r, c, _ in errors_of(batch)] == [
        (4, "household_reference"),
        (5, "sex"),
        (6, "household_reference"),
    ]
    assert HouseholdMember.objects.filter(household__reference="H1").count() == 2


def test_latin1_file_is_read_and_said_so(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(1, given_names="Iñaki")], encoding="latin-1"),
        capture=django_capture_on_commit_callbacks,
    )
    # Latin-1's letters are Windows-1252's (issue 17 item 1: the encoding found is named).
    assert batch.encoding == "cp1252"
    assert "Windows-1252" in batch.notes[0]
    assert Person.objects.get().given_names == "Iñaki"


def test_utf8_bom_is_accepted(agreement, liaison, django_capture_on_commit_callbacks) -> None:
    batch = upload(
        liaison,
        agreement,
        b"\xef\xbb\xbf" + csv_bytes([row(1)]),
        capture=django_capture_on_commit_callbacks,
    )
    assert (batch.encoding, batch.imported) == ("utf-8", 1)


def test_unknown_and_missing_headers_refuse_the_file(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    content = b"external_reference,given_names,colour\nA,B,C\n"
    batch = upload(liaison, agreement, content, capture=django_capture_on_commit_callbacks)
    assert batch.status == "failed"
    assert "Unknown columns: colour." in batch.failure
    assert "Missing required columns: first_surname" in batch.failure
    assert Person.objects.count() == 0


def test_empty_file_is_refused_before_anything_is_stored(agreement, liaison) -> None:
    with pytest.raises(ValidationError) as exc:
        services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="e.csv", content=b""
        )
    assert exc.value.details == {"file": ["The file is empty."]}
    assert IntakeBatch.objects.count() == 0


def test_file_over_the_limit_is_refused(agreement, liaison, settings) -> None:
    settings.IKAZE_UPLOAD_MAX_BYTES = 100
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="e.csv", content=b"x" * 101
        )
    assert IntakeBatch.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_zip_bomb_is_refused_without_opening(
    agreement, liaison, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IKAZE_UPLOAD_MAX_BYTES = 1_000_000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    batch = upload(
        liaison,
        agreement,
        buf.getvalue(),
        name="bomb.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert batch.status == "failed"
    assert "zip bomb" in batch.failure


def test_xlsx_with_formula_cell(agreement, liaison, django_capture_on_commit_callbacks) -> None:
    import openpyxl

    from ikaze.intake.manifest import COLUMN_NAMES

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COLUMN_NAMES)
    for r in (row(1), row(2, first_surname="=1+1")):
        ws.append([r.get(c, "") for c in COLUMN_NAMES])
    buf = io.BytesIO()
    wb.save(buf)
    batch = upload(
        liaison,
        agreement,
        buf.getvalue(),
        name="m.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert (batch.imported, batch.rejected) == (1, 1)
    assert errors_of(batch)[0][:2] == (3, "first_surname")


def test_health_without_consent_is_refused(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(1, health="diabetes"), row(2, health="asthma", health_consent="yes")]),
        capture=django_capture_on_commit_callbacks,
    )
    assert (batch.imported, batch.rejected) == (1, 1)
    assert errors_of(batch)[0][:2] == (2, "health")


def test_rows_are_audited_in_one_chained_batch(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    before = AuditEvent.objects.count()
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(i) for i in range(1, 6)]),
        capture=django_capture_on_commit_callbacks,
    )
    actions = list(
        AuditEvent.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    )
    assert actions.count("referral.submit") == 5
    assert actions[-1] == "intake_batch.import"
    assert batch.imported == 5


def test_likely_duplicates_become_candidates(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    from ikaze.people.models import MatchCandidate

    rows = [
        row(
            1,
            given_names="María José",
            first_surname="Hernández",
            second_surname="López",
            sex="F",
            date_of_birth="1990-04-03",
            document_number="HN1234567",
            nationalities="HN",
            document_issuing_state="HN",
        ),
        row(
            2,
            given_names="Maria Jose",
            first_surname="Hernandez",
            second_surname="Lopez",
            sex="F",
            date_of_birth="1990-04-03",
            document_number="HN1234567",
            nationalities="HN",
            document_issuing_state="HN",
        ),
    ]
    batch = upload(liaison, agreement, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert batch.imported == 2
    assert batch.possible_duplicates == 1
    assert MatchCandidate.objects.filter(status="open").count() == 1


def test_error_report_csv(agreement, liaison, django_capture_on_commit_callbacks) -> None:
    from ikaze.intake.selectors import error_report_csv

    batch = upload(
        liaison, agreement, csv_bytes([row(1, sex="Q")]), capture=django_capture_on_commit_callbacks
    )
    text = "".join(error_report_csv(batch=batch))
    assert list(csv.reader(io.StringIO(text))) == [
        ["row", "column", "value", "reason"],
        ["2", "sex", "Q", "Write one of F, M, X."],
    ]
