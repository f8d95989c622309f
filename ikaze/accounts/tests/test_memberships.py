"""Memberships: a role must fit the organisation's kind; a monitor is outside the receiving
state's reach (SAFEGUARDS C1)."""

import pytest

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.errors import MonitorRevocationRefused, RoleNotAllowedForOrganisation
from ikaze.accounts.models import Membership
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import PermissionDenied, ValidationError
from tests import factories

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, list[tuple[str, object]]]:
    return (
        Membership.objects.count(),
        AuditEvent.objects.count(),
        list(Membership.objects.order_by("created_at").values_list("role", "revoked_at")),
    )


def test_grant_refuses_a_role_the_organisation_kind_cannot_hold():
    sending = factories.organisation(OrgKind.SENDING_STATE)
    admin = factories.org_admin(sending)
    person = factories.user()
    before = _state()
    with pytest.raises(RoleNotAllowedForOrganisation) as exc:
        services.membership_grant(
            actor=admin, user=person, organisation=sending, role=Role.VETTING_OFFICER
        )
    assert exc.value.code == "role_not_allowed_for_organisation"
    assert exc.value.details == {"role": ["Not allowed for a sending_state."]}
    assert _state() == before


def test_grant_refuses_an_unknown_role():
    admin = factories.actor(Role.ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=admin, user=factories.user(), organisation=admin.organisation, role="king"
        )
    assert exc.value.details == {"role": ["Unknown role 'king'."]}


def test_grant_is_audited_and_idempotent():
    admin = factories.actor(Role.ADMIN)
    person = factories.user()
    first = services.membership_grant(
        actor=admin, user=person, organisation=admin.organisation, role=Role.VETTING_OFFICER
    )
    again = services.membership_grant(
        actor=admin, user=person, organisation=admin.organisation, role=Role.VETTING_OFFICER
    )
    assert again.pk == first.pk
    assert (
        AuditEvent.objects.filter(action="membership.grant", target_id=str(person.pk)).count() == 1
    )


def test_receiving_state_cannot_revoke_a_monitor():
    admin = factories.actor(Role.ADMIN)
    monitor = factories.user(Role.MONITOR)
    membership = Membership.objects.get(user=monitor)
    before = _state()
    with pytest.raises(MonitorRevocationRefused) as exc:
        services.membership_revoke(actor=admin, membership=membership, reason="too critical")
    assert exc.value.code == "monitor_revocation_refused"
    assert exc.value.status == 403
    assert _state() == before
    membership.refresh_from_db()
    assert membership.revoked_at is None


def test_revoke_ends_a_membership_with_a_reason():
    admin = factories.actor(Role.ADMIN)
    officer = factories.user(Role.VETTING_OFFICER, organisation_=admin.organisation)
    membership = Membership.objects.get(user=officer)
    with pytest.raises(ValidationError):
        services.membership_revoke(actor=admin, membership=membership, reason=" ")
    services.membership_revoke(actor=admin, membership=membership, reason="left the service")
    membership.refresh_from_db()
    assert membership.revoked_at is not None
    event = AuditEvent.objects.get(action="membership.revoke")
    assert event.reason == "left the service"
    assert event.before == {"organisation": str(admin.organisation.pk), "role": "vetting_officer"}


def test_only_user_managers_revoke():
    officer = factories.actor(Role.SENIOR_OFFICER)
    other = Membership.objects.get(user=factories.user(Role.VETTING_OFFICER))
    before = _state()
    with pytest.raises(PermissionDenied):
        services.membership_revoke(actor=officer, membership=other, reason="no")
    assert _state() == before
