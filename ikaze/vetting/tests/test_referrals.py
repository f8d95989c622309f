from __future__ import annotations

import datetime as dt

import pytest

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IllegalTransition, NotFound
from ikaze.people.services import DocumentIn
from ikaze.vetting import selectors, services
from ikaze.vetting.errors import AgreementNotInForce, IncompleteReferral
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():  # type: ignore[no-untyped-def]
    return factories.agreement_in_force()


@pytest.fixture
def liaison():  # type: ignore[no-untyped-def]
    return factories.liaison()


def test_create_then_submit_records_each_step(agreement, liaison) -> None:
    p = factories.person(by=liaison)
    r = services.referral_create(
        actor=liaison, agreement=agreement, person=p, external_reference="C-1"
    )
    assert r.status == "draft"
    r = services.referral_submit(actor=liaison, referral=r)
    assert r.status == "submitted"
    assert r.submitted_at is not None
    history = selectors.referral_history(referral=r)
    assert [h["action"] for h in history] == ["referral.create", "referral.submit"]


def test_submit_refuses_incomplete_referral_naming_each_field(agreement, liaison) -> None:
    p = factories.person(by=liaison, sex="", date_of_birth=None, nationalities=[], documents=[])
    r = services.referral_create(actor=liaison, agreement=agreement, person=p)
    events = AuditEvent.objects.count()
    with pytest.raises(IncompleteReferral) as exc:
        services.referral_submit(actor=liaison, referral=r)
    assert exc.value.code == "incomplete_referral"
    assert sorted(exc.value.details) == ["date_of_birth", "nationalities", "sex", "travel_document"]
    r.refresh_from_db()
    assert r.status == "draft"
    assert AuditEvent.objects.count() == events


def test_expired_travel_document_is_not_enough(agreement, liaison) -> None:
    p = factories.person(
        by=liaison, documents=[DocumentIn("passport", "X1", "HN", dt.date(2001, 1, 1))]
    )
    r = services.referral_create(actor=liaison, agreement=agreement, person=p)
    with pytest.raises(IncompleteReferral) as exc:
        services.referral_submit(actor=liaison, referral=r)
    assert exc.value.details == {
        "travel_document": ["Every travel document on record has expired."]
    }


def test_national_id_is_not_a_travel_document(agreement, liaison) -> None:
    p = factories.person(by=liaison, documents=[DocumentIn("national_id", "X1", "HN")])
    r = services.referral_create(actor=liaison, agreement=agreement, person=p)
    with pytest.raises(IncompleteReferral):
        services.referral_submit(actor=liaison, referral=r)


def test_agreement_not_in_force_is_refused_and_nothing_stored(liaison) -> None:
    from ikaze.agreements import services as agreements

    a = factories.agreement_in_force()
    agreements.agreement_transition(
        actor=factories.actor(Role.SENIOR_OFFICER), agreement=a, to="suspended", reason="x"
    )
    a.refresh_from_db()
    p = factories.person(by=liaison)
    before = Referral.objects.count()
    with pytest.raises(AgreementNotInForce):
        services.referral_create(actor=liaison, agreement=a, person=p)
    assert Referral.objects.count() == before


def test_other_sending_state_cannot_refer_under_the_agreement(agreement) -> None:
    uk = factories.liaison(country="GB")
    p = factories.person(by=uk)
    with pytest.raises(NotFound):
        services.referral_create(actor=uk, agreement=agreement, person=p)
    assert Referral.objects.count() == 0


def test_second_open_referral_of_same_person_is_refused(agreement, liaison) -> None:
    p = factories.person(by=liaison)
    services.referral_create(actor=liaison, agreement=agreement, person=p)
    with pytest.raises(services.AlreadyReferred):
        services.referral_create(actor=liaison, agreement=agreement, person=p)
    assert Referral.objects.count() == 1


def test_transitions_follow_the_table(agreement, liaison) -> None:
    officer = factories.actor(Role.VETTING_OFFICER)
    r = factories.referral(by=liaison, agreement=agreement)
    r = services.referral_start_review(actor=officer, referral=r)
    r = services.referral_request_information(
        actor=officer, referral=r, reason="Need the birth certificate."
    )
    assert r.status == "information_requested"
    assert r.status_reason == "Need the birth certificate."
    r = services.referral_submit(actor=liaison, referral=r)
    assert r.status == "submitted"
    r = services.referral_withdraw(actor=liaison, referral=r, reason="Person left.")
    assert r.status == "withdrawn"
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        services.referral_start_review(actor=officer, referral=r)
    r.refresh_from_db()
    assert r.status == "withdrawn"
    assert AuditEvent.objects.count() == events


def test_liaison_cannot_start_review(agreement, liaison) -> None:
    from ikaze.accounts.guards import Denied

    r = factories.referral(by=liaison, agreement=agreement)
    with pytest.raises(Denied):
        services.referral_start_review(actor=liaison, referral=r)
    r.refresh_from_db()
    assert r.status == "submitted"


def test_liaison_sees_only_its_organisation(agreement, liaison) -> None:
    mine = factories.referral(by=liaison, agreement=agreement)
    other_liaison = factories.liaison()
    theirs = factories.referral(by=other_liaison, agreement=agreement)
    assert list(selectors.referral_list_for(actor=liaison)) == [mine]
    with pytest.raises(NotFound):
        selectors.referral_get_for(actor=liaison, referral_id=theirs.pk)
    with pytest.raises(NotFound):
        services.referral_withdraw(actor=liaison, referral=theirs, reason="x")
    officer = factories.actor(Role.VETTING_OFFICER)
    assert set(selectors.referral_list_for(actor=officer)) == {mine, theirs}


def test_monitor_reads_are_audited(agreement, liaison) -> None:
    r = factories.referral(by=liaison, agreement=agreement)
    monitor = factories.actor(Role.MONITOR)
    selectors.referral_get_for(actor=monitor, referral_id=r.pk)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.kind, event.action, event.target_id) == ("read", "referral.read", str(r.pk))
