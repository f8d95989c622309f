"""The agreement's editable fields are declared once (issue 10 item 4).

`models.EDITABLE_FIELDS` is the list; the service's validator, the API's create and patch
bodies, the form and its initial values follow it, and the model's defaults for the
safeguard settings are the protective standard.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.agreements import forms, schemas, services
from ikaze.agreements.models import EDITABLE_FIELDS, Agreement
from ikaze.agreements.standards import PROTECTIVE_DEFAULTS, SAFEGUARD_SETTINGS

SETUP = (
    "title",
    "description",
    "sending_state",
    "receiving_state",
    "instrument",
    "instrument_reference",
    "voluntary",
    "valid_from",
    "valid_to",
    "currency",
    "cap_total",
    "relocated_before_system",
)


def test_the_list_is_the_setup_fields_and_the_safeguard_settings() -> None:
    assert (*SETUP, *SAFEGUARD_SETTINGS) == EDITABLE_FIELDS
    assert services.EDITABLE_FIELDS is EDITABLE_FIELDS


def test_the_service_validates_every_editable_field_and_refuses_others() -> None:
    values = {
        "title": "T",
        "description": "D",
        "sending_state": "US",
        "receiving_state": "RW",
        "instrument": "mou",
        "instrument_reference": "R",
        "voluntary": True,
        "valid_from": dt.date(2025, 1, 1),
        "valid_to": dt.date(2025, 12, 31),
        "currency": "usd",
        "cap_total": 5,
        "relocated_before_system": 1,
        **dict.fromkeys(SAFEGUARD_SETTINGS, 12),
    }
    clean, errors = services._clean_agreement_fields(values, current=None)
    assert errors == {}
    assert set(clean) == set(EDITABLE_FIELDS)
    assert clean["currency"] == "USD"
    _, errors = services._clean_agreement_fields(
        {"status": "in_force", "places_used": 3, "version": 9}, current=None
    )
    assert errors == {
        "status": ["This field cannot be set here."],
        "places_used": ["This field cannot be set here."],
        "version": ["This field cannot be set here."],
    }


def test_the_api_bodies_are_built_from_the_list() -> None:
    assert list(schemas.AgreementCreateIn.model_fields) == [*EDITABLE_FIELDS, "code"]
    assert list(schemas.AgreementPatchIn.model_fields) == [*EDITABLE_FIELDS, "version"]
    assert set(EDITABLE_FIELDS) <= set(schemas.AgreementOut.model_fields)
    create = schemas.AgreementCreateIn.model_fields
    assert {f for f, info in create.items() if info.is_required()} == {
        "code",
        "title",
        "sending_state",
        "receiving_state",
    }
    assert create["instrument"].default == "arrangement"
    assert create["currency"].default == "USD"
    assert create["description"].default == ""
    assert create["cap_total"].default is None
    assert create["relocated_before_system"].default == 0
    for setting, std in PROTECTIVE_DEFAULTS.items():
        assert create[setting].default == std.value
    patch = schemas.AgreementPatchIn.model_fields
    assert all(patch[f].default is None for f in EDITABLE_FIELDS)


def test_the_api_bodies_keep_the_columns_limits() -> None:
    doc = schemas.AgreementCreateIn.model_json_schema()["properties"]
    assert doc["title"]["maxLength"] == 200
    assert doc["title"]["minLength"] == 1
    assert doc["sending_state"]["maxLength"] == 2
    assert doc["currency"]["maxLength"] == 3
    assert "minLength" not in doc["description"]
    assert doc["valid_from"]["anyOf"][0] == {"format": "date", "type": "string"}
    with pytest.raises(ValueError, match="valid integer"):
        schemas.AgreementPatchIn.model_validate({"version": 1, "cap_total": "5"})


def test_the_form_takes_the_list() -> None:
    assert set(forms.AgreementForm().fields) == {"code", *EDITABLE_FIELDS}
    assert set(forms.AgreementForm(editing=True).fields) == {"version", *EDITABLE_FIELDS}
    agreement = Agreement(code="X-1", title="T", sending_state="US", receiving_state="RW")
    assert set(forms.agreement_initial(agreement)) == {*EDITABLE_FIELDS, "version"}


def test_a_field_added_to_the_list_reaches_the_form(monkeypatch) -> None:
    monkeypatch.setattr(forms, "EDITABLE_FIELDS", (*EDITABLE_FIELDS, "places_used"))
    form = forms.AgreementForm()
    assert form.fields["places_used"].label == "Places used"


def test_the_model_defaults_are_the_protective_standard() -> None:
    for setting, std in PROTECTIVE_DEFAULTS.items():
        assert Agreement._meta.get_field(setting).default == std.value
