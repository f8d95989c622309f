from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema

from ikaze.documents.models import Document


class UploadedDocumentOut(Schema):
    id: uuid.UUID
    target_type: str
    target_id: uuid.UUID
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


def document_out(d: Document) -> UploadedDocumentOut:
    return UploadedDocumentOut(
        id=d.pk,
        target_type=d.target_type,
        target_id=d.target_id,
        kind=d.kind,
        original_name=d.original_name,
        content_type=d.content_type,
        size=d.size,
        sha256=d.sha256,
        uploaded_by=d.uploaded_by_display,
        uploaded_at=d.uploaded_at,
    )
