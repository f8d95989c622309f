"""Personal data: per-person data keys, and (D2-D5) bases, requests, holds and breaches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel
from ikaze.core.text import length_checks
from ikaze.privacy.fields import EncryptedTextField, sealed_check


class SubjectKey(BaseModel):
    """The secret that, with a master key, derives the keys of one person's sealed values.

    Destroying it (`secret` set to NULL, `destroyed_at` set) makes every value sealed for the
    person unrecoverable, whatever master key one holds: the purge's crypto-shredding (D4).
    Alone it opens nothing: the master keys are kept outside the database (ADR 0027).
    """

    subject_id = models.UUIDField(unique=True)
    secret = models.BinaryField(null=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(secret__isnull=True) | models.Q(destroyed_at__isnull=True),
                name="subjectkey_destroyed_has_no_secret",
            )
        ]

    def __str__(self) -> str:
        return f"data key of {self.subject_id}"


class ExportBasis(models.TextChoices):
    """The legal bases an export out of the receiving state may rest on (D2, Law 058/2021
    arts. 48-50)."""

    AGREEMENT = "agreement", _("The data-sharing clause of an agreement in force")
    MONITORING = "monitoring", _("Independent monitoring under the agreement")
    CONSENT = "consent", _("The person's explicit consent")
    COURT_ORDER = "court_order", _("A court order or legal obligation")


class ExportRecord(BaseModel):
    """One export that left the receiving state, and the legal basis it rested on (D2)."""

    kind = models.CharField(max_length=40)
    destination_country = models.CharField(max_length=2)
    basis = models.CharField(max_length=20, choices=ExportBasis.choices)
    # What the basis names: the agreement's code, the consent or the order's reference.
    basis_reference = models.CharField(max_length=200, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exported_by_label = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(basis__in=ExportBasis.values), name="exportrecord_basis_valid"
            ),
            *length_checks(
                "exportrecord", kind=40, destination_country=2, basis_reference=200, detail=500
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.destination_country} ({self.basis})"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (a copy of the data)")
    RECTIFICATION = "rectification", _("Rectification")
    RESTRICTION = "restriction", _("Restriction of processing")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class DataRequest(BaseModel):
    """A person's request under Law 058/2021 arts. 18-23 (D3): received, due, answered."""

    Kind = RequestKind
    Status = RequestStatus

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default="open")
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # What the person asks, in their words (it can hold health details: sealed).
    detail = EncryptedTextField(subject="person_id")
    # Rectification: which sensitive field, and the corrected value (sealed).
    field = models.CharField(max_length=20, blank=True)
    proposed_value = EncryptedTextField(subject="person_id")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    # Restriction: in force from its acceptance until lifted.
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RequestKind.values), name="datarequest_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values),
                name="datarequest_status_valid",
            ),
            *sealed_check("datarequest", "detail", "proposed_value"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request of {self.person_id}"


class LegalHold(BaseModel):
    """A hold that suspends the purge of a person's data (D4): a court case, an inquiry."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    reference = models.CharField(max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [*length_checks("legalhold", reference=200)]

    def __str__(self) -> str:
        return f"hold on {self.person_id}: {self.reference}"


class Purge(BaseModel):
    """A person's sensitive data destroyed (D4): the record that it happened, without it."""

    person_id_erased = models.UUIDField(db_index=True)
    category = models.CharField(max_length=20)
    reason = models.CharField(max_length=200)
    purged_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"purge of {self.person_id_erased}"


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Breach(BaseModel):
    """A personal-data breach (D5): notice to the regulator within 48 h of discovery, a full
    report within 72 h (Law 058/2021 arts. 43-45)."""

    Status = BreachStatus

    title = models.CharField(max_length=200)
    description = models.TextField()
    discovered_at = models.DateTimeField()
    people_affected = models.PositiveIntegerField(default=0)
    categories = models.JSONField(default=list, blank=True)
    notice_due_at = models.DateTimeField()
    report_due_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    notice_reference = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_reference = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=BreachStatus.choices, default="open")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-discovered_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BreachStatus.values), name="breach_status_valid"
            ),
            *length_checks("breach", title=200, notice_reference=200, report_reference=200),
        ]

    def __str__(self) -> str:
        return self.title
