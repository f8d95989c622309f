"""Input limits (issue 9 item 15) on every path text takes into the registry besides the API:
the services (pages and the command line call them), manifest files (row and column named),
and the database itself (CHECK constraints, so SQLite holds the limits PostgreSQL does)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, IntegrityError, transaction
from django.test import override_settings

from ikaze.accounts.access import Role
from ikaze.core.errors import ValidationError
from ikaze.intake.models import IntakeRowError
from ikaze.intake.rows import validate_row
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people import services as people
from ikaze.people.models import IdentityDocument, Person, SensitiveData
from ikaze.people.services import DocumentIn
from ikaze.privacy import vault
from tests import factories as f

pytestmark = pytest.mark.django_db

NUL_REASON = "Contains a control character (U+0000), which is not allowed."
TODAY = dt.date(2026, 1, 15)


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield


def _stored() -> tuple[int, int, int]:
    return Person.objects.count(), IdentityDocument.objects.count(), SensitiveData.objects.count()


# --- the service every interface calls -----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "details"),
    [
        ({"given_names": "A" * (2 * 1024 * 1024)}, {"given_names": ["At most 200 characters."]}),
        ({"given_names": "María\x00"}, {"given_names": [NUL_REASON]}),
        ({"first_surname": "García\x7f"}, None),
        ({"second_surname": "López\tGómez"}, None),
        ({"place_of_birth": "P" * 201}, {"place_of_birth": ["At most 200 characters."]}),
        ({"aliases": ["Majo", "M" * 201]}, {"aliases.1": ["At most 200 characters."]}),
        ({"vulnerabilities": "x\x00"}, {"vulnerabilities": [NUL_REASON]}),
        (
            {"documents": [DocumentIn("passport", "P\x001234", "HN", dt.date(2031, 1, 1))]},
            {"documents.0.number": [NUL_REASON]},
        ),
        (
            {"documents": [DocumentIn("passport", "P" * 61, "HN", dt.date(2031, 1, 1))]},
            {"documents.0.number": ["At most 60 characters."]},
        ),
    ],
)
def test_the_person_service_refuses_text_the_registry_may_not_hold(
    overrides: dict[str, Any], details: dict[str, list[str]] | None
) -> None:
    liaison = f.liaison(country="HN")
    before = _stored()
    with pytest.raises(ValidationError) as caught:
        people.person_create(actor=liaison, data=f.person_in(**overrides))
    if details is not None:
        assert caught.value.details == details
    else:
        assert list(caught.value.details) == list(overrides)
    assert _stored() == before


def test_free_text_keeps_line_breaks_and_names_keep_their_letters() -> None:
    liaison = f.liaison(country="HN")
    p = people.person_create(
        actor=liaison,
        data=f.person_in(
            given_names="Nguyễn Thị",
            first_surname="Ó" * 200,
            vulnerabilities="Walks with a cane.\r\n\tNeeds a ground floor.",
        ),
    )
    p.refresh_from_db()
    assert (p.given_names, len(p.first_surname)) == ("Nguyễn Thị", 200)
    # Sealed at rest (issue 15): opened through the vault, the line breaks are intact.
    assert vault.open_field(p.sensitive, "vulnerabilities") == (
        "Walks with a cane.\r\n\tNeeds a ground floor."
    )


def test_the_referral_page_refuses_a_name_over_the_limit(client_for) -> None:
    a = f.agreement_in_force()
    client = client_for(Role.SENDING_LIAISON)
    before = _stored()
    r = client.post(
        "/vetting/referrals/new/",
        {
            "agreement": a.code,
            "external_reference": "US-77",
            "given_names": "A" * 201,
            "first_surname": "Ruiz",
            "sex": "F",
            "date_of_birth": "1990-01-02",
            "nationalities": "HN",
            "document_kind": "passport",
            "document_number": "P1234567",
            "document_issuing_state": "HN",
        },
    )
    assert r.status_code == 400
    assert _stored() == before


# --- the database ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Person, {"given_names": "A" * 201, "first_surname": "B"}),
        (Person, {"given_names": "A", "first_surname": "B", "external_reference": "R" * 101}),
    ],
)
def test_the_database_holds_the_length_limits_on_both_engines(
    model: type[Person], values: dict[str, str]
) -> None:
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        model.objects.create(**values)
    assert model.objects.count() == 0


def test_a_document_number_over_the_limit_is_refused_by_the_database() -> None:
    p = Person.objects.create(given_names="A", first_surname="B")
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        IdentityDocument.objects.create(
            person=p, kind="passport", number="N" * 61, issuing_state="HN"
        )
    assert IdentityDocument.objects.count() == 0


# --- manifests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("given_names", "Ana\x00", NUL_REASON),
        (
            "first_surname",
            "Ruiz\x1b",
            "Contains a control character (U+001B), which is not allowed.",
        ),
        ("second_surname", "Gó\tmez", "Write this on one line (no tabs or line breaks)."),
        ("given_names", "A" * 201, "At most 200 characters."),
        ("document_number", "N" * 61, "At most 60 characters."),
        ("relationship", "r" * 101, "At most 100 characters."),
        (
            "place_of_birth",
            "La\u0085Ceiba",
            "Contains a control character (U+0085), which is not allowed.",
        ),
        ("aliases", "Majo;" + "M" * 201, "Each alias has at most 200 characters."),
    ],
)
def test_a_manifest_cell_over_its_field_or_with_a_control_is_named_by_row_and_column(
    column: str, value: str, reason: str
) -> None:
    clean, problems = validate_row(7, row(1, **{column: value}), today=TODAY)
    assert clean is None
    assert [(p.row, p.column, p.reason) for p in problems] == [(7, column, reason)]
    assert all(c.isprintable() for p in problems for c in p.value)


def test_manifest_free_text_keeps_its_line_breaks() -> None:
    clean, problems = validate_row(
        2, row(1, vulnerabilities="Walks with a cane.\nNeeds a ground floor."), today=TODAY
    )
    assert problems == []
    assert clean is not None
    assert clean.vulnerabilities == "Walks with a cane.\nNeeds a ground floor."


def test_an_uploaded_manifest_reports_the_row_and_imports_the_others(
    api_client_for, django_capture_on_commit_callbacks
) -> None:
    a = f.agreement_in_force()
    client = api_client_for(Role.SENDING_LIAISON)
    file = SimpleUploadedFile(
        "m.csv",
        csv_bytes([row(1), row(2, given_names="Ana\x00María"), row(3, document_number="N" * 61)]),
        content_type="text/csv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/intake/batches", {"agreement": a.code, "file": file})
    assert r.status_code == 202, r.content
    status = client.get(f"/api/v1/intake/batches/{r.json()['id']}").json()
    assert (status["status"], status["imported"], status["rejected"]) == ("done", 1, 2)
    assert list(IntakeRowError.objects.order_by("row").values_list("row", "column", "reason")) == [
        (3, "given_names", NUL_REASON),
        (4, "document_number", "At most 60 characters."),
    ]
    assert list(Person.objects.values_list("external_reference", flat=True)) == ["US-000001"]
