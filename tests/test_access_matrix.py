"""The role × route matrix: every page and every API operation, as every role and as anonymous,
checked against `ikaze.accounts.access.MATRIX`.

Routes are discovered, not listed: pages by walking `config.urls`, API operations from the
OpenAPI document; a route another app adds is covered the moment it is mounted. Path
parameters are filled with real objects of the demo scenario (see tests/routes.py).

- anonymous: pages redirect to the login page, the API answers 401 (public routes excepted);
- a role the matrix allows: anything but 401/403 (404 may mean "not in your scope");
- a role the matrix denies: 403 or 404; a write changes no row, and a 403 is recorded as a
  security event;
- a privileged role, password only (SAFEGUARDS F6: signed in, second factor not done): every
  page but sign-in, sign-out, the second-factor and enrolment pages and the language switch
  sends it to the second factor, every API operation but the health check answers 403
  `two_factor_required`, and a write changes no row.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from ikaze.accounts.access import TWO_FACTOR_ROLES, Perm, Role, role_allows
from ikaze.accounts.middleware import reachable_before_second_factor
from tests import routes, support

# One xdist worker takes the whole module, so the demo scenario is loaded once (`-n 2`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("access-matrix")]

PAGES = routes.pages()
API = routes.api_operations()
SUBJECTS: list[Role | None] = [*Role, None]
PASSWORD_ONLY: list[Role] = [r for r in Role if r in TWO_FACTOR_ROLES]
DECLARED = {"public", "signed_in", *(p.value for p in Perm)}


def _subject_id(subject: Role | None) -> str:
    return subject.value if subject else "anonymous"


def allowed(perm: str, subject: Role | None) -> bool:
    if perm == "public":
        return True
    if subject is None:
        return False
    return perm == "signed_in" or role_allows(subject, perm)


def _url(route: routes.Route) -> str:
    if route.id in routes.UNFILLABLE:
        pytest.skip(f"{route.id}: {routes.UNFILLABLE[route.id]}")
    try:
        return routes.url_for(route)
    except routes.NoDemoObject as exc:
        pytest.skip(f"{route.id}: {exc}")
    except routes.CannotFill as exc:
        pytest.fail(str(exc))


def _call(client: Client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, data="{}", content_type="application/json")


def _assert_denied_write_changed_nothing(client: Client, method: str, url: str) -> Any:
    before, events_before = support.row_counts(), support.security_events()
    response = _call(client, method, url)
    assert response.status_code in (403, 404), (method, url, response.status_code)
    assert support.row_counts() == before, f"a refused {method} {url} changed rows"
    if response.status_code == 403:
        assert support.security_events() > events_before, f"refused {method} {url} not recorded"
    return response


# --- declarations ------------------------------------------------------------------------------


def test_every_page_names_its_permission() -> None:
    undeclared = [f"{r.path} ({r.view})" for r in PAGES if r.perm is None]
    assert undeclared == [], "views without @requires/@public: " + ", ".join(undeclared)
    unknown = [f"{r.path}: {r.perm}" for r in PAGES if r.perm not in DECLARED]
    assert unknown == []


def test_every_api_operation_names_its_permission(client: Client) -> None:
    served = client.get("/api/v1/openapi.json").json()
    ops = routes.api_operations(served)
    assert {r.id for r in ops} == {r.id for r in API}
    undeclared = [r.id for r in ops if r.perm is None]
    assert undeclared == [], "operations without x-ikaze-permission: " + ", ".join(undeclared)
    unknown = [f"{r.id}: {r.perm}" for r in ops if r.perm not in DECLARED]
    assert unknown == []


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", SUBJECTS, ids=_subject_id)
@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.path)
def test_page(route: routes.Route, subject: Role | None, demo_scenario: support.DemoWorld) -> None:
    if route.perm is None:
        pytest.fail(f"{route.path} declares no permission")
    url = _url(route)
    client = support.session_client(demo_scenario.users[subject]) if subject else Client()
    response = client.get(url)
    if allowed(route.perm, subject):
        assert response.status_code not in (401, 403), (url, response.status_code)
    elif subject is None:
        login = resolve_url(settings.LOGIN_URL)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].split("?")[0] == login, response["Location"]
    else:
        assert response.status_code in (403, 404), (url, response.status_code)
        # A page that also takes POST must refuse it the same way, changing nothing.
        _assert_denied_write_changed_nothing(client, "POST", url)


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("subject", SUBJECTS, ids=_subject_id)
@pytest.mark.parametrize("route", API, ids=lambda r: f"{r.method} {r.path}")
def test_api_operation(
    route: routes.Route, subject: Role | None, auth: str, demo_scenario: support.DemoWorld
) -> None:
    if route.perm is None:
        pytest.fail(f"{route.id} declares no x-ikaze-permission")
    if subject is None and auth == "token":
        pytest.skip("anonymous has no token; covered by the session variant")
    url = _url(route)
    if subject is None:
        client = Client()
    elif auth == "session":
        client = support.session_client(demo_scenario.users[subject])
    else:
        client = support.bearer_client(demo_scenario.tokens[subject])
    if allowed(route.perm, subject):
        response = _call(client, route.method, url)
        assert response.status_code not in (401, 403), (route.id, response.status_code)
    elif subject is None:
        response = _call(client, route.method, url)
        assert response.status_code == 401, (route.id, response.status_code)
        assert response.json()["error"]["code"] == "unauthenticated"
    elif route.method == "GET":
        response = _call(client, route.method, url)
        assert response.status_code in (403, 404), (route.id, response.status_code)
    else:
        _assert_denied_write_changed_nothing(client, route.method, url)


# --- privileged role, password only (SAFEGUARDS F6, issue 9 item 7) --------------------------


def _password_only_client(role: Role, world: support.DemoWorld) -> Client:
    """Signed in with the password; the second factor not done."""
    client = Client()
    client.force_login(world.users[role])
    return client


def test_the_password_only_column_covers_every_privileged_role() -> None:
    assert set(PASSWORD_ONLY) == set(TWO_FACTOR_ROLES)
    assert {Role.SENIOR_OFFICER, Role.ADMIN, Role.MONITOR, Role.ORG_ADMIN} <= set(PASSWORD_ONLY)


@pytest.mark.parametrize("role", PASSWORD_ONLY, ids=lambda r: f"{r.value}-password-only")
@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.path)
def test_page_password_only(
    route: routes.Route, role: Role, demo_scenario: support.DemoWorld
) -> None:
    url = _url(route)
    client = _password_only_client(role, demo_scenario)
    if reachable_before_second_factor(url):
        assert route.perm == "public", f"{url} is reachable before the second factor"
        return
    two_factor = resolve_url("accounts:two_factor")
    for method in ("GET", "POST"):
        before = support.row_counts()
        response = _call(client, method, url)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response["Location"].split("?")[0] == two_factor, (method, url)
        assert support.row_counts() == before, f"a password-only {method} {url} changed rows"


@pytest.mark.parametrize("role", PASSWORD_ONLY, ids=lambda r: f"{r.value}-password-only")
@pytest.mark.parametrize("route", API, ids=lambda r: f"{r.method} {r.path}")
def test_api_operation_password_only(
    route: routes.Route, role: Role, demo_scenario: support.DemoWorld
) -> None:
    url = _url(route)
    client = _password_only_client(role, demo_scenario)
    before = support.row_counts()
    response = _call(client, route.method, url)
    if reachable_before_second_factor(url):
        assert route.perm == "public", f"{route.id} is reachable before the second factor"
        return
    assert response.status_code == 403, (route.id, response.status_code)
    assert response.json()["error"]["code"] == "two_factor_required"
    assert support.row_counts() == before, f"a password-only {route.id} changed rows"
