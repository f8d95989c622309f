"""API tokens: issued once in clear, stored hashed, every use audited, revocable, expiring."""

import datetime as dt
import hashlib

import pytest
from django.test import Client

from ikaze.accounts import services
from ikaze.accounts.access import Role
from ikaze.accounts.models import ApiToken
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import PermissionDenied, ValidationError
from tests import factories

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events"


@pytest.fixture
def auditor_org():
    return factories.organisation(factories.default_org_kind(Role.AUDITOR))


@pytest.fixture
def admin(auditor_org):
    # SAFEGUARDS F6: the organisation's own administrator issues its tokens.
    return factories.org_admin(auditor_org)


def _bearer(clear: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")


def test_issue_returns_the_clear_token_once_and_stores_only_its_hash(admin, auditor_org):
    token, clear = services.api_token_issue(
        actor=admin, name="court registry", organisation=auditor_org, role=Role.AUDITOR
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert clear.startswith(f"ikz_{stored.prefix}_")
    assert stored.key_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in {
        str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()
    }
    issued = AuditEvent.objects.get(action="api_token.issue")
    assert issued.target_id == str(token.pk)
    assert clear not in str(issued.after)


def test_use_is_audited(admin, auditor_org):
    token, clear = services.api_token_issue(
        actor=admin, name="court registry", organisation=auditor_org, role=Role.AUDITOR
    )
    response = _bearer(clear).get(EVENTS)
    assert response.status_code == 200
    use = AuditEvent.objects.get(action="api_token.use")
    assert use.kind == AuditEvent.Kind.READ
    assert use.token_id == str(token.pk)
    assert use.actor_role == Role.AUDITOR
    assert use.reason == f"GET {EVENTS}"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused(admin, auditor_org):
    token, clear = services.api_token_issue(
        actor=admin, name="court registry", organisation=auditor_org, role=Role.AUDITOR
    )
    assert _bearer(clear).get(EVENTS).status_code == 200
    services.api_token_revoke(actor=admin, token=token, reason="system retired")
    response = _bearer(clear).get(EVENTS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert (
        AuditEvent.objects.filter(action="api_token.revoke", target_id=str(token.pk)).count() == 1
    )


def test_expired_token_is_refused(admin, auditor_org):
    now = clock.now()
    _token, clear = services.api_token_issue(
        actor=admin,
        name="court registry",
        organisation=auditor_org,
        role=Role.AUDITOR,
        expires_at=now + dt.timedelta(hours=1),
    )
    assert _bearer(clear).get(EVENTS).status_code == 200
    with clock.frozen(now + dt.timedelta(hours=1, seconds=1)):
        assert _bearer(clear).get(EVENTS).status_code == 401


@pytest.mark.parametrize(
    "clear", ["", "nonsense", "ikz_deadbeef_wrong", "ikz__", "Basic abc"], ids=repr
)
def test_malformed_or_unknown_tokens_are_refused(clear):
    assert _bearer(clear).get(EVENTS).status_code == 401


def test_issue_refuses_bad_input_and_changes_nothing(auditor_org):
    sending = factories.organisation(factories.default_org_kind(Role.SENDING_LIAISON))
    admin = factories.org_admin(sending)
    before = (ApiToken.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.api_token_issue(
            actor=admin,
            name=" ",
            organisation=sending,
            role=Role.VETTING_OFFICER,
            expires_at=clock.now() - dt.timedelta(seconds=1),
        )
    assert exc.value.details == {
        "name": ["A name is required (which system uses this token?)."],
        "role": ["Not allowed for a sending_state."],
        "expires_at": ["The expiry must be in the future."],
    }
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == before


def test_only_token_managers_issue_tokens(auditor_org):
    auditor = factories.actor(Role.AUDITOR)
    before = (ApiToken.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        services.api_token_issue(
            actor=auditor, name="mine", organisation=auditor_org, role=Role.AUDITOR
        )
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == before


def test_token_page_shows_the_clear_token_once_and_revokes(admin_client_for, auditor_org):
    client = admin_client_for(auditor_org)
    response = client.post(
        "/accounts/tokens/",
        {"name": "sending system", "organisation": auditor_org.pk, "role": Role.AUDITOR},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="sending system")
    html = response.content.decode()
    assert 'data-testid="clear-token"' in html
    assert f"ikz_{token.prefix}_" in html
    again = client.get("/accounts/tokens/").content.decode()
    assert 'data-testid="clear-token"' not in again
    assert f"ikz_{token.prefix}_" not in again

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", {"reason": "leaked"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_form_errors_answer_400_and_issue_nothing(admin_client_for, auditor_org):
    client = admin_client_for(auditor_org)
    response = client.post(
        "/accounts/tokens/",
        {"name": "", "organisation": auditor_org.pk, "role": "not-a-role"},
    )
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0
