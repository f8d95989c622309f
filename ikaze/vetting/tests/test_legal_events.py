"""The legal timeline: validation per kind, supersession, and "as of" what was recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.core.errors import ValidationError
from ikaze.vetting.legal_events import (
    PAYLOAD_SCHEMAS,
    EventKind,
    FearExpressed,
    legal_event,
    timeline_as_of,
)

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


def e(
    id: str,
    kind: EventKind,
    on: dt.date,
    recorded_at: dt.datetime,
    supersedes: str | None = None,
    **payload,
):
    return legal_event(
        id=id,
        kind=kind,
        payload=payload,
        effective_at=on,
        recorded_at=recorded_at,
        source_document="Court order 12/2026",
        recorded_by="vetting",
        supersedes=supersedes,
    )


def stay(id: str, recorded_at: dt.datetime, **over):
    payload = {"stay_ref": "S-1", "court": "ECtHR", "measure": "ecthr_rule_39", **over}
    return e(id, EventKind.COURT_STAY_GRANTED, recorded_at.date(), recorded_at, **payload)


def test_every_kind_has_a_schema() -> None:
    assert set(PAYLOAD_SCHEMAS) == set(EventKind)


def test_events_recorded_after_the_moment_are_ignored() -> None:
    granted = stay("E1", T0)
    lifted = e(
        "E2",
        EventKind.COURT_STAY_LIFTED,
        dt.date(2026, 11, 5),
        T0 + dt.timedelta(days=4),
        stay_ref="S-1",
        court="ECtHR",
    )
    before = timeline_as_of([granted, lifted], T0 + dt.timedelta(days=2))
    assert [(s.ref, s.lifted_on) for s in before.stays] == [("S-1", None)]
    assert before.event_ids == ("E1",)
    after = timeline_as_of([lifted, granted], T0 + dt.timedelta(days=4))
    assert [(s.ref, s.lifted_on) for s in after.stays] == [("S-1", dt.date(2026, 11, 5))]
    assert after.event_ids == ("E1", "E2")


def test_a_late_record_of_an_early_fact_counts_only_from_when_it_was_recorded() -> None:
    # A fear expressed on 1 Nov but recorded on 10 Nov: a decision on 5 Nov did not know it.
    fear = e(
        "E1",
        EventKind.FEAR_EXPRESSED,
        dt.date(2026, 11, 1),
        T0 + dt.timedelta(days=9),
        fear_ref="F-1",
        feared_country="RW",
        summary="Afraid",
        expressed_to="liaison",
        screening_deadline=dt.date(2026, 11, 12),
    )
    assert timeline_as_of([fear], T0 + dt.timedelta(days=4)).fear_claims == ()
    [claim] = timeline_as_of([fear], T0 + dt.timedelta(days=9)).fear_claims
    assert (claim.ref, claim.expressed_on, claim.outcome) == ("F-1", dt.date(2026, 11, 1), None)


def test_a_correction_supersedes_only_once_recorded() -> None:
    wrong = stay("E1", T0, measure="stay")
    fixed = stay("E2", T0 + dt.timedelta(days=1), supersedes="E1", measure="ecthr_rule_39")
    assert [
        s.measure for s in timeline_as_of([wrong, fixed], T0 + dt.timedelta(hours=1)).stays
    ] == ["stay"]
    state = timeline_as_of([wrong, fixed], T0 + dt.timedelta(days=1))
    assert [s.measure for s in state.stays] == ["ecthr_rule_39"]
    assert state.event_ids == ("E2",)


def test_a_chain_of_corrections_keeps_only_the_last() -> None:
    e1 = stay("E1", T0, court="A")
    e2 = stay("E2", T0 + dt.timedelta(hours=1), supersedes="E1", court="B")
    e3 = stay("E3", T0 + dt.timedelta(hours=2), supersedes="E2", court="C")
    assert [s.court for s in timeline_as_of([e3, e1, e2], T0 + dt.timedelta(hours=3)).stays] == [
        "C"
    ]


def test_a_retraction_removes_an_event_recorded_in_error() -> None:
    e1 = stay("E1", T0)
    retract = e(
        "E2",
        EventKind.RETRACTION,
        T0.date(),
        T0 + dt.timedelta(hours=1),
        supersedes="E1",
        reason="Wrong person",
    )
    assert timeline_as_of([e1, retract], T0 + dt.timedelta(hours=1)).stays == ()


def test_facts_taking_effect_later_are_pending() -> None:
    lifted_later = e(
        "E2", EventKind.COURT_STAY_LIFTED, dt.date(2026, 11, 20), T0, stay_ref="S-1", court="ECtHR"
    )
    state = timeline_as_of([stay("E1", T0), lifted_later], T0 + dt.timedelta(days=1))
    assert [s.lifted_on for s in state.stays] == [None]
    assert state.pending_event_ids == ("E2",)


def test_consent_withdrawn_then_given_again() -> None:
    given = e(
        "E1",
        EventKind.CONSENT_GIVEN,
        dt.date(2026, 10, 1),
        T0,
        scheme="UK-RW",
        language="es",
        informed=True,
    )
    withdrawn = e("E2", EventKind.CONSENT_WITHDRAWN, dt.date(2026, 10, 5), T0)
    state = timeline_as_of([given, withdrawn], T0)
    assert state.consent is not None and state.consent.withdrawn_on == dt.date(2026, 10, 5)


@pytest.mark.parametrize(
    ("kwargs", "details"),
    [
        ({"kind": "teleportation"}, {"kind": ["unknown legal event kind"]}),
        (
            {"payload": {"stay_ref": "S-1", "court": "ECtHR", "measure": "promise"}},
            {"payload.measure"},
        ),
        (
            {"payload": {"stay_ref": "S-1", "court": "ECtHR", "measure": "stay", "extra": 1}},
            {"payload.extra"},
        ),
        (
            {"recorded_at": dt.datetime(2026, 11, 1, 8, 0)},
            {"recorded_at": ["must be an aware datetime"]},
        ),
        ({"source_document": " "}, {"source_document": ["a source document is required"]}),
        (
            {"kind": "retraction", "payload": {"reason": "x"}},
            {"supersedes": ["a retraction names the event it retracts"]},
        ),
        ({"supersedes": "E1"}, {"supersedes": ["an event cannot supersede itself"]}),
    ],
)
def test_invalid_events_are_refused_with_details(kwargs, details) -> None:
    base = {
        "id": "E1",
        "kind": EventKind.COURT_STAY_GRANTED,
        "payload": {"stay_ref": "S-1", "court": "ECtHR", "measure": "stay"},
        "effective_at": dt.date(2026, 11, 1),
        "recorded_at": T0,
        "source_document": "Order",
        "recorded_by": "vetting",
    }
    with pytest.raises(ValidationError) as err:
        legal_event(**{**base, **kwargs})
    if isinstance(details, set):
        assert set(err.value.details) == details
    else:
        assert err.value.details == details


def test_payload_validation_normalises_codes_and_checks_dates() -> None:
    fear = e(
        "E1",
        EventKind.FEAR_EXPRESSED,
        dt.date(2026, 11, 1),
        T0,
        fear_ref="F-1",
        feared_country=" rw ",
        summary="Afraid",
        expressed_to="liaison",
        screening_deadline=dt.date(2026, 11, 8),
    )
    assert isinstance(fear.payload, FearExpressed) and fear.payload.feared_country == "RW"
    with pytest.raises(ValidationError) as err:
        e(
            "E2",
            EventKind.NOTICE_SERVED,
            dt.date(2026, 11, 1),
            T0,
            notice_ref="N",
            notice_kind="transfer",
            destination_country="XX",
            language="english",
            template_language="en",
            served_on_person=True,
            served_on_counsel=True,
            proof_reference="P",
        )
    assert set(err.value.details) == {"payload.destination_country", "payload.language"}
    with pytest.raises(ValidationError) as err:
        e(
            "E3",
            EventKind.ASSESSMENT_SIGNED,
            dt.date(2026, 11, 2),
            T0,
            assessor="A",
            individual=True,
            topics=["health"],
            text_sha256="0" * 64,
        )
    assert err.value.details == {
        "effective_at": ["this fact cannot take effect after it was recorded"]
    }
