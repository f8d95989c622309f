from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Schema

from ikaze.accounts.access import Perm
from ikaze.accounts.api_routing import GuardedRouter, actor_of
from ikaze.audit import selectors
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_record
from ikaze.core.pagination import paginate

router = GuardedRouter(tags=["audit"])


class EventOut(Schema):
    seq: int
    id: str
    at: datetime
    kind: str
    action: str
    actor_label: str
    actor_role: str
    organisation_id: str
    target_type: str
    target_id: str
    before: Any = None
    after: Any = None
    reason: str
    prev_hash: str
    hash: str


class EventPage(Schema):
    items: list[EventOut]
    page: int
    pages: int
    total: int


class EventFilters(Schema):
    action: str = ""
    kind: str = ""
    target_type: str = ""
    target_id: str = ""
    page: int = 1
    size: int = 50


class VerifyOut(Schema):
    ok: bool
    events: int
    first_bad_seq: int | None
    first_bad_id: str | None
    problem: str
    head_hash: str


@router.get("/events", perm=Perm.AUDIT_VIEW, response=EventPage)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    """List audit events, newest first."""
    qs = selectors.audit_event_list(
        action=filters.action,
        kind=filters.kind,
        target_type=filters.target_type,
        target_id=filters.target_id,
    )
    page = paginate(qs, page=filters.page, size=filters.size)
    items = [{**selectors.event_record(e), "at": e.at, "hash": e.hash} for e in page.items]
    return {"items": items, "page": page.number, "pages": page.pages, "total": page.total}


@router.post("/verify", perm=Perm.AUDIT_VIEW, response=VerifyOut)
def verify(request: HttpRequest) -> Any:
    """Verify the whole chain and name the first broken event, if any."""
    return selectors.audit_verify().as_dict()


@router.get("/export", perm=Perm.AUDIT_EXPORT, response={200: None})
def export(request: HttpRequest) -> Any:
    """Download the chain as JSON lines (verifiable with docs/verify_audit_export.py)."""
    with transaction.atomic():
        audit_record(
            actor=actor_of(request),
            action="audit.export",
            kind=AuditEvent.Kind.READ,
            target_type="audit_chain",
            reason="JSON lines export (API)",
        )
    response = StreamingHttpResponse(
        selectors.audit_export_lines(), content_type="application/x-ndjson"
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit.jsonl"'
    return response
