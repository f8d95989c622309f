"""Issue 9 item 10: officers act only on agreements their state is a party to. Every agreement
write asks the one rule (agreements.parties); a refusal is typed, recorded and changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from ikaze.accounts import services as accounts
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import Actor
from ikaze.agreements import services
from ikaze.agreements.errors import NotAParty
from ikaze.agreements.models import Agreement
from ikaze.agreements.parties import is_party
from ikaze.agreements.tests.conftest import state
from ikaze.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _officer(role: Role, country: str = "RW") -> Actor:
    org = factories.organisation(OrgKind.RECEIVING_STATE, country=country)
    return factories.actor(role, organisation_=org)


@pytest.fixture
def us_costa_rica() -> Agreement:
    """An agreement between two other states, in force (the demo holds such agreements)."""
    costa_rica = _officer(Role.ADMIN, country="CR")
    a = factories.agreement(by=costa_rica, code="US-CR-2025", receiving_state="CR")
    for to in ("signed", "in_force"):
        a = services.agreement_transition(actor=costa_rica, agreement=a, to=to, reason="test")
    return a


def test_a_senior_officer_cannot_suspend_an_agreement_between_two_other_states(us_costa_rica):
    senior = _officer(Role.SENIOR_OFFICER)
    before = state()
    with pytest.raises(NotAParty) as exc:
        services.agreement_transition(
            actor=senior, agreement=us_costa_rica, to="suspended", reason="not ours"
        )
    assert (exc.value.code, exc.value.status) == ("not_a_party", 403)
    assert state() == before
    us_costa_rica.refresh_from_db()
    assert (us_costa_rica.status, us_costa_rica.version) == ("in_force", 3)


def test_every_agreement_write_refuses_a_non_party_and_changes_nothing(us_costa_rica):
    admin, finance = _officer(Role.ADMIN), _officer(Role.FINANCE_OFFICER)
    a = us_costa_rica
    writes = {
        "update": lambda: services.agreement_update(
            actor=admin, agreement=a, version=a.version, changes={"notice_period_days": 1}
        ),
        "transition": lambda: services.agreement_transition(
            actor=admin, agreement=a, to="terminated", reason="x"
        ),
        "tranche": lambda: services.tranche_add(
            actor=admin,
            agreement=a,
            label="p",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            cap=10,
        ),
        "support item": lambda: services.support_item_add(
            actor=admin, agreement=a, kind="training", description="x"
        ),
        "compensation line": lambda: services.compensation_line_add(
            actor=admin,
            agreement=a,
            category="fixed",
            description="x",
            amount_minor=1,
            currency="USD",
        ),
        "payment": lambda: services.interstate_payment_record(
            actor=finance,
            agreement=a,
            category="fixed",
            amount_minor=100,
            currency="USD",
            paid_on=dt.date(2025, 1, 2),
            reference="R-1",
        ),
        "create": lambda: services.agreement_create(
            actor=admin,
            code="US-SZ-2025",
            fields={"title": "US–Eswatini", "sending_state": "US", "receiving_state": "SZ"},
        ),
    }
    before = state()
    refused = {}
    for name, write in writes.items():
        with pytest.raises(NotAParty) as exc:
            write()
        refused[name] = exc.value.code
    assert refused == dict.fromkeys(writes, "not_a_party")
    assert state() == before


def test_an_edit_cannot_hand_an_agreement_to_two_other_states():
    admin = _officer(Role.ADMIN)
    a = factories.agreement(by=admin, code="US-RW-X")
    before = state()
    with pytest.raises(NotAParty):
        services.agreement_update(
            actor=admin, agreement=a, version=a.version, changes={"receiving_state": "SZ"}
        )
    assert state() == before


def test_a_party_acts_as_before():
    admin = _officer(Role.ADMIN)
    a = factories.agreement(by=admin, code="US-RW-Y", status="in_force")
    assert a.status == "in_force"
    assert is_party(admin, sending_state="US", receiving_state="RW")
    assert not is_party(admin, sending_state="US", receiving_state="CR")
    # A partner or a monitoring body is never a party, whatever its country.
    monitor = factories.actor(Role.MONITOR)
    assert not is_party(monitor, sending_state="US", receiving_state="RW")


def test_the_api_refuses_a_non_party_with_a_recorded_security_event(us_costa_rica):
    org = factories.organisation(OrgKind.RECEIVING_STATE, country="RW")
    _token, clear = accounts.api_token_issue(
        actor=factories.org_admin(org), name="senior", organisation=org, role=Role.SENIOR_OFFICER
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {clear}")
    before = state()
    r = client.post(
        "/api/v1/agreements/US-CR-2025/transitions",
        data=json.dumps({"to": "suspended", "reason": "not ours"}),
        content_type="application/json",
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_a_party"
    assert state() == before
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY).latest("seq")
    assert event.action == "denied:agreement.party"
    assert (event.target_type, event.target_id) == ("agreement", str(us_costa_rica.pk))
