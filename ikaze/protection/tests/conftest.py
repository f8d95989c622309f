"""Fixtures for the protection tests: an arrived person with an open case, the actors."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.protection import services
from ikaze.protection.models import Case
from tests import factories as f

LONG_REASONS = (
    "The account is consistent, detailed and matches country information on the region; "
    "the risk on return is real."
)


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action=f"refused:{action}"
    ).count()


def changes() -> int:
    return AuditEvent.objects.exclude(
        kind__in=[AuditEvent.Kind.SECURITY, AuditEvent.Kind.READ]
    ).count()


def open_case(world: SimpleNamespace, **person: Any) -> Case:
    """A person who arrived yesterday, their case opened as arrival opens it."""
    p = f.person(by=world.liaison, **person)
    return services.case_open_on_arrival(
        actor=world.reception,
        person_id=p.pk,
        agreement=world.agreement,
        arrived_at=clock.now() - dt.timedelta(days=1),
    )


def later(days: int) -> Any:
    return clock.frozen(clock.now() + dt.timedelta(days=days))


@pytest.fixture
def world(db) -> SimpleNamespace:
    agreement = f.agreement(status="in_force", tranche_cap=20)
    rw = f.organisation(OrgKind.RECEIVING_STATE)
    return SimpleNamespace(
        agreement=agreement,
        rw=rw,
        caseworker=f.actor(Role.CASEWORKER, organisation_=rw),
        reception=f.actor(Role.RECEPTION_OFFICER, organisation_=rw),
        liaison=f.liaison(country=agreement.sending_state),
        monitor=f.actor(Role.MONITOR),
    )
