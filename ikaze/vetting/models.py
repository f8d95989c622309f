"""Referrals: a sending state asks the receiving state to take one person under an agreement.

The vetting issue adds findings, decisions and overrides next to `Referral`; a decision is a
record and the referral's status follows from it (DESIGN.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class Referral(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        PAGE = "page", _("Form")
        API = "api", _("API")
        MANIFEST = "manifest", _("Manifest")

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    referring_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )
    # The sending state's case reference for this referral.
    external_reference = models.CharField(max_length=100, blank=True)
    # Changed only by the services in vetting/services.py, along REFERRAL_TRANSITIONS.
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    intake_batch_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "referring_organisation", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="referral_external_reference_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "under_review",
                        "information_requested",
                        "withdrawn",
                        "expired",
                    ]
                ),
                name="referral_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["referring_organisation", "status"], name="referral_org_status"),
            models.Index(fields=["agreement", "status"], name="referral_agreement_status"),
        ]

    def __str__(self) -> str:
        return f"{self.external_reference or self.pk} ({self.status})"


S = Referral.Status
# Every allowed status change: (from, to). Anything else raises IllegalTransition.
# The vetting issue adds the decided states (accepted / refused) and their edges.
REFERRAL_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.DRAFT, S.SUBMITTED),
        (S.DRAFT, S.WITHDRAWN),
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.SUBMITTED, S.EXPIRED),
        (S.UNDER_REVIEW, S.INFORMATION_REQUESTED),
        (S.UNDER_REVIEW, S.WITHDRAWN),
        (S.UNDER_REVIEW, S.EXPIRED),
        (S.INFORMATION_REQUESTED, S.SUBMITTED),
        (S.INFORMATION_REQUESTED, S.WITHDRAWN),
        (S.INFORMATION_REQUESTED, S.EXPIRED),
    }
)
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED})
