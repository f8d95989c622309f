"""Crafted records with known answers for the figures (issue 16).

Rows are written straight to the tables with the dates the figures group by: the figures
only read, and what they must count is easier to see from the rows than from a workflow.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from ikaze.accounts.access import Role
from ikaze.movements.models import Incident, ManifestEntry, Movement
from ikaze.vetting.models import Decision, Evaluation, Finding, Notice, Override, Referral
from tests import factories as f

UTC = dt.UTC


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def crafted(db) -> SimpleNamespace:
    a = f.agreement_in_force(code="R-A")
    b = f.agreement_in_force(code="R-B")
    liaison = f.liaison(country="US")
    officer = f.user(Role.VETTING_OFFICER)

    def referral(agreement, nationality: str, submitted: str) -> Referral:
        r = f.referral(by=liaison, agreement=agreement, nationalities=[nationality])
        Referral.objects.filter(pk=r.pk).update(submitted_at=at(submitted))
        # Submission screened the referral: those evaluations are not what is counted here.
        Finding.objects.filter(evaluation__referral=r).update(outcome="pass", overridable=False)
        r.refresh_from_db()
        return r

    r1 = referral(a, "SY", "2026-01-10")
    r2 = referral(a, "SY", "2026-01-10")
    r3 = referral(a, "ER", "2026-02-05")
    r4 = referral(b, "SY", "2026-01-20")

    def evaluation(r: Referral, when: str, *, block: str = "") -> Evaluation:
        e = Evaluation.objects.create(
            referral=r,
            stage="decision",
            ruleset_version="test",
            inputs_hash="x",
            evaluated_at=at(when),
            blocked=bool(block),
        )
        if block:
            Finding.objects.create(
                evaluation=e, rule_id=block, outcome="block", kind="block", message="m"
            )
        return e

    def decide(r: Referral, outcome: str, when: str, reasons: list[str]) -> Decision:
        return Decision.objects.create(
            referral=r,
            outcome=outcome,
            reason_codes=reasons,
            reason="r",
            officer=officer,
            officer_name="Officer",
            decided_at=at(when),
            evaluation=evaluation(r, when),
            expires_at=at(when) + dt.timedelta(days=180) if outcome == "accepted" else None,
            place_taken=outcome == "accepted",
        )

    decide(r1, "accepted", "2026-01-15", [])  # 5 days
    decide(r2, "refused", "2026-02-20", ["safeguard_block", "cap_reached"])  # 41 days
    decide(r4, "accepted", "2026-01-21", [])  # 1 day
    e_block = evaluation(r2, "2026-02-01", block="B2")
    evaluation(r2, "2026-02-02", block="B2")  # the same referral again: counted once
    evaluation(r3, "2026-02-03", block="B2")
    evaluation(r3, "2026-02-03", block="A1")
    Override.objects.create(
        referral=r2,
        rule_id="B2",
        rule_kind="block",
        finding=e_block.findings.get(),
        requested_by=officer,
        requested_by_name="Officer",
        request_justification="j",
        requested_at=at("2026-02-02"),
    )
    Notice.objects.create(
        referral=r2,
        kind="decision",
        notice_ref="N-1",
        language="en",
        template_language="en",
        needs_translation=False,
        destination="US",
        pdf=b"%PDF",
        pdf_sha256="0" * 64,
        issued_by=officer,
        issued_at=at("2026-02-21"),
        service_late=True,
    )

    def movement(agreement, departed: str) -> Movement:
        return Movement.objects.create(
            agreement=agreement,
            departure_date=dt.date.fromisoformat(departed),
            carrier="C",
            flight_number="AB1",
            origin="IAH",
            destination="KGL",
            seats=10,
            status="arrived",
            departed_at=at(departed, 8),
            arrived_at=at(departed, 20),
        )

    m_a = movement(a, "2026-03-01")
    m_b = movement(b, "2026-03-04")
    e1 = ManifestEntry.objects.create(
        movement=m_a,
        referral=r1,
        person=r1.person,
        boarding="boarded",
        arrived_at=at("2026-03-02", 10),
    )
    ManifestEntry.objects.create(
        movement=m_b,
        referral=r4,
        person=r4.person,
        boarding="boarded",
        arrived_at=at("2026-03-05", 10),
    )
    Incident.objects.create(movement=m_a, entry=e1, kind="no_show", opened_at=at("2026-03-01"))
    return SimpleNamespace(a=a, b=b, r1=r1, r2=r2, r3=r3, r4=r4, liaison=liaison)
