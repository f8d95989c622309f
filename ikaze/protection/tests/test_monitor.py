"""SAFEGUARDS C1: the monitor's inbox gathers every registered source; observations; a
monitor's access is removed only when the monitoring body confirms the receiving state's
request, and never by the receiving state's administrator alone."""

from __future__ import annotations

import pytest

from ikaze.accounts import services as accounts
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.models import Membership, User
from ikaze.core import clock, monitor_inbox
from ikaze.core.errors import IkazeError, PermissionDenied
from ikaze.protection import errors, services
from ikaze.protection.models import MonitorAccessRequest, Observation
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_c1_every_app_registers_a_source() -> None:
    assert {"agreements", "movements", "protection", "vetting"} <= set(monitor_inbox.source_names())


def test_c1_inbox_filters_by_source_state_and_agreement(db) -> None:
    below = f.agreement(status="in_force", notice_period_days=3)
    other = f.agreement(status="in_force")
    items = monitor_inbox.items(source="agreements")
    assert [i.agreement_id for i in items] == [str(below.pk)]
    assert monitor_inbox.items(source="agreements", agreement_id=str(other.pk)) == []
    assert monitor_inbox.items(source="agreements", is_open=False) == []


def test_c1_a_monitor_writes_observations_others_cannot(world) -> None:
    o = services.observation_write(
        actor=world.monitor,
        kind="incident_report",
        title="Crowded unit",
        body="Twelve people in a room for eight.",
        observed_on=clock.today_local(),
    )
    assert (o.kind, o.author_id) == ("incident_report", world.monitor.user.pk)
    with pytest.raises(PermissionDenied):
        services.observation_write(
            actor=world.caseworker,
            kind="observation",
            title="x",
            body="y",
            observed_on=clock.today_local(),
        )
    assert Observation.objects.count() == 1


@pytest.fixture
def bodies(db):
    rw = f.organisation(OrgKind.RECEIVING_STATE)
    mb = f.organisation(OrgKind.MONITORING_BODY)
    monitor = f.user(Role.MONITOR, organisation_=mb)
    return f.org_admin(rw), f.org_admin(mb), monitor


def test_c1_the_receiving_states_admin_cannot_revoke_a_monitor_alone(bodies) -> None:
    admin, _mb_admin, monitor = bodies
    membership = Membership.objects.get(user=monitor)
    with pytest.raises(IkazeError):
        accounts.membership_revoke(actor=admin, membership=membership, reason="Too curious.")
    with pytest.raises(IkazeError):
        accounts.user_deactivate(actor=admin, user=monitor, reason="Too curious.")
    membership.refresh_from_db()
    monitor.refresh_from_db()
    assert membership.revoked_at is None and monitor.is_active


def test_c1_a_request_changes_nothing_until_the_monitoring_body_confirms(bodies) -> None:
    admin, mb_admin, monitor = bodies
    req = services.monitor_access_request(
        actor=admin, user=monitor, kind="deactivate", reason="Contract ended."
    )
    assert User.objects.get(pk=monitor.pk).is_active
    with pytest.raises(errors.RequestDecided):
        services.monitor_access_request(
            actor=admin, user=monitor, kind="deactivate", reason="Again."
        )
    # The requesting administrator cannot confirm their own request.
    with pytest.raises(PermissionDenied):
        services.monitor_access_decide(actor=admin, request=req, confirm=True, reason="Do it.")
    other_body = f.org_admin(f.organisation(OrgKind.MONITORING_BODY))
    with pytest.raises(errors.MonitorRevocation):
        services.monitor_access_decide(actor=other_body, request=req, confirm=True, reason="Do it.")
    assert MonitorAccessRequest.objects.get().status == "pending"
    assert User.objects.get(pk=monitor.pk).is_active
    services.monitor_access_decide(
        actor=mb_admin, request=req, confirm=True, reason="Agreed with us."
    )
    assert MonitorAccessRequest.objects.get().status == "confirmed"
    assert not User.objects.get(pk=monitor.pk).is_active


def test_c1_a_declined_request_keeps_the_monitor(bodies) -> None:
    admin, mb_admin, monitor = bodies
    req = services.monitor_access_request(
        actor=admin, user=monitor, kind="revoke_role", reason="Reorganisation."
    )
    services.monitor_access_decide(actor=mb_admin, request=req, confirm=False, reason="No grounds.")
    assert Membership.objects.get(user=monitor).revoked_at is None
    with pytest.raises(errors.RequestDecided):
        services.monitor_access_decide(
            actor=mb_admin, request=req, confirm=True, reason="Changed mind."
        )


def test_c1_a_confirmed_role_removal_revokes_the_membership(bodies) -> None:
    admin, mb_admin, monitor = bodies
    req = services.monitor_access_request(
        actor=admin, user=monitor, kind="revoke_role", reason="Reorganisation."
    )
    services.monitor_access_decide(actor=mb_admin, request=req, confirm=True, reason="Agreed.")
    assert Membership.objects.get(user=monitor).revoked_at is not None
