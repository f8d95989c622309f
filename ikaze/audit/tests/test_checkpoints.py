"""Signed checkpoints: a cut tail or a rewrite with recomputed hashes fails (issue 9 item 11)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ikaze.audit import signing
from ikaze.audit.chain import event_hash
from ikaze.audit.models import AuditCheckpoint, AuditEvent
from ikaze.audit.selectors import audit_export_lines, audit_verify, checkpoint_record, event_record
from ikaze.audit.services import audit_checkpoint_make, audit_export_begin, audit_record
from ikaze.audit.triggers import statements

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "docs" / "verify_audit_export.py"


def _write(n: int, action: str = "test.write") -> list[AuditEvent]:
    return [
        audit_record(actor=None, action=action, target_type="thing", target_id=i, after={"n": i})
        for i in range(n)
    ]


def _sql(sql: str, params: list) -> None:
    """Edit the table behind the triggers' back, as an attacker with database access would."""
    vendor = connection.vendor
    with connection.cursor() as cur:
        for stmt in statements(vendor, create=False):
            cur.execute(stmt)
        cur.execute(sql, params)
        for stmt in statements(vendor, create=True):
            cur.execute(stmt)


def _cut_tail(after_seq: int) -> None:
    _sql("DELETE FROM audit_auditevent WHERE seq > %s", [after_seq])


def _rewrite_with_recomputed_hashes(seq: int, **changes: str) -> None:
    """Change event `seq` and recompute every later hash with the published algorithm."""
    prev = AuditEvent.objects.get(seq=seq).prev_hash
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        record = event_record(event) | {"prev_hash": prev}
        if event.seq == seq:
            record |= changes
        digest = event_hash(record)
        sets = ", ".join(f"{k} = %s" for k in changes) + ", " if event.seq == seq else ""
        values = list(changes.values()) if event.seq == seq else []
        _sql(
            f"UPDATE audit_auditevent SET {sets}prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
            [*values, prev, digest, event.seq],
        )
        prev = digest


def _verify_script(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), *args], capture_output=True, text=True
    )


# --- the database: ikaze audit verify -------------------------------------------------------


def test_a_checkpoint_signs_the_head_with_the_published_key():
    events = _write(3)
    cp = audit_checkpoint_make()
    assert cp is not None
    assert (cp.seq, cp.head_hash, cp.count) == (3, events[-1].hash, 3)
    assert cp.key_id == signing.key_id()
    result = audit_verify()
    assert result.ok is True
    assert (result.checkpoint_seq, result.checkpoints, result.events) == (3, 1, 3)


def test_no_checkpoint_while_the_chain_is_empty():
    assert audit_checkpoint_make() is None
    assert AuditCheckpoint.objects.count() == 0


def test_verify_fails_on_a_chain_whose_tail_was_cut(capsys):
    _write(5)
    audit_checkpoint_make()
    _cut_tail(3)
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_seq == 5
    assert result.events == 3
    assert "the chain ends at #3" in result.problem
    assert "covers #5: events were removed from the tail" in result.problem
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert "events were removed from the tail" in capsys.readouterr().err


def test_verify_fails_on_a_rewrite_with_recomputed_hashes(capsys):
    # An override's second approver changed to look self-approved, every later hash redone.
    _write(2)
    audit_record(actor=None, action="override.second", target_id="o1", reason="second")
    _write(2)
    audit_checkpoint_make()
    _rewrite_with_recomputed_hashes(3, actor_label="the-requester")
    assert AuditEvent.objects.get(seq=3).actor_label == "the-requester"
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_seq == 5
    assert "event #5 does not match the checkpoint" in result.problem
    assert "rewritten at or before #5" in result.problem
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "does not match the checkpoint" in capsys.readouterr().err


def test_the_earliest_checkpoint_narrows_where_a_rewrite_happened():
    _write(2)
    audit_checkpoint_make()
    _write(3)
    audit_checkpoint_make()
    _rewrite_with_recomputed_hashes(4, reason="nothing happened")
    result = audit_verify()
    assert result.ok is False
    assert result.problem.endswith("rewritten at or before #5 after #2")
    assert result.checkpoint_seq == 2


def test_the_monitors_checkpoint_file_catches_a_cut_whose_checkpoints_were_deleted(
    tmp_path, capsys
):
    _write(4)
    kept = tmp_path / "monitor-checkpoint.json"
    kept.write_text(json.dumps(checkpoint_record(audit_checkpoint_make())), encoding="utf-8")
    _cut_tail(2)
    AuditCheckpoint.objects.all().delete()  # the attacker removes the stored checkpoints too
    assert audit_verify().ok is True  # what the database alone can still say
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", "--checkpoint", str(kept))
    assert exit_info.value.code == 1
    assert "the chain ends at #2 but the checkpoint signed at" in capsys.readouterr().err


def test_a_forged_checkpoint_is_refused():
    _write(2)
    cp = audit_checkpoint_make()
    assert cp is not None
    other = Ed25519PrivateKey.generate()
    forged = checkpoint_record(cp) | {"seq": 2, "signature": other.sign(b"x").hex()}
    result = audit_verify(checkpoints=[forged])
    assert result.ok is False
    assert (
        result.problem
        == f"checkpoint #2 ({forged['at']}) has no valid signature (forged or edited)"
    )
    stranger = checkpoint_record(cp) | {"key_id": "0123456789abcdef"}
    assert (
        "signed by an unknown key (0123456789abcdef)"
        in audit_verify(checkpoints=[stranger]).problem
    )


@override_settings(IKAZE_AUDIT_CHECKPOINT_EVERY=4)
def test_a_checkpoint_is_made_every_n_events_by_the_writer():
    _write(3)
    assert AuditCheckpoint.objects.count() == 0
    _write(1)
    assert list(AuditCheckpoint.objects.values_list("seq", "count")) == [(4, 4)]
    _write(5)
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [4, 8]


def test_the_key_file_is_created_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv(signing.ENV, raising=False)
    path = tmp_path / "keys" / "audit.key"
    with override_settings(IKAZE_AUDIT_KEY_FILE=str(path)):
        first = signing.public_key_hex()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        signing._key.cache_clear()
        assert signing.public_key_hex() == first
    signing._key.cache_clear()


def test_the_key_from_the_environment_wins(monkeypatch):
    seed = Ed25519PrivateKey.generate()
    monkeypatch.setenv(signing.ENV, seed.private_bytes_raw().hex())
    assert signing.public_key_bytes() == seed.public_key().public_bytes_raw()
    monkeypatch.delenv(signing.ENV)
    assert signing.public_key_bytes() != seed.public_key().public_bytes_raw()


def test_production_requires_a_configured_key(monkeypatch):
    monkeypatch.delenv(signing.ENV, raising=False)
    with override_settings(IKAZE_PRODUCTION=True, IKAZE_AUDIT_KEY_FILE=""):
        assert "ikaze.E003" in [m.id for m in run_checks()]
    with override_settings(IKAZE_PRODUCTION=True, IKAZE_AUDIT_KEY_FILE="/nonexistent/audit.key"):
        ids = [m.id for m in run_checks()]
        assert "ikaze.E003" not in ids
        assert "ikaze.E004" in ids  # configured, but not there: never created in production
        assert not Path("/nonexistent/audit.key").exists()
    signing._key.cache_clear()


@override_settings(IKAZE_AUDIT_CHECKPOINT_EVERY=2)
def test_a_missing_key_in_production_does_not_fail_the_change_but_the_command_refuses(
    monkeypatch,
):
    monkeypatch.delenv(signing.ENV, raising=False)
    with override_settings(IKAZE_PRODUCTION=True, IKAZE_AUDIT_KEY_FILE="/nonexistent/audit.key"):
        _write(3)
        assert AuditEvent.objects.count() == 3
        assert AuditCheckpoint.objects.count() == 0
        with pytest.raises(signing.SigningKeyMissing):
            audit_checkpoint_make()
    signing._key.cache_clear()


def test_the_public_key_is_published(client, capsys):
    response = client.get("/api/v1/audit/public-key")
    assert response.status_code == 200
    assert response.json() == {
        "key_id": signing.key_id(),
        "public_key": signing.public_key_hex(),
        "algorithm": "Ed25519",
    }
    call_command("audit", "public-key")
    assert json.loads(capsys.readouterr().out)["public_key"] == signing.public_key_hex()


# --- an export and the standalone verifier -----------------------------------------------


def _export(tmp_path: Path) -> Path:
    upto = audit_export_begin(actor=None, reason="test")
    path = tmp_path / "chain.jsonl"
    path.write_text("".join(audit_export_lines(upto_seq=upto)), encoding="utf-8")
    return path


def test_every_export_ends_with_a_checkpoint_signed_at_its_head(tmp_path):
    _write(3)
    lines = [json.loads(x) for x in _export(tmp_path).read_text("utf-8").splitlines()]
    last = lines[-1]
    assert last["type"] == "checkpoint"
    assert (last["seq"], last["count"]) == (4, 4)
    assert last["head_hash"] == lines[-2]["hash"]
    assert lines[-2]["action"] == "audit.export"
    ok = _verify_script(tmp_path / "chain.jsonl", "--public-key", signing.public_key_hex())
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 4 events")


def test_the_standalone_verifier_fails_on_a_cut_tail(tmp_path):
    _write(5)
    path = _export(tmp_path)
    lines = path.read_text("utf-8").splitlines()
    path.write_text("\n".join([*lines[:3], lines[-1]]) + "\n", encoding="utf-8")
    bad = _verify_script(path)
    assert bad.returncode == 1
    assert "the export ends at #3 but the checkpoint signed at" in bad.stderr
    assert "covers #6: events were removed from the tail" in bad.stderr
    # ... and without the checkpoint line it says it cannot tell.
    path.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    unsigned = _verify_script(path)
    assert unsigned.returncode == 1
    assert "no signed checkpoint" in unsigned.stderr


def test_the_standalone_verifier_fails_on_a_rewrite_with_recomputed_hashes(tmp_path):
    _write(5)
    path = _export(tmp_path)
    lines = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    events, checkpoint = lines[:-1], lines[-1]
    prev = events[1]["prev_hash"]
    events[1]["actor_label"] = "someone else"
    for event in events[1:]:
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(event)
    path.write_text("".join(json.dumps(x) + "\n" for x in [*events, checkpoint]), encoding="utf-8")
    bad = _verify_script(path)
    assert bad.returncode == 1
    assert "event #6 does not match the checkpoint signed at" in bad.stderr
    assert "rewritten" in bad.stderr
    # A checkpoint re-signed by the forger's own key is not the published one.
    forger = Ed25519PrivateKey.generate()
    wrong_key = _verify_script(path, "--public-key", forger.public_key().public_bytes_raw().hex())
    assert wrong_key.returncode == 1
    assert "signed by another key" in wrong_key.stderr


def test_the_pure_python_ed25519_agrees_with_cryptography():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import verify_audit_export as script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    for message in (b"", b"checkpoint", "Ñandú".encode() * 40):
        signature = key.sign(message)
        assert script.ed25519_verify(public, message, signature) is True
        assert script.ed25519_verify(public, message + b"!", signature) is False
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert script.ed25519_verify(public, message, flipped) is False
