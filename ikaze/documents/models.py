"""Uploaded documents (issue 11 item 3): a birth certificate, an assessment, a signed receipt.

The bytes live in the documents storage (`ikaze.documents.storage`), never in the database and
never under MEDIA_URL; the row says what they are (type found by content, SHA-256 computed by
Ikaze), who uploaded them and when, and which record they are attached to. The record belongs
to another app (a person, a referral, a fact, a notice, a message of a referral's thread);
that app decides who may read and attach (`ikaze.documents.targets`). Rows are never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class TargetType(models.TextChoices):
    PERSON = "person", _("Person")
    REFERRAL = "referral", _("Referral")
    LEGAL_EVENT = "legal_event", _("Legal fact")
    NOTICE = "notice", _("Notice")
    REFERRAL_MESSAGE = "referral_message", _("Message on a referral")


class DocumentKind(models.TextChoices):
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    IDENTITY_DOCUMENT = "identity_document", _("Identity or travel document")
    ASSESSMENT = "assessment", _("Pre-transfer assessment")
    LEGAL_DOCUMENT = "legal_document", _("Court or legal document")
    SIGNED_RECEIPT = "signed_receipt", _("Signed receipt")
    PROOF_OF_SERVICE = "proof_of_service", _("Proof of service")
    CORRESPONDENCE = "correspondence", _("Letter or correspondence")
    OTHER = "other", _("Other")


class Document(BaseModel):
    TargetType = TargetType
    Kind = DocumentKind

    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    # The uploader's file name, cleaned (no folders, no control characters); shown and used
    # as the download's file name, never as a path.
    original_name = models.CharField(max_length=200)
    # Found by content (ikaze.documents.content), not from the name or the client's header.
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # The name in the documents storage (a folder under IKAZE_HOME, or an S3 bucket).
    storage_name = models.CharField(max_length=255, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="document_target")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_type__in=TargetType.values),
                name="document_target_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.kind})"

    @property
    def uploaded_by_display(self) -> str:
        return str(self.uploaded_by) if self.uploaded_by_id else self.uploaded_by_label
