"""D1: after a bulk intake and after a page edit, the raw tables hold no plaintext."""

from __future__ import annotations

import pytest
from django.db import connection

from ikaze.accounts.access import Role
from ikaze.intake import services as intake
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people import selectors
from ikaze.people.models import Person
from ikaze.privacy import services, vault
from tests import factories

pytestmark = pytest.mark.django_db

SECRETS = ("DIABETES-7731", "TRAFFICKED-9921", "CORRECTED-4410", "REQUEST-5582")


def _raw_text() -> str:
    """Every sealed column's raw content, read with SQL past the ORM."""
    out: list[str] = []
    with connection.cursor() as cur:
        for model, fields in vault.encrypted_models():
            cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            cur.execute(f"SELECT {cols} FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            out.extend(str(v) for r in cur.fetchall() for v in r)
    return "\n".join(out)


def test_intake_and_rectification_leave_no_plaintext(django_capture_on_commit_callbacks) -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    content = csv_bytes(
        [
            row(1, health="DIABETES-7731", health_consent="yes"),
            row(2, vulnerabilities="TRAFFICKED-9921"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="m.csv", content=content, mode="lenient"
        )
    raw = _raw_text()
    assert raw.count("v1:") == 2
    assert not any(s in raw for s in SECRETS)
    # A page edit: the data-protection officer accepts a rectification.
    person = Person.objects.get(external_reference="US-000002")
    admin = factories.actor(Role.ADMIN)
    request = services.request_open(
        actor=admin,
        person=person,
        kind="rectification",
        detail="REQUEST-5582",
        field="vulnerabilities",
        proposed_value="CORRECTED-4410",
    )
    services.request_decide(actor=admin, request=request, accept=True, note="")
    raw = _raw_text()
    assert not any(s in raw for s in SECRETS)
    officer = factories.actor(Role.VETTING_OFFICER)
    view = selectors.sensitive_data_for(actor=officer, person=person)
    assert view is not None and view.vulnerabilities == "CORRECTED-4410"
