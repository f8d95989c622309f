"""The bulk screening path (ikaze.vetting.screening): what it stores and what it returns."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from ikaze.core import clock
from ikaze.vetting.legal_events import (
    PAYLOAD_SCHEMAS,
    EventKind,
    LegalEvent,
    Relationship,
    timeline_as_of,
)
from ikaze.vetting.models import Evaluation, Finding, LegalEventRecord, Referral
from ikaze.vetting.rules import HouseholdMember, Outcome, Stage
from ikaze.vetting.screening import (
    build_contexts,
    evaluate_and_store,
    evaluate_screened,
    screen,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_returned_rows_are_the_stored_rows() -> None:
    r = factories.vetting_referral(clear=False)
    officer = factories.vetting_officer()
    assert officer.user is not None
    ((_s, ev, row),) = screen(
        Referral.objects.filter(pk=r.pk), stage=Stage.DECISION, evaluated_by_id=officer.user.pk
    )
    assert row is not None
    assert row._state.adding is False and row._state.db == "default"
    assert row.get_deferred_fields() == {"findings_data"}
    fresh = Evaluation.objects.get(pk=row.pk)
    for field in Evaluation._meta.concrete_fields:
        assert getattr(row, field.attname) == getattr(fresh, field.attname), field.name
    assert isinstance(row.pk, uuid.UUID) and row.pk.version == 4
    assert row.evaluated_by_id == officer.user.pk and row.blocked is True
    # Every finding is in the JSON column; blocks and warnings also as rows.
    assert [f[:4] for f in row.finding_list()] == [f[:4] for f in ev.findings]
    assert [f.facts_used for f in row.finding_list()] == [dict(f.facts_used) for f in ev.findings]
    noteworthy = sorted(
        (f.rule_id, f.outcome.value, f.kind.value, f.message, f.overridable)
        for f in ev.findings
        if f.outcome is not Outcome.PASS
    )
    stored = Finding.objects.filter(evaluation=row)
    assert (
        noteworthy
        and sorted((f.rule_id, f.outcome, f.kind, f.message, f.overridable) for f in stored)
        == noteworthy
    )
    assert len({f.pk for f in stored} | {row.pk}) == len(noteworthy) + 1


def test_a_bulk_screening_stores_one_evaluation_per_referral() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    refs = [factories.referral(by=liaison, agreement=agreement) for _ in range(3)]
    before = Evaluation.objects.count()
    results = screen(Referral.objects.filter(pk__in=[r.pk for r in refs]), stage=Stage.REFERRAL)
    assert Evaluation.objects.count() == before + 3
    assert {s.referral_id for s, _ev, _row in results} == {r.pk for r in refs}
    for s, ev, row in results:
        assert row is not None and row.referral_id == s.referral_id
        assert Evaluation.objects.get(pk=row.pk).inputs_hash == ev.inputs_hash


def _orm_events(person_id: uuid.UUID) -> list[LegalEvent]:
    return [
        LegalEvent(
            str(e.pk),
            EventKind(e.kind),
            PAYLOAD_SCHEMAS[EventKind(e.kind)].model_validate(e.payload),
            e.effective_at,
            e.recorded_at,
            e.source_document,
            e.recorded_by_label,
            str(e.supersedes_id) if e.supersedes_id else None,
        )
        for e in LegalEventRecord.objects.filter(person_id=person_id)
    ]


def test_contexts_read_the_timeline_as_the_orm_does() -> None:
    from ikaze.accounts.access import Role
    from ikaze.vetting.services import fact_removal_request, fact_removal_second

    r = factories.vetting_referral()
    officer = factories.vetting_officer()
    today = clock.today_local()
    fear = factories.fact(
        by=officer,
        referral=r,
        kind="fear_expressed",
        payload={
            "fear_ref": "F-1",
            "feared_country": "RW",
            "summary": "Fears onward removal.",
            "expressed_to": "caseworker",
            "screening_deadline": (today + dt.timedelta(days=5)).isoformat(),
        },
        days_ago=3,
    )
    # SAFEGUARDS F1: a fear is taken away only by two officers; the second records it.
    senior = factories.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    removal = fact_removal_request(
        actor=officer,
        referral=r,
        target=fear,
        justification="Recorded on the wrong file.",
        source_document="DOC-2",
    )
    removal = fact_removal_second(
        actor=senior,
        fact_removal=removal,
        justification="Checked the file.",
        source_document="DOC-3",
    )
    retraction = removal.event
    assert retraction is not None
    qs = Referral.objects.filter(pk=r.pk)
    # Just before the retraction was recorded (to the microsecond), the fear stands.
    before = retraction.recorded_at - dt.timedelta(microseconds=1)
    (s,) = build_contexts(qs, stage=Stage.REFERRAL, now=before)
    assert [f.ref for f in s.context.legal.fear_claims] == ["F-1"]
    assert s.context.legal == timeline_as_of(_orm_events(r.person_id), before)
    (s,) = build_contexts(qs, stage=Stage.REFERRAL, now=retraction.recorded_at)
    assert s.context.legal.fear_claims == ()
    assert str(retraction.pk) in s.context.legal.event_ids
    assert s.context.legal == timeline_as_of(_orm_events(r.person_id), retraction.recorded_at)
    assert len(s.context.legal.assessments) == 1 and len(s.context.legal.legal_advice) == 1


def test_contexts_read_the_household_and_who_of_it_travels() -> None:
    from ikaze.people.services import household_add_member
    from ikaze.vetting.services import referral_create, referral_submit

    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    parent = factories.referral(by=liaison, agreement=agreement)
    child = factories.referral(by=liaison, agreement=agreement, date_of_birth=dt.date(2016, 5, 5))
    # An adult relative with no known date of birth, not referred: not travelling.
    uncle = factories.person(by=liaison, date_of_birth=None)
    # A sibling referred under another agreement: not on this one.
    sister = factories.person(by=liaison, date_of_birth=dt.date(2012, 1, 1))
    other = factories.agreement_in_force()
    referral_submit(
        actor=liaison,
        referral=referral_create(actor=liaison, agreement=other, person=sister),
    )
    for person, role in (
        (parent.person, "head"),
        (child.person, "child"),
        (uncle, "other_adult"),
        (sister, "child"),
    ):
        household_add_member(actor=liaison, reference="H-9", person=person, role=role)
    screened = build_contexts(
        Referral.objects.filter(pk__in=[parent.pk, child.pk]), stage=Stage.REFERRAL
    )
    household = {s.referral_id: set(s.context.person.household) for s in screened}
    assert household[child.pk] == {
        HouseholdMember(str(parent.person_id), Relationship.PARENT, is_child=False, present=True),
        HouseholdMember(str(uncle.pk), Relationship.OTHER_RELATIVE, is_child=False, present=False),
        HouseholdMember(str(sister.pk), Relationship.SIBLING, is_child=True, present=False),
    }
    assert household[parent.pk] == {
        HouseholdMember(str(child.person_id), Relationship.CHILD, is_child=True, present=True),
        HouseholdMember(str(uncle.pk), Relationship.OTHER_RELATIVE, is_child=False, present=False),
        HouseholdMember(str(sister.pk), Relationship.CHILD, is_child=True, present=False),
    }
    by_referral = {s.referral_id: s for s in screened}
    assert by_referral[child.pk].agreement_id == agreement.pk
    assert by_referral[child.pk].context.person.person_id == str(child.person_id)
    assert by_referral[child.pk].context.referral.referral_id == str(child.pk)


def test_evaluate_and_store_is_evaluate_then_store() -> None:
    agreement = factories.agreement_in_force()
    clear = factories.vetting_referral(agreement=agreement)
    bare = factories.vetting_referral(agreement=agreement, clear=False)
    young = factories.vetting_referral(agreement=agreement, date_of_birth=dt.date(2015, 1, 1))
    qs = Referral.objects.filter(pk__in=[clear.pk, bare.pk, young.pk])
    screened = build_contexts(qs, stage=Stage.REFERRAL)
    before = Finding.objects.count()
    evaluations, rows = evaluate_and_store(screened)
    assert evaluations == evaluate_screened(screened)
    assert [row.referral_id for row in rows] == [s.referral_id for s in screened]
    noteworthy = 0
    for ev, row in zip(evaluations, rows, strict=True):
        stored = Evaluation.objects.get(pk=row.pk)
        assert (stored.inputs_hash, stored.blocked) == (ev.inputs_hash, ev.blocked)
        assert [f[:4] for f in stored.finding_list()] == [f[:4] for f in ev.findings]
        noteworthy += sum(f.outcome is not Outcome.PASS for f in ev.findings)
    assert Finding.objects.count() - before == noteworthy > 0
    assert {ev.blocked for ev in evaluations} == {True, False}
    assert evaluate_and_store([]) == ([], [])
