"""Personal values stay out of the chained payload; the chain verifies without them (issue 9
item 12, SAFEGUARDS D1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from ikaze.accounts.access import Role
from ikaze.audit.chain import SEALED, commitment, event_hash, format_at
from ikaze.audit.models import GENESIS_HASH, AuditEvent, AuditSealedValue
from ikaze.audit.personal import PERSON_KEYS, sealed_keys
from ikaze.audit.selectors import audit_verify, event_record, events_revealed
from ikaze.audit.services import EventSpec, audit_record, audit_record_many
from ikaze.audit.triggers import statements
from ikaze.core import clock
from tests import factories

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "verify_audit_export.py"
# What the default factory person is (tests/factories.person_in).
NAME, SURNAME, DOB, NATIONALITY = "María José", "García", "1990-04-03", "HN"
FACT_KINDS = ("fear_expressed", "court_stay_granted")


def _person_and_fear():
    officer = factories.vetting_officer()
    referral = factories.vetting_referral(officer=officer)
    factories.fact(
        by=officer,
        referral=referral,
        kind="fear_expressed",
        payload={
            "fear_ref": "F-1",
            "feared_country": "RW",
            "summary": "fears removal",
            "expressed_to": "officer",
            "screening_deadline": clock.today_local() + dt.timedelta(days=7),
        },
    )
    factories.court_stay(by=officer, referral=referral)
    return referral


def _chained_text() -> str:
    """Everything the chain itself holds, as the auditor can read it."""
    return "\n".join(
        json.dumps(event_record(e), ensure_ascii=False) for e in AuditEvent.objects.all()
    )


def test_personal_values_are_not_in_the_chain_and_it_verifies():
    referral = _person_and_fear()
    text = _chained_text()
    for secret in (NAME, SURNAME, DOB, f'"{NATIONALITY}"', *FACT_KINDS):
        assert secret not in text, secret
    created = AuditEvent.objects.get(action="person.create", target_id=str(referral.person_id))
    assert created.version == 2
    assert set(created.after["given_names"]) == {SEALED}
    opening = created.sealed.openings["after.given_names"]
    assert opening["level"] == "person"
    assert opening["value"] == NAME
    assert created.after["given_names"][SEALED] == commitment(opening["salt"], NAME)
    fact = AuditEvent.objects.filter(action="legal_fact.record").first()
    assert fact is not None
    assert fact.sealed.openings["after.kind"]["level"] == "sensitive"
    assert fact.after["referral"] == str(referral.pk)  # identifiers stay readable
    assert audit_verify().ok is True


def test_a_commitment_is_salted_so_a_date_of_birth_cannot_be_guessed():
    a = audit_record(actor=None, action="person.create", after={"date_of_birth": DOB})
    b = audit_record(actor=None, action="person.create", after={"date_of_birth": DOB})
    assert a.after["date_of_birth"][SEALED] != b.after["date_of_birth"][SEALED]
    unsalted = hashlib.sha256(json.dumps(DOB).encode()).hexdigest()
    assert unsalted not in {a.after["date_of_birth"][SEALED], b.after["date_of_birth"][SEALED]}
    assert len(a.sealed.openings["after.date_of_birth"]["salt"]) == 32


def test_the_declaration_is_central_and_per_action_where_a_key_is_ambiguous():
    assert sealed_keys("organisation.create").get("kind") is None
    assert sealed_keys("legal_fact.record")["kind"] == "sensitive"
    assert sealed_keys("legal_fact.retract")["kind"] == "sensitive"
    assert sealed_keys("anything.at.all")["date_of_birth"] == "person"
    assert {"given_names", "date_of_birth", "nationalities"} <= set(PERSON_KEYS)


def test_values_inside_lists_are_sealed_too(tmp_path):
    event = audit_record(
        actor=None,
        action="household.create",
        after={"members": [{"person": "p1", "given_names": NAME}, {"person": "p2"}]},
    )
    assert set(event.after["members"][0]["given_names"]) == {SEALED}
    assert event.after["members"][1] == {"person": "p2"}
    assert event.sealed.openings["after.members.0.given_names"]["value"] == NAME
    opened = events_revealed(events=[event], levels=frozenset({"person"}))[0]
    assert opened["after"]["members"][0]["given_names"] == NAME
    assert audit_verify().ok is True
    from ikaze.audit.selectors import audit_export_lines
    from ikaze.audit.services import audit_export_begin

    upto = audit_export_begin(actor=None, reason="test")
    path = tmp_path / "chain.jsonl"
    text = "".join(audit_export_lines(levels=frozenset({"person"}), upto_seq=upto))
    path.write_text(text, encoding="utf-8")
    ok = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    path.write_text(text.replace(NAME, "X"), encoding="utf-8")
    bad = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert "after.members.0.given_names does not match" in bad.stderr


def test_the_batch_path_seals_exactly_like_the_single_path():
    specs = [
        EventSpec(
            action="person.create",
            target_type="person",
            target_id=str(i),
            after={"n": i, "given_names": f"Name {i}", "nested": {"nationalities": ["HN"]}},
        )
        for i in range(150)
    ]
    audit_record_many(actor=None, specs=specs)
    assert AuditSealedValue.objects.count() == 150
    stored = AuditEvent.objects.get(seq=7)
    assert set(stored.after["given_names"]) == {SEALED}
    assert set(stored.after["nested"]["nationalities"]) == {SEALED}
    assert stored.after["n"] == 6
    assert stored.sealed.openings["after.given_names"]["value"] == "Name 6"
    assert stored.sealed.openings["after.nested.nationalities"]["value"] == ["HN"]
    assert "Name 6" not in _chained_text()
    result = audit_verify()
    assert result.ok is True
    assert result.events == 150


def test_readers_see_the_values_their_permissions_open():
    audit_record(
        actor=None,
        action="legal_fact.record",
        after={"kind": "fear_expressed", "given_names": NAME, "referral": "r1"},
    )
    events = list(AuditEvent.objects.all())
    auditor = events_revealed(events=events, levels=frozenset())[0]
    assert auditor["after"]["kind"] == auditor["event"].after["kind"]
    person_only = events_revealed(events=events, levels=frozenset({"person"}))[0]
    assert person_only["after"]["given_names"] == NAME
    assert set(person_only["after"]["kind"]) == {SEALED}
    monitor = events_revealed(events=events, levels=frozenset({"person", "sensitive"}))[0]
    assert monitor["after"] == {"kind": "fear_expressed", "given_names": NAME, "referral": "r1"}


def test_an_edited_value_store_is_named_by_verify():
    event = audit_record(actor=None, action="person.create", after={"given_names": NAME})
    sealed = AuditSealedValue.objects.get(event=event)
    openings = sealed.openings
    openings["after.given_names"]["value"] = "Someone Else"
    AuditSealedValue.objects.filter(pk=sealed.pk).update(openings=openings)
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_seq == event.seq
    assert "after.given_names does not match its commitment" in result.problem


def test_erasing_a_value_keeps_the_chain_verifiable():
    event = audit_record(actor=None, action="person.create", after={"given_names": NAME})
    AuditSealedValue.objects.filter(event=event).delete()
    assert audit_verify().ok is True


def test_events_written_before_version_2_still_verify():
    # A version-1 event: hashed without `version`, its values in clear (written before).
    record = {
        "seq": 1,
        "id": str(uuid.uuid4()),
        "at": format_at(clock.now()),
        "kind": "change",
        "action": "person.create",
        "actor_id": "",
        "actor_label": "system",
        "actor_role": "",
        "token_id": "",
        "organisation_id": "",
        "target_type": "person",
        "target_id": "p1",
        "before": None,
        "after": {"given_names": NAME},
        "reason": "",
        "prev_hash": GENESIS_HASH,
    }
    AuditEvent.objects.create(
        **{k: v for k, v in record.items() if k not in ("id", "at")},
        id=uuid.UUID(record["id"]),
        at=dt.datetime.fromisoformat(record["at"]),
        hash=event_hash(record),
        version=1,
    )
    new = audit_record(actor=None, action="person.create", after={"given_names": NAME})
    assert new.version == 2
    assert audit_verify().ok is True
    # Claiming version 2 for the old event breaks its hash (the version is hashed).
    with connection.cursor() as cur:
        for stmt in statements(connection.vendor, create=False):
            cur.execute(stmt)
        cur.execute("UPDATE audit_auditevent SET version = 2 WHERE seq = 1")
        for stmt in statements(connection.vendor, create=True):
            cur.execute(stmt)
    assert "edited" in audit_verify().problem


# --- the interfaces: API, page, export ------------------------------------------------------


def test_the_auditor_reads_no_personal_value_through_the_api_page_or_export(client_for, tmp_path):
    _person_and_fear()
    auditor = client_for(Role.AUDITOR)
    api = auditor.get("/api/v1/audit/events?size=200").content.decode()
    page = auditor.get("/audit/").content.decode()
    export = b"".join(auditor.get("/audit/export.jsonl").streaming_content).decode()
    for body in (api, page, export):
        for secret in (NAME, SURNAME, DOB, *FACT_KINDS):
            assert secret not in body, secret
    assert '"openings"' not in export
    path = tmp_path / "auditor.jsonl"
    path.write_text(export, encoding="utf-8")
    ok = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_the_monitors_export_carries_the_values_and_the_verifier_checks_them(client_for, tmp_path):
    _person_and_fear()
    monitor = client_for(Role.MONITOR)
    api = monitor.get("/api/v1/audit/events?size=200").json()
    created = next(e for e in api["items"] if e["action"] == "person.create")
    assert created["after"]["given_names"] == NAME
    assert created["after"]["date_of_birth"] == DOB
    facts = [e["after"]["kind"] for e in api["items"] if e["action"] == "legal_fact.record"]
    assert "fear_expressed" in facts
    assert NAME in monitor.get("/audit/").content.decode()
    export = b"".join(monitor.get("/audit/export.jsonl").streaming_content).decode()
    assert NAME in export
    path = tmp_path / "monitor.jsonl"
    path.write_text(export, encoding="utf-8")
    ok = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    path.write_text(export.replace(NAME, "Someone Else"), encoding="utf-8")
    bad = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "does not match its commitment" in bad.stderr
