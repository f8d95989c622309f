"""Document reads, each asked of the record's owner (`targets`) and every download audited.

A document is read only by who may read the record it is attached to: the owner's own scope
(the party rule for referrals, the people scope, the monitor reads everything). A document
the actor may not read answers "not found", recorded as a probe, like any record out of scope.
Every download writes a read event to the audit chain, whoever reads (SAFEGUARDS C1, D1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import OutOfScope, require
from ikaze.audit.services import audit_read
from ikaze.core.errors import NotFound, PermissionDenied
from ikaze.documents.forms import DocumentForm
from ikaze.documents.models import Document, TargetType
from ikaze.documents.storage import document_storage
from ikaze.documents.targets import target_access


def document_list_for(
    *, actor: Actor, target_type: str, target_id: uuid.UUID | str
) -> list[Document]:
    """The documents attached to one record the actor may read, oldest first."""
    require(actor, Perm.DOCUMENT_VIEW, target_type="document")
    if target_type not in TargetType.values:
        raise NotFound(gettext("No such record."))
    try:
        target = uuid.UUID(str(target_id))
    except ValueError:
        raise NotFound(gettext("No such record.")) from None
    target_access(target_type).read(actor, target)
    return list(
        Document.objects.filter(target_type=target_type, target_id=target).select_related(
            "uploaded_by"
        )
    )


def documents_of(
    *, target_type: str, target_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Document]]:
    """The documents of several records of one type, by record: for a page whose records the
    caller has already read through its own scoped selectors (the facts of a vetting file)."""
    out: dict[uuid.UUID, list[Document]] = {}
    rows = Document.objects.filter(target_type=target_type, target_id__in=list(target_ids))
    for d in rows.select_related("uploaded_by"):
        out.setdefault(d.target_id, []).append(d)
    return out


def document_get_for(*, actor: Actor, document_id: uuid.UUID | str) -> Document:
    """One document whose record the actor may read, or NotFound (OutOfScope when it exists)."""
    require(actor, Perm.DOCUMENT_VIEW, target_type="document")
    message = gettext("No such document.")
    try:
        document = Document.objects.get(pk=document_id)
    except (Document.DoesNotExist, ValueError):
        raise NotFound(message) from None
    try:
        target_access(document.target_type).read(actor, document.target_id)
    except (NotFound, PermissionDenied) as exc:
        # Whatever the owner's reason (out of scope, or a record its role never reads), the
        # document is "not found": a 403 would tell that it exists.
        if isinstance(exc, OutOfScope):
            exc.recorded = True  # the probe is on the document, recorded by the interface
        raise OutOfScope(message, target_type="document", target_id=document.pk) from None
    return document


def document_read_for(*, actor: Actor, document_id: uuid.UUID | str) -> tuple[Document, IO[bytes]]:
    """Open a document's bytes for the actor, recording the read in the audit chain."""
    document = document_get_for(actor=actor, document_id=document_id)
    handle = document_storage().open(document.storage_name, "rb")
    with transaction.atomic():
        audit_read(
            actor=actor,
            target_type="document",
            target_ids=[document.pk],
            purpose=f"download ({document.target_type} {document.target_id})",
        )
    return document, handle


def document_attach_allowed(*, actor: Actor, target_type: str, target_id: uuid.UUID) -> bool:
    """Whether the actor may attach documents to the record (to offer the form or not)."""
    if not actor.can(Perm.DOCUMENT_UPLOAD):
        return False
    try:
        target_access(target_type).attach(actor, target_id)
    except (NotFound, PermissionDenied):
        return False
    return True


@dataclass
class DocumentPanel:
    """What a page shows of one record's documents: the list, and the upload form if allowed."""

    target_type: str
    target_id: uuid.UUID
    documents: list[Document]
    form: DocumentForm | None
    next_url: str
    key: str


def document_panel_for(
    *,
    actor: Actor,
    target_type: str,
    target_id: uuid.UUID,
    next_url: str,
    documents: list[Document] | None = None,
    key: str = "",
) -> DocumentPanel:
    """One record's documents for a page whose record the caller has read through its own
    scoped selector; `key` keeps the form's ids unique when a page shows several."""
    if documents is None:
        documents = document_list_for(actor=actor, target_type=target_type, target_id=target_id)
    key = key or f"{target_type}_{str(target_id)[:8]}"
    allowed = document_attach_allowed(actor=actor, target_type=target_type, target_id=target_id)
    return DocumentPanel(
        target_type=target_type,
        target_id=target_id,
        documents=documents,
        form=DocumentForm(auto_id=f"id_doc_{key}_%s") if allowed else None,
        next_url=next_url,
        key=key,
    )
