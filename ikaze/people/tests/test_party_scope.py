"""The person registry is read by the agreement's parties only (issue 9 item 10, as vetting).

A receiving-side organisation sees a person only when one of their referrals is under an
agreement whose receiving state is its country: not the people referred only between two other
states (US–Costa Rica), nor people nobody referred to it. The sending state sees the people it
registered, the monitor everyone (C1). Pages, API, the duplicates queue, its landing count and
the online match keep to the same rule; a lookup out of scope answers 404 and is recorded as a
probe.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import OutOfScope
from ikaze.audit.labels import ACTIONS
from ikaze.audit.models import AuditEvent
from ikaze.people import selectors, services
from ikaze.people.landing import duplicates_waiting
from ikaze.people.models import MatchCandidate, Person
from tests import factories as f

pytestmark = pytest.mark.django_db

PROBE = "probe:out_of_scope"


def _probes() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=PROBE)
        .order_by("seq")
        .values_list("actor_id", "target_type", "target_id")
    )


def _client(actor: Actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    return c


def _pair(a: Person, b: Person) -> MatchCandidate:
    services.match_candidates_propose(
        actor=f.OPERATOR, pairs=[services.ScoredPair(a.pk, b.pk, 0.97, 9.1)], source="test"
    )
    lo, hi = sorted([a.pk, b.pk], key=lambda u: u.int)
    return MatchCandidate.objects.get(person_a_id=lo, person_b_id=hi)


@pytest.fixture
def world() -> dict[str, Any]:
    """A US liaison refers one person to Rwanda and one to Costa Rica, and registers a third
    it refers to nobody; Rwanda's and Costa Rica's officers, and the monitor."""
    rw = f.organisation(OrgKind.RECEIVING_STATE, country="RW")
    cr = f.organisation(OrgKind.RECEIVING_STATE, country="CR")
    liaison = f.liaison(country="US")
    to_rwanda = f.agreement_in_force(sending_state="US")
    admin_cr = f.actor(Role.ADMIN, organisation_=cr)
    to_costa_rica = f.agreement(
        by=admin_cr, code="US-CR-T", receiving_state="CR", status="in_force"
    )
    ours = f.referral(by=liaison, agreement=to_rwanda).person
    twin = f.referral(
        by=liaison, agreement=to_rwanda, given_names="Maria Jose", first_surname="Garcia"
    ).person
    theirs = f.referral(by=liaison, agreement=to_costa_rica).person
    nobodys = f.person(by=liaison)
    return {
        "liaison": liaison,
        "rw": f.vetting_officer(organisation_=rw),
        "rw_partner": f.actor(
            Role.CASEWORKER, organisation_=f.organisation(OrgKind.PARTNER, country="RW")
        ),
        "cr": f.vetting_officer(organisation_=cr),
        "monitor": f.actor(Role.MONITOR),
        "ours": ours,
        "twin": twin,
        "theirs": theirs,
        "nobodys": nobodys,
    }


def _ids(people: Any) -> set[str]:
    return {str(p.pk) for p in people}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("rw", {"ours", "twin"}),
        ("rw_partner", {"ours", "twin"}),
        ("cr", {"theirs"}),
        ("liaison", {"ours", "twin", "theirs", "nobodys"}),
        ("monitor", {"ours", "twin", "theirs", "nobodys"}),
    ],
)
def test_each_side_sees_the_people_of_its_agreements(
    world: dict[str, Any], who: str, sees: set[str]
) -> None:
    actor = world[who]
    assert _ids(selectors.person_list_for(actor=actor)) == {str(world[n].pk) for n in sees}
    for name in ("ours", "twin", "theirs", "nobodys"):
        person = world[name]
        if name in sees:
            assert selectors.person_get_for(actor=actor, person_id=person.pk) == person
        else:
            with pytest.raises(OutOfScope):
                selectors.person_get_for(actor=actor, person_id=person.pk)


def test_a_page_or_api_probe_of_another_agreements_person_is_a_recorded_404(
    world: dict[str, Any], api_client_for: Any
) -> None:
    officer, theirs = world["rw"], world["theirs"]
    c = _client(officer)
    assert c.get(reverse("people:person_detail", args=[theirs.pk])).status_code == 404
    assert c.get(f"/api/v1/people/{theirs.pk}").status_code == 404
    assert _probes() == [(str(officer.user.pk), "person", str(theirs.pk))] * 2
    # Its own person (and their documents) still shows.
    page = c.get(reverse("people:person_detail", args=[world["ours"].pk]))
    assert page.status_code == 200
    assert world["ours"].documents.get().number in page.content.decode()
    # The person list page names nobody of Costa Rica's.
    listing = c.get(reverse("people:person_list"))
    assert _ids(listing.context["page"].items) == _ids([world["ours"], world["twin"]])


def test_the_duplicates_queue_and_its_count_keep_to_the_agreements(
    world: dict[str, Any],
) -> None:
    officer = world["rw"]
    mine = _pair(world["ours"], world["twin"])
    across = _pair(world["ours"], world["theirs"])
    elsewhere = _pair(world["theirs"], world["nobodys"])

    assert list(selectors.match_candidate_list_for(actor=officer)) == [mine]
    assert duplicates_waiting(officer) == "1 possible duplicate to decide"
    assert selectors.match_candidate_get_for(actor=officer, candidate_id=mine.pk) == mine
    for pair in (across, elsewhere):
        with pytest.raises(OutOfScope) as exc:
            selectors.match_candidate_get_for(actor=officer, candidate_id=pair.pk)
        assert (exc.value.code, exc.value.message) == ("not_found", "No such match candidate.")

    # The page answers 404 and records the probe; the queue lists only its pair.
    c = _client(officer)
    assert c.get(reverse("people:match_detail", args=[across.pk])).status_code == 404
    assert _probes() == [(str(officer.user.pk), "match_candidate", str(across.pk))]
    assert list(c.get(reverse("people:match_queue")).context["page"].items) == [mine]
    # Costa Rica's officer sees no pair: each names someone it may not see.
    assert list(selectors.match_candidate_list_for(actor=world["cr"])) == []
    assert duplicates_waiting(world["cr"]) == ""


def test_the_cluster_shows_only_people_in_scope(world: dict[str, Any]) -> None:
    Person.objects.filter(pk__in=[world["twin"].pk, world["theirs"].pk]).update(
        identity_cluster=world["ours"].identity_cluster
    )
    assert selectors.person_cluster(actor=world["rw"], person=world["ours"]) == [world["twin"]]


def test_the_probe_label_covers_agreements() -> None:
    assert str(ACTIONS[PROBE]) == (
        "Lookup of a record outside the actor's scope (its organisation or its agreements)"
    )
