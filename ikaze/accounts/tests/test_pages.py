"""Pages of accounts: security headers, the users page, the error shape of the API, `ikaze totp`."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts.access import Role
from ikaze.accounts.models import Membership, User
from ikaze.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_security_headers_on_a_page():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_errors_have_one_shape(client_for, api_client_for):
    anonymous = Client().get("/api/v1/audit/events")
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Sign in or send a valid bearer token.",
            "details": {},
        }
    }
    refused = api_client_for(Role.CASEWORKER).get("/api/v1/audit/events")
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "forbidden",
            "message": "You do not have permission to do this.",
            "details": {"permission": "audit.view"},
        }
    }
    invalid = api_client_for(Role.AUDITOR).get("/api/v1/audit/events?page=first")
    assert invalid.status_code == 422
    body = invalid.json()["error"]
    assert body["code"] == "invalid"
    assert list(body["details"]) == ["page"]


def test_a_refused_api_call_is_recorded_as_a_security_event(api_client_for):
    api_client_for(Role.CASEWORKER).post(
        "/api/v1/audit/verify", data="{}", content_type="application/json"
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SECURITY)
    assert event.action == "denied:audit.view"
    assert event.actor_role == "caseworker"
    assert event.reason.endswith("(/api/v1/audit/verify)")


def test_users_page_creates_a_user_with_a_role_and_shows_the_enrolment_link_once(
    admin_client_for,
):
    org = factories.organisation(factories.default_org_kind(Role.VETTING_OFFICER))
    client = admin_client_for(org)
    response = client.post(
        "/accounts/users/",
        {
            "username": "aline",
            "organisation": org.pk,
            "role": Role.VETTING_OFFICER,
            "preferred_language": "rw",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    user = User.objects.get(username="aline")
    assert user.preferred_language == "rw"
    assert not user.has_usable_password()  # set by the person, through the link
    assert list(Membership.objects.filter(user=user).values_list("role", "organisation")) == [
        ("vetting_officer", org.pk)
    ]
    html = response.content.decode()
    link = re.search(r'data-testid="enrolment-link">([^<]+)<', html)
    assert link is not None and "/accounts/enrol/" in link.group(1)
    assert "/accounts/enrol/" not in client.get("/accounts/users/").content.decode()


def test_users_page_names_each_language_in_the_readers_language(admin_client_for):
    from django.conf import settings

    org = factories.organisation(factories.default_org_kind(Role.VETTING_OFFICER))
    client = admin_client_for(org)
    factories.user(Role.VETTING_OFFICER, username="aline", organisation_=org)
    User.objects.filter(username="aline").update(preferred_language="es")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/accounts/users/").content.decode()
    assert "<td>Espagnol</td>" in page
    assert "<td>es</td>" not in page


def test_users_page_form_errors_answer_400_with_field_errors(admin_client_for):
    org = factories.organisation(factories.default_org_kind(Role.VETTING_OFFICER))
    client = admin_client_for(org)
    sending = factories.organisation(factories.default_org_kind(Role.SENDING_LIAISON))
    users_before = User.objects.count()
    # Missing fields: the form names each one.
    response = client.post("/accounts/users/", {"username": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert len(re.findall(r"This field is required", html)) >= 3
    # Another organisation is not a choice (SAFEGUARDS F6).
    response = client.post(
        "/accounts/users/",
        {
            "username": "aline",
            "organisation": sending.pk,
            "role": Role.SENDING_LIAISON,
            "preferred_language": "en",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    # The form is complete, but the service refuses the role for this kind of organisation.
    response = client.post(
        "/accounts/users/",
        {
            "username": "aline",
            "organisation": org.pk,
            "role": Role.SENDING_LIAISON,
            "preferred_language": "en",
        },
    )
    assert response.status_code == 400
    assert "Not allowed for a receiving_state." in response.content.decode()
    # The user and the membership are created together or not at all.
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="aline").exists()


def test_totp_command_prints_the_current_code_of_a_demo_account():
    user = factories.user(Role.ADMIN, username="admin")
    device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
    out = StringIO()
    call_command("totp", "admin", stdout=out)
    expected = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert out.getvalue().strip() == expected


def test_totp_command_refuses_accounts_without_a_demo_device():
    user = factories.user(Role.ADMIN, username="marie")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with pytest.raises(CommandError, match=r"'marie' has no demo authenticator\."):
        call_command("totp", "marie")
