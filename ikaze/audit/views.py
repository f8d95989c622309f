"""Audit pages for auditors and monitors: browse, verify, checkpoints, export."""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.audit import selectors, signing
from ikaze.audit.models import AuditEvent
from ikaze.audit.permissions import levels_for
from ikaze.audit.services import audit_export_begin
from ikaze.core.pagination import paginate


@requires(Perm.AUDIT_VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    filters = {
        k: request.GET.get(k, "").strip()
        for k in ("action", "kind", "target_type", "target_id", "actor")
    }
    qs = selectors.audit_event_list(**filters)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = paginate(qs, page=number, size=50)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    actor = actor_of(request)
    return render(
        request,
        "audit/event_list.html",
        {
            "page": page,
            "rows": selectors.events_revealed(events=page.items, levels=levels_for(actor)),
            "filters": filters,
            "kinds": AuditEvent.Kind.choices,
            "querystring_base": query + "&" if query else "",
            "key_id": signing.key_id(),
            "public_key": signing.public_key_hex(),
        },
    )


@requires(Perm.AUDIT_VIEW)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    result = selectors.audit_verify()
    return render(request, "audit/_verify_result.html", {"result": result})


@requires(Perm.AUDIT_VIEW)
@require_GET
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    checkpoints = list(selectors.audit_checkpoint_list()[:200])
    return render(
        request,
        "audit/checkpoint_list.html",
        {
            "checkpoints": checkpoints,
            "key_id": signing.key_id(),
            "public_key": signing.public_key_hex(),
        },
    )


@requires(Perm.AUDIT_VIEW)
@require_GET
def checkpoint_download(request: HttpRequest) -> HttpResponse:
    """The signed checkpoints as one JSON file (`ikaze audit verify --checkpoint FILE`)."""
    records = [selectors.checkpoint_record(cp) for cp in selectors.audit_checkpoint_list()]
    response = JsonResponse(records, safe=False, json_dumps_params={"indent": 1})
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit-checkpoints.json"'
    return response


@requires(Perm.AUDIT_EXPORT)
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    upto = audit_export_begin(actor=actor, reason="JSON lines export")
    response = StreamingHttpResponse(
        selectors.audit_export_lines(levels=levels_for(actor), upto_seq=upto),
        content_type="application/x-ndjson; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit.jsonl"'
    return response
