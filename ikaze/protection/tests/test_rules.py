"""The protection rules B1–B8 (as far as they lie in this app), each proved on a service, with
the refusals changing nothing but a recorded refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.core import clock
from ikaze.protection import errors, services
from ikaze.protection.models import AdverseAction, Case, Departure, Interview, LockHit
from ikaze.protection.selectors import cases_under_monitoring
from ikaze.protection.tests.conftest import LONG_REASONS, changes, later, open_case, refusals

pytestmark = pytest.mark.django_db


def _refused_first_instance(world, case: Case) -> Case:
    services.case_claim_lodge(
        actor=world.caseworker, case=case, details="Fears the gang in San Pedro Sula."
    )
    d = services.decision_record(
        actor=world.caseworker,
        case=case,
        level="first_instance",
        result="refused",
        reasons=LONG_REASONS,
        decided_on=clock.today_local(),
    )
    services.decision_serve(actor=world.caseworker, decision=d, language="es")
    case.refresh_from_db()
    return case


def test_b1_arrival_opens_a_case_once(world) -> None:
    from ikaze.movements import services as movements
    from ikaze.movements.tests.conftest import accepted, departure_day, propose

    world.officer = __import__("tests.factories", fromlist=["x"]).vetting_officer(
        organisation_=world.rw
    )
    world.senior = __import__("tests.factories", fromlist=["x"]).vetting_officer(
        __import__("ikaze.accounts.access", fromlist=["Role"]).Role.SENIOR_OFFICER,
        organisation_=world.rw,
    )
    m = propose(world)
    r = accepted(world)
    entries = movements.manifest_add(actor=world.liaison, movement=m, referral_ids=[r.pk])
    movements.manifest_lock(actor=world.senior, movement=m)
    with departure_day():
        movements.movement_depart(
            actor=world.senior, movement=m, boarding={str(e.pk): ("boarded", "") for e in entries}
        )
        movements.movement_arrive(actor=world.reception, movement=m, arrived=[str(entries[0].pk)])
    case = Case.objects.get(person_id=r.person_id)
    assert case.agreement_id == world.agreement.pk
    assert case.language == "es"
    assert case.rights_briefing_due == case.arrived_at + dt.timedelta(
        days=world.agreement.rights_briefing_days
    )
    again = services.case_open_on_arrival(
        actor=world.reception,
        person_id=r.person_id,
        agreement=world.agreement,
        arrived_at=clock.now(),
    )
    assert again.pk == case.pk and Case.objects.count() == 1


def test_b1_support_cannot_close_before_a_final_decision(world) -> None:
    case = _refused_first_instance(world, open_case(world))
    before = changes()
    with pytest.raises(errors.NotFinal):
        services.case_close(actor=world.caseworker, case=case, outcome="departure", reason="Left.")
    case.refresh_from_db()
    assert case.closed_at is None and changes() == before
    assert refusals("case.close") == 1
    # Appealed: still not final after the 30-day window.
    services.case_appeal_lodge(actor=world.caseworker, case=case)
    with later(40), pytest.raises(errors.NotFinal):
        services.case_close(actor=world.caseworker, case=case, outcome="departure", reason="Left.")


def test_b2_no_claim_close_needs_the_rights_briefing(world) -> None:
    case = open_case(world)
    with pytest.raises(errors.NoBriefing):
        services.case_close(
            actor=world.caseworker, case=case, outcome="no_claim", reason="No claim."
        )
    assert Case.objects.get(pk=case.pk).closed_at is None
    services.case_rights_brief(actor=world.caseworker, case=case, language="es")
    closed = services.case_close(
        actor=world.caseworker, case=case, outcome="no_claim", reason="No claim."
    )
    assert closed.outcome == "no_claim" and closed.closed_at is not None


def test_b2_a_late_briefing_is_overdue_in_the_monitors_inbox(world) -> None:
    from ikaze.core import monitor_inbox

    case = open_case(world)
    with later(world.agreement.rights_briefing_days + 1):
        items = [
            i for i in monitor_inbox.items(source="protection") if i.kind == "briefing_overdue"
        ]
    assert [i.title for i in items] == [f"Rights briefing overdue (case {case.reference})"]


def test_b3_an_interview_needs_a_representative_or_a_waiver(world) -> None:
    case = open_case(world)
    services.case_claim_lodge(actor=world.caseworker, case=case)
    with pytest.raises(errors.NoRepresentation) as exc:
        services.interview_record(
            actor=world.caseworker, case=case, held_at=clock.now(), interpreter_language="es"
        )
    assert list(exc.value.details) == ["legal_representative"]
    with pytest.raises(errors.NoRepresentation) as exc:
        services.interview_record(
            actor=world.caseworker,
            case=case,
            held_at=clock.now(),
            interpreter_language="",
            waiver_reference="W-1",
        )
    assert list(exc.value.details) == ["interpreter_language"]
    assert Interview.objects.count() == 0 and refusals("case.interview") == 2
    i = services.interview_record(
        actor=world.caseworker,
        case=case,
        held_at=clock.now(),
        interpreter_language="es",
        waiver_reference="WAIVER-2026-001",
        notes="Signed waiver in Spanish.",
    )
    assert (i.interpreter_language, i.waiver_reference) == ("es", "WAIVER-2026-001")


def test_b4_a_decision_is_reasoned_and_served_in_a_language_understood(world) -> None:
    case = open_case(world, languages=["ht"])
    services.case_claim_lodge(actor=world.caseworker, case=case)
    with pytest.raises(errors.NotReasoned):
        services.decision_record(
            actor=world.caseworker,
            case=case,
            level="first_instance",
            result="refused",
            reasons="No.",
            decided_on=clock.today_local(),
        )
    d = services.decision_record(
        actor=world.caseworker,
        case=case,
        level="first_instance",
        result="refused",
        reasons=LONG_REASONS,
        decided_on=clock.today_local(),
    )
    # Haitian Creole has no template: French is the closest, and needs an interpreter.
    with pytest.raises(errors.NotUnderstood):
        services.decision_serve(actor=world.caseworker, decision=d, language="ht")
    d.refresh_from_db()
    assert d.served_at is None
    served = services.decision_serve(
        actor=world.caseworker, decision=d, language="ht", interpreter_language="ht"
    )
    assert (served.served_language, served.interpreter_language) == ("fr", "ht")
    assert len(served.document_sha256) == 64


def test_b4_the_pdf_is_in_spanish_with_a_spanish_date(world) -> None:
    from ikaze.protection.documents import render_decision_html

    case = open_case(world)
    services.case_claim_lodge(actor=world.caseworker, case=case)
    d = services.decision_record(
        actor=world.caseworker,
        case=case,
        level="first_instance",
        result="refused",
        reasons=LONG_REASONS,
        decided_on=dt.date(2026, 12, 2),
    )
    html, lang, needs = render_decision_html(decision=d, case=case, language="es")
    assert (lang, needs) == ("es", False)
    assert "2 de diciembre de 2026" in html and "Motivos" in html and LONG_REASONS in html


def test_b5_no_removal_within_30_days_of_a_negative_appeal_nor_while_in_court(world) -> None:
    case = _refused_first_instance(world, open_case(world))
    services.case_appeal_lodge(actor=world.caseworker, case=case)
    d = services.decision_record(
        actor=world.caseworker,
        case=case,
        level="appeal",
        result="refused",
        reasons=LONG_REASONS,
        decided_on=clock.today_local(),
    )
    services.decision_serve(actor=world.caseworker, decision=d, language="es")
    sending = world.agreement.sending_state
    with later(29), pytest.raises(errors.RemovalBlocked) as exc:
        services.departure_record(
            actor=world.caseworker, case=case, destination=sending, departs_on=clock.today_local()
        )
    assert exc.value.details == {"reason": ["appeal_window"]}
    services.case_court_file(actor=world.caseworker, case=case, court_reference="HC-2026-77")
    with later(45), pytest.raises(errors.RemovalBlocked) as exc:
        services.departure_record(
            actor=world.caseworker, case=case, destination=sending, departs_on=clock.today_local()
        )
    assert exc.value.details == {"reason": ["court_pending"]}
    assert Departure.objects.count() == 0 and refusals("case.depart") == 2


def test_b5_removal_after_the_window_is_let_through(world) -> None:
    case = _refused_first_instance(world, open_case(world))
    with later(31):
        dep = services.departure_record(
            actor=world.caseworker,
            case=case,
            destination=world.agreement.sending_state,
            departs_on=clock.today_local(),
        )
    assert dep.destination == world.agreement.sending_state


def test_b6_a_third_country_is_refused_audited_and_alerts_the_monitor(world) -> None:
    from ikaze.core import monitor_inbox

    case = open_case(world, nationalities=["HN"])
    before = changes()
    with pytest.raises(errors.Refoulement) as exc:
        services.departure_record(
            actor=world.caseworker,
            case=case,
            destination="LY",
            departs_on=clock.today_local(),
            voluntary_request_reference="REQ-1",
        )
    assert exc.value.details["reason"] == ["third_country"]
    assert Departure.objects.count() == 0 and changes() == before
    assert refusals("case.depart") == 1
    hit = LockHit.objects.get()
    assert (hit.destination, hit.reason) == ("LY", "third_country")
    items = [
        i for i in monitor_inbox.items(source="protection", is_open=True) if i.kind == "lock_hit"
    ]
    assert len(items) == 1 and "LY" in items[0].title


def test_b6_country_of_origin_only_at_request_after_fear_screening(world) -> None:
    case = open_case(world, nationalities=["HN"])
    with pytest.raises(errors.Refoulement) as exc:
        services.departure_record(
            actor=world.caseworker, case=case, destination="HN", departs_on=clock.today_local()
        )
    assert exc.value.details["reason"] == ["origin_not_voluntary"]
    with pytest.raises(errors.Refoulement) as exc:
        services.departure_record(
            actor=world.caseworker,
            case=case,
            destination="HN",
            departs_on=clock.today_local(),
            voluntary_request_reference="REQ-2026-4",
        )
    assert exc.value.details["reason"] == ["origin_no_screening"]
    dep = services.departure_record(
        actor=world.caseworker,
        case=case,
        destination="hn",
        departs_on=clock.today_local(),
        voluntary_request_reference="REQ-2026-4",
        fear_screening_on=clock.today_local(),
    )
    assert dep.destination == "HN" and LockHit.objects.count() == 2


def test_b7_monitoring_stays_open_five_years_after_the_final_decision(world) -> None:
    case = open_case(world)
    services.case_claim_lodge(actor=world.caseworker, case=case)
    d = services.decision_record(
        actor=world.caseworker,
        case=case,
        level="first_instance",
        result="granted",
        reasons=LONG_REASONS,
        decided_on=clock.today_local(),
    )
    served = services.decision_serve(actor=world.caseworker, decision=d, language="es")
    closed = services.case_close(
        actor=world.caseworker, case=case, outcome="status_granted", reason="Status."
    )
    assert closed.final_decision_at == served.served_at
    assert closed.monitoring_until == served.served_at.replace(year=served.served_at.year + 5)
    assert list(cases_under_monitoring(at=closed.monitoring_until - dt.timedelta(days=1))) == [
        closed
    ]
    assert list(cases_under_monitoring(at=closed.monitoring_until)) == []


def test_b8_support_is_never_cut_for_a_complaint_and_a_reason_code_is_kept(world) -> None:
    case = open_case(world)
    for reason in ("complaint", "appeal", "fear_claim"):
        with pytest.raises(errors.ReasonForbidden):
            services.note_adverse_action(
                case.person_id, "support_reduced", actor=world.caseworker, reason_code=reason
            )
    with pytest.raises(errors.ReasonForbidden):
        services.note_adverse_action(
            case.person_id, "support_stopped", actor=world.caseworker, reason_code="Complaint"
        )
    assert AdverseAction.objects.count() == 0
    row = services.note_adverse_action(
        case.person_id, "support_reduced", actor=world.caseworker, reason_code="household_smaller"
    )
    assert (row.reason_code, row.flagged) == ("household_smaller", False)
