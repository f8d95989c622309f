"""A person's data is refused in the reader's language; manifest reports stay in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ikaze.core.errors import ValidationError
from ikaze.intake.models import IntakeRowError
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people import validation as v
from ikaze.people.models import Person
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_field_problem_reads_in_the_active_language_and_stays_english_as_text() -> None:
    with pytest.raises(v.FieldProblem) as exc:
        v.countries(["HN", "ZZ"])
    assert str(exc.value) == "Not ISO 3166-1 alpha-2 country codes: ZZ."
    with translation.override("fr"):
        assert exc.value.text() == "Codes de pays non conformes à ISO 3166-1 alpha-2\u00a0: ZZ."
    with translation.override("rw"):
        assert exc.value.text() == "Izi si kode z'ibihugu za ISO 3166-1 alpha-2: ZZ."
    assert exc.value.text() == str(exc.value)


def test_person_create_refuses_in_spanish_and_changes_nothing() -> None:
    liaison = f.liaison()
    before = Person.objects.count()
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        f.person(
            by=liaison,
            given_names=" ",
            nationalities=["ZZ"],
            date_of_birth=dt.date(1850, 1, 1),
        )
    assert exc.value.message == "Los datos de la persona no son válidos."
    assert exc.value.details["given_names"] == ["Los nombres son obligatorios."]
    assert exc.value.details["nationalities"] == ["No son códigos de país ISO 3166-1 alfa-2: ZZ."]
    assert exc.value.details["date_of_birth"] == ["La fecha de nacimiento es anterior a 1900."]
    assert Person.objects.count() == before


def test_a_manifest_row_reason_is_stored_in_english_whatever_the_uploaders_language(
    django_capture_on_commit_callbacks,
) -> None:
    agreement = f.agreement_in_force()
    c = Client()
    liaison = f.liaison()
    assert liaison.user is not None
    c.force_login(liaison.user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    upload = SimpleUploadedFile(
        "m.csv", csv_bytes([row(1), row(2, nationalities="ZZ")]), content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        res = c.post(
            reverse("intake:batch_list"),
            {"agreement": agreement.code, "file": upload, "mode": "lenient"},
        )
    assert res.status_code == 302
    [error] = IntakeRowError.objects.all()
    assert error.reason == "Not ISO 3166-1 alpha-2 country codes: ZZ."
