"""Every read of a role whose reads are audited leaves an event (SAFEGUARDS C1, issue 9 item 13).

One place for every page and API operation of every app, whatever the view does: after a
successful GET by such an actor (the monitor, by session or token), if the request recorded no
read event itself (a selector's `audit_read`, an API token's use, an export), one is recorded
naming the route, with its query (sealed: it may hold a name searched for). Views and selectors need no code of their own for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase

from ikaze.accounts.actor import actor_or_none
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_record, reads_watched

READ_METHODS = ("GET", "HEAD")
_UNLOGGED = ("/static/", "/favicon.ico")


class ReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in READ_METHODS or request.path.startswith(_UNLOGGED):
            return self.get_response(request)
        with reads_watched() as recorded:
            response = self.get_response(request)
        actor = actor_or_none(request)
        if (
            actor is not None
            and getattr(actor, "reads_audited", False)
            and 200 <= response.status_code < 300
            and not recorded
        ):
            query = request.META.get("QUERY_STRING", "")
            with transaction.atomic():
                # The query may hold a name searched for: sealed (ikaze.audit.personal).
                audit_record(
                    actor=actor,
                    action="route.read",
                    kind=AuditEvent.Kind.READ,
                    target_type="route",
                    target_id=request.path,
                    after={"query": query[:2000]} if query else None,
                    reason=str(request.method),
                )
        return response
