"""Every read by the monitor leaves an audit event (SAFEGUARDS C1, issue 9 item 13).

Walks every page and every GET operation of the API (discovered, as the access matrix does)
as the demo monitor, by session and by token, and asserts that each answered read recorded
at least one read event naming that monitor. Logging is structural (one middleware,
`ikaze.audit.middleware.ReadAuditMiddleware`), so a route added later is covered without code.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ikaze.accounts.access import Role, role_allows
from ikaze.audit.models import AuditEvent
from tests import routes, support

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("monitor-reads")]

MONITOR = Role.MONITOR
READS = [
    *(r for r in routes.pages()),
    *(r for r in routes.api_operations() if r.method == "GET"),
]


def _monitor_may(route: routes.Route) -> bool:
    return route.perm == "signed_in" or (
        route.perm not in (None, "public") and role_allows(MONITOR, str(route.perm))
    )


def _reads_by(**who: Any) -> int:
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, **who).count()


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("route", [r for r in READS if _monitor_may(r)], ids=lambda r: r.id)
def test_every_monitor_read_is_logged(
    route: routes.Route, auth: str, demo_scenario: support.DemoWorld
) -> None:
    if route.kind == "page" and auth == "token":
        pytest.skip("pages are read with a session")
    try:
        url = routes.url_for(route)
    except routes.CannotFill as exc:
        pytest.skip(str(exc))
    if auth == "session":
        user = demo_scenario.users[MONITOR]
        client: Client = support.session_client(user)
        who: dict[str, Any] = {"actor_id": str(user.pk)}
    else:
        client = support.bearer_client(demo_scenario.tokens[MONITOR])
        who = {"token_id": str(demo_scenario.token_objects[MONITOR].pk)}
    before = _reads_by(**who)
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    if not 200 <= response.status_code < 300:
        pytest.skip(f"{url} answered {response.status_code}")
    assert _reads_by(**who) > before, f"{route.id}: no read event for the monitor"


def test_the_walk_covers_the_lists_the_issue_names() -> None:
    walked = {r.path for r in READS if _monitor_may(r)}
    for path in (
        "/api/v1/vetting/alerts",
        "/api/v1/vetting/monitor-notices",
        "/api/v1/audit/events",
        "/audit/",
        # Issue 11 item 9: the lists the officers work from, and the monitor's notices.
        "/vetting/queue/",
        "/vetting/queue/export.csv",
        "/vetting/overrides/",
        "/vetting/monitor-notices/",
        "/people/duplicates/",
        "/people/duplicates/<uuid:matchcandidate_id>/",
        "/intake/",
        "/intake/<uuid:intakebatch_id>/",
        "/audit/events.csv",
    ):
        assert path in walked, path


def test_a_monitors_search_is_logged_with_its_query_sealed(
    demo_scenario: support.DemoWorld,
) -> None:
    user = demo_scenario.users[MONITOR]
    client = support.session_client(user)
    response = client.get("/api/v1/vetting/alerts?open_only=false&q=Garc%C3%ADa")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(actor_id=str(user.pk), action="route.read").last()
    assert event is not None
    assert (event.kind, event.target_id, event.reason) == ("read", "/api/v1/vetting/alerts", "GET")
    assert "García" not in str(event.after) and "Garc" not in str(event.after)
    assert event.sealed.openings["after.query"]["value"] == "open_only=false&q=Garc%C3%ADa"
