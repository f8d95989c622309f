from __future__ import annotations

import pytest

from ikaze.accounts.access import Role
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


def test_upload_file_then_status_and_errors(
    api_client_for, django_capture_on_commit_callbacks
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = factories.agreement_in_force()
    c = api_client_for(Role.SENDING_LIAISON)
    f = SimpleUploadedFile(
        "m.csv", csv_bytes([row(1), row(2, nationalities="ZZ")]), content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/intake/batches", {"agreement": a.code, "file": f, "mode": "lenient"})
    assert r.status_code == 202, r.content
    bid = r.json()["id"]
    status = c.get(f"/api/v1/intake/batches/{bid}").json()
    assert (status["status"], status["imported"], status["rejected"]) == ("done", 1, 1)
    errors = c.get(f"/api/v1/intake/batches/{bid}/errors").json()
    assert [(e["row"], e["column"]) for e in errors["items"]] == [(3, "nationalities")]


def test_json_rows_twice_is_one_batch(api_client_for, django_capture_on_commit_callbacks) -> None:
    a = factories.agreement_in_force()
    c = api_client_for(Role.SENDING_LIAISON)
    body = {"agreement": a.code, "rows": [row(1), row(2)]}
    with django_capture_on_commit_callbacks(execute=True):
        first = c.post("/api/v1/intake/batches/rows", body, content_type="application/json")
    second = c.post("/api/v1/intake/batches/rows", body, content_type="application/json")
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Person.objects.count() == 2


def test_officer_cannot_upload(api_client_for) -> None:
    a = factories.agreement_in_force()
    c = api_client_for(Role.VETTING_OFFICER)
    r = c.post(
        "/api/v1/intake/batches/rows",
        {"agreement": a.code, "rows": [row(1)]},
        content_type="application/json",
    )
    assert r.status_code == 403
