"""What a signed-in request reads (issue 2): its session, its user and their memberships, in
one plain query (two the first time a process sees the session) instead of three compiled ORM
ones, with the same answers, and still afresh on every request (a sign-out, a deactivation, a
revoked membership or a changed password take effect at the next request).

Issue 10 item 3: every behavioural test runs twice, with the fast path
(`IKAZE_FAST_REQUEST_PATH`, ikaze/accounts/fast_request.py) on and off (Django's own session
store, backend and ORM reads): both answer the same."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ikaze.accounts import fast_request, services
from ikaze.accounts import fast_request as sessions
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import active_memberships, actor_for_user
from ikaze.accounts.backends import ModelBackend
from ikaze.accounts.fast_request import MEMBERSHIPS_ATTR, take_memberships, user_with_memberships
from ikaze.accounts.models import Membership, User
from ikaze.accounts.sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["fast", "plain"], autouse=True)
def fast(request: pytest.FixtureRequest, settings: Any) -> bool:
    """The same tests with the fast path on and off."""
    settings.IKAZE_FAST_REQUEST_PATH = request.param
    sessions._USER_OF_SESSION.clear()
    return bool(request.param)


def _fast_only(fast: bool) -> None:
    if not fast:
        pytest.skip("the fast path's own machinery")


LIST = "/api/v1/agreements"


def _orm_memberships(user: User) -> list[tuple[str, uuid.UUID, str, str, str, str]]:
    return [
        (
            m.role,
            m.organisation.pk,
            m.organisation.name,
            m.organisation.short_name,
            m.organisation.kind,
            m.organisation.country,
        )
        for m in Membership.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organisation")
        .order_by("created_at", "pk")
    ]


def _plain(memberships: list) -> list[tuple[str, uuid.UUID, str, str, str, str]]:
    return [(r, o.pk, o.name, o.short_name, o.kind, o.country) for r, o in memberships]


def _two_memberships_one_revoked() -> User:
    u = factories.user(Role.VETTING_OFFICER)
    partner = factories.organisation(OrgKind.PARTNER)
    services.membership_grant(
        actor=factories.org_admin(partner), user=u, organisation=partner, role=Role.CASEWORKER
    )
    monitor_org = factories.organisation(OrgKind.MONITORING_BODY)
    monitor_admin = factories.org_admin(monitor_org)
    revoked = services.membership_grant(
        actor=monitor_admin, user=u, organisation=monitor_org, role=Role.AUDITOR
    )
    services.membership_revoke(actor=monitor_admin, membership=revoked, reason="moved on")
    return u


def test_memberships_match_the_orm_and_leave_out_revoked_ones():
    u = _two_memberships_one_revoked()
    expected = _orm_memberships(u)
    assert [r for r, *_ in expected] == [Role.VETTING_OFFICER, Role.CASEWORKER]
    assert _plain(active_memberships(u)) == expected
    found = user_with_memberships(u.pk)
    assert found is not None
    user, memberships = found
    assert _plain(memberships) == expected
    orm_user = User.objects.get(pk=u.pk)
    for f in User._meta.concrete_fields:  # every value, converted as the ORM converts it
        assert getattr(user, f.attname) == getattr(orm_user, f.attname), f.name
        assert type(getattr(user, f.attname)) is type(getattr(orm_user, f.attname)), f.name
    assert isinstance(user.date_joined, dt.datetime) and timezone.is_aware(user.date_joined)
    assert user.is_active is True and user.is_staff is False
    actor = actor_for_user(user, memberships)
    assert actor.roles == {Role.VETTING_OFFICER, Role.CASEWORKER}
    assert actor.organisation == memberships[0][1]
    assert actor.org_kind is OrgKind.RECEIVING_STATE


def test_a_user_without_memberships_and_unknown_ids():
    u = factories.user()
    found = user_with_memberships(str(u.pk))  # as the session stores it
    assert found is not None
    assert found[0].pk == u.pk and found[1] == []
    assert actor_for_user(u).roles == frozenset()
    assert user_with_memberships(uuid.uuid4()) is None
    assert user_with_memberships("not-a-uuid") is None


def test_the_backend_refuses_an_inactive_user_and_hands_memberships_over_once(fast: bool):
    u = factories.user(Role.VETTING_OFFICER)
    backend = ModelBackend()
    user = backend.get_user(str(u.pk))
    assert user is not None and user.pk == u.pk
    taken = take_memberships(user)
    if fast:
        assert taken is not None and [r for r, _o in taken] == [Role.VETTING_OFFICER]
    else:  # Django's backend: the actor reads them
        assert taken is None
    assert take_memberships(user) is None  # once: a later actor reads them afresh
    assert not hasattr(user, MEMBERSHIPS_ATTR)
    assert actor_for_user(user).roles == {Role.VETTING_OFFICER}
    User.objects.filter(pk=u.pk).update(is_active=False)
    assert backend.get_user(str(u.pk)) is None


def test_the_session_store_reads_what_django_wrote_and_refuses_expired_or_deleted_ones():
    django_store = DjangoSessionStore()
    django_store["answer"] = 42
    django_store.create()
    key = django_store.session_key
    assert SessionStore(key).load() == {"answer": 42}
    assert SessionStore(key)["answer"] == 42
    for bad in (None, "short", "x" * 40):  # no cookie, a malformed one, an unknown one
        store = SessionStore(bad)
        assert store.load() == {}
        assert store.session_key is None
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(hours=1)
    )
    assert SessionStore(key).load() == {"answer": 42}
    Session.objects.filter(session_key=key).delete()
    assert SessionStore(key).load() == {}


def _signed_in(role: Role = Role.VETTING_OFFICER) -> tuple[Client, User]:
    u = factories.user(role)
    c = Client()
    c.force_login(u)
    return c, u


def test_a_session_request_reads_session_user_and_memberships_in_one_query(fast: bool):
    client, _u = _signed_in()
    with CaptureQueriesContext(connection) as first:
        assert client.get(LIST).status_code == 200
    # This process has not seen the session yet: the session, the user with their
    # memberships, the page (plain: the session, the user, the memberships, the page).
    assert len(first) == (3 if fast else 4), [q["sql"] for q in first]
    with CaptureQueriesContext(connection) as queries:
        r = client.get(LIST)
    assert r.status_code == 200
    # Then the session with its user and their memberships, and the page (`ikaze bench api`
    # relies on it).
    assert len(queries) == (2 if fast else 4), [q["sql"] for q in queries]
    assert r.json()["total"] == 0
    assert client.session[BACKEND_SESSION_KEY] == "ikaze.accounts.backends.ModelBackend"


def test_the_user_read_with_a_session_is_taken_only_if_the_session_names_them(fast: bool):
    _fast_only(fast)
    client, u = _signed_in()
    other = factories.user(Role.SENDING_LIAISON)
    client.get(LIST)
    key = client.cookies["sessionid"].value
    assert sessions._USER_OF_SESSION[key] == str(u.pk)
    sessions._USER_OF_SESSION[key] = str(other.pk)  # a wrong hint (never made by the store)
    with CaptureQueriesContext(connection) as queries:
        r = client.get(LIST)
    assert r.status_code == 200  # the officer's answer, not the liaison's
    assert len(queries) == 3  # the joined read was dropped; the backend read the user itself
    assert sessions._USER_OF_SESSION[key] == str(u.pk)
    store = SessionStore(key)
    store.load()
    assert sessions.take_user_read_with_session(u.pk)[0] is True
    assert sessions.take_user_read_with_session(u.pk) == (False, None)  # once
    store.load()
    assert sessions.take_user_read_with_session(other.pk) == (False, None)
    sessions._USER_OF_SESSION[key] = "not-a-uuid"
    assert SessionStore(key).load()[SESSION_KEY] == str(u.pk)
    assert sessions.take_user_read_with_session("not-a-uuid") == (False, None)


def test_a_hinted_session_that_is_gone_or_expired_is_refused():
    client, _u = _signed_in()
    client.get(LIST)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(LIST).status_code == 401
    assert key not in sessions._USER_OF_SESSION
    assert client.get(LIST).status_code == 401


def test_revocation_deactivation_sign_out_and_password_change_take_effect_at_once():
    # Each client has made a request first: the next one reads its user with the session.
    client, u = _signed_in()
    assert client.get(LIST).status_code == 200
    membership = Membership.objects.get(user=u)
    services.membership_revoke(
        actor=factories.org_admin(membership.organisation), membership=membership, reason="left"
    )
    r = client.get(LIST)
    assert r.status_code == 403  # signed in, but no role grants the list any more

    client, u = _signed_in()
    assert client.get(LIST).status_code == 200
    User.objects.filter(pk=u.pk).update(is_active=False)
    assert client.get(LIST).status_code == 401

    client, u = _signed_in()
    assert client.get(LIST).status_code == 200
    client.logout()
    assert client.get(LIST).status_code == 401

    client, u = _signed_in()
    assert client.get(LIST).status_code == 200
    u.set_password("another-long-passphrase-42")
    u.save()
    assert client.get(LIST).status_code == 401  # the session's hash no longer verifies


def test_a_session_of_another_backend_is_not_honoured():
    client, _u = _signed_in()
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
    session.save()
    assert client.get(LIST).status_code == 401


def test_with_the_fast_path_off_nothing_of_it_runs(fast: bool, monkeypatch: pytest.MonkeyPatch):
    """Off: Django's store, backend and ORM reads alone (no hint kept, no joined read, no
    memberships parked on the user, no plain SQL)."""
    if fast:
        pytest.skip("the plain path's own check")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the fast path ran with IKAZE_FAST_REQUEST_PATH off")

    for name in ("load_session", "get_user", "user_with_memberships", "session_with_user"):
        monkeypatch.setattr(fast_request, name, refuse)
    client, u = _signed_in()
    for _ in range(2):
        r = client.get(LIST)
        assert r.status_code == 200 and r.json()["total"] == 0
    assert fast_request._USER_OF_SESSION == {}
    User.objects.filter(pk=u.pk).update(is_active=False)
    assert client.get(LIST).status_code == 401


def test_the_session_store_overrides_only_public_methods():
    """Django's private `_get_session_from_db` is not overridden: the store's only override
    is `load()`, public API of `SessionBase` (issue 10 item 3)."""
    from django.contrib.sessions.backends.base import SessionBase

    overridden = {
        name
        for name, value in vars(SessionStore).items()
        if callable(value) and not name.startswith("__")
    }
    assert overridden == {"load"}
    assert "load" in vars(SessionBase)
