"""Probes across organisations answered 404 leave a security event (issue 9 item 14).

Every scoped lookup goes through `ikaze.accounts.guards.scoped_get` (or `out_of_scope` where a
service checks ownership of an object at hand); an object that exists outside the actor's
scope raises `OutOfScope`, a NotFound with the same code and message, and the page and API
guards record it. The answer stays the same 404 as for an object that does not exist.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.accounts.guards import OutOfScope
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import NotFound
from ikaze.vetting import services as vetting
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db

PROBE = "probe:out_of_scope"


def _client(actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    return c


def _probes() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action=PROBE).values_list("actor_id", "target_type", "target_id")
    )


@pytest.fixture
def world():
    agreement = factories.agreement_in_force()
    mine, theirs = factories.liaison(), factories.liaison()
    referral = factories.referral(by=theirs, agreement=agreement)
    return mine, theirs, referral


def test_a_probe_for_another_organisations_referral_is_recorded_and_answered_404(world):
    mine, _theirs, referral = world
    c = _client(mine)
    missing = c.get(f"/api/v1/vetting/referrals/{uuid.uuid4()}")
    probed = c.get(f"/api/v1/vetting/referrals/{referral.pk}")
    assert (missing.status_code, probed.status_code) == (404, 404)
    assert probed.json() == missing.json()
    assert _probes() == [(str(mine.user.pk), "referral", str(referral.pk))]
    event = AuditEvent.objects.get(action=PROBE)
    assert event.kind == AuditEvent.Kind.SECURITY
    assert event.organisation_id == str(mine.organisation_id)


def test_a_page_probe_is_recorded_and_a_missing_object_is_not(world):
    mine, _theirs, referral = world
    c = _client(mine)
    assert c.get(f"/vetting/referrals/{uuid.uuid4()}/").status_code == 404
    assert _probes() == []
    probed = c.get(f"/vetting/referrals/{referral.pk}/")
    assert probed.status_code == 404
    assert _probes() == [(str(mine.user.pk), "referral", str(referral.pk))]


def test_people_and_agreements_record_probes_the_same_way(world):
    mine, _theirs, referral = world
    c = _client(mine)
    assert c.get(f"/api/v1/people/{referral.person_id}").status_code == 404
    assert c.get(f"/people/{referral.person_id}/").status_code == 404
    other_state = factories.agreement_in_force(sending_state="GB")
    assert c.get(f"/api/v1/agreements/{other_state.code}").status_code == 404
    assert c.get("/api/v1/agreements/NO-SUCH-CODE").status_code == 404
    assert sorted(t for _a, t, _i in _probes()) == ["agreement", "person", "person"]


def test_a_refused_write_on_another_organisations_referral_changes_nothing_and_is_recorded(
    world,
):
    mine, _theirs, referral = world
    status = referral.status
    response = _client(mine).post(
        f"/api/v1/vetting/referrals/{referral.pk}/withdraw",
        data={"reason": "not ours"},
        content_type="application/json",
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == status
    assert _probes() == [(str(mine.user.pk), "referral", str(referral.pk))]


def test_services_checking_ownership_raise_the_probe(world):
    mine, _theirs, referral = world
    with pytest.raises(OutOfScope) as exc:
        vetting.referral_withdraw(actor=mine, referral=referral, reason="not ours")
    assert (exc.value.code, exc.value.target_type) == ("not_found", "referral")
    person = referral.person
    with pytest.raises(OutOfScope):
        vetting.referral_create(actor=mine, agreement=referral.agreement, person=person)
    assert Referral.objects.filter(person=person).count() == 1


def test_the_working_file_records_a_sending_states_probe(world):
    mine, _theirs, referral = world
    officer = factories.vetting_officer()
    fact = factories.fact(
        by=officer,
        referral=referral,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "es"},
    )
    from ikaze.vetting import selectors

    with pytest.raises(OutOfScope):
        selectors.fact_get_for(actor=mine, fact_id=fact.pk)
    with pytest.raises(NotFound) as missing:
        selectors.fact_get_for(actor=mine, fact_id=uuid.uuid4())
    assert not isinstance(missing.value, OutOfScope)
    assert selectors.fact_get_for(actor=officer, fact_id=fact.pk) == fact


def test_a_malformed_key_is_plain_not_found(world):
    mine, _theirs, _referral = world
    from ikaze.people import selectors

    with pytest.raises(NotFound) as exc:
        selectors.person_get_for(actor=mine, person_id="not-a-uuid")
    assert not isinstance(exc.value, OutOfScope)


def test_the_monitor_sees_everything_and_leaves_no_probe(world):
    _mine, _theirs, referral = world
    monitor = factories.actor(Role.MONITOR)
    from ikaze.vetting import selectors

    assert selectors.referral_get_for(actor=monitor, referral_id=referral.pk) == referral
    assert _probes() == []


def test_another_organisations_intake_batch_is_a_recorded_probe(
    world, django_capture_on_commit_callbacks
):
    from ikaze.intake import services as intake
    from ikaze.intake.tests.helpers import csv_bytes, row

    mine, theirs, referral = world
    with django_capture_on_commit_callbacks(execute=False):
        batch, _ = intake.intake_batch_create(
            actor=theirs,
            agreement=referral.agreement,
            file_name="m.csv",
            content=csv_bytes([row(1)]),
            mode="lenient",
        )
    c = _client(mine)
    assert c.get(f"/api/v1/intake/batches/{batch.pk}").status_code == 404
    assert c.get(f"/intake/{batch.pk}/").status_code == 404
    assert _probes() == [(str(mine.user.pk), "intake_batch", str(batch.pk))] * 2
    own = _client(theirs).get(f"/api/v1/intake/batches/{batch.pk}")
    assert own.status_code == 200
