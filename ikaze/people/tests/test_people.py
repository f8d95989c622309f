from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IllegalTransition, ValidationError
from ikaze.people import selectors, services
from ikaze.people.models import MatchCandidate, MatchDecision, Person
from ikaze.people.tasks import RESCORE_JOB
from tests import factories

pytestmark = pytest.mark.django_db


def _candidate(liaison):
    # Referred under an agreement with Rwanda: the receiving side sees only the people referred
    # under its agreements (issue 9 item 10).
    agreement = factories.agreement_in_force(sending_state=str(liaison.organisation.country))
    a = factories.referral(by=liaison, agreement=agreement).person
    b = factories.referral(
        by=liaison, agreement=agreement, given_names="Maria Jose", first_surname="Garcia"
    ).person
    services.match_candidates_propose(
        actor=RESCORE_JOB, pairs=[services.ScoredPair(b.pk, a.pk, 0.97, 9.1)], source="test"
    )
    return a, b, MatchCandidate.objects.get()


def test_pairs_are_stored_in_canonical_order_once() -> None:
    liaison = factories.liaison()
    a, b, c = _candidate(liaison)
    assert c.person_a_id.int < c.person_b_id.int
    again = services.match_candidates_propose(
        actor=RESCORE_JOB, pairs=[services.ScoredPair(a.pk, b.pk, 0.99)], source="test"
    )
    assert again == []
    assert MatchCandidate.objects.count() == 1


def test_same_links_clusters_and_keeps_both_records() -> None:
    liaison = factories.liaison()
    a, b, c = _candidate(liaison)
    officer = factories.actor(Role.VETTING_OFFICER)
    services.match_candidate_decide(
        actor=officer, candidate=c, outcome="same", reason="Same passport."
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.identity_cluster == b.identity_cluster
    assert Person.objects.count() == 2
    assert selectors.person_cluster(actor=officer, person=a) == [b]
    with pytest.raises(IllegalTransition):
        services.match_candidate_decide(actor=officer, candidate=c, outcome="not_same", reason="x")


def test_not_same_is_remembered_and_never_proposed_again() -> None:
    liaison = factories.liaison()
    a, b, c = _candidate(liaison)
    officer = factories.actor(Role.VETTING_OFFICER)
    services.match_candidate_decide(
        actor=officer, candidate=c, outcome="not_same", reason="Siblings."
    )
    assert MatchDecision.objects.get().outcome == "not_same"
    assert (
        services.match_candidates_propose(
            actor=RESCORE_JOB, pairs=[services.ScoredPair(a.pk, b.pk, 0.99)], source="x"
        )
        == []
    )
    c.refresh_from_db()
    assert c.status == "not_same"


def test_decision_needs_reason_and_changes_nothing_when_refused() -> None:
    liaison = factories.liaison()
    _, _, c = _candidate(liaison)
    officer = factories.actor(Role.VETTING_OFFICER)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.match_candidate_decide(actor=officer, candidate=c, outcome="same", reason=" ")
    assert exc.value.details == {"reason": ["Give the reason for the decision."]}
    c.refresh_from_db()
    assert c.status == "open"
    assert AuditEvent.objects.count() == events
    assert MatchDecision.objects.count() == 0


def test_liaison_cannot_adjudicate() -> None:
    from ikaze.accounts.guards import Denied

    liaison = factories.liaison()
    _, _, c = _candidate(liaison)
    with pytest.raises(Denied):
        services.match_candidate_decide(actor=liaison, candidate=c, outcome="same", reason="x")
    c.refresh_from_db()
    assert c.status == "open"


def test_sensitive_read_is_audited() -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison, health="asthma", health_consent=True)
    officer = factories.actor(Role.VETTING_OFFICER)
    data = selectors.sensitive_data_for(actor=officer, person=p)
    assert data is not None and data.health == "asthma"
    e = AuditEvent.objects.order_by("-seq").first()
    assert e is not None and (e.kind, e.action, e.target_id) == (
        "read",
        "person.sensitive.read",
        str(p.pk),
    )


def test_health_without_consent_is_refused() -> None:
    liaison = factories.liaison()
    with pytest.raises(ValidationError) as exc:
        factories.person(by=liaison, health="asthma")
    assert "health" in exc.value.details
    assert Person.objects.count() == 0


def test_person_update_of_identity_field_queues_rescore(django_capture_on_commit_callbacks) -> None:
    liaison = factories.liaison()
    p = factories.person(by=liaison)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.person_update(actor=liaison, person=p, changes={"first_surname": "Garcia"})
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.person_update(actor=liaison, person=p, changes={"place_of_birth": "Tela"})
    assert callbacks == []


def test_rescore_finds_a_registered_twin(django_capture_on_commit_callbacks) -> None:
    liaison = factories.liaison()
    a = factories.person(
        by=liaison, given_names="Juan Carlos", first_surname="Ramírez", second_surname="Soto"
    )
    with django_capture_on_commit_callbacks(execute=True):
        b = factories.person(
            by=liaison,
            rescore=True,
            given_names="Juan Carlos",
            first_surname="Ramirez",
            second_surname="Soto",
            documents=a_documents(a),
        )
    c = MatchCandidate.objects.get()
    assert {c.person_a_id, c.person_b_id} == {a.pk, b.pk}


def a_documents(person):
    from ikaze.people.services import DocumentIn

    d = person.documents.get()
    return [DocumentIn(d.kind, d.number, d.issuing_state, d.expiry)]


def test_queue_and_side_by_side_pages() -> None:
    liaison = factories.liaison()
    _, _, c = _candidate(liaison)
    officer = factories.actor(Role.VETTING_OFFICER)
    client = Client()
    client.force_login(officer.user)
    r = client.get(reverse("people:match_queue"))
    assert r.status_code == 200
    assert list(r.context["page"].items) == [c]
    url = reverse("people:match_detail", args=[c.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"outcome": "same"}).status_code == 400
    r = client.post(url, {"outcome": "same", "reason": "Same passport number."})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "same"


def test_liaison_sees_only_its_people() -> None:
    liaison = factories.liaison()
    mine = factories.person(by=liaison)
    other = factories.person(by=factories.liaison())
    assert list(selectors.person_list_for(actor=liaison)) == [mine]
    client = Client()
    client.force_login(liaison.user)
    assert client.get(reverse("people:person_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("people:person_detail", args=[mine.pk])).status_code == 200


def test_registry_frame_has_match_columns() -> None:
    from ikaze.people.matching import MATCH_COLUMNS

    liaison = factories.liaison()
    p = factories.person(by=liaison)
    frame = selectors.registry_frame()
    assert frame.columns == MATCH_COLUMNS
    row = frame.row(0, named=True)
    assert uuid.UUID(row.pop("unique_id")) == p.pk
    assert row == {
        "given_names": "María José",
        "first_surname": "García",
        "second_surname": "López",
        "full_name": "María José García López",
        "sex": "F",
        "date_of_birth": "1990-04-03",
        "nationality": "HN",
        "document_number": p.documents.get().number,
    }
    assert selectors.registry_frame(exclude_ids=[p.pk]).height == 0


def test_api_match_and_decide(api_client_for) -> None:
    liaison = factories.liaison()
    _, _, c = _candidate(liaison)
    officer = api_client_for(Role.VETTING_OFFICER)
    listing = officer.get("/api/v1/people/match-candidates").json()
    assert [i["id"] for i in listing["items"]] == [str(c.pk)]
    r = officer.post(
        f"/api/v1/people/match-candidates/{c.pk}/decide",
        {"outcome": "not_same", "reason": "Different parents."},
        content_type="application/json",
    )
    assert r.json()["status"] == "not_same"
    hits = officer.get(
        "/api/v1/people/match",
        {
            "given_names": "María José",
            "first_surname": "García",
            "second_surname": "López",
            "date_of_birth": "1990-04-03",
            "nationality": "HN",
            "sex": "F",
        },
    )
    assert hits.status_code == 200
    assert len(hits.json()) >= 1
    assert officer.get(f"/api/v1/people/{c.person_a_id}").json()["id"] == str(c.person_a_id)


def test_api_liaison_match_sees_only_its_people(api_client_for) -> None:
    factories.person(by=factories.liaison())
    c = api_client_for(Role.SENDING_LIAISON)
    hits = c.get(
        "/api/v1/people/match",
        {"given_names": "María José", "first_surname": "García", "date_of_birth": "1990-04-03"},
    )
    assert hits.json() == []


def test_list_and_queue_name_codes_in_french() -> None:
    from django.conf import settings

    liaison = factories.liaison()
    _, _, candidate = _candidate(liaison)
    MatchCandidate.objects.filter(pk=candidate.pk).update(source="intake:1a2b3c4d")
    officer = factories.actor(Role.VETTING_OFFICER)
    client = Client()
    client.force_login(officer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    people = client.get(reverse("people:person_list")).content.decode()
    assert "<td>Féminin</td>" in people and "<td>F</td>" not in people
    queue = client.get(reverse("people:match_queue")).content.decode()
    assert "Liste nominative 1a2b3c4d" in queue and "intake:1a2b3c4d" not in queue


def test_the_landing_page_counts_open_possible_duplicates_until_decided() -> None:
    from ikaze.accounts.navigation import nav_for

    def waiting(actor):
        url = reverse("people:match_queue")
        return next(
            str(i.get("waiting", "")) for i in nav_for(actor, waiting=True) if i["url"] == url
        )

    officer = factories.actor(Role.VETTING_OFFICER)
    assert waiting(officer) == ""
    _a, _b, c = _candidate(factories.liaison())
    assert waiting(officer) == "1 possible duplicate to decide"
    services.match_candidate_decide(
        actor=officer, candidate=c, outcome="not_same", reason="Two people."
    )
    assert waiting(officer) == ""
