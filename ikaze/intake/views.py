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
from ikaze.accounts.guards import require
from ikaze.agreements.forms import agreement_choices
from ikaze.agreements.models import Agreement
from ikaze.agreements.selectors import (
    agreement_in_force_list_for,
)
from ikaze.core.errors import IkazeError, PermissionDenied
from ikaze.core.forms import add_service_errors
from ikaze.core.pagination import paginate
from ikaze.core.worklist import CSV_ROWS_MAX, export_response, page_number
from ikaze.intake import manifest, selectors, services
from ikaze.intake.forms import AgreementChoiceForm, UploadForm


def _chosen_agreement(
    request: HttpRequest, agreements: list[Agreement]
) -> tuple[AgreementChoiceForm, Agreement | None]:
    """Step one of an upload: the agreement, chosen (never preselected, unless it is the only
    one) and then shown with its parties for the uploader to confirm (issue 11 item 7)."""
    data = request.POST if request.method == "POST" else request.GET
    choices = agreement_choices(agreements)
    if "agreement" in data or request.method == "POST":
        form = AgreementChoiceForm(data, agreements=choices)
    elif len(agreements) == 1:
        form = AgreementChoiceForm({"agreement": agreements[0].code}, agreements=choices)
    else:
        form = AgreementChoiceForm(agreements=choices)
    if not form.is_bound or not form.is_valid():
        return form, None
    return form, next(a for a in agreements if a.code == form.cleaned_data["agreement"])


@requires(Perm.INTAKE_VIEW)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    can_upload = actor.can(Perm.INTAKE_UPLOAD)
    if request.method == "POST":
        # The monitor reads the batches; uploading is the sending state's (no form is shown).
        require(actor, Perm.INTAKE_UPLOAD, target_type="intake_batch")
    agreements = list(agreement_in_force_list_for(actor=actor)) if can_upload else []
    choice, agreement = _chosen_agreement(request, agreements)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"agreement": agreement.code if agreement else ""},
    )
    refused = request.method == "POST" or (choice.is_bound and agreement is None)
    if request.method == "POST" and agreement is not None and form.is_valid():
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
    page = paginate(selectors.batch_list_for(actor=actor), page=page_number(request), size=25)
    return render(
        request,
        "intake/batch_list.html",
        {
            "choice_form": choice,
            "agreement": agreement,
            "form": form,
            "page": page,
            "can_upload": can_upload,
            "has_agreements": bool(agreements),
            "only_agreement": len(agreements) == 1,
            "querystring_base": "",
        },
        status=400 if refused else 200,
    )


@requires(Perm.INTAKE_VIEW)
@require_GET
def batch_detail(request: HttpRequest, intakebatch_id: str) -> HttpResponse:
    actor = actor_of(request)
    batch = services.intake_batch_fail_stale(
        batch=selectors.batch_get_for(actor=actor, batch_id=intakebatch_id)
    )
    errors = list(selectors.batch_errors(batch=batch)[:200])
    return render(
        request,
        "intake/batch_detail.html",
        {"batch": batch, "errors": errors, "can_read_duplicates": actor.can(Perm.MATCH_VIEW)},
    )


@requires(Perm.INTAKE_VIEW)
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


@requires(Perm.INTAKE_VIEW)
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


@requires(Perm.INTAKE_VIEW)
@require_GET
def batch_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The manifest imports the page lists, as CSV or XLSX."""
    actor = actor_of(request)
    batches = selectors.batch_list_for(actor=actor)[:CSV_ROWS_MAX]
    return export_response(
        request,
        fmt=fmt,
        filename="manifest-imports",
        header=[
            _("File"),
            _("Agreement"),
            _("Uploaded"),
            _("Status"),
            _("Rows"),
            _("Imported"),
            _("Rejected"),
            _("Possible duplicates"),
        ],
        rows=(
            [
                b.file_name,
                b.agreement.code,
                f"{b.created_at:%Y-%m-%d %H:%M}",
                b.get_status_display(),
                b.rows_total,
                b.imported,
                b.rejected,
                b.possible_duplicates,
            ]
            for b in batches
        ),
    )
