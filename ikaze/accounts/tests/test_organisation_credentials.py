"""SAFEGUARDS F6 (issue 9 item 8): an organisation's credentials (accounts, roles, API tokens,
enrolment links) are made only by that organisation's own administrator, or by the system
bootstrapping its first administrator; the organisation, a monitoring body in particular, is
told of every credential made in its name."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import actor_for_token
from ikaze.accounts.errors import CredentialOutsideOrganisation
from ikaze.accounts.models import ApiToken, CredentialNotice, EnrolmentLink, Membership, User
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import PermissionDenied
from tests import factories

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        ApiToken.objects.count(),
        EnrolmentLink.objects.count(),
        CredentialNotice.objects.count(),
        AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY).count(),
    )


@pytest.fixture
def parties():
    rwanda = factories.organisation(OrgKind.RECEIVING_STATE)
    return {
        "rwanda": rwanda,
        "rw_admin": factories.org_admin(rwanda),
        "monitoring": factories.organisation(OrgKind.MONITORING_BODY),
        "sending": factories.organisation(OrgKind.SENDING_STATE),
    }


def test_the_receiving_state_cannot_issue_a_monitor_or_a_sending_state_token(parties):
    admin = parties["rw_admin"]
    before = _rows()
    for org, role in (
        (parties["monitoring"], Role.MONITOR),
        (parties["sending"], Role.SENDING_LIAISON),
    ):
        with pytest.raises(CredentialOutsideOrganisation) as exc:
            services.api_token_issue(actor=admin, name="side door", organisation=org, role=role)
        assert (exc.value.code, exc.value.status) == ("credential_outside_organisation", 403)
    assert _rows() == before


def test_the_receiving_state_cannot_make_accounts_or_roles_in_another_organisation(parties):
    admin = parties["rw_admin"]
    person = factories.user()
    before = _rows()
    with pytest.raises(CredentialOutsideOrganisation):
        services.account_create(
            actor=admin,
            username="fake-monitor",
            organisation=parties["monitoring"],
            role=Role.MONITOR,
        )
    with pytest.raises(CredentialOutsideOrganisation):
        services.membership_grant(
            actor=admin, user=person, organisation=parties["sending"], role=Role.SENDING_LIAISON
        )
    assert _rows() == before


def test_nor_revoke_another_organisations_token(parties):
    sending_admin = factories.org_admin(parties["sending"])
    token, _clear = services.api_token_issue(
        actor=sending_admin, name="dhs", organisation=parties["sending"], role=Role.SENDING_LIAISON
    )
    with pytest.raises(CredentialOutsideOrganisation):
        services.api_token_revoke(actor=parties["rw_admin"], token=token, reason="no")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_cannot_make_credentials_even_an_administrators(parties):
    admin = parties["rw_admin"]
    _t, _clear = services.api_token_issue(
        actor=admin, name="admin robot", organisation=parties["rwanda"], role=Role.ADMIN
    )
    robot = actor_for_token(ApiToken.objects.get(name="admin robot"))
    before = _rows()
    with pytest.raises(PermissionDenied):
        services.api_token_issue(
            actor=robot, name="more", organisation=parties["rwanda"], role=Role.ADMIN
        )
    assert _rows() == before


def test_the_monitoring_body_makes_its_own_and_reads_every_notice_in_its_name(parties, client_for):
    monitoring = parties["monitoring"]
    # Bootstrap by the system (the command line), then its own administrator acts.
    out = StringIO()
    call_command("invite", monitoring.name, "mon-admin", stdout=out, stderr=StringIO())
    assert "/accounts/enrol/" in out.getvalue()
    mon_admin = factories.org_admin(monitoring)
    token, _clear = services.api_token_issue(
        actor=mon_admin, name="monitor feed", organisation=monitoring, role=Role.MONITOR
    )
    notices = list(
        CredentialNotice.objects.filter(organisation=monitoring)
        .order_by("created_at")
        .values_list("kind", "subject", "role")
    )
    assert ("membership_granted", "mon-admin", "org_admin") in notices
    assert ("account_created", "mon-admin", "org_admin") in notices
    assert ("enrolment_link_issued", "mon-admin", "") in notices
    assert notices[-1] == ("token_issued", f"monitor feed ({token.prefix})", "monitor")
    made_by = CredentialNotice.objects.filter(organisation=monitoring, subject="mon-admin")
    assert set(made_by.values_list("made_by", flat=True)) == {"ikaze invite (command line)"}
    # The monitor reads them, and the read is logged (SAFEGUARDS C1).
    monitor = factories.user(Role.MONITOR, organisation_=monitoring)
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(monitor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = factories.totp_device(monitor).persistent_id
    session.save()
    page = client.get("/accounts/notices/")
    assert page.status_code == 200
    assert f"monitor feed ({token.prefix})" in page.content.decode()
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.READ, action="credential_notice.read", actor_id=str(monitor.pk)
    ).exists()
    # The receiving state's notices are not the monitor's.
    assert (
        not CredentialNotice.objects.filter(organisation=parties["rwanda"])
        .filter(subject__contains="monitor feed")
        .exists()
    )


def test_users_and_tokens_pages_show_only_the_administrators_organisation(
    parties, admin_client_for
):
    factories.user(Role.VETTING_OFFICER, organisation_=parties["rwanda"], username="ours")
    factories.user(Role.SENDING_LIAISON, organisation_=parties["sending"], username="theirs")
    services.api_token_issue(
        actor=factories.org_admin(parties["sending"]),
        name="their system",
        organisation=parties["sending"],
        role=Role.SENDING_LIAISON,
    )
    client = admin_client_for(parties["rwanda"])
    users = client.get("/accounts/users/").content.decode()
    assert ">ours</a></td>" in users and ">theirs</a></td>" not in users
    tokens = client.get("/accounts/tokens/").content.decode()
    assert "their system" not in tokens
    # Another organisation is not even a choice on the forms.
    assert str(parties["sending"].pk) not in tokens and str(parties["monitoring"].pk) not in users
