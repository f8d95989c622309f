"""Document pages: upload to a record, download through a checked, audited view.

A document is never served from a storage URL: the download view asks the record's owner
whether the reader may read it, records the read in the audit chain and sends the bytes as an
attachment with the content type found at upload, `nosniff`, and a sandboxing CSP.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied
from ikaze.documents import selectors, services
from ikaze.documents.forms import DocumentForm
from ikaze.privacy.guard import export_refused_page


def download_response(document_name: str, content_type: str, handle: object) -> FileResponse:
    """The bytes as an attachment, never shown inline, never sniffed."""
    response = FileResponse(
        handle, as_attachment=True, filename=document_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@requires(Perm.DOCUMENT_VIEW)
@require_GET
def document_download(request: HttpRequest, document_id: str) -> HttpResponseBase:
    # SAFEGUARDS D2: a download leaving the receiving state records its basis, or is refused
    # (after the scope check: a document out of reach stays a 404).
    selectors.document_get_for(actor=actor_of(request), document_id=document_id)
    if refused := export_refused_page(request, "document", detail=str(document_id)):
        return refused
    document, handle = selectors.document_read_for(actor=actor_of(request), document_id=document_id)
    return download_response(document.original_name, document.content_type, handle)


@requires(Perm.DOCUMENT_UPLOAD)
@require_POST
def document_upload(request: HttpRequest, target_type: str, target_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join([_("The document was not uploaded."), *problems]))
        return redirect(back)
    upload = form.cleaned_data["file"]
    try:
        document = services.document_upload(
            actor=actor,
            target_type=target_type,
            target_id=target_id,  # type: ignore[arg-type]
            kind=form.cleaned_data["kind"],
            file=upload,
            name=upload.name or "",
        )
    except (NotFound, PermissionDenied):
        raise
    except IkazeError as exc:
        messages.error(request, " ".join([_("The document was not uploaded."), exc.message]))
    else:
        messages.success(
            request,
            _("%(name)s is uploaded (SHA-256 %(sha)s…).")
            % {"name": document.original_name, "sha": document.sha256[:12]},
        )
    return redirect(back)
