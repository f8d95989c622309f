"""Test harness shared by every app: databases, actors per role, signed-in clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from ikaze.accounts.access import Role

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
# Browser tests run the live server in a thread next to the test; let Django allow that.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    """The folder the test database lives in (settings make nothing on import)."""
    from config.home import var_dir

    var_dir().mkdir(parents=True, exist_ok=True)
    (var_dir() / "static").mkdir(exist_ok=True)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_triggers() -> Iterator[None]:
    """Transactional tests flush every table; the audit table refuses DELETE/TRUNCATE by
    trigger. Let the test flush (only the flush) lift and restore the triggers."""
    from django.db import connection

    from ikaze.audit.triggers import statements
    from ikaze.support.triggers import statements as ledger_statements

    ops_class = type(connection.ops)
    original = ops_class.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        sql = original(self, style, tables, **kwargs)
        if "audit_auditevent" in tables:
            vendor = self.connection.vendor
            sql = [*statements(vendor, create=False), *sql, *statements(vendor, create=True)]
        if "support_ledgerentry" in tables:
            vendor = self.connection.vendor
            return [
                *ledger_statements(vendor, create=False),
                *sql,
                *ledger_statements(vendor, create=True),
            ]
        return sql

    ops_class.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    ops_class.sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _default_language_for_each_test() -> Iterator[None]:
    """A page served in French leaves French active in the thread (LocaleMiddleware activates
    the request's language and nothing deactivates it): every test starts, and leaves, in the
    default language, whatever ran before it on the same worker."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def make_actor(db):
    """Build an actor (a user with a membership) for a role."""
    from tests import factories

    return factories.actor


def _signed_in_client(
    role: Role, *, client: Client | None = None, organisation: object = None
) -> tuple[Client, object]:
    from django_otp import DEVICE_ID_SESSION_KEY

    from ikaze.accounts.access import TWO_FACTOR_ROLES
    from tests import factories

    u = factories.user(role, organisation_=organisation)
    c = client or Client()
    c.force_login(u)
    if role in TWO_FACTOR_ROLES:
        device = factories.totp_device(u)
        session = c.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return c, u


@pytest.fixture
def client_for(db) -> Callable[[Role], Client]:
    """A test client signed in (two-factor done where the role needs it) as a new user of `role`."""

    def make(role: Role) -> Client:
        return _signed_in_client(role)[0]

    return make


@pytest.fixture
def admin_client_for(db) -> Callable[[object], Client]:
    """A test client signed in (two-factor done) as an administrator of `organisation` itself
    (ADMIN in a receiving state, ORG_ADMIN elsewhere): the one who makes its credentials."""
    from ikaze.accounts.access import OrgKind

    def make(organisation: object) -> Client:
        kind = getattr(organisation, "kind", "")
        role = Role.ADMIN if kind == OrgKind.RECEIVING_STATE else Role.ORG_ADMIN
        return _signed_in_client(role, organisation=organisation)[0]

    return make


@pytest.fixture
def api_client_for(db) -> Callable[[Role], Client]:
    """A test client that authenticates with a bearer token of `role` (a machine client)."""
    from ikaze.accounts import services
    from tests import factories

    def make(role: Role) -> Client:
        org = factories.organisation(factories.default_org_kind(role))
        # SAFEGUARDS F6: the organisation's own administrator issues its tokens.
        admin = factories.org_admin(org)
        _, clear = services.api_token_issue(
            actor=admin, name=f"{role} client", organisation=org, role=role
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")

    return make
