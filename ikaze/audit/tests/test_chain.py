import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ikaze.audit.models import GENESIS_HASH, AuditEvent
from ikaze.audit.selectors import audit_export_lines, audit_verify
from ikaze.audit.services import EventSpec, audit_export_begin, audit_record, audit_record_many
from ikaze.audit.triggers import statements

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]


def _write(n: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=None,
            action="test.write",
            target_type="thing",
            target_id=i,
            after={"n": i, "name": "Ñandú"},
        )
        for i in range(n)
    ]


def test_events_link_into_a_chain_from_genesis():
    events = _write(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    result = audit_verify()
    assert result.ok is True
    assert result.events == 3
    assert result.head_hash == events[2].hash


def test_batch_append_continues_the_chain():
    first = _write(1)[0]
    batch = audit_record_many(
        actor=None, specs=[EventSpec(action="bulk", target_id=str(i)) for i in range(5)]
    )
    assert batch[0].prev_hash == first.hash
    assert [e.seq for e in batch] == [2, 3, 4, 5, 6]
    assert audit_verify().ok


def test_a_large_batch_goes_through_the_driver_and_verifies():
    # 250 events take the driver path (COPY / executemany): stored exactly as hashed.
    first = _write(1)[0]
    specs = [
        EventSpec(
            action="bulk",
            target_type="thing",
            target_id=str(i),
            before=None if i % 2 else {"old": i},
            after={"n": i, "name": "Ñandú"},
            reason="import",
        )
        for i in range(250)
    ]
    batch = audit_record_many(actor=None, specs=specs)
    assert batch[0].prev_hash == first.hash
    assert AuditEvent.objects.count() == 251
    stored = AuditEvent.objects.get(seq=3)
    assert stored.after == {"n": 1, "name": "Ñandú"}
    assert stored.before is None
    assert stored.at == batch[1].at
    assert AuditEvent.objects.get(seq=4).before == {"old": 2}
    result = audit_verify()
    assert result.ok is True
    assert result.events == 251
    assert result.head_hash == batch[-1].hash


def test_database_refuses_update_and_delete():
    event = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == ""


def _tamper(sql: str, params: list) -> None:
    """Edit the table behind the triggers' back, as an attacker with database access would."""
    vendor = connection.vendor
    with connection.cursor() as cur:
        for stmt in statements(vendor, create=False):
            cur.execute(stmt)
        cur.execute(sql, params)
        for stmt in statements(vendor, create=True):
            cur.execute(stmt)


def test_verify_names_the_first_edited_event(capsys):
    events = _write(4)
    _tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = %s", ["nothing to see", 2])
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_seq == 2
    assert result.first_bad_id == str(events[1].id)
    assert "edited" in result.problem
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert f"#2 ({events[1].id})" in capsys.readouterr().err


def test_verify_detects_a_removed_event():
    _write(4)
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_seq == 4
    assert "gap" in result.problem


def test_export_verifies_with_the_standalone_script(tmp_path):
    _write(4)
    upto = audit_export_begin(actor=None, reason="test")
    path = tmp_path / "chain.jsonl"
    path.write_text("".join(audit_export_lines(upto_seq=upto)), encoding="utf-8")
    script = REPO / "docs" / "verify_audit_export.py"
    ok = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "5 events" in ok.stdout
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["after"] = {"n": 99}
    lines[2] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "#3" in bad.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is proven on PostgreSQL")
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(w: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(actor=None, action="concurrent", target_id=f"{w}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.count() == writers * per_writer
    assert AuditEvent.objects.values("prev_hash").distinct().count() == writers * per_writer
    result = audit_verify()
    assert result.ok is True
    assert result.events == writers * per_writer


def test_a_long_target_id_is_clamped_not_a_server_error():
    event = audit_record(actor=None, action="test.long", target_id="x" * 400)
    assert event.target_id == "x" * 255
    assert audit_verify().ok


def test_the_batch_path_hashes_tricky_text_exactly_as_the_verifier_reads_it():
    # The batch path assembles each event's canonical JSON itself: quotes, backslashes,
    # control characters, line separators, non-Latin text and nested values must come out
    # exactly as chain.canonical writes them, or verify would name the event.
    tricky = [
        'say "no"',
        "back\\slash",
        "tab\there\nnewline",
        "\u2028\u2029",
        "Ñandú 🙂 Kinyarwanda",
    ]
    specs = [
        EventSpec(
            action=f"bulk.{i % 3}",
            target_type=tricky[i % 5][:20],
            target_id=tricky[(i + 1) % 5] * 100,  # clamped to 255 before hashing
            before={"list": [1, 2.5, None, True], "nested": {"z": tricky[i % 5], "a": i}},
            after={"text": tricky[(i + 2) % 5], "n": i},
            reason=tricky[(i + 3) % 5],
        )
        for i in range(120)
    ]
    audit_record_many(actor=None, specs=specs)
    result = audit_verify()
    assert result.ok is True
    assert result.events == 120
    stored = AuditEvent.objects.get(seq=7)
    assert stored.before == {"list": [1, 2.5, None, True], "nested": {"z": tricky[1], "a": 6}}
    assert len(stored.target_id) == 255
