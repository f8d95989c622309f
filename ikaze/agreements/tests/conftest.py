"""Fixtures for the agreements tests."""

from __future__ import annotations

from typing import Any

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements import services
from ikaze.agreements.models import (
    Agreement,
    CompensationLine,
    InterstatePayment,
    SupportItem,
    Tranche,
)
from ikaze.audit.models import AuditEvent


def state() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "agreements": list(
            Agreement.objects.order_by("code").values_list(
                "code", "status", "version", "places_used", "title", "notice_period_days"
            )
        ),
        "tranches": list(Tranche.objects.order_by("pk").values_list("pk", "places_used")),
        "support_items": SupportItem.objects.count(),
        "lines": CompensationLine.objects.count(),
        "payments": InterstatePayment.objects.count(),
        "changes": AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY)
        .exclude(action="api_token.use")
        .count(),
    }


@pytest.fixture
def admin(make_actor):
    return make_actor(Role.ADMIN)


@pytest.fixture
def senior(make_actor):
    return make_actor(Role.SENIOR_OFFICER)


@pytest.fixture
def finance(make_actor):
    return make_actor(Role.FINANCE_OFFICER)


@pytest.fixture
def draft(admin):
    return services.agreement_create(
        actor=admin,
        code="US-RW-2025",
        fields={"title": "US–Rwanda", "sending_state": "US", "receiving_state": "RW"},
    )


def walk(actor, agreement, *steps):
    for to in steps:
        agreement = services.agreement_transition(
            actor=actor, agreement=agreement, to=to, reason=f"to {to}"
        )
    return agreement


@pytest.fixture
def in_force(admin, draft):
    return walk(admin, draft, "signed", "in_force")
