from __future__ import annotations

import pytest
from django.urls import reverse

from ikaze.accounts.access import Role
from ikaze.people.models import Person
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


def _client_as(actor):
    from django.test import Client

    c = Client()
    c.force_login(actor.user)
    return c


FORM = {
    "external_reference": "US-77",
    "given_names": "Ana Lucía",
    "first_surname": "de la Cruz",
    "second_surname": "Mejía",
    "sex": "F",
    "date_of_birth": "1993-11-02",
    "nationalities": "SV",
    "languages": "es",
    "document_type": "passport",
    "document_number": "SV0012345",
    "document_issuing_state": "SV",
    "submit_now": "on",
}


def test_liaison_refers_a_person_through_the_form() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    c = _client_as(liaison)
    r = c.post(reverse("vetting:referral_create"), {**FORM, "agreement": agreement.code})
    referral = Referral.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("vetting:referral_detail", args=[referral.pk])
    assert referral.status == "submitted"
    page = c.get(r["Location"])
    assert page.status_code == 200
    assert "Ana Lucía de la Cruz Mejía" in page.content.decode()


def test_countries_and_languages_are_chosen_by_name_and_stored_as_codes() -> None:
    # Issue 11 item 2: "Spanish" was refused; names in the reader's language are chosen.
    agreement = factories.agreement_in_force()
    c = _client_as(factories.liaison())
    page = c.get(reverse("vetting:referral_create")).content.decode()
    assert 'list="id_languages_names"' in page and '<option value="Spanish">' in page
    data = {
        **FORM,
        "agreement": agreement.code,
        "nationalities": "El Salvador; Honduras",
        "languages": "Spanish, Haitian Creole",
        "document_issuing_state": "el salvador",
    }
    r = c.post(reverse("vetting:referral_create"), data)
    assert r.status_code == 302
    person = Person.objects.get()
    assert person.nationalities == ["SV", "HN"]
    assert person.languages == ["es", "ht"]
    assert person.documents.get().issuing_state == "SV"


def test_form_errors_are_shown_and_nothing_is_stored() -> None:
    agreement = factories.agreement_in_force()
    c = _client_as(factories.liaison())
    data = {
        **FORM,
        "agreement": agreement.code,
        "date_of_birth": "02/11/1993",
        "nationalities": "XX",
    }
    r = c.post(reverse("vetting:referral_create"), data)
    assert r.status_code == 400
    body = r.content.decode()
    assert "ambiguous" in body
    assert "No country is called XX: choose one from the list." in body
    assert Person.objects.count() == 0
    assert Referral.objects.count() == 0


def test_health_without_consent_is_refused_by_the_form() -> None:
    agreement = factories.agreement_in_force()
    c = _client_as(factories.liaison())
    r = c.post(
        reverse("vetting:referral_create"),
        {**FORM, "agreement": agreement.code, "health": "asthma"},
    )
    assert r.status_code == 400
    assert "consent" in r.content.decode()
    assert Person.objects.count() == 0


def test_other_liaison_gets_404_and_officer_sees_it() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    referral = factories.referral(by=liaison, agreement=agreement)
    url = reverse("vetting:referral_detail", args=[referral.pk])
    assert _client_as(factories.liaison()).get(url).status_code == 404
    officer = _client_as(factories.actor(Role.VETTING_OFFICER))
    assert officer.get(url).status_code == 200
    assert officer.get(reverse("vetting:referral_list")).status_code == 200
    r = officer.post(reverse("vetting:referral_start_review", args=[referral.pk]))
    assert r.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "under_review"


def test_list_filters_by_status() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    factories.referral(by=liaison, agreement=agreement)
    draft = factories.referral(by=liaison, agreement=agreement, submit=False)
    c = _client_as(liaison)
    r = c.get(reverse("vetting:referral_list"), {"status": "draft"})
    assert list(r.context["page"].items) == [draft]
