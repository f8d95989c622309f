"""Sign-in, sign-out, lock-out and two-factor through the real pages."""

import datetime as dt

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/two-factor/"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _security(action: str) -> int:
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY, action=action).count()


def test_sign_in_and_out():
    user = factories.user(Role.VETTING_OFFICER, username="aline")
    client = Client()
    response = client.post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/")["Location"] == LOGIN


def test_sign_in_follows_a_safe_next_only():
    factories.user(Role.VETTING_OFFICER, username="aline")
    client = Client()
    response = client.post(
        LOGIN,
        {"username": "aline", "password": factories.PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_wrong_password_is_refused_with_a_message_and_recorded():
    factories.user(Role.VETTING_OFFICER, username="aline")
    client = Client()
    response = client.post(LOGIN, {"username": "aline", "password": "not-the-password"})
    assert response.status_code == 400
    assert "Wrong username or password." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _security("login.failed") == 1


def test_five_failures_lock_the_account_from_that_client_even_for_the_right_password():
    factories.user(Role.VETTING_OFFICER, username="aline")
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [
        client.post(LOGIN, {"username": "aline", "password": f"wrong-{i}"}).status_code
        for i in range(5)
    ]
    assert statuses[:4] == [400, 400, 400, 400]
    response = client.post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert _security("login.failed") == 4
    assert _security("login.locked_out") >= 1


def test_failures_from_one_client_do_not_lock_the_officer_out_from_another():
    # Issue 9 item 9: an outsider cannot aim a lock-out at a named officer.
    user = factories.user(Role.VETTING_OFFICER, username="aline")
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(8):
        outsider.post(LOGIN, {"username": "aline", "password": f"wrong-{i}"})
    assert (
        outsider.post(LOGIN, {"username": "aline", "password": factories.PASSWORD}).status_code
        == 403
    )
    office = Client(REMOTE_ADDR="198.51.100.20")
    response = office.post(LOGIN, {"username": "aline", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert office.session["_auth_user_id"] == str(user.pk)


def test_lock_out_delays_grow_for_the_same_username_and_client():
    from django.test import RequestFactory

    from ikaze.accounts import lockout

    factories.user(Role.VETTING_OFFICER, username="aline")
    outsider = Client(REMOTE_ADDR="203.0.113.7")

    def delay(addr: str) -> dt.timedelta:
        request = RequestFactory().post(LOGIN, {"username": "aline"}, REMOTE_ADDR=addr)
        return lockout.cool_off(request)

    assert delay("203.0.113.7") == dt.timedelta(minutes=5)
    for i in range(5):
        outsider.post(LOGIN, {"username": "aline", "password": f"wrong-{i}"})
    assert _security("login.locked_out") == 1
    assert delay("203.0.113.7") == dt.timedelta(minutes=5)
    seen = []
    for _ in range(3):  # every attempt while locked out lengthens the pause
        assert outsider.post(LOGIN, {"username": "aline", "password": "x"}).status_code == 403
        seen.append(delay("203.0.113.7"))
    assert seen == [dt.timedelta(minutes=10), dt.timedelta(minutes=20), dt.timedelta(minutes=40)]
    # Another client is not slowed down by it.
    assert delay("198.51.100.20") == dt.timedelta(minutes=5)
    # Bounded: at most a day.
    for _ in range(12):
        outsider.post(LOGIN, {"username": "aline", "password": "x"})
    assert delay("203.0.113.7") == dt.timedelta(days=1)


def test_the_account_holder_is_told_of_failed_attempts_at_the_next_sign_in():
    factories.user(Role.VETTING_OFFICER, username="aline")
    outsider = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(3):
        outsider.post(LOGIN, {"username": "aline", "password": f"wrong-{i}"})
    office = Client(REMOTE_ADDR="198.51.100.20")
    response = office.post(
        LOGIN, {"username": "aline", "password": factories.PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "3 failed sign-in attempts on your account since your last sign-in" in page
    assert "203.0.113.7" in page
    failed = AuditEvent.objects.filter(action="login.failed").order_by("seq")
    assert [e.reason for e in failed] == ["username=aline client=203.0.113.7"] * 3
    # Told once: the next sign-in has nothing new to tell.
    office.post("/accounts/logout/")
    again = office.post(LOGIN, {"username": "aline", "password": factories.PASSWORD}, follow=True)
    assert "failed sign-in attempt" not in again.content.decode()


@pytest.mark.parametrize(
    "role", [Role.SENIOR_OFFICER, Role.FINANCE_APPROVER, Role.ADMIN, Role.MONITOR]
)
def test_privileged_roles_must_pass_two_factor(role):
    user = factories.user(role, username="privileged")
    device = factories.totp_device(user)
    client = Client()
    response = client.post(LOGIN, {"username": "privileged", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"{TWO_FACTOR}?next=/"
    # Every other page sends them back to two-factor until they pass it.
    assert client.get("/")["Location"] == f"{TWO_FACTOR}?next=/"
    api = client.get("/api/v1/agreements")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"

    response = client.post(TWO_FACTOR, {"code": _code(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_roles_without_two_factor_go_straight_in():
    factories.user(Role.CASEWORKER, username="grace")
    client = Client()
    response = client.post(LOGIN, {"username": "grace", "password": factories.PASSWORD})
    assert response["Location"] == "/"


def test_wrong_two_factor_code_is_refused_and_recorded():
    user = factories.user(Role.ADMIN, username="marie")
    device = factories.totp_device(user)
    client = Client()
    client.post(LOGIN, {"username": "marie", "password": factories.PASSWORD})
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(TWO_FACTOR, {"code": wrong, "next": "/"})
    assert response.status_code == 400
    assert "That code is not valid." in response.content.decode()
    assert _security("two_factor.failed") == 1
    assert client.get("/")["Location"] == f"{TWO_FACTOR}?next=/"


def test_first_sign_in_offers_no_enrolment_a_password_alone_adds_no_authenticator():
    # SAFEGUARDS F6 (issue 9 item 7): no trust on first sign-in; enrolment needs a one-time link.
    factories.user(Role.ADMIN, username="marie")
    client = Client()
    client.post(LOGIN, {"username": "marie", "password": factories.PASSWORD})
    page = client.get(TWO_FACTOR)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="totp-secret"' not in html
    assert 'data-testid="no-authenticator"' in html
    assert TOTPDevice.objects.count() == 0
    response = client.post(TWO_FACTOR, {"code": "123456", "next": "/"})
    assert response.status_code == 403
    assert TOTPDevice.objects.count() == 0
    assert client.get("/")["Location"] == f"{TWO_FACTOR}?next=/"


def test_failed_codes_slow_down_the_next_attempt():
    user = factories.user(Role.ADMIN, username="marie")
    device = factories.totp_device(user)
    client = Client()
    client.post(LOGIN, {"username": "marie", "password": factories.PASSWORD})
    client.post(TWO_FACTOR, {"code": "000000" if _code(device) != "000000" else "111111"})
    # Right code, but within the throttle delay after a failure: refused.
    assert client.post(TWO_FACTOR, {"code": _code(device)}).status_code == 400


def test_two_factor_page_sends_anonymous_visitors_to_sign_in():
    assert Client().get(TWO_FACTOR)["Location"] == "/accounts/login/"
