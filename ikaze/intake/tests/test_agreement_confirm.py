"""Wrong-agreement risk (issue 11 item 7): nothing preselected unless the uploader has one
agreement; an import names the agreement and its parties before the job starts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ikaze.intake.models import IntakeBatch
from ikaze.intake.tests.helpers import csv_bytes, row
from tests import factories

pytestmark = pytest.mark.django_db

INTAKE = "/intake/"


def _client(actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    return c


def test_two_agreements_preselect_nothing_and_the_choice_is_confirmed_with_its_parties() -> None:
    first = factories.agreement_in_force(code="US-AA", sending_state="US")
    second = factories.agreement_in_force(code="US-BB", sending_state="US")
    c = _client(factories.liaison(country="US"))
    page = c.get(INTAKE)
    assert page.status_code == 200
    choice = page.context["choice_form"]
    assert [v for v, _ in choice.fields["agreement"].choices] == ["", first.code, second.code]
    assert not choice.is_bound
    assert 'data-testid="confirm-agreement"' not in page.content.decode()
    confirm = c.get(INTAKE + f"?agreement={second.code}")
    body = confirm.content.decode()
    assert confirm.context["agreement"] == second
    assert 'data-testid="confirm-agreement"' in body
    assert second.title in body and "United States" in body
    assert f"Import into {second.code}" in body
    assert confirm.context["form"]["agreement"].value() == second.code


def test_the_only_agreement_is_preselected_for_confirmation() -> None:
    only = factories.agreement_in_force(code="US-ONLY", sending_state="US")
    c = _client(factories.liaison(country="US"))
    page = c.get(INTAKE)
    assert (page.status_code, page.context["agreement"]) == (200, only)


def test_an_unknown_or_missing_agreement_is_refused_with_a_reason_and_nothing_imported() -> None:
    factories.agreement_in_force(code="US-AA", sending_state="US")
    factories.agreement_in_force(code="US-BB", sending_state="US")
    c = _client(factories.liaison(country="US"))
    unknown = c.get(INTAKE + "?agreement=XX-NONE")
    assert unknown.status_code == 400
    assert unknown.context["choice_form"].errors["agreement"] == [
        "Unknown agreement: choose one from the list."
    ]
    upload = SimpleUploadedFile("m.csv", csv_bytes([row(1)]), content_type="text/csv")
    missing = c.post(INTAKE, {"file": upload, "mode": "lenient"})
    assert missing.status_code == 400
    assert missing.context["choice_form"].errors["agreement"] == [
        "Choose the agreement this manifest is for."
    ]
    assert IntakeBatch.objects.count() == 0


def test_the_referral_form_preselects_nothing_unless_there_is_one_agreement() -> None:
    factories.agreement_in_force(code="US-AA", sending_state="US")
    liaison = factories.liaison(country="US")
    c = _client(liaison)
    form = c.get("/vetting/referrals/new/").context["form"]
    assert form["agreement"].value() is None
    assert [v for v, _ in form.fields["agreement"].choices] == ["US-AA"]
    factories.agreement_in_force(code="US-BB", sending_state="US")
    form = c.get("/vetting/referrals/new/").context["form"]
    assert [v for v, _ in form.fields["agreement"].choices] == ["", "US-AA", "US-BB"]
    assert form.fields["agreement"].choices[1][1].endswith("(United States → Rwanda)")
