"""Reviewing a proposed match shows why: each comparison's agreement level and weight (issue 12
item 5). Twins, same surnames and date of birth, another given name: the review says what links
them and what tells them apart."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from ikaze.accounts.access import Role
from ikaze.people import identity, services
from ikaze.people.models import MatchCandidate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(tmp_path):
    identity.reset()
    with override_settings(VAR_DIR=str(tmp_path)):
        yield tmp_path
    identity.reset()


def _passport(number: str):
    import datetime as dt

    from ikaze.people.services import DocumentIn

    return DocumentIn("passport", number, "HN", dt.date(2031, 1, 1))


def _twins():
    liaison = factories.liaison()
    # Referred under an agreement with Rwanda: the receiving side reads only the people of
    # its agreements (issue 9 item 10).
    agreement = factories.agreement_in_force(sending_state=str(liaison.organisation.country))
    a = factories.referral(
        by=liaison,
        agreement=agreement,
        given_names="Rosa Elena",
        documents=[_passport("P1234567")],
    ).person
    b = factories.referral(
        by=liaison, agreement=agreement, given_names="Karla", documents=[_passport("Q7654398")]
    ).person
    services.match_candidates_propose(
        actor=factories.OPERATOR, pairs=[services.ScoredPair(a.pk, b.pk, 0.95, 4.2)], source="test"
    )
    return MatchCandidate.objects.get()


def _fields(explanation):
    return {f["comparison"]: (f["level"], f["weight"]) for f in explanation["fields"]}


def test_the_review_page_shows_each_comparisons_level_and_weight(fresh) -> None:
    c = _twins()
    officer = factories.actor(Role.VETTING_OFFICER)
    client = Client()
    client.force_login(officer.user)
    r = client.get(reverse("people:match_detail", args=[c.pk]))
    assert r.status_code == 200
    fields = _fields(r.context["explanation"])
    assert list(fields) == [
        "given",
        "surnames",
        "dob",
        "sex",
        "nationality",
        "document",
        "name frequency",
        "family",
    ]
    assert fields["given"] == ("different", pytest.approx(fields["given"][1]))
    assert fields["given"][1] < 0
    assert fields["surnames"][0] == "exact" and fields["surnames"][1] > 0
    assert fields["dob"][0] == "exact" and fields["dob"][1] > 0
    assert fields["family"] == ("different given names, same surnames and date of birth", -12.0)
    assert fields["name frequency"] == ("does not apply: the names differ", 0.0)
    html = r.content.decode()
    assert "different given names, same surnames and date of birth" in html
    assert "−12.0" in html or "-12.0" in html
    # The weights add up to the model's match weight for the pair.
    e = r.context["explanation"]
    total = e["prior_weight"] + sum(f["weight"] for f in e["fields"])
    assert e["match_weight"] == pytest.approx(total, abs=0.05)
    assert fields["document"][0] == "different" and fields["document"][1] < 0
    assert e["probability"] < 0.01


def test_the_api_gives_one_candidate_with_its_explanation(fresh, api_client_for) -> None:
    c = _twins()
    officer = api_client_for(Role.VETTING_OFFICER)
    r = officer.get(f"/api/v1/people/match-candidates/{c.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == str(c.pk)
    assert body["probability"] == 0.95  # as proposed; the explanation is the model's now
    fields = _fields(body["explanation"])
    assert fields["family"] == ("different given names, same surnames and date of birth", -12.0)
    assert fields["document"][0] == "different"


def test_a_liaison_cannot_read_a_candidates_explanation(fresh, api_client_for) -> None:
    c = _twins()
    liaison = api_client_for(Role.SENDING_LIAISON)
    assert liaison.get(f"/api/v1/people/match-candidates/{c.pk}").status_code == 403
