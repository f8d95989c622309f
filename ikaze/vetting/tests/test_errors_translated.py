"""A service's refusal reads in the reader's language on pages and in API error bodies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client

from ikaze.core import clock
from ikaze.core.errors import IkazeError
from ikaze.vetting import services as svc
from ikaze.vetting.models import LegalEventRecord, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(actor, lang: str) -> Client:
    c = Client()
    c.force_login(actor.user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def _blocked_referral(officer):
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r)
    return r


def test_a_blocked_acceptance_says_so_in_french() -> None:
    officer = f.vetting_officer()
    r = _blocked_referral(officer)
    res = _client(officer, "fr").post(
        f"/vetting/referrals/{r.pk}/decide/", {"outcome": "accept", "reason": "ok"}
    )
    assert res.status_code == 400
    page = res.content.decode()
    assert "Une garantie bloque cette acceptation." in page
    assert "A safeguard blocks this acceptance." not in page
    assert Referral.objects.get(pk=r.pk).status == "submitted"


def test_a_fact_dated_after_it_was_recorded_is_refused_in_spanish() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    before = LegalEventRecord.objects.count()
    res = _client(officer, "es").post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "legal_advice_given",
            "fields_kind": "legal_advice_given",
            "effective_at": (clock.today_local() + dt.timedelta(days=2)).isoformat(),
            "source_document": "D",
            "p_provider": "Legal Aid Rwanda",
            "p_language": "es",
        },
    )
    assert res.status_code == 400
    page = res.content.decode()
    assert "este hecho no puede surtir efecto después de registrarse" in page
    assert "cannot take effect" not in page
    assert LegalEventRecord.objects.count() == before


@pytest.mark.parametrize(
    ("lang", "message", "reason"),
    [
        # A blank reason is refused by the schema, which declares it required (issue 9 item 15).
        ("rw", "The request is not valid.", "Iki gice kigomba kuzuzwa."),
        ("en", "The request is not valid.", "This field is required."),
    ],
)
def test_api_error_bodies_are_json_in_the_request_language(
    client_for, lang, message, reason
) -> None:
    from ikaze.accounts.access import Role

    officer_client = client_for(Role.VETTING_OFFICER)
    r = f.vetting_referral()
    res = officer_client.post(
        f"/api/v1/vetting/referrals/{r.pk}/accept",
        data=json.dumps({"reason": " "}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert res.status_code == 422
    error = json.loads(res.content)["error"]
    assert error["code"] == "invalid"
    assert error["message"] == message
    assert error["details"] == {"reason": [reason]}


def test_the_illegal_transition_names_statuses_by_their_labels_in_french() -> None:
    from django.utils import translation

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_refuse(actor=officer, referral=r, reason_codes=["incomplete_referral"])
    with translation.override("fr"), pytest.raises(IkazeError) as exc:
        svc.referral_accept(actor=officer, referral=r, reason="ok")
    assert exc.value.message == (
        "Une orientation au statut «\u00a0refusée\u00a0» ne peut pas passer au statut "
        "«\u00a0acceptée\u00a0»."
    )
    assert exc.value.details == {"status": ["Refusée → Acceptée n'est pas autorisé."]}


def test_schema_errors_of_a_fact_read_in_french_in_the_api(client_for) -> None:
    from ikaze.accounts.access import Role

    officer_client = client_for(Role.VETTING_OFFICER)
    r = f.vetting_referral()
    res = officer_client.post(
        f"/api/v1/vetting/referrals/{r.pk}/facts",
        data=json.dumps(
            {
                "kind": "fear_expressed",
                "payload": {
                    "fear_ref": "F-1",
                    "feared_country": "ZZ",
                    "summary": "s",
                    "screening_deadline": "2030-02-30",
                    "extra": 1,
                },
                "effective_at": clock.today_local().isoformat(),
                "source_document": "D",
            }
        ),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert res.status_code == 422, res.content
    error = json.loads(res.content)["error"]
    assert error["message"] == "Le fait juridique n'est pas valide."
    assert error["details"] == {
        "payload.feared_country": ["pas un code de pays ISO 3166-1 alpha-2"],
        "payload.expressed_to": ["ce champ est obligatoire"],
        "payload.screening_deadline": ["saisissez une date valide (AAAA-MM-JJ)"],
        "payload.extra": ["ce champ ne concerne pas ce type de fait"],
    }
