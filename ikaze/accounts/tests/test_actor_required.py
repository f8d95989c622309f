"""Issue 10 item 5: no service takes `actor=None` as "the system, unchecked".

The command line bootstraps an organisation's first administrator with an explicit
operator's actor (`command_line_actor`, holding the administrator's role); a missing actor
is refused with `Denied` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import command_line_actor
from ikaze.accounts.guards import Denied
from ikaze.accounts.models import (
    ApiToken,
    CredentialNotice,
    EnrolmentLink,
    Membership,
    Organisation,
    User,
)
from ikaze.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        ApiToken.objects.count(),
        EnrolmentLink.objects.count(),
        CredentialNotice.objects.count(),
        AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY).count(),
    )


def _calls() -> dict[str, Callable[[Any], Any]]:
    org = factories.organisation(OrgKind.RECEIVING_STATE)
    person = factories.user(Role.VETTING_OFFICER, organisation_=org)
    return {
        "organisation_create": lambda actor: services.organisation_create(
            actor=actor, name="Nobody's Ministry", kind=OrgKind.RECEIVING_STATE, country="RW"
        ),
        "user_create": lambda actor: services.user_create(
            actor=actor, username="nobody", password=None
        ),
        "membership_grant": lambda actor: services.membership_grant(
            actor=actor, user=person, organisation=org, role=Role.ADMIN
        ),
        "enrolment_link_issue": lambda actor: services.enrolment_link_issue(
            actor=actor, user=person
        ),
        "account_create": lambda actor: services.account_create(
            actor=actor, username="nobody", organisation=org, role=Role.ADMIN
        ),
    }


NAMES = [
    "organisation_create",
    "user_create",
    "membership_grant",
    "enrolment_link_issue",
    "account_create",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_actor_is_refused_and_changes_nothing(name: str) -> None:
    call = _calls()[name]
    before = _rows()
    with pytest.raises(Denied) as refused:
        call(None)
    assert refused.value.code == "forbidden"
    assert _rows() == before


@pytest.mark.parametrize("name", NAMES)
def test_a_command_without_the_administrators_role_is_refused(name: str) -> None:
    call = _calls()[name]
    before = _rows()
    with pytest.raises(Denied):
        call(command_line_actor(roles=frozenset({Role.VETTING_OFFICER}), label="an import"))
    assert _rows() == before


def test_an_operators_command_bootstraps_any_organisations_administrator() -> None:
    operator = command_line_actor(roles=frozenset({Role.ADMIN}), label="ikaze invite")
    monitoring = services.organisation_create(
        actor=operator, name="Monitors", kind=OrgKind.MONITORING_BODY, country="RW"
    )
    user, clear = services.account_create(
        actor=operator, username="mon-admin", organisation=monitoring, role=Role.ORG_ADMIN
    )
    assert clear
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [
        Role.ORG_ADMIN.value
    ]
    link = EnrolmentLink.objects.get(user=user)
    assert link.created_by is None
    event = AuditEvent.objects.get(action="organisation.create", target_id=str(monitoring.pk))
    assert (event.actor_label, event.actor_id) == ("ikaze invite", "")
    assert set(
        CredentialNotice.objects.filter(organisation=monitoring).values_list("made_by", flat=True)
    ) == {"ikaze invite (command line)"}
