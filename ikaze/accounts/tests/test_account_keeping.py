"""Issue 11 item 11: an administrator keeps their organisation's accounts (edit, deactivate,
unlock, reset password or second factor, change role) and every person changes their own
password. Each refusal changes nothing."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.errors import (
    CredentialOutsideOrganisation,
    LastAdministrator,
    SelfGrant,
    SelfLockout,
)
from ikaze.accounts.models import CredentialNotice, EnrolmentLink, Membership, User
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import ValidationError
from tests import factories
from tests.support import row_counts, session_client, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
NEW_PASSWORD = "a-new-long-passphrase-2026"


@pytest.fixture
def office():
    org = factories.organisation(OrgKind.RECEIVING_STATE)
    admin = factories.org_admin(org)
    person = factories.user(Role.VETTING_OFFICER, organisation_=org, username="aline")
    return {"org": org, "admin": admin, "person": person}


def _notices(org) -> list[tuple[str, str, str]]:
    return list(
        CredentialNotice.objects.filter(organisation=org)
        .order_by("created_at", "pk")
        .values_list("kind", "subject", "role")
    )


def _events(action: str, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(user.pk)))


# --- what works ------------------------------------------------------------------------------


def test_edit_name_email_and_language(office):
    person = office["person"]
    services.user_update(
        actor=office["admin"],
        user=person,
        first_name="Aline",
        last_name="Uwase",
        email="aline@example.org",
        preferred_language="rw",
    )
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email, person.preferred_language) == (
        "Aline",
        "Uwase",
        "aline@example.org",
        "rw",
    )
    [event] = _events("user.update", person)
    assert event.after == {
        "first_name": "Aline",
        "last_name": "Uwase",
        "email": "aline@example.org",
        "preferred_language": "rw",
    }
    assert event.before == {
        "first_name": "",
        "last_name": "",
        "email": "",
        "preferred_language": "en",
    }


def test_deactivate_stops_sign_in_and_the_session_then_reactivate(office):
    person = office["person"]
    client = session_client(person)
    assert client.get("/").status_code == 200
    services.user_deactivate(actor=office["admin"], user=person, reason="left the service")
    person.refresh_from_db()
    assert person.is_active is False
    assert client.get("/")["Location"] == "/accounts/login/"  # the open session ends
    refused = Client().post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert refused.status_code == 400
    assert ("account_deactivated", "aline", "") in _notices(office["org"])
    assert _events("user.deactivate", person)[0].reason == "left the service"

    services.user_reactivate(actor=office["admin"], user=person)
    signed_in = Client().post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert signed_in.status_code == 302
    assert ("account_reactivated", "aline", "") in _notices(office["org"])


def test_unlock_clears_the_lockout_from_every_device(office):
    for ip in ("10.0.0.1", "10.0.0.2"):
        AccessAttempt.objects.create(
            username="aline",
            ip_address=ip,
            user_agent="test",
            failures_since_start=5,
            attempt_time=timezone.now(),
        )
    AccessAttempt.objects.create(
        username="someone-else",
        ip_address="10.0.0.1",
        user_agent="test",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    cleared = services.user_unlock(actor=office["admin"], user=office["person"])
    assert cleared == 2
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]
    assert _events("account.unlock", office["person"])[0].after == {"cleared": 2}
    assert ("account_unlocked", "aline", "") in _notices(office["org"])


def test_unlock_starts_the_count_of_lockouts_afresh(office):
    from ikaze.accounts.lockout import lockout_reason, lockouts_in_window
    from ikaze.audit.services import audit_security

    for _ in range(2):
        audit_security(
            actor=None,
            action="login.locked_out",
            target_type="user",
            target_id=office["person"].pk,
            reason=lockout_reason("aline", "10.0.0.1"),
        )
    assert lockouts_in_window(username="aline", client="10.0.0.1") == 2
    services.user_unlock(actor=office["admin"], user=office["person"])
    assert lockouts_in_window(username="aline", client="10.0.0.1") == 0


def test_password_reset_ends_the_old_password_and_the_link_sets_a_new_one(office):
    person = office["person"]
    link, clear = services.password_reset_link_issue(actor=office["admin"], user=person)
    assert link.purpose == "password_reset"
    person.refresh_from_db()
    assert person.has_usable_password() is False
    assert ("password_reset_issued", "aline", "") in _notices(office["org"])
    services.account_enrol(clear=clear, password=NEW_PASSWORD)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert EnrolmentLink.objects.get(pk=link.pk).used_at is not None


def test_second_factor_reset_removes_the_authenticator_and_the_person_enrols_again(office):
    org = office["org"]
    senior = factories.user(Role.SENIOR_OFFICER, organisation_=org, username="jp")
    factories.totp_device(senior)
    _link, clear = services.second_factor_reset(actor=office["admin"], user=senior)
    assert TOTPDevice.objects.filter(user=senior).count() == 0
    assert ("second_factor_reset", "jp", "") in _notices(org)

    # At the next sign-in the person is asked to enrol again, through the link.
    client = Client()
    response = client.post(LOGIN, {"username": "jp", "password": factories.PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/")
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Your administrator reset your second factor" in page
    assert 'class="mainnav"' not in page

    key = services.enrolment_totp_key(clear)
    services.account_enrol(clear=clear, password=factories.PASSWORD, code=totp_code(key))
    [device] = TOTPDevice.objects.filter(user=senior)
    assert device.key == key
    senior.refresh_from_db()
    assert senior.check_password(factories.PASSWORD)  # the password stays


def test_change_role_grants_the_new_and_revokes_the_old(office):
    person = office["person"]
    membership = Membership.objects.get(user=person)
    services.membership_role_change(
        actor=office["admin"], membership=membership, role=Role.CASEWORKER, reason="moved"
    )
    assert list(
        Membership.objects.filter(user=person, revoked_at__isnull=True).values_list(
            "role", flat=True
        )
    ) == ["caseworker"]
    assert _notices(office["org"])[-2:] == [
        ("membership_revoked", "aline", "vetting_officer"),
        ("membership_granted", "aline", "caseworker"),
    ]


def test_change_my_password_page(office):
    person = office["person"]
    client = session_client(person)
    response = client.post(
        "/accounts/password/",
        {
            "current_password": factories.PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session stays signed in
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert len(_events("account.password_change", person)) == 1


# --- refusals: nothing changes ---------------------------------------------------------------


def test_another_organisations_user_is_refused_for_every_change(office):
    stranger_org = factories.organisation(OrgKind.RECEIVING_STATE)
    stranger_admin = factories.org_admin(stranger_org)
    person = office["person"]
    membership = Membership.objects.get(user=person)
    calls = {
        "user_update": lambda: services.user_update(
            actor=stranger_admin,
            user=person,
            first_name="X",
            last_name="Y",
            email="",
            preferred_language="en",
        ),
        "user_deactivate": lambda: services.user_deactivate(
            actor=stranger_admin, user=person, reason="takeover"
        ),
        "user_reactivate": lambda: services.user_reactivate(actor=stranger_admin, user=person),
        "user_unlock": lambda: services.user_unlock(actor=stranger_admin, user=person),
        "password_reset_link_issue": lambda: services.password_reset_link_issue(
            actor=stranger_admin, user=person
        ),
        "second_factor_reset": lambda: services.second_factor_reset(
            actor=stranger_admin, user=person
        ),
        "membership_role_change": lambda: services.membership_role_change(
            actor=stranger_admin, membership=membership, role=Role.CASEWORKER, reason="x"
        ),
    }
    before = row_counts()
    for name, call in calls.items():
        with pytest.raises(CredentialOutsideOrganisation) as refused:
            call()
        assert (refused.value.code, refused.value.status) == (
            "credential_outside_organisation",
            403,
        ), name
        assert str(refused.value.message) == (
            f"Only an administrator of {office['org'].name} can make or change its credentials."
        )
    assert row_counts() == before


def test_another_organisations_user_page_is_not_found_and_recorded(office, admin_client_for):
    stranger_org = factories.organisation(OrgKind.RECEIVING_STATE)
    client = admin_client_for(stranger_org)
    before = row_counts()
    person = office["person"]
    for path in (
        f"/accounts/users/{person.pk}/",
        f"/accounts/users/{person.pk}/deactivate/",
        f"/accounts/users/{person.pk}/second-factor-reset/",
    ):
        method = client.get if path.endswith(f"{person.pk}/") else client.post
        assert method(path, {"deactivate-reason": "x"}).status_code == 404, path
    assert row_counts() == before
    person.refresh_from_db()
    assert person.is_active is True


def test_an_administrator_cannot_deactivate_themselves(office, admin_client_for):
    admin = office["admin"]
    factories.org_admin(office["org"])  # not the last administrator: the self rule refuses
    before = row_counts()
    with pytest.raises(SelfLockout) as refused:
        services.user_deactivate(actor=admin, user=admin.user, reason="oops")
    assert (refused.value.code, refused.value.status) == ("self_lockout", 409)
    assert row_counts() == before
    assert User.objects.get(pk=admin.user.pk).is_active is True


def test_self_deactivation_through_the_page_shows_the_reason(office):
    admin = office["admin"]
    client = session_client(admin.user)
    before = row_counts()
    response = client.post(
        f"/accounts/users/{admin.user.pk}/deactivate/", {"deactivate-reason": "oops"}
    )
    assert response.status_code == 409
    assert "You cannot deactivate your own account: another administrator can." in (
        response.content.decode()
    )
    assert row_counts() == before


def test_the_last_administrator_is_kept(office):
    org = office["org"]
    other = factories.org_admin(org)
    # Deactivating the other administrator is fine while one is left ...
    services.user_deactivate(actor=office["admin"], user=other.user, reason="left")
    # ... but no change may leave the organisation with none.
    sole = office["admin"]
    operator = factories.OPERATOR
    before = row_counts()
    with pytest.raises(LastAdministrator) as refused:
        services.user_deactivate(actor=operator, user=sole.user, reason="x")
    assert (refused.value.code, refused.value.status) == ("last_administrator", 409)
    membership = Membership.objects.get(user=sole.user, organisation=org)
    with pytest.raises(LastAdministrator):
        services.membership_revoke(actor=operator, membership=membership, reason="x")
    with pytest.raises(LastAdministrator):
        services.membership_role_change(
            actor=operator, membership=membership, role=Role.CASEWORKER, reason="x"
        )
    assert row_counts() == before
    assert str(refused.value.message) == (
        f"{org.name} would have no administrator left. Make another person its administrator first."
    )


def test_an_administrator_cannot_drop_their_own_administrator_role(office):
    admin = office["admin"]
    factories.org_admin(office["org"])
    membership = Membership.objects.get(user=admin.user, organisation=office["org"])
    before = row_counts()
    with pytest.raises(SelfLockout):
        services.membership_role_change(
            actor=admin, membership=membership, role=Role.CASEWORKER, reason="x"
        )
    assert row_counts() == before


def test_a_role_the_organisation_cannot_hold_is_refused(office):
    membership = Membership.objects.get(user=office["person"])
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        services.membership_role_change(
            actor=office["admin"], membership=membership, role=Role.MONITOR, reason="x"
        )
    assert refused.value.code == "role_not_allowed_for_organisation"
    assert row_counts() == before


def test_a_wrong_current_password_is_refused_and_recorded(office):
    person = office["person"]
    client = session_client(person)
    before = row_counts()
    security = AuditEvent.objects.filter(action="password_change.wrong_password").count()
    response = client.post(
        "/accounts/password/",
        {
            "current_password": "not-my-password",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert row_counts() == before
    person.refresh_from_db()
    assert person.check_password(factories.PASSWORD)
    assert (
        AuditEvent.objects.filter(action="password_change.wrong_password").count() == security + 1
    )


def test_a_weak_new_password_is_refused(office):
    actor = actor_for_user(office["person"])
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        services.password_change(
            actor=actor, current_password=factories.PASSWORD, new_password="short"
        )
    assert list(refused.value.details) == ["new_password"]
    assert row_counts() == before


def test_a_second_factor_link_needs_the_current_password(office):
    senior = factories.user(Role.SENIOR_OFFICER, organisation_=office["org"], username="jp")
    _link, clear = services.second_factor_reset(actor=office["admin"], user=senior)
    key = services.enrolment_totp_key(clear)
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        services.account_enrol(clear=clear, password="not-my-password", code=totp_code(key))
    assert refused.value.code == "wrong_password"
    assert row_counts() == before
    assert TOTPDevice.objects.filter(user=senior).count() == 0


# --- pages -----------------------------------------------------------------------------------


def test_the_account_page_shows_last_sign_in_and_issues_links_shown_once(office):
    client = session_client(office["admin"].user)
    person = office["person"]
    Client().post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    page = client.get(f"/accounts/users/{person.pk}/").content.decode()
    assert 'data-testid="last-sign-in">never<' not in page
    response = client.post(f"/accounts/users/{person.pk}/password-reset/")
    found = re.search(
        r'data-testid="enrolment-link">[^<]*/accounts/enrol/([^/<]+)/<', (response.content.decode())
    )
    assert found is not None
    assert response["Cache-Control"] == "no-store"
    assert services.enrolment_link_get(clear=found.group(1)).purpose == "password_reset"
    assert "/accounts/enrol/" not in client.get(f"/accounts/users/{person.pk}/").content.decode()


def test_preferred_language_applies_at_sign_in_and_the_switcher_wins_after(office):
    person = office["person"]
    person.preferred_language = "rw"
    person.save(update_fields=["preferred_language"])
    client = Client()
    response = client.post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert response.cookies["django_language"].value == "rw"
    assert client.get("/").headers["Content-Language"] == "rw"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert client.get("/").headers["Content-Language"] == "fr"


def test_no_navigation_on_the_enrolment_pages(office):
    person = office["person"]
    _link, clear = services.password_reset_link_issue(actor=office["admin"], user=person)
    client = session_client(factories.user(Role.VETTING_OFFICER, organisation_=office["org"]))
    assert 'class="mainnav"' in client.get("/").content.decode()
    page = client.get(f"/accounts/enrol/{clear}/").content.decode()
    assert "Choose a new password" in page
    assert 'class="mainnav"' not in page
    assert 'class="mainnav"' not in client.get("/accounts/enrol/not-a-key/").content.decode()


def test_an_administrator_cannot_give_their_own_account_a_role(office):
    """Separation of duties: an administrator who made themselves a senior officer would put
    the four-eyes rules on one person's say; another administrator does it."""
    admin = office["admin"]
    before = row_counts()
    with pytest.raises(SelfGrant) as refused:
        services.membership_grant(
            actor=admin, user=admin.user, organisation=office["org"], role=Role.SENIOR_OFFICER
        )
    assert refused.value.code == "self_grant"
    assert row_counts() == before
    assert not Membership.objects.filter(user=admin.user, role=Role.SENIOR_OFFICER).exists()


def test_an_administrator_cannot_change_their_own_other_role(office):
    admin = office["admin"]
    factories.org_admin(office["org"])
    vetting = Membership.objects.create(
        user=admin.user, organisation=office["org"], role=Role.VETTING_OFFICER
    )
    before = row_counts()
    with pytest.raises(SelfGrant):
        services.membership_role_change(
            actor=admin, membership=vetting, role=Role.SENIOR_OFFICER, reason="promotion"
        )
    assert row_counts() == before
    vetting.refresh_from_db()
    assert vetting.revoked_at is None
