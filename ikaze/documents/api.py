"""The documents API (issue 11 item 3): upload (multipart), list a record's, download."""

import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Schema
from ninja.files import UploadedFile

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.documents import selectors, services
from ikaze.documents.schemas import UploadedDocumentOut, document_out
from ikaze.documents.views import download_response
from ikaze.privacy.exports import require_export_basis

router = GuardedRouter(tags=["documents"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {**_READ, 413: ErrorOut, 422: ErrorOut}

TargetTypeIn = Literal["person", "referral", "legal_event", "notice", "referral_message"]
KindIn = Literal[
    "birth_certificate",
    "identity_document",
    "assessment",
    "legal_document",
    "signed_receipt",
    "proof_of_service",
    "correspondence",
    "other",
]


class ListQuery(Schema):
    target_type: TargetTypeIn
    target_id: uuid.UUID


@router.post("", perm=Perm.DOCUMENT_UPLOAD, response={201: UploadedDocumentOut, **_WRITE})
def upload(
    request: HttpRequest,
    target_type: Form[TargetTypeIn],
    target_id: Form[uuid.UUID],
    kind: Form[KindIn],
    file: File[UploadedFile],
) -> Any:
    """Attach a file to a record (multipart). Refused, with nothing stored: larger than
    IKAZE_DOCUMENT_MAX_BYTES (`document_too_large`), empty (`document_empty`), not a PDF, PNG,
    JPEG, TIFF or WebP by its content (`document_type_refused`)."""
    document = services.document_upload(
        actor=actor_of(request),
        target_type=target_type,
        target_id=target_id,
        kind=kind,
        file=file,
        name=file.name or "",
    )
    return 201, document_out(document)


@router.get("", perm=Perm.DOCUMENT_VIEW, response={200: list[UploadedDocumentOut], **_READ})
def list_documents(request: HttpRequest, query: Query[ListQuery]) -> Any:
    """The documents attached to a record the caller may read, oldest first."""
    documents = selectors.document_list_for(
        actor=actor_of(request), target_type=query.target_type, target_id=query.target_id
    )
    return [document_out(d) for d in documents]


@router.get(
    "/{document_id}/content",
    perm=Perm.DOCUMENT_VIEW,
    response=_READ,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment (every read is audited).",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "image/tiff": {"schema": {"type": "string", "format": "binary"}},
                    "image/webp": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def download(request: HttpRequest, document_id: uuid.UUID) -> Any:
    """The file's bytes, if the caller may read the record it is attached to (audited)."""
    actor = actor_of(request)
    selectors.document_get_for(actor=actor, document_id=document_id)  # out of reach: 404
    require_export_basis(actor, "document", detail=str(document_id))  # SAFEGUARDS D2
    document, handle = selectors.document_read_for(actor=actor, document_id=document_id)
    return download_response(document.original_name, document.content_type, handle)
