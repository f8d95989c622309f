from __future__ import annotations

import datetime as dt

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements.errors import AgreementNotInForce
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IllegalTransition, NotFound
from ikaze.people.services import DocumentIn
from ikaze.vetting import selectors, services
from ikaze.vetting.errors import IncompleteReferral
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return factories.agreement_in_force()


@pytest.fixture
def liaison():
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
    assert [h["action"] for h in history] == [
        "referral.create",
        "referral.submit",
        "referral.evaluate",
    ]


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
    changes = AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY)
    events = changes.count()
    with pytest.raises(IllegalTransition):
        services.referral_start_review(actor=officer, referral=r)
    r.refresh_from_db()
    assert r.status == "withdrawn"
    assert changes.count() == events
    # The refused step is on record, as every receiving-side refusal is (issue 9 item 10).
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.SECURITY, action="refused:referral.start_review"
        ).count()
        == 1
    )


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


# --- submission evaluates at once (issue 4, "when rules run") -------------------------------


def test_submit_stores_an_advisory_evaluation_at_once(agreement, liaison) -> None:
    from ikaze.vetting.models import Evaluation

    # No assessment and no legal advice yet: A3 blocks, but at referral the block is advisory.
    r = factories.referral(by=liaison, agreement=agreement)
    assert r.status == "submitted"
    (ev,) = Evaluation.objects.filter(referral=r)
    assert ev.stage == "referral"
    assert ev.evaluated_by_id == liaison.user.pk
    assert ev.blocked is True
    assert [f.rule_id for f in ev.finding_list() if f.outcome == "block"] == ["A3"]
    assert len(ev.finding_list()) >= 13
    audit = AuditEvent.objects.get(action="referral.evaluate", target_id=str(r.pk))
    assert audit.after["stage"] == "referral"
    assert audit.after["evaluation"] == str(ev.pk)
    assert audit.after["blocking_rules"] == ["A3"]


def test_refused_submit_stores_no_evaluation(agreement, liaison) -> None:
    from ikaze.vetting.models import Evaluation, Finding

    p = factories.person(by=liaison, sex="", documents=[])
    r = services.referral_create(actor=liaison, agreement=agreement, person=p)
    before = (Evaluation.objects.count(), Finding.objects.count(), AuditEvent.objects.count())
    with pytest.raises(IncompleteReferral):
        services.referral_submit(actor=liaison, referral=r)
    assert (Evaluation.objects.count(), Finding.objects.count(), AuditEvent.objects.count()) == (
        before
    )


def test_bulk_submit_evaluates_the_whole_batch_in_a_fixed_number_of_queries(
    agreement, liaison, django_assert_max_num_queries
) -> None:
    import uuid

    from ikaze.vetting.models import Evaluation

    people = [factories.person(by=liaison) for _ in range(3)]
    batch = uuid.uuid4()
    items = [services.BulkReferralIn(p.pk, f"B-{i}") for i, p in enumerate(people)]
    with django_assert_max_num_queries(30):
        referrals, specs = services.referrals_submit_bulk(
            actor=liaison, agreement=agreement, items=items, intake_batch_id=batch
        )
    evs = {e.referral_id: e for e in Evaluation.objects.filter(referral__intake_batch_id=batch)}
    assert sorted(evs) == sorted(r.pk for r in referrals)
    assert {e.stage for e in evs.values()} == {"referral"}
    assert [s.after["evaluation"] for s in specs] == [str(evs[r.pk].pk) for r in referrals]
    assert [s.after["blocking_rules"] for s in specs] == [["A3"]] * 3


def test_bulk_submit_of_nothing_stores_nothing(agreement, liaison) -> None:
    import uuid

    from ikaze.vetting.models import Evaluation

    assert services.referrals_submit_bulk(
        actor=liaison, agreement=agreement, items=[], intake_batch_id=uuid.uuid4()
    ) == ([], [])
    assert Evaluation.objects.count() == 0


def test_bulk_contexts_read_json_columns_as_lists_on_every_database(agreement, liaison) -> None:
    from ikaze.vetting.rules import Stage
    from ikaze.vetting.screening import build_contexts

    r = factories.referral(by=liaison, agreement=agreement, languages=["es", "en"])
    (s,) = build_contexts(Referral.objects.filter(pk=r.pk), stage=Stage.REFERRAL)
    assert s.referral_id == r.pk
    assert s.context.person.nationalities == frozenset({"HN"})
    assert s.context.person.languages == ("es", "en")
    assert s.context.person.date_of_birth is not None
    assert s.context.person.date_of_birth.value == dt.date(1990, 4, 3)
