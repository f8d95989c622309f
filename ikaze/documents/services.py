"""Document writes: check an upload (size, type by content, name), then attach it, audited.

Two steps, so that a service attaching files to something it writes (an answer to a request
for information) refuses a bad file before it writes anything: `document_prepare` reads and
checks the bytes and writes nothing; `document_attach` stores a prepared file on a record the
actor may attach to. `document_upload` is both. A refused upload stores nothing: no row, no
file (the bytes are written last, and removed again if the row cannot be kept).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, ParamSpec, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied, ValidationError

__all__ = [
    "IkazeError",
    "PreparedDocument",
    "document_attach",
    "document_prepare",
    "document_upload",
]
from ikaze.documents import content
from ikaze.documents.errors import DocumentEmpty, DocumentTooLarge, DocumentTypeRefused
from ikaze.documents.models import Document, DocumentKind, TargetType
from ikaze.documents.storage import document_storage
from ikaze.documents.targets import target_access

P = ParamSpec("P")
T = TypeVar("T")

_NAME_MAX = Document._meta.get_field("original_name").max_length or 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:\"|?*]")


@dataclass(frozen=True)
class PreparedDocument:
    """A checked upload, not yet stored."""

    data: bytes
    kind: str
    file_type: content.FileType
    original_name: str
    sha256: str


def max_bytes() -> int:
    """The largest document accepted (IKAZE_DOCUMENT_MAX_BYTES)."""
    return int(settings.IKAZE_DOCUMENT_MAX_BYTES)


def clean_name(name: str, *, file_type: content.FileType) -> str:
    """The uploader's file name made safe to show and to offer as a download name: the last
    part of any path, no control or reserved characters, at most 200 characters with its
    extension kept; a name that is nothing after that becomes "document.<type>"."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE.sub(" ", name).split()).strip(". ")
    if not name:
        return f"document{file_type.extension}"
    stem, ext = os.path.splitext(name)
    if len(ext) > 10:
        stem, ext = name, ""
    return stem[: _NAME_MAX - len(ext)] + ext


def _refusals_recorded(fn: Callable[P, T]) -> Callable[P, T]:
    """Record a refused upload as a security event (its transaction rolled back)."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except IkazeError as exc:
            if not isinstance(exc, NotFound | PermissionDenied):
                audit_security(
                    actor=kwargs.get("actor"),  # type: ignore[arg-type]
                    action="refused:document.upload",
                    target_type=str(kwargs.get("target_type", "")),
                    target_id=str(kwargs.get("target_id", "")),
                    reason=f"{exc.code}: {exc.message}",
                )
            raise

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def document_prepare(*, file: IO[bytes], name: str, kind: str) -> PreparedDocument:
    """Read and check an upload: its kind, its size, its type by content. Writes nothing."""
    if kind not in DocumentKind.values:
        raise ValidationError.for_field("kind", gettext("Choose what the document is."))
    limit = max_bytes()
    data = file.read(limit + 1)
    if not data:
        raise DocumentEmpty(
            gettext("The file is empty."), details={"file": [gettext("The file is empty.")]}
        )
    if len(data) > limit:
        reason = gettext("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
        raise DocumentTooLarge(reason, details={"file": [reason]})
    file_type = content.detect(data)
    if file_type is None:
        reason = gettext(
            "The file is not a PDF, PNG, JPEG, TIFF or WebP file (checked by its content, "
            "not its name)."
        )
        raise DocumentTypeRefused(reason, details={"file": [reason]})
    return PreparedDocument(
        data=data,
        kind=kind,
        file_type=file_type,
        original_name=clean_name(name, file_type=file_type),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def document_attach(
    *, actor: Actor, prepared: PreparedDocument, target_type: str, target_id: uuid.UUID
) -> Document:
    """Store a checked file on a record the actor may attach documents to, audited.

    Call inside the caller's transaction (or through `document_upload`)."""
    require(actor, Perm.DOCUMENT_UPLOAD, target_type="document")
    if target_type not in TargetType.values:
        raise NotFound(gettext("No such record."))
    target_access(target_type).attach(actor, target_id)
    now = clock.now()
    pk = uuid.uuid4()
    storage_name = f"documents/{now:%Y/%m}/{pk}{prepared.file_type.extension}"
    document = Document.objects.create(
        id=pk,
        target_type=target_type,
        target_id=target_id,
        kind=prepared.kind,
        original_name=prepared.original_name,
        content_type=prepared.file_type.content_type,
        size=len(prepared.data),
        sha256=prepared.sha256,
        storage_name=storage_name,
        uploaded_by=actor.user,
        uploaded_by_label=actor.label,
        uploaded_at=now,
    )
    audit_record(
        actor=actor,
        action="document.upload",
        target_type=target_type,
        target_id=target_id,
        after={
            "document": str(document.pk),
            "kind": document.kind,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    # The bytes last, once every check has passed: a refusal stores nothing. (A caller's
    # transaction that rolls back after this leaves an unreferenced file, never a row without
    # its file: ADR 0017.) The storage must not rename the file (the row names it).
    storage = document_storage()
    saved = storage.save(storage_name, ContentFile(prepared.data))
    if saved != storage_name:
        storage.delete(saved)
        raise IkazeError(gettext("The document could not be stored."))
    return document


@_refusals_recorded
def document_upload(
    *,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    kind: str,
    file: IO[bytes],
    name: str,
) -> Document:
    """Check an upload and attach it to a record (a person, a referral, a fact, a notice)."""
    require(actor, Perm.DOCUMENT_UPLOAD, target_type="document")
    if target_type not in TargetType.values:
        raise NotFound(gettext("No such record."))
    # Scope before content: a record out of reach answers "not found" whatever the file.
    target_access(target_type).attach(actor, target_id)
    prepared = document_prepare(file=file, name=name, kind=kind)
    with transaction.atomic():
        return document_attach(
            actor=actor, prepared=prepared, target_type=target_type, target_id=target_id
        )
