"""Audit pages for auditors and monitors: browse, verify, checkpoints, export."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.accounts.selectors import user_display_names, user_ids_named
from ikaze.audit import selectors, signing
from ikaze.audit.forms import AuditFilterForm
from ikaze.audit.labels import action_label
from ikaze.audit.models import AuditEvent
from ikaze.audit.permissions import levels_for
from ikaze.audit.services import audit_export_begin
from ikaze.audit.targets import target_names, targets_named
from ikaze.core import clock
from ikaze.core.pagination import paginate
from ikaze.core.worklist import (
    CSV_ROWS_MAX,
    export_allowed,
    export_response,
    page_number,
    querystring,
)
from ikaze.privacy.guard import export_refused_page


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent] | None]:
    """The filter form and the events it keeps (None when a filter is refused)."""
    actor = actor_of(request)
    form = AuditFilterForm(request.GET, can_search_people=actor.can(Perm.PERSON_VIEW))
    if not form.is_valid():
        return form, None
    v = form.cleaned_data
    target_ids = None
    if v.get("q"):
        target_ids = targets_named(reader=actor, name=v["q"])
    name = (v.get("actor") or "").strip()
    qs = selectors.audit_event_list(
        action=v.get("action") or "",
        kind=v.get("kind") or "",
        actor=name,
        actor_ids=user_ids_named(name=name) if name else None,
        target_ids=target_ids,
        since=v.get("since"),
        until=v.get("until"),
        zone=clock.local_zone(),
    )
    return form, qs


@requires(Perm.AUDIT_VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form, qs = _filtered(request)
    page = paginate(
        qs if qs is not None else AuditEvent.objects.none(), page=page_number(request), size=50
    )
    query = querystring(form.params())
    rows = selectors.events_revealed(events=page.items, levels=levels_for(actor))
    names = target_names(reader=actor, targets=[(e.target_type, e.target_id) for e in page.items])
    actors = user_display_names(ids=[e.actor_id for e in page.items if e.actor_id])
    for row in rows:
        e = row["event"]
        row["target"] = names.get((e.target_type, e.target_id))
        row["actor_name"] = actors.get(e.actor_id, e.actor_label)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "querystring_base": query + "&" if query else "",
            "key_id": signing.key_id(),
            "public_key": signing.public_key_hex(),
        },
        status=200 if qs is not None else 400,
    )


@requires(Perm.AUDIT_EXPORT)
@require_GET
def event_list_csv(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The events the filters keep, as CSV or XLSX (the export is recorded in the chain)."""
    actor = actor_of(request)
    form, qs = _filtered(request)
    if qs is None:
        reasons = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponse(
            "\n".join(reasons) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    if refused := export_allowed(request, what="ikaze-audit"):
        return refused
    audit_export_begin(actor=actor, reason=f"CSV export: {querystring(form.params())}"[:500])
    events = list(qs[:CSV_ROWS_MAX])
    actors = user_display_names(ids=[e.actor_id for e in events if e.actor_id])
    return export_response(
        request,
        fmt=fmt,
        filename="ikaze-audit",
        header=[
            "seq",
            _("When (UTC)"),
            _("Kind"),
            _("Action"),
            _("Action code"),
            _("Actor"),
            _("Target type"),
            _("Target id"),
            _("Reason"),
            _("Hash"),
        ],
        rows=(
            [
                e.seq,
                e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                e.get_kind_display(),
                action_label(e.action),
                e.action,
                actors.get(e.actor_id, e.actor_label),
                e.target_type,
                e.target_id,
                e.reason,
                e.hash,
            ]
            for e in events
        ),
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
    if refused := export_refused_page(request, "audit_jsonl"):
        return refused
    upto = audit_export_begin(actor=actor, reason="JSON lines export")
    response = StreamingHttpResponse(
        selectors.audit_export_lines(levels=levels_for(actor), upto_seq=upto),
        content_type="application/x-ndjson; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-audit.jsonl"'
    return response
