"""Issue 17 items 5, 6, 7, 9 and 10: every import ends, unique rules are checked before
writing, changed identities are conflicts, the work of one file is bounded."""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import time
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ikaze.audit.models import AuditEvent
from ikaze.intake import manifest, services
from ikaze.intake.models import IntakeBatch, IntakeRowError
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import MatchCandidate, Person
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return factories.agreement_in_force()


@pytest.fixture
def liaison():
    return factories.liaison()


def upload(liaison, agreement, content: bytes, capture, *, name: str = "m.csv") -> IntakeBatch:
    with capture(execute=True):
        batch, _ = services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name=name, content=content
        )
    batch.refresh_from_db()
    return batch


def report(batch: IntakeBatch) -> list[tuple[int, str, str, str, str]]:
    return [
        (e.row, e.kind, e.column, e.value, e.reason)
        for e in IntakeRowError.objects.filter(batch=batch).order_by("row", "column")
    ]


# --- item 5: every failure ends the batch, with a message; a failed batch can be retried ---


def test_deeply_nested_json_fails_the_batch_with_a_message(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    content = json.dumps([row(1)]).encode()[:-1] + b"," + b"[" * 50_000 + b"]" * 50_000 + b"]"
    batch = upload(
        liaison, agreement, content, django_capture_on_commit_callbacks, name="rows.json"
    )
    message = (
        "The JSON is nested more than 8 levels deep; send a list of objects whose values are "
        "text, numbers or lists of text."
    )
    assert (batch.status, batch.phase, batch.failure) == ("failed", "failed", message)
    assert report(batch) == [(0, "error", "", "", message)]
    # Deeper than the limit but not than the parser's own bound: refused the same way.
    nested = json.dumps([{**row(2), "aliases": [[[[[[[[["x"]]]]]]]]]}]).encode()
    batch = upload(liaison, agreement, nested, django_capture_on_commit_callbacks, name="d.json")
    assert (batch.status, batch.failure) == ("failed", message)
    assert Person.objects.count() == 0


def test_an_unforeseen_error_fails_the_batch_and_the_same_file_can_be_retried(
    agreement, liaison, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    content = csv_bytes([row(1), row(2)])

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "validate_rows", broken)
    first = upload(liaison, agreement, content, django_capture_on_commit_callbacks)
    assert (first.status, first.failure) == (
        "failed",
        "The import stopped on an unexpected error (RuntimeError); nothing of this file was "
        "stored. Upload the file again to retry.",
    )
    assert (
        AuditEvent.objects.filter(action="intake_batch.fail", target_id=str(first.pk)).count() == 1
    )

    monkeypatch.undo()
    again = upload(liaison, agreement, content, django_capture_on_commit_callbacks)
    assert again.pk != first.pk
    assert (again.status, again.imported) == ("done", 2)
    assert IntakeBatch.objects.get(pk=first.pk).status == "failed"
    assert Person.objects.count() == 2
    # A done batch still holds its file: the same file a third time is that batch.
    third = upload(liaison, agreement, content, django_capture_on_commit_callbacks)
    assert third.pk == again.pk


def test_nul_bytes_never_reach_the_database(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    # A NUL in the header: its message used to carry the NUL (PostgreSQL refuses it).
    content = csv_bytes([row(1)]).replace(b"external_reference", b"external_reference\x00", 1)
    batch = upload(liaison, agreement, content, django_capture_on_commit_callbacks)
    assert batch.status == "failed"
    assert batch.failure.startswith("Unknown columns: external_reference\\u0000. ")
    (err,) = IntakeRowError.objects.filter(batch=batch)
    assert (err.row, err.reason) == (1, batch.failure)
    # A NUL in a cell: the row is refused, the others imported, the value shown escaped.
    content = json.dumps([row(1), row(2, given_names="Ana\x00María")]).encode()
    batch = upload(
        liaison, agreement, content, django_capture_on_commit_callbacks, name="rows.json"
    )
    assert (batch.status, batch.imported, batch.rejected) == ("done", 1, 1)
    (err,) = IntakeRowError.objects.filter(batch=batch)
    assert (err.row, err.column, err.value) == (3, "given_names", "Ana\\u0000María")
    assert Person.objects.get().external_reference == "US-000001"


@pytest.mark.postgres
def test_a_database_error_while_storing_fails_the_batch_on_postgresql(
    agreement, liaison, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL raises DataError where SQLite stores the value")
    store = services._store

    def store_then_refused(**kwargs):
        result = store(**kwargs)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # a DataError, as an over-long value gives
        return result

    monkeypatch.setattr(services, "_store", store_then_refused)
    batch = upload(liaison, agreement, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    assert (batch.status, batch.failure) == (
        "failed",
        "The database refused a value of this file (too long or not storable text); nothing "
        "of it was stored. Check the file and upload it again.",
    )
    assert Person.objects.count() == 0
    assert Referral.objects.count() == 0


def test_the_time_limit_fails_the_batch(
    agreement, liaison, django_capture_on_commit_callbacks, settings
) -> None:
    settings.IKAZE_INTAKE_MAX_SECONDS = 0
    batch = upload(liaison, agreement, csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    assert (batch.status, batch.failure) == (
        "failed",
        "The import took longer than the limit of 0 seconds per file; nothing of this file "
        "was stored. Split the file into smaller ones.",
    )
    assert Person.objects.count() == 0


def test_sigterm_fails_the_running_batch_and_reaches_the_worker(
    agreement, liaison, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    validate_row = services.validate_row

    def validate_then_terminated(*args, **kwargs):
        signal.raise_signal(signal.SIGTERM)
        return validate_row(*args, **kwargs)

    monkeypatch.setattr(services, "validate_row", validate_then_terminated)
    try:
        batch = upload(
            liaison,
            agreement,
            csv_bytes([row(n) for n in range(1, 601)]),
            django_capture_on_commit_callbacks,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (batch.status, batch.failure) == (
        "failed",
        "The import was stopped because the worker was shut down; nothing of this file was "
        "stored. Upload the file again to import it.",
    )
    assert received[:1] == [signal.SIGTERM]  # the worker's own handler still hears it
    assert Person.objects.count() == 0


def test_a_batch_left_running_by_a_dead_worker_fails_when_its_page_polls(
    agreement, liaison, settings
) -> None:
    batch, _ = services.intake_batch_create(
        actor=liaison,
        agreement=agreement,
        file_name="m.csv",
        content=csv_bytes([row(1)]),
        enqueue=False,
    )
    long_ago = batch.updated_at - dt.timedelta(
        seconds=settings.IKAZE_INTAKE_MAX_SECONDS + services.STALE_MARGIN_SECONDS + 1
    )
    IntakeBatch.objects.filter(pk=batch.pk).update(
        status="running", phase="checking", updated_at=long_ago
    )
    c = Client()
    c.force_login(liaison.user)
    page = c.get(reverse("intake:batch_progress", args=[batch.pk]), headers={"HX-Request": "true"})
    batch.refresh_from_db()
    message = (
        "The import stopped without finishing (its worker ended); nothing of this file was "
        "stored. Upload the file again to import it."
    )
    assert (batch.status, batch.failure) == ("failed", message)
    assert page["HX-Refresh"] == "true"
    assert "hx-get" not in page.content.decode()
    # A batch still moving is left alone.
    fresh, _ = services.intake_batch_create(
        actor=liaison,
        agreement=agreement,
        file_name="n.csv",
        content=csv_bytes([row(2)]),
        enqueue=False,
    )
    IntakeBatch.objects.filter(pk=fresh.pk).update(status="running")
    fresh.refresh_from_db()
    assert services.intake_batch_fail_stale(batch=fresh).status == "running"


# --- item 6: uniqueness checked before writing, per row ------------------------------------


def test_a_referral_reference_shared_within_the_file_rejects_the_later_row(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    rows = [row(1, referral_reference="CASE-1"), row(2, referral_reference="CASE-1"), row(3)]
    batch = upload(liaison, agreement, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (batch.status, batch.imported, batch.rejected) == ("done", 2, 1)
    assert report(batch) == [
        (
            3,
            "error",
            "referral_reference",
            "CASE-1",
            "Repeats row 2 (same referral_reference; each referral needs its own).",
        )
    ]
    assert sorted(Referral.objects.values_list("external_reference", flat=True)) == [
        "CASE-1",
        "US-000003",
    ]


def test_a_referral_reference_of_an_existing_referral_rejects_the_row(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    upload(
        liaison,
        agreement,
        csv_bytes([row(1, referral_reference="CASE-1")]),
        django_capture_on_commit_callbacks,
    )
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(2, referral_reference="CASE-1"), row(3)]),
        django_capture_on_commit_callbacks,
    )
    assert (batch.status, batch.imported, batch.rejected, batch.failure) == ("done", 1, 1, "")
    assert report(batch) == [
        (
            2,
            "error",
            "referral_reference",
            "CASE-1",
            "Already the reference of an existing referral under this agreement (person "
            "US-000001); each referral needs its own.",
        )
    ]
    assert Referral.objects.count() == 2


# --- item 7: changed identity of a known person is a conflict, not "nothing new" -----------


def test_changed_identity_of_a_known_person_is_a_conflict_to_review(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    upload(liaison, agreement, csv_bytes([row(1), row(2)]), django_capture_on_commit_callbacks)
    before = row(1)["date_of_birth"]
    batch = upload(
        liaison,
        agreement,
        csv_bytes([row(1, date_of_birth="1970-05-05", nationalities="HN"), row(2)]),
        django_capture_on_commit_callbacks,
    )
    assert (batch.imported, batch.duplicates, batch.conflicts, batch.rejected) == (0, 1, 1, 0)
    tail = (
        "Nothing was changed or referred; review the person's record, correct it if the file "
        "is right, and send the row again."
    )
    assert report(batch) == [
        (
            2,
            "conflict",
            "date_of_birth",
            "1970-05-05",
            f"Differs from the registered person US-000001 (registered: {before}). {tail}",
        ),
        (
            2,
            "conflict",
            "nationalities",
            "HN",
            f"Differs from the registered person US-000001 (registered: GT). {tail}",
        ),
    ]
    person = Person.objects.get(external_reference="US-000001")
    assert (person.date_of_birth.isoformat(), person.nationalities) == (before, ["GT"])
    c = Client()
    c.force_login(liaison.user)
    page = c.get(reverse("intake:batch_detail", args=[batch.pk])).content.decode()
    assert "Conflicts with the registry to review" in page
    assert "Conflict with the registry" in page


# --- item 9: bounded work ------------------------------------------------------------------


def _xlsx_declaring(rows: list[list[str]], *, dimension: str, far_row: bool) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                text = text[:start] + dimension + text[text.index('"', start) :]
                if far_row:
                    text = text.replace(
                        "</sheetData>",
                        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                        "</c></row></sheetData>",
                    )
                data = text.encode()
            dst.writestr(info, data)
    return out.getvalue()


def test_an_xlsx_declaring_a_huge_sheet_is_read_within_its_bounds(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    header = list(manifest.COLUMN_NAMES)
    body = [[row(n).get(c, "") for c in header] for n in (1, 2)]
    huge = _xlsx_declaring([header, *body], dimension="A1:XFD1048576", far_row=True)
    t0 = time.perf_counter()
    batch = upload(liaison, agreement, huge, django_capture_on_commit_callbacks, name="m.xlsx")
    assert time.perf_counter() - t0 < 30
    assert (batch.status, batch.failure) == (
        "failed",
        "The sheet has rows past row 250,001; the limit is 250,000 rows per file. Split it "
        "into smaller files.",
    )
    assert report(batch)[0][:2] == (250_002, "error")
    # The same declaration without the far row: the two real rows, without padding.
    declared = _xlsx_declaring([header, *body], dimension="A1:XFD1048576", far_row=False)
    t0 = time.perf_counter()
    ok = upload(liaison, agreement, declared, django_capture_on_commit_callbacks, name="m.xlsx")
    assert time.perf_counter() - t0 < 30
    assert (ok.status, ok.imported) == ("done", 2)


def test_a_value_past_the_column_limit_refuses_the_xlsx(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    header = list(manifest.COLUMN_NAMES)
    body = [row(1).get(c, "") for c in header] + [""] * (70 - len(header)) + ["hidden"]
    content = _xlsx_declaring([header, body], dimension="A1:BR2", far_row=False)
    batch = upload(liaison, agreement, content, django_capture_on_commit_callbacks, name="m.xlsx")
    assert (batch.status, batch.failure) == (
        "failed",
        "Row 2 has a value past column 64; the limit is 64 columns.",
    )


def test_more_rows_than_the_limit_refuse_the_file(
    agreement, liaison, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr(manifest, "MAX_ROWS", 2)
    content = csv_bytes([row(1), row(2), row(3)])
    batch = upload(liaison, agreement, content, django_capture_on_commit_callbacks)
    assert (batch.status, batch.failure) == (
        "failed",
        "The file has 3 rows; the limit is 2 per file. Split it into smaller files.",
    )


def test_small_files_are_queued_before_large_ones(agreement, liaison, monkeypatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        services, "task_enqueue_on_commit", lambda task, *args: queued.append(task.priority)
    )
    for n, size in ((1, 10), (2, 2 * services.SMALL_FILE_BYTES), (3, 20 * 1024 * 1024)):
        content = csv_bytes([row(n)])
        content += b" " * max(0, size - len(content))
        services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="m.csv", content=content
        )
    assert queued == [10, 0, -10]


# --- item 10: repeated identities within a file, grouped linearly ---------------------------


def test_repeated_identities_within_a_file_give_one_candidate_per_repeat(
    agreement, liaison, django_capture_on_commit_callbacks
) -> None:
    people = [row(n) for n in (1, 2, 3)]
    rows = [
        {
            **people[i % 3],
            "external_reference": f"R-{i:04d}",
            "document_number": people[i % 3]["document_number"],
        }
        for i in range(60)
    ]
    batch = upload(liaison, agreement, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (batch.status, batch.imported) == ("done", 60)
    # 57 = 60 rows - 3 people; all pairs would be 3 x (20 x 19 / 2) = 570.
    assert batch.possible_duplicates == 57
    assert MatchCandidate.objects.count() == 57
    assert AuditEvent.objects.filter(action="match_candidate.propose").count() == 57
