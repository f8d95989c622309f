"""SAFEGUARDS F6 (issue 9 item 7): before the second factor a privileged person reaches only
sign-in, sign-out and the second-factor pages, and can do nothing through any path; a new
privileged account is enrolled through a one-time link, never on first sign-in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.errors import CredentialOutsideOrganisation, EnrolmentLinkInvalid
from ikaze.accounts.guards import SecondFactorRequired, require
from ikaze.accounts.models import ApiToken, CredentialNotice, EnrolmentLink, Membership, User
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import ValidationError
from tests import factories, support

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/two-factor/"


def _password_only(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    return client


def _rows() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Membership.objects.count(),
        ApiToken.objects.count(),
        EnrolmentLink.objects.count(),
        TOTPDevice.objects.count(),
        AuditEvent.objects.exclude(kind=AuditEvent.Kind.SECURITY).count(),
    )


# --- the gate -------------------------------------------------------------------------------


def test_password_only_admin_cannot_open_or_post_the_users_and_token_pages():
    org = factories.organisation(OrgKind.RECEIVING_STATE)
    admin = factories.user(Role.ADMIN, username="marie", organisation_=org)
    factories.totp_device(admin)
    client = _password_only("marie")
    before = _rows()
    for path in ("/accounts/users/", "/accounts/tokens/", "/accounts/notices/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{TWO_FACTOR}?next={path}"
    response = client.post(
        "/accounts/tokens/",
        {"name": "side door", "organisation": org.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 302
    response = client.post(
        "/accounts/users/",
        {
            "username": "newsenior",
            "organisation": org.pk,
            "role": Role.SENIOR_OFFICER,
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert _rows() == before
    # The session API is refused the same way.
    api = client.get("/api/v1/agreements")
    assert (api.status_code, api.json()["error"]["code"]) == (403, "two_factor_required")


def test_only_the_named_pages_are_reachable_before_the_second_factor():
    admin = factories.user(Role.ADMIN, username="marie")
    factories.totp_device(admin)
    client = _password_only("marie")
    assert client.get(TWO_FACTOR).status_code == 200
    assert client.get("/api/v1/health").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    # A path that merely shares the prefix of an allowed page is not allowed.
    assert client.get("/accounts/two-factor/../users/")["Location"].startswith(TWO_FACTOR)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", [Role.SENIOR_OFFICER, Role.ADMIN, Role.MONITOR, Role.ORG_ADMIN])
def test_the_permission_check_itself_refuses_a_privileged_role_without_second_factor(role):
    user = factories.user(role)
    actor = actor_for_user(user)  # as a view that forgot the middleware would build it
    assert actor.awaiting_second_factor
    assert not any(actor.can(p) for p in Perm)
    with pytest.raises(SecondFactorRequired) as exc:
        require(actor, Perm.AGREEMENT_VIEW)
    assert (exc.value.code, exc.value.status) == ("two_factor_required", 403)
    assert actor_for_user(user, second_factor=True).can(Perm.AGREEMENT_VIEW)


def test_services_refuse_a_password_only_admin_and_change_nothing():
    from ikaze.agreements import services as agreements

    org = factories.organisation(OrgKind.RECEIVING_STATE)
    user = factories.user(Role.ADMIN, organisation_=org)
    actor = actor_for_user(user)
    agreement = factories.agreement(status="in_force")
    before = (_rows(), agreement.status)
    with pytest.raises(SecondFactorRequired):
        services.api_token_issue(actor=actor, name="t", organisation=org, role=Role.ADMIN)
    with pytest.raises(SecondFactorRequired):
        services.account_create(
            actor=actor, username="x", organisation=org, role=Role.SENIOR_OFFICER
        )
    with pytest.raises(SecondFactorRequired):
        agreements.agreement_transition(
            actor=actor, agreement=agreement, to="terminated", reason="side door"
        )
    agreement.refresh_from_db()
    assert (_rows(), agreement.status) == before


def test_a_role_without_second_factor_is_unaffected():
    actor = actor_for_user(factories.user(Role.VETTING_OFFICER))
    assert not actor.awaiting_second_factor
    assert actor.can(Perm.REFERRAL_DECIDE)


# --- enrolment through a one-time link --------------------------------------------------------


def _new_senior() -> tuple[User, str, object]:
    org = factories.organisation(OrgKind.RECEIVING_STATE)
    admin = factories.org_admin(org)
    user, clear = services.account_create(
        actor=admin, username="claudine", organisation=org, role=Role.SENIOR_OFFICER
    )
    return user, clear, org


def _code_for(clear: str) -> str:
    return support.totp_code(services.enrolment_totp_key(clear))


def test_a_new_privileged_account_enrols_through_its_one_time_link(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user, clear, org = _new_senior()
    assert not user.has_usable_password()
    link = EnrolmentLink.objects.get(user=user)
    # Stored hashed: the clear key is nowhere in the database.
    assert clear not in link.key_hash and len(link.key_hash) == 64
    url = f"/accounts/enrol/{clear}/"

    client = Client()
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert 'data-testid="totp-secret"' in html and "<svg" in html
    assert TOTPDevice.objects.count() == 0  # nothing stored before enrolment

    wrong = "000000" if _code_for(clear) != "000000" else "111111"
    form = {"password": "a-long-enough-passphrase", "password_again": "a-long-enough-passphrase"}
    response = client.post(url, {**form, "code": wrong})
    assert response.status_code == 400
    assert "That code is not valid." in response.content.decode()
    link.refresh_from_db()
    assert (link.used_at, TOTPDevice.objects.count()) == (None, 0)

    response = client.post(url, {**form, "code": _code_for(clear)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    link.refresh_from_db()
    assert link.used_at is not None
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is True and device.key == services.enrolment_totp_key(clear)
    actions = list(
        AuditEvent.objects.filter(target_id=str(user.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["two_factor.enrol", "account.enrol"]
    assert CredentialNotice.objects.filter(
        organisation=org, kind=CredentialNotice.Kind.TWO_FACTOR_ENROLLED, subject="claudine"
    ).exists()

    # The link works once.
    again = client.get(url)
    assert again.status_code == 404
    assert 'data-testid="enrolment-invalid"' in again.content.decode()
    # The person signs in with the password and the authenticator.
    client = Client()
    client.post(LOGIN, {"username": "claudine", "password": "a-long-enough-passphrase"})
    response = client.post(TWO_FACTOR, {"code": _code_for(clear), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_an_expired_or_replaced_link_is_refused_and_changes_nothing():
    user, clear, org = _new_senior()
    admin = factories.org_admin(org)
    _link, newer = services.enrolment_link_issue(actor=admin, user=user)
    before = _rows()
    with pytest.raises(EnrolmentLinkInvalid):
        services.account_enrol(clear=clear, password="a-long-enough-passphrase", code="123456")
    assert Client().get(f"/accounts/enrol/{clear}/").status_code == 404
    later = clock.now() + services.ENROLMENT_LINK_VALID + dt.timedelta(seconds=1)
    with clock.frozen(later), pytest.raises(EnrolmentLinkInvalid):
        services.account_enrol(clear=newer, password="a-long-enough-passphrase", code="123456")
    assert _rows() == before


def test_enrolment_refuses_a_weak_password_and_spends_nothing():
    user, clear, _org = _new_senior()
    with pytest.raises(ValidationError) as exc:
        services.account_enrol(clear=clear, password="short", code=_code_for(clear))
    assert "password" in exc.value.details
    assert EnrolmentLink.objects.get(user=user).used_at is None
    assert TOTPDevice.objects.count() == 0


def test_only_the_persons_own_organisation_issues_their_link():
    user, _clear, _org = _new_senior()
    stranger = factories.org_admin(factories.organisation(OrgKind.RECEIVING_STATE))
    before = _rows()
    with pytest.raises(CredentialOutsideOrganisation):
        services.enrolment_link_issue(actor=stranger, user=user)
    assert _rows() == before


def test_users_page_issues_a_new_link_shown_once(admin_client_for):
    org = factories.organisation(OrgKind.RECEIVING_STATE)
    person = factories.user(Role.SENIOR_OFFICER, organisation_=org, username="jp")
    client = admin_client_for(org)
    response = client.post(f"/accounts/users/{person.pk}/enrolment-link/")
    assert response.status_code == 200
    found = re.search(
        r'data-testid="enrolment-link">[^<]*/accounts/enrol/([^/<]+)/<', response.content.decode()
    )
    assert found is not None
    assert services.enrolment_link_get(clear=found.group(1)).user == person


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_cannot_both_use_one_link():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrency are tested on PostgreSQL")
    user, clear, _org = _new_senior()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def enrol(password: str) -> None:
        try:
            barrier.wait()
            services.account_enrol(clear=clear, password=password, code=_code_for(clear))
            results.append("ok")
        except EnrolmentLinkInvalid:
            results.append("spent")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=enrol, args=(p,))
        for p in ("first-long-passphrase-1", "second-long-passphrase-2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "spent"]
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="account.enrol", target_id=str(user.pk)).count() == 1
