"""D1: sensitive values sealed at rest, bound to their row, shredded with the person's key."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from ikaze.people import selectors
from ikaze.people.models import SensitiveData
from ikaze.privacy import keyring, vault
from ikaze.privacy.fields import PlaintextRefused
from tests import factories

pytestmark = pytest.mark.django_db


def _raw(person_id: uuid.UUID) -> tuple[str, str]:
    pid = person_id.hex if connection.vendor == "sqlite" else str(person_id)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT health, vulnerabilities FROM people_sensitivedata WHERE person_id = %s", [pid]
        )
        row = cur.fetchone()
    return row[0], row[1]


def test_a_page_write_stores_no_plaintext_and_reads_back() -> None:
    liaison = factories.liaison()
    p = factories.person(
        by=liaison, health="asthma-TOKEN", vulnerabilities="torture-TOKEN", health_consent=True
    )
    health, vulnerabilities = _raw(p.pk)
    assert health.startswith(f"v1:{keyring.keyring().active}:")
    assert "TOKEN" not in health + vulnerabilities
    officer = factories.actor(factories.Role.VETTING_OFFICER)
    data = selectors.sensitive_data_for(actor=officer, person=p)
    assert data is not None
    assert (data.health, data.vulnerabilities) == ("asthma-TOKEN", "torture-TOKEN")


def test_a_value_moved_to_another_person_does_not_open() -> None:
    liaison = factories.liaison()
    a = factories.person(by=liaison, health="a-health", health_consent=True)
    b = factories.person(by=liaison, health="b-health", health_consent=True)
    a_row = SensitiveData.objects.get(person=a)
    b_row = SensitiveData.objects.get(person=b)
    b_row.health = a_row.health
    with pytest.raises(vault.Unreadable):
        vault.open_field(b_row, "health")
    # The same envelope in the other column of its own row does not open either.
    a_row.vulnerabilities = a_row.health
    with pytest.raises(vault.Unreadable):
        vault.open_field(a_row, "vulnerabilities")


def test_plaintext_is_refused_by_the_field_and_by_the_database() -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison, health="x", health_consent=True)
    row = SensitiveData.objects.get(person=p)
    row.health = "plain"
    with pytest.raises(PlaintextRefused), transaction.atomic():
        row.save()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE people_sensitivedata SET vulnerabilities = 'plain'")
    assert vault.open_field(SensitiveData.objects.get(person=p), "health") == "x"


def test_destroying_the_subject_key_shreds_every_value() -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison, health="gone", health_consent=True)
    assert vault.destroy_subject_key(p.pk)
    row = SensitiveData.objects.get(person=p)
    with pytest.raises(vault.Erased):
        vault.open_field(row, "health")
    officer = factories.actor(factories.Role.VETTING_OFFICER)
    view = selectors.sensitive_data_for(actor=officer, person=p)
    assert view is not None and view.erased and view.health == ""
    with pytest.raises(vault.Erased):
        vault.seal_fields(row, health="new")


def test_a_tampered_envelope_does_not_open() -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison, health="abc", health_consent=True)
    row = SensitiveData.objects.get(person=p)
    head, ct = row.health.rsplit(":", 1)
    row.health = f"{head}:{'A' if ct[0] != 'A' else 'B'}{ct[1:]}"
    with pytest.raises(vault.Unreadable):
        vault.open_field(row, "health")
