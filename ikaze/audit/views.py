"""Audit pages for auditors and monitors: browse, verify, export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.decorators import requires
from ikaze.audit import selectors
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_record
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
    return render(
        request,
        "audit/event_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": AuditEvent.Kind.choices,
            "querystring_base": query + "&" if query else "",
        },
    )


@requires(Perm.AUDIT_VIEW)
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    result = selectors.audit_verify()
    return render(request, "audit/_verify_result.html", {"result": result})


@requires(Perm.AUDIT_EXPORT)
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    actor = request.actor  # type: ignore[attr-defined]
    from django.db import transaction

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="audit.export",
            kind=AuditEvent.Kind.READ,
            target_type="audit_chain",
            reason="JSON lines export",
        )
    response = StreamingHttpResponse(
        selectors.audit_export_lines(), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit.jsonl"'
    return response
