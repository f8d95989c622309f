"""SAFEGUARDS D1 for protection's sealed values: complaint content, claim details, interview
notes and decision reasons hold no plaintext, and a key rotation re-seals them all."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from ikaze.core import clock
from ikaze.privacy import keyring, rotation, vault
from ikaze.protection import services
from ikaze.protection.models import Case, Complaint, Interview, StatusDecision
from ikaze.protection.tests.conftest import LONG_REASONS, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_keyring(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data-keys.json"
    with override_settings(IKAZE_DATA_KEY_FILE=str(path)):
        keyring.keyring.cache_clear()
        yield path
    keyring.keyring.cache_clear()


def test_sealed_values_rotate_and_still_open(world, own_keyring) -> None:
    case = open_case(world)
    services.case_claim_lodge(actor=world.caseworker, case=case, details="Gang threats.")
    services.interview_record(
        actor=world.caseworker,
        case=case,
        held_at=clock.now(),
        interpreter_language="es",
        legal_representative="Lic. Ana Pérez",
        notes="Consistent account.",
    )
    services.decision_record(
        actor=world.caseworker,
        case=case,
        level="first_instance",
        result="granted",
        reasons=LONG_REASONS,
        decided_on=clock.today_local(),
    )
    services.complaint_file(actor=world.caseworker, case=case, content="No hot water.")
    rows = {
        "claim": Case.objects.values_list("claim_details", flat=True).get(),
        "notes": Interview.objects.values_list("notes", flat=True).get(),
        "reasons": StatusDecision.objects.values_list("reasons", flat=True).get(),
        "content": Complaint.objects.values_list("content", flat=True).get(),
    }
    assert all(v.startswith("v1:") for v in rows.values())
    assert not any(
        t in "".join(rows.values()) for t in ("Gang", "Consistent", "hot water", "journalist")
    )
    old = keyring.keyring().active
    call_command("keys", "new", stdout=StringIO())
    rotation.rotate()
    new = keyring.keyring().active
    assert new != old
    c = Complaint.objects.get()
    assert c.content.startswith(f"v1:{new}:") and vault.open_field(c, "content") == "No hot water."
    d = StatusDecision.objects.get()
    assert d.reasons.startswith(f"v1:{new}:") and vault.open_field(d, "reasons") == LONG_REASONS
    i = Interview.objects.get()
    assert vault.open_field(i, "notes") == "Consistent account."
    assert vault.open_field(Case.objects.get(), "claim_details") == "Gang threats."
