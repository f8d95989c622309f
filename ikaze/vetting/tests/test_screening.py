"""The bulk screening path (ikaze.vetting.screening): what it stores and what it returns."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection

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
    screen_bulk,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_returned_rows_are_the_stored_rows() -> None:
    r = factories.vetting_referral(clear=False)
    officer = factories.vetting_officer()
    assert officer.user is not None
    ((_s, ev, row),) = screen_bulk(
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


# --- issue 10 item 2: the plain path and the bulk path store the same thing -----------------


def _stored(evaluation_ids: list[uuid.UUID]) -> list[tuple[object, ...]]:
    """What is stored in these evaluations, without ids and row timestamps: each evaluation
    with its findings (the `Finding` rows, sorted), by referral."""
    out: list[tuple[object, ...]] = []
    for ev in Evaluation.objects.filter(pk__in=evaluation_ids).order_by("referral_id"):
        findings = sorted(
            (f.rule_id, f.outcome, f.kind, f.message, f.facts_used, f.overridable)
            for f in Finding.objects.filter(evaluation=ev)
        )
        out.append(
            (
                ev.referral_id,
                ev.stage,
                ev.ruleset_version,
                ev.inputs_hash,
                ev.evaluated_at,
                ev.blocked,
                ev.evaluated_by_id,
                ev.findings_data,
                findings,
            )
        )
    return out


@pytest.mark.parametrize("stage", [Stage.REFERRAL, Stage.DECISION])
def test_screen_and_screen_bulk_store_the_same_evaluations_and_findings(stage: Stage) -> None:
    agreement = factories.agreement_in_force()
    officer = factories.vetting_officer()
    assert officer.user is not None
    referrals = [
        factories.vetting_referral(agreement=agreement),
        factories.vetting_referral(agreement=agreement, clear=False),
        factories.vetting_referral(agreement=agreement, date_of_birth=dt.date(2015, 1, 1)),
        factories.vetting_referral(agreement=agreement),
    ]
    factories.court_stay(by=officer, referral=referrals[0])
    ids = [r.pk for r in referrals]
    qs = Referral.objects.filter(pk__in=ids)
    now = clock.now()
    before = set(Evaluation.objects.values_list("pk", flat=True))

    plain = screen(qs, stage=stage, now=now, evaluated_by_id=officer.user.pk)
    plain_ids = [row.pk for _s, _ev, row in plain if row is not None]
    bulk = screen_bulk(qs, stage=stage, now=now, evaluated_by_id=officer.user.pk)
    bulk_ids = [row.pk for _s, _ev, row in bulk]
    assert set(Evaluation.objects.values_list("pk", flat=True)) - before == {
        *plain_ids,
        *bulk_ids,
    }
    stored_plain, stored_bulk = _stored(plain_ids), _stored(bulk_ids)

    assert stored_plain == stored_bulk
    assert len(stored_plain) == 4
    assert {row[5] for row in stored_plain} == {True, False}
    assert sum(len(row[8]) for row in stored_plain) > 0
    assert [ev for _s, ev, _r in plain] == [ev for _s, ev, _r in bulk]
    # The returned rows are the stored ones, on both paths.
    for results in (plain, bulk):
        for s, ev, row in results:
            assert row is not None and row.referral_id == s.referral_id
            assert row.inputs_hash == ev.inputs_hash


def test_screen_bulk_of_nothing_stores_nothing() -> None:
    nobody = Referral.objects.filter(pk=uuid.uuid4())
    before = Evaluation.objects.count()
    assert screen_bulk(nobody, stage=Stage.REFERRAL) == []
    assert screen(nobody, stage=Stage.REFERRAL) == []
    assert Evaluation.objects.count() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_the_bulk_page_cache_never_shrinks_and_is_restored() -> None:
    from ikaze.vetting.screening import _page_cache

    def cache_size() -> int:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            return int(cur.fetchone()[0])

    configured = cache_size()
    assert configured == -131072  # the 128 MiB the settings give each connection
    with _page_cache(30_000):  # would want 60 MiB: less than configured, left alone
        assert cache_size() == configured
    assert cache_size() == configured
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size = -2000")
    try:
        with pytest.raises(RuntimeError), _page_cache(5_000):
            assert cache_size() == -10_000
            raise RuntimeError
        assert cache_size() == -2000  # restored to what it was, even on an error
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {configured:d}")
