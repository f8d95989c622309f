"""Manifest pages: upload, batch list, batch progress (htmx polling), error report, templates."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements.selectors import (
    agreement_get_for,
    agreement_in_force_list_for,
)
from ikaze.core.errors import IkazeError, PermissionDenied
from ikaze.core.forms import add_service_errors
from ikaze.core.pagination import paginate
from ikaze.intake import manifest, selectors, services
from ikaze.intake.forms import UploadForm


@requires(Perm.INTAKE_UPLOAD)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    choices = [(a.code, f"{a.code} — {a.title}") for a in agreement_in_force_list_for(actor=actor)]
    form = UploadForm(request.POST or None, request.FILES or None, agreements=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = int(settings.IKAZE_UPLOAD_MAX_BYTES)
        if upload.size > limit:
            form.add_error(
                "file",
                _("The file is larger than the limit of %(n)s bytes.")
                % {"n": number_format(limit, force_grouping=True)},
            )
        else:
            try:
                agreement = agreement_get_for(actor=actor, code=form.cleaned_data["agreement"])
                batch, created = services.intake_batch_create(
                    actor=actor,
                    agreement=agreement,
                    file_name=upload.name,
                    content=upload.read(),
                    mode=form.cleaned_data["mode"],
                )
            except PermissionDenied:
                raise
            except IkazeError as exc:
                add_service_errors(form, exc, message="fallback", message_field="file")
            else:
                if not created:
                    messages.info(request, _("This file was already uploaded; here is its import."))
                return redirect("intake:batch_detail", intakebatch_id=batch.pk)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = paginate(selectors.batch_list_for(actor=actor), page=number, size=25)
    return render(
        request,
        "intake/batch_list.html",
        {"form": form, "page": page, "has_agreements": bool(choices), "querystring_base": ""},
        status=400 if request.method == "POST" else 200,
    )


@requires(Perm.INTAKE_UPLOAD)
@require_GET
def batch_detail(request: HttpRequest, intakebatch_id: str) -> HttpResponse:
    actor = actor_of(request)
    batch = services.intake_batch_fail_stale(
        batch=selectors.batch_get_for(actor=actor, batch_id=intakebatch_id)
    )
    errors = list(selectors.batch_errors(batch=batch)[:200])
    return render(request, "intake/batch_detail.html", {"batch": batch, "errors": errors})


@requires(Perm.INTAKE_UPLOAD)
@require_GET
def batch_progress(request: HttpRequest, intakebatch_id: str) -> HttpResponse:
    actor = actor_of(request)
    # A batch whose worker died is failed here, so the page stops polling (ADR 0015).
    batch = services.intake_batch_fail_stale(
        batch=selectors.batch_get_for(actor=actor, batch_id=intakebatch_id)
    )
    response = render(request, "intake/_progress.html", {"batch": batch})
    if batch.finished and request.htmx:  # type: ignore[attr-defined]
        # Reload the page once, so the summary and the error table appear.
        response["HX-Refresh"] = "true"
    return response


@requires(Perm.INTAKE_UPLOAD)
@require_GET
def batch_errors_csv(request: HttpRequest, intakebatch_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    batch = selectors.batch_get_for(actor=actor, batch_id=intakebatch_id)
    response = StreamingHttpResponse(
        selectors.error_report_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{str(batch.pk)[:8]}.csv"'
    return response


@requires(Perm.INTAKE_UPLOAD)
@require_GET
def template_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(manifest.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ikaze-manifest-template.csv"'
    return response


@requires(Perm.INTAKE_UPLOAD)
@require_GET
def template_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        manifest.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ikaze-manifest-template.xlsx"'
    return response
