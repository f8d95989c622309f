"""D1: `ikaze keys rotate` re-seals every value under the new key; nothing is unreadable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from ikaze.audit.models import AuditEvent
from ikaze.people import selectors
from ikaze.people.models import SensitiveData
from ikaze.privacy import keyring, rotation, vault
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_keyring(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data-keys.json"
    with override_settings(IKAZE_DATA_KEY_FILE=str(path)):
        keyring.keyring.cache_clear()
        yield path
    keyring.keyring.cache_clear()


def _keys(out: StringIO) -> dict:
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_rotate_reseals_everything_and_the_old_key_can_then_be_retired(own_keyring) -> None:
    liaison = factories.liaison()
    people = [
        factories.person(by=liaison, health=f"h{i}", vulnerabilities=f"v{i}", health_consent=True)
        for i in range(5)
    ]
    old = keyring.keyring().active
    assert rotation.status().counts == {old: 10}
    out = StringIO()
    call_command("keys", "new", stdout=out)
    new = _keys(out)["active"]
    assert new != old and keyring.keyring().active == new
    # Before the rotation the old key cannot go: values still need it.
    with pytest.raises(CommandError, match="still sealed"):
        call_command("keys", "retire", old)
    # An interrupted rotation (one batch done) resumes where it stopped.
    with pytest.raises(RuntimeError):
        rotation.rotate(batch=2, progress=lambda _msg: (_ for _ in ()).throw(RuntimeError()))
    assert rotation.status().counts == {new: 4, old: 6}
    out = StringIO()
    call_command("keys", "rotate", "--batch", "2", stdout=out, stderr=StringIO())
    assert _keys(out)["values_rotated"] == 6 and _keys(out)["left"] == {}
    assert rotation.status().counts == {new: 10}
    officer = factories.actor(factories.Role.VETTING_OFFICER)
    for i, p in enumerate(people):
        view = selectors.sensitive_data_for(actor=officer, person=p)
        assert view is not None and (view.health, view.vulnerabilities) == (f"h{i}", f"v{i}")
    call_command("keys", "retire", old, stdout=StringIO())
    assert list(keyring.keyring().keys) == [new]
    assert AuditEvent.objects.filter(action="privacy.key.rotate").exists()
    assert AuditEvent.objects.filter(action="privacy.key.retire", target_id=old).exists()


def test_a_value_changed_during_rotation_is_kept_as_written(own_keyring, monkeypatch) -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison, health="before", health_consent=True)
    call_command("keys", "new", stdout=StringIO())
    real_open = vault.open_

    def open_while_a_page_writes(envelope: str, **kw: object) -> str:
        # Between the rotation's read and its write, a page records a new value.
        row = SensitiveData.objects.get(person=p)
        vault.seal_fields(row, health="after")
        row.save()
        return real_open(envelope, **kw)

    monkeypatch.setattr(vault, "open_", open_while_a_page_writes)
    result = rotation.rotate()
    assert (result.values_rotated, result.skipped_changed) == (0, 1)
    monkeypatch.undo()
    row = SensitiveData.objects.get(person=p)
    assert vault.open_field(row, "health") == "after"
    assert vault.key_id_of(row.health) == keyring.keyring().active


def test_retiring_the_active_key_is_refused(own_keyring) -> None:
    active = keyring.keyring().active
    with pytest.raises(CommandError, match="active key"):
        call_command("keys", "retire", active, stdout=StringIO())
