from datetime import datetime
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Schema

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import PUBLIC, GuardedRouter
from ikaze.audit import selectors, signing
from ikaze.audit.permissions import levels_for
from ikaze.audit.services import audit_export_begin
from ikaze.core.pagination import paginate
from ikaze.privacy.exports import require_export_basis

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
    version: int


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
    checkpoint_seq: int | None
    checkpoints: int


class CheckpointOut(Schema):
    type: str
    seq: int
    head_hash: str
    count: int
    at: str
    key_id: str
    public_key: str
    signature: str


class PublicKeyOut(Schema):
    key_id: str
    public_key: str
    algorithm: str


@router.get("/events", perm=Perm.AUDIT_VIEW, response=EventPage)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    """List audit events, newest first; personal values only for readers allowed to see them."""
    qs = selectors.audit_event_list(
        action=filters.action,
        kind=filters.kind,
        target_type=filters.target_type,
        target_id=filters.target_id,
    )
    page = paginate(qs, page=filters.page, size=filters.size)
    items = selectors.events_revealed(events=page.items, levels=levels_for(actor_of(request)))
    for item in items:
        item["at"] = item["at_time"]
    return {"items": items, "page": page.number, "pages": page.pages, "total": page.total}


@router.post("/verify", perm=Perm.AUDIT_VIEW, response=VerifyOut)
def verify(request: HttpRequest) -> Any:
    """Verify the whole chain and its signed checkpoints; name what is wrong, if anything."""
    return selectors.audit_verify().as_dict()


@router.get("/checkpoints", perm=Perm.AUDIT_VIEW, response=list[CheckpointOut])
def list_checkpoints(request: HttpRequest) -> Any:
    """The signed checkpoints of the chain, newest first (the monitor keeps copies)."""
    return [selectors.checkpoint_record(cp) for cp in selectors.audit_checkpoint_list()[:500]]


@router.get("/public-key", perm=PUBLIC, response=PublicKeyOut)
def public_key(request: HttpRequest) -> Any:
    """The Ed25519 key the audit checkpoints are signed with (published, not secret)."""
    return {
        "key_id": signing.key_id(),
        "public_key": signing.public_key_hex(),
        "algorithm": "Ed25519",
    }


@router.get("/export", perm=Perm.AUDIT_EXPORT, response={200: None})
def export(request: HttpRequest) -> Any:
    """Download the chain as JSON lines, ending with a checkpoint signed at its head
    (verifiable with docs/verify_audit_export.py)."""
    actor = actor_of(request)
    require_export_basis(actor, "audit_jsonl")  # SAFEGUARDS D2
    upto = audit_export_begin(actor=actor, reason="JSON lines export (API)")
    response = StreamingHttpResponse(
        selectors.audit_export_lines(levels=levels_for(actor), upto_seq=upto),
        content_type="application/x-ndjson",
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit.jsonl"'
    return response
