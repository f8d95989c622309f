"""The bulk screening path (ikaze.vetting.screening): what it stores and what it returns."""

from __future__ import annotations

import uuid

import pytest

from ikaze.vetting.models import Evaluation, Finding, Referral
from ikaze.vetting.rules import Outcome, Stage
from ikaze.vetting.screening import screen
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
