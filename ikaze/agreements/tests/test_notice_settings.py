"""An agreement's notice settings (issue 11 item 14): what its notices name, per language."""

import json

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements import selectors, services
from ikaze.agreements.demo import rwanda_notice_settings
from ikaze.agreements.models import Agreement
from ikaze.agreements.tests.conftest import state
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def test_set_and_read_back(admin, draft):
    a = services.agreement_notice_settings_set(
        actor=admin, agreement=draft, settings=rwanda_notice_settings("US")
    )
    assert a.version == draft.version  # not a change of the agreement's terms
    texts = selectors.agreement_notice_settings(a).texts("es")
    assert texts["sending_authority"] == "las autoridades de los Estados Unidos"
    assert texts["place"] == "Kigali"
    event = AuditEvent.objects.get(action="agreement.notice_settings.set")
    assert event.after["notice_settings"]["appeal_contact"] == "KG 7 Ave, B.P. 4386, Kigali"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"monitor": {"es": "el Comité"}}, "monitor"),  # no English text
        ({"monitor": {"en": "x", "de": "y"}}, "monitor"),  # not a notice language
        ({"place": "Kigali\x00"}, "place"),  # a control character
        ({"place": ""}, "place"),
        ({"colour": "blue"}, "colour"),  # not a setting
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(admin, draft, change, field):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.agreement_notice_settings_set(
            actor=admin, agreement=draft, settings=rwanda_notice_settings("US") | change
        )
    assert list(exc.value.details) == [field]
    assert state() == before
    assert Agreement.objects.get().notice_settings == {}


def test_only_an_administrator_of_a_party_sets_them(finance, draft):
    before = state()
    with pytest.raises(PermissionDenied):
        services.agreement_notice_settings_set(
            actor=finance, agreement=draft, settings=rwanda_notice_settings("US")
        )
    assert state() == before


def test_the_api_sets_and_reads_them(api_client_for, draft):
    admin = api_client_for(Role.ADMIN)
    url = "/api/v1/agreements/US-RW-2025/notice-settings"
    assert admin.get(url).status_code == 404
    r = admin.put(url, json.dumps(rwanda_notice_settings("GB")), content_type="application/json")
    assert r.status_code == 200
    assert r.json()["sending_authority"]["fr"] == "les autorités du Royaume-Uni"
    bad = rwanda_notice_settings("GB") | {"appeal_body": {"es": "la Secretaría"}}
    r = admin.put(url, json.dumps(bad), content_type="application/json")
    assert r.status_code == 422
    assert (
        admin.get(url).json()["sending_authority"]["en"] == "the authorities of the United Kingdom"
    )
