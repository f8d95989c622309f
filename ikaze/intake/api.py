import uuid
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Query, Schema
from ninja.files import UploadedFile

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.agreements.models import Agreement
from ikaze.agreements.selectors import agreement_get_for
from ikaze.core.errors import ValidationError
from ikaze.core.pagination import paginate
from ikaze.core.text import ModelText
from ikaze.intake import selectors, services
from ikaze.intake.models import IntakeBatch
from ikaze.intake.schemas import BatchOut, BatchPage, RowErrorPage, RowsIn, batch_out

router = GuardedRouter(tags=["intake"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE = {**_READ, 409: ErrorOut, 422: ErrorOut}


class PageQuery(Schema):
    page: int = 1
    size: int = 50


@router.get("/batches", perm=Perm.INTAKE_UPLOAD, response={200: BatchPage, **_READ})
def list_batches(request: HttpRequest, query: Query[PageQuery]) -> Any:
    """Your organisation's manifest batches, newest first."""
    page = paginate(
        selectors.batch_list_for(actor=actor_of(request)), page=query.page, size=query.size
    )
    return {
        "items": [batch_out(b) for b in page.items],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }


@router.post("/batches", perm=Perm.INTAKE_UPLOAD, response={200: BatchOut, 202: BatchOut, **_WRITE})
def upload(
    request: HttpRequest,
    agreement: Form[Annotated[str, ModelText(Agreement, "code", required=True)]],
    file: File[UploadedFile],
    # The default is given to Form() itself: ninja loses a signature default when the
    # annotation carries other metadata.
    mode: Annotated[
        str, ModelText(IntakeBatch, "mode", required=True), Form("lenient")
    ] = "lenient",
) -> Any:
    """Upload a manifest (CSV or XLSX); 202 with the queued batch, 200 if sent before."""
    actor = actor_of(request)
    if (file.size or 0) > int(settings.IKAZE_UPLOAD_MAX_BYTES):
        raise ValidationError.for_field("file", "The file is larger than the upload limit.")
    batch, created = services.intake_batch_create(
        actor=actor,
        agreement=agreement_get_for(actor=actor, code=agreement),
        file_name=file.name or "manifest",
        content=file.read(),
        mode=mode,
    )
    return (202 if created else 200), batch_out(batch, created=created)


@router.post(
    "/batches/rows", perm=Perm.INTAKE_UPLOAD, response={200: BatchOut, 202: BatchOut, **_WRITE}
)
def upload_rows(request: HttpRequest, payload: RowsIn) -> Any:
    """Send manifest rows as JSON (same columns and checks as the file)."""
    actor = actor_of(request)
    batch, created = services.intake_rows_create(
        actor=actor,
        agreement=agreement_get_for(actor=actor, code=payload.agreement),
        rows=payload.rows,
        mode=payload.mode,
    )
    return (202 if created else 200), batch_out(batch, created=created)


@router.get("/batches/{intakebatch_id}", perm=Perm.INTAKE_UPLOAD, response={200: BatchOut, **_READ})
def get_batch(request: HttpRequest, intakebatch_id: uuid.UUID) -> Any:
    """A batch's status and progress counters (a batch whose worker died reads as failed)."""
    batch = selectors.batch_get_for(actor=actor_of(request), batch_id=intakebatch_id)
    return batch_out(services.intake_batch_fail_stale(batch=batch))


@router.get(
    "/batches/{intakebatch_id}/errors",
    perm=Perm.INTAKE_UPLOAD,
    response={200: RowErrorPage, **_READ},
)
def get_errors(request: HttpRequest, intakebatch_id: uuid.UUID, query: Query[PageQuery]) -> Any:
    """The batch's problems: row (header = 1; 0 = the whole file), column, value, reason."""
    batch = selectors.batch_get_for(actor=actor_of(request), batch_id=intakebatch_id)
    page = paginate(selectors.batch_errors(batch=batch), page=query.page, size=query.size)
    return {
        "items": [
            {
                "row": e.row,
                "kind": e.kind,
                "column": e.column,
                "value": e.value,
                "reason": e.reason,
            }
            for e in page.items
        ],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }
