"""Every vetting write checks its text through the core text rule before it writes (issue 9
item 15): the column's length (free text: FREE_TEXT_MAX_CHARS), no control characters, and no
tab or line break in a one-line field, the same on SQLite (which would store anything) and
PostgreSQL. A refusal names the field and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import models

from ikaze.accounts.access import Role
from ikaze.accounts.actor import Actor
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import ValidationError
from ikaze.core.text import FREE_TEXT_MAX_CHARS, limit_of
from ikaze.vetting import services as svc
from ikaze.vetting.models import (
    Alert,
    Decision,
    FactRemoval,
    LegalEventRecord,
    Notice,
    Override,
    Referral,
)
from ikaze.vetting.tests.test_decisions import state
from ikaze.vetting.tests.test_party_scope import costa_rica  # noqa: F401 (a fixture)
from tests import factories as f

pytestmark = pytest.mark.django_db

Call = Callable[[dict[str, Any], str], object]

# name → (the input's name, the column that stores it, one line?, the call with that value)
WRITES: dict[str, tuple[str, type[models.Model], str, Call]] = {
    "accept": (
        "reason",
        Decision,
        "reason",
        lambda w, v: svc.referral_accept(actor=w["officer"], referral=w["open"], reason=v),
    ),
    "refuse": (
        "reason",
        Decision,
        "reason",
        lambda w, v: svc.referral_refuse(
            actor=w["officer"], referral=w["open"], reason_codes=["other"], reason=v
        ),
    ),
    "withdraw": (
        "reason",
        Referral,
        "status_reason",
        lambda w, v: svc.referral_withdraw(actor=w["liaison"], referral=w["open"], reason=v),
    ),
    "request information": (
        "reason",
        Referral,
        "status_reason",
        lambda w, v: svc.referral_request_information(
            actor=w["officer"], referral=w["open"], reason=v
        ),
    ),
    "create a referral": (
        "external_reference",
        Referral,
        "external_reference",
        lambda w, v: svc.referral_create(
            actor=w["liaison"],
            agreement=w["agreement"],
            person=w["person"],
            external_reference=v,
        ),
    ),
    "record a fact": (
        "source_document",
        LegalEventRecord,
        "source_document",
        lambda w, v: svc.legal_fact_record(
            actor=w["officer"],
            referral=w["open"],
            kind="legal_advice_given",
            payload={"provider": "Legal Aid", "language": "es"},
            effective_at=w["today"],
            source_document=v,
        ),
    ),
    "ask to remove a fact (justification)": (
        "justification",
        FactRemoval,
        "request_justification",
        lambda w, v: svc.fact_removal_request(
            actor=w["officer"],
            referral=w["feared"],
            target=w["fear"],
            justification=v,
            source_document="MEMO-2",
        ),
    ),
    "ask to remove a fact (source)": (
        "source_document",
        FactRemoval,
        "request_source_document",
        lambda w, v: svc.fact_removal_request(
            actor=w["officer"],
            referral=w["feared"],
            target=w["fear"],
            justification="Wrong person.",
            source_document=v,
        ),
    ),
    "second a removal (justification)": (
        "justification",
        FactRemoval,
        "second_justification",
        lambda w, v: svc.fact_removal_second(
            actor=w["senior"], fact_removal=w["removal"], justification=v, source_document="M"
        ),
    ),
    "second a removal (source)": (
        "source_document",
        FactRemoval,
        "second_source_document",
        lambda w, v: svc.fact_removal_second(
            actor=w["senior"],
            fact_removal=w["removal"],
            justification="Checked.",
            source_document=v,
        ),
    ),
    "decline a removal": (
        "justification",
        FactRemoval,
        "second_justification",
        lambda w, v: svc.fact_removal_decline(
            actor=w["senior"], fact_removal=w["removal"], justification=v
        ),
    ),
    "ask an override": (
        "justification",
        Override,
        "request_justification",
        lambda w, v: svc.override_request(
            actor=w["senior"], referral=w["blocked"], rule_id="A12", justification=v
        ),
    ),
    "second an override": (
        "justification",
        Override,
        "second_justification",
        lambda w, v: svc.override_second(
            actor=w["senior"], override=w["override"], justification=v
        ),
    ),
    "decline an override": (
        "justification",
        Override,
        "second_justification",
        lambda w, v: svc.override_decline(
            actor=w["senior"], override=w["override"], justification=v
        ),
    ),
    "record service (proof)": (
        "proof_reference",
        Notice,
        "proof_reference",
        lambda w, v: svc.notice_record_service(
            actor=w["officer"],
            notice=w["notice"],
            served_on_person_at=w["notice"].issued_at,
            proof_reference=v,
        ),
    ),
    "record service (counsel)": (
        "counsel_name",
        Notice,
        "counsel_name",
        lambda w, v: svc.notice_record_service(
            actor=w["officer"],
            notice=w["notice"],
            served_on_person_at=w["notice"].issued_at,
            proof_reference="R-1",
            served_on_counsel_at=w["notice"].issued_at,
            counsel_name=v,
        ),
    ),
    "confirm late service": (
        "justification",
        AuditEvent,
        "reason",
        lambda w, v: svc.notice_confirm_service(
            actor=w["senior"], notice=w["late_notice"], justification=v
        ),
    ),
    "close an alert": (
        "resolution",
        Alert,
        "resolution",
        lambda w, v: svc.alert_resolve(actor=w["officer"], alert=w["alert"], resolution=v),
    ),
}

ONE_LINE = "Write this on one line (no tabs or line breaks)."


def _cases() -> list[Any]:
    out = []
    for name, (_field, model, column, _call) in WRITES.items():
        limit = limit_of(model, column)
        one_line = isinstance(model._meta.get_field(column), models.CharField)
        out.append(
            pytest.param(name, "x" * (limit + 1), f"At most {limit} characters.", id=f"{name}-long")
        )
        nul = "Contains a control character (U+0000), which is not allowed."
        out.append(pytest.param(name, "A\x00B", nul, id=f"{name}-nul"))
        bel = "Contains a control character (U+0007), which is not allowed."
        out.append(pytest.param(name, "A\x07B", bel, id=f"{name}-control"))
        out.append(pytest.param(name, "A\x9bB", bel.replace("0007", "009B"), id=f"{name}-c1"))
        if one_line:
            out.append(pytest.param(name, "A\tB", ONE_LINE, id=f"{name}-tab"))
            out.append(pytest.param(name, "A\nB", ONE_LINE, id=f"{name}-line-break"))
    return out


@pytest.fixture
def world(costa_rica: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    from ikaze.core import clock

    org = costa_rica["officer"].organisation
    referral = costa_rica["open"]
    liaison = f.liaison(organisation_=referral.referring_organisation)
    return {
        **costa_rica,
        "person": f.person(by=liaison),
        # A second senior officer (different from who asked the override and the removal).
        "senior": f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org),
        "liaison": liaison,
        "today": clock.today_local(),
    }


def _snapshot() -> dict[str, object]:
    out = state()
    for model in (Referral, Override, FactRemoval, Notice, Alert):
        out[model.__name__ + ".rows"] = sorted(
            (str(pk), str(updated)) for pk, updated in model.objects.values_list("pk", "updated_at")
        )
    return out


@pytest.mark.parametrize(("name", "value", "reason"), _cases())
def test_every_vetting_text_is_held_to_the_core_rule(
    world: dict[str, Any], name: str, value: str, reason: str
) -> None:
    field, _model, _column, call = WRITES[name]
    before = _snapshot()

    with pytest.raises(ValidationError) as exc:
        call(world, value)

    assert exc.value.code == "invalid"
    assert exc.value.details == {field: [reason]}
    assert _snapshot() == before


def test_free_text_keeps_its_line_breaks_and_the_limit_is_inclusive(
    world: dict[str, Any],
) -> None:
    # Not a stricter rule than the core's: several lines, and exactly the limit, are stored.
    lines = "Eligible.\n\tSeen in person.\r\n"
    reason = lines + "x" * (FREE_TEXT_MAX_CHARS - len(lines))
    assert len(reason) == FREE_TEXT_MAX_CHARS
    decision = svc.referral_accept(actor=world["officer"], referral=world["open"], reason=reason)
    assert Decision.objects.get(pk=decision.pk).reason == reason.strip()


def test_a_one_line_field_takes_exactly_its_limit(world: dict[str, Any]) -> None:
    ref = "R" * limit_of(Referral, "external_reference")
    liaison: Actor = world["liaison"]
    r = svc.referral_create(
        actor=liaison,
        agreement=world["agreement"],
        person=f.person(by=liaison),
        external_reference=ref,
    )
    assert Referral.objects.get(pk=r.pk).external_reference == ref
