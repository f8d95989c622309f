"""Fixtures for the movements tests: an agreement with accepted people, a proposed movement."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.movements import services
from ikaze.movements.models import Incident, ManifestEntry, Movement
from tests import factories as f


def state() -> dict[str, Any]:
    """Everything a refused call must leave as it was."""
    return {
        "movements": list(Movement.objects.order_by("pk").values_list("pk", "status")),
        "entries": list(
            ManifestEntry.objects.order_by("pk").values_list(
                "pk", "removed_at", "boarding", "arrived_at", "checked_in_at"
            )
        ),
        "incidents": Incident.objects.count(),
        "arrived": list(Agreement.objects.order_by("pk").values_list("places_arrived", flat=True)),
        "changes": AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY).count(),
    }


def refusals(action: str) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.SECURITY, action=f"refused:{action}"
    ).count()


def accepted(world: SimpleNamespace, **person: Any):
    """A referral under the world's agreement, accepted by its vetting officer."""
    from ikaze.vetting.services import notice_issue, notice_record_service, referral_accept

    r = f.vetting_referral(agreement=world.agreement, officer=world.officer, **person)
    referral_accept(actor=world.officer, referral=r, reason="Meets the criteria.")
    # SAFEGUARDS A9: a transfer notice served; the movement leaves after the notice period.
    n = notice_issue(actor=world.officer, referral=r, kind="transfer")
    now = clock.now()
    notice_record_service(
        actor=world.officer,
        notice=n,
        served_on_person_at=now,
        proof_reference=f"RECEIPT-{r.pk}",
        served_on_counsel_at=now,
        counsel_name="Lic. Ana Pérez",
    )
    r.refresh_from_db()
    return r


def departure_day() -> Any:
    """A moment past the notice period (10 days) of notices served today."""
    return clock.frozen(clock.now() + dt.timedelta(days=15))


@pytest.fixture
def world(db) -> SimpleNamespace:
    agreement = f.agreement(status="in_force", tranche_cap=20)
    rw = f.organisation(OrgKind.RECEIVING_STATE)
    w = SimpleNamespace(
        agreement=agreement,
        officer=f.vetting_officer(organisation_=rw),
        senior=f.vetting_officer(Role.SENIOR_OFFICER, organisation_=rw),
        reception=f.actor(Role.RECEPTION_OFFICER, organisation_=rw),
        liaison=f.liaison(country=agreement.sending_state),
        monitor=f.actor(Role.MONITOR),
    )
    return w


def propose(world: SimpleNamespace, *, seats: int = 10, by=None) -> Movement:
    return services.movement_propose(
        actor=by or world.liaison,
        agreement=world.agreement,
        departure_date=clock.today_local() + dt.timedelta(days=14),
        carrier="RwandAir",
        flight_number="WB711",
        origin="IAD",
        destination="KGL",
        seats=seats,
    )
