"""SAFEGUARDS C2: complaints reach the monitor alone (page, API, audit log, raw table), their
acknowledgement deadline is tracked, adverse actions within 90 days are flagged, and the
self-service page (code and PIN) is rate-limited, locks out and does not enumerate codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from ikaze.audit.models import AuditEvent
from ikaze.core import clock, monitor_inbox
from ikaze.core.errors import NotFound
from ikaze.protection import errors, selectors, services
from ikaze.protection.models import AdverseAction, Complaint, PersonalCode
from ikaze.protection.tests.conftest import later, open_case

pytestmark = pytest.mark.django_db

SECRET = "El guardia del centro me amenazó cuando pedí ver a mi abogada."


def test_c2_content_is_sealed_and_the_audit_log_never_holds_it(world) -> None:
    case = open_case(world)
    c = services.complaint_file(actor=world.caseworker, case=case, content=SECRET, language="es")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT content FROM protection_complaint WHERE id = %s",
            [c.pk.hex if connection.vendor == "sqlite" else c.pk],
        )
        (raw,) = cur.fetchone()
    assert raw.startswith("v1:") and "abogada" not in raw
    for e in AuditEvent.objects.all():
        assert "abogada" not in str(e.before) + str(e.after) + e.reason
    assert selectors.complaint_content_for(actor=world.monitor, complaint=c) == SECRET
    assert (c.channel, c.ack_due_at) == ("caseworker", c.filed_at + dt.timedelta(days=5))


def test_c2_a_caseworker_cannot_read_a_complaint_even_their_own(world) -> None:
    case = open_case(world)
    c = services.complaint_file(actor=world.caseworker, case=case, content=SECRET)
    assert list(selectors.complaint_list_for(actor=world.caseworker)) == []
    with pytest.raises(NotFound):
        selectors.complaint_get_for(actor=world.caseworker, complaint_id=c.pk)
    with pytest.raises(NotFound):
        selectors.complaint_content_for(actor=world.caseworker, complaint=c)
    assert [x.pk for x in selectors.complaint_list_for(actor=world.monitor)] == [c.pk]


def test_c2_the_deadline_is_in_the_inbox_and_acknowledgement_closes_it(world) -> None:
    case = open_case(world)
    c = services.complaint_file(actor=world.monitor, case=case, content=SECRET)
    assert c.channel == "monitor"
    (item,) = [i for i in monitor_inbox.items(source="protection") if i.kind == "complaint"]
    assert (item.is_open, item.due_at) == (True, c.ack_due_at)
    with later(6):
        assert [
            x.pk for x in selectors.complaint_list_for(actor=world.monitor, status="overdue")
        ] == [c.pk]
    services.complaint_acknowledge(actor=world.monitor, complaint=c)
    (item,) = [i for i in monitor_inbox.items(source="protection") if i.kind == "complaint"]
    assert item.is_open is False
    with pytest.raises(errors.RequestDecided):
        services.complaint_acknowledge(actor=world.monitor, complaint=c)


def test_c2_an_adverse_action_within_90_days_is_flagged(world) -> None:
    case = open_case(world)
    c = services.complaint_file(actor=world.caseworker, case=case, content=SECRET)
    with later(30):
        a = services.note_adverse_action(
            case.person_id, "unit_transfer", actor=world.reception, reason_code="reception.transfer"
        )
    with later(91):
        b = services.note_adverse_action(
            case.person_id, "check_out", actor=world.reception, reason_code="reception.check_out"
        )
    assert (a.complaint_id, b.complaint_id) == (c.pk, None)
    flagged = [i for i in monitor_inbox.items(source="protection") if i.kind == "adverse_action"]
    assert len(flagged) == 1 and c.reference in flagged[0].title


def test_c2_closing_the_case_of_a_complainant_is_flagged(world) -> None:
    case = open_case(world)
    services.complaint_file(actor=world.caseworker, case=case, content=SECRET)
    services.case_rights_brief(actor=world.caseworker, case=case, language="es")
    services.case_close(
        actor=world.caseworker, case=case, outcome="no_claim", reason="Chose not to claim."
    )
    (a,) = AdverseAction.objects.all()
    assert (a.kind, a.reason_code, a.flagged) == ("case_closed", "no_claim", True)


def _code(world):
    case = open_case(world)
    code, pin = services.personal_code_issue(actor=world.caseworker, case=case)
    return case, code, pin


def test_self_service_signs_in_and_files_in_the_persons_language(world) -> None:
    case, code, pin = _code(world)
    signed = services.self_service_sign_in(code=code.code.lower(), pin=pin, client="10.0.0.1")
    c = services.self_service_complaint_file(personal_code=signed, content=SECRET, language="es")
    assert (c.channel, c.language, c.case_id) == ("self_service", "es", case.pk)
    assert PersonalCode.objects.get().pin_hash != pin


def test_self_service_unknown_code_and_wrong_pin_answer_the_same_with_the_same_work(
    world, monkeypatch
) -> None:
    from ikaze.protection import services as s

    _case, code, pin = _code(world)
    wrong = "000000" if pin != "000000" else "111111"
    checks: list[str] = []
    real = s.check_password

    def counted(p: str, h: str) -> bool:
        checks.append(h.split("$")[0])
        return real(p, h)

    monkeypatch.setattr(s, "check_password", counted)
    answers = []
    for c, p in ((code.code, wrong), ("ZZZZZZZZZZ", wrong)):
        with pytest.raises(errors.SelfServiceRefused) as exc:
            services.self_service_sign_in(code=c, pin=p, client="10.0.0.2")
        answers.append((exc.value.code, exc.value.message, exc.value.status))
    assert answers[0] == answers[1]
    assert len(checks) == 2 and checks[0] == checks[1]  # one password check each, same hasher
    assert AuditEvent.objects.filter(action="refused:self_service.sign_in").count() == 2


def test_self_service_wrong_pins_lock_the_code(world) -> None:
    _case, code, pin = _code(world)
    for _ in range(services.PIN_FAILURES_LOCK):
        with pytest.raises(errors.SelfServiceRefused):
            services.self_service_sign_in(
                code=code.code, pin="999999" if pin != "999999" else "111111", client=f"10.0.1.{_}"
            )
    code.refresh_from_db()
    assert code.locked_until is not None
    with pytest.raises(errors.SelfServiceRefused):
        services.self_service_sign_in(code=code.code, pin=pin, client="10.0.2.1")
    with clock.frozen(code.locked_until + dt.timedelta(minutes=1)):
        assert (
            services.self_service_sign_in(code=code.code, pin=pin, client="10.0.2.1").pk == code.pk
        )


def test_self_service_is_rate_limited_per_address(world) -> None:
    _case, code, pin = _code(world)
    for n in range(services.RATE_PER_CLIENT):
        with pytest.raises(errors.SelfServiceRefused):
            services.self_service_sign_in(code=f"GUESS{n:05d}", pin="123456", client="10.9.9.9")
    # Even the right code and PIN are refused from that address for a while.
    with pytest.raises(errors.SelfServiceRefused):
        services.self_service_sign_in(code=code.code, pin=pin, client="10.9.9.9")
    assert services.self_service_sign_in(code=code.code, pin=pin, client="10.9.9.10").pk == code.pk
    assert Complaint.objects.count() == 0


def test_a_new_code_revokes_the_old_one(world) -> None:
    case, code, pin = _code(world)
    services.personal_code_issue(actor=world.caseworker, case=case)
    with pytest.raises(errors.SelfServiceRefused):
        services.self_service_sign_in(code=code.code, pin=pin, client="10.0.0.3")
