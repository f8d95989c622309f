"""Protection after arrival: the case, its status claim, complaints, the monitor's records.

A case opens when a person arrives (`services.case_open_on_arrival`, called by movements).
Its claim moves claim → interview → decision → appeal → court; every step is a record, the
case's stage is derived from them (`rules.py`). Sensitive values (claim details, interview
notes, decision reasons, complaint content) are declared through `sensitive_text` only, so
they are sealed by the encryption at rest of `ikaze.privacy` (writes seal through
`vault.seal_fields`, reads open through `vault.open_field`; ADR 0026).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel
from ikaze.privacy.fields import EncryptedTextField, sealed_check


def sensitive_text(subject: str = "person_id") -> EncryptedTextField:
    """The one declaration of a sensitive value (SAFEGUARDS D1): sealed at rest by
    `ikaze.privacy` under the person's key (`subject` names the attribute holding their id)."""
    return EncryptedTextField(subject=subject)


class CaseOutcome(models.TextChoices):
    STATUS_GRANTED = "status_granted", _("Status granted")
    ONWARD_RESETTLEMENT = "onward_resettlement", _("Onward resettlement")
    VOLUNTARY_RETURN = "voluntary_return", _("Voluntary return")
    DEPARTURE = "departure", _("Departure")
    NO_CLAIM = "no_claim", _("No claim made")


class Case(BaseModel):
    """A relocated person's protection case, opened at arrival (SAFEGUARDS B1)."""

    Outcome = CaseOutcome

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=20, unique=True)
    arrived_at = models.DateTimeField()
    language = models.CharField(max_length=3, blank=True)  # the person's first language
    # B2: the rights briefing (how to claim asylum, appeal and complain).
    rights_briefing_due = models.DateTimeField()
    rights_briefed_at = models.DateTimeField(null=True, blank=True)
    rights_briefing_language = models.CharField(max_length=3, blank=True)
    rights_briefed_by_label = models.CharField(max_length=200, blank=True)
    # The claim, its appeal and the court case, as they are lodged.
    claim_lodged_at = models.DateTimeField(null=True, blank=True)
    claim_details = sensitive_text()
    appeal_lodged_at = models.DateTimeField(null=True, blank=True)
    court_filed_at = models.DateTimeField(null=True, blank=True)
    court_reference = models.CharField(max_length=100, blank=True)
    # B1/B7: set when the decision on status is final (appeals and court included).
    final_decision_at = models.DateTimeField(null=True, blank=True)
    monitoring_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-arrived_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person"], name="case_one_per_person"),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(outcome__in=CaseOutcome.values),
                name="case_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(outcome=""),
                name="case_closed_with_outcome",
            ),
            *sealed_check("protection_case", "claim_details"),
        ]

    def __str__(self) -> str:
        return self.reference


class Interview(BaseModel):
    """An interview or hearing (SAFEGUARDS B3): interpreter language, representative or waiver."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")
        HEARING = "hearing", _("Hearing")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="interviews")
    # The case's person, whose key seals the notes (a column: key rotation reads it in bulk).
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INTERVIEW)
    held_at = models.DateTimeField()
    interpreter_language = models.CharField(max_length=3)
    legal_representative = models.CharField(max_length=200, blank=True)
    waiver_reference = models.CharField(max_length=100, blank=True)
    notes = sensitive_text()
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["held_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(legal_representative="") | ~models.Q(waiver_reference=""),
                name="interview_representative_or_waiver",
            ),
            models.CheckConstraint(
                condition=~models.Q(interpreter_language=""), name="interview_interpreter_named"
            ),
            *sealed_check("protection_interview", "notes"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_at:%Y-%m-%d}"


class DecisionLevel(models.TextChoices):
    FIRST_INSTANCE = "first_instance", _("First instance")
    APPEAL = "appeal", _("Appeal")
    COURT = "court", _("Court")


class StatusDecision(BaseModel):
    """A written, reasoned decision on status (SAFEGUARDS B4), served in the person's language."""

    Level = DecisionLevel

    class Result(models.TextChoices):
        GRANTED = "granted", _("Status granted")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    # The case's person, whose key seals the reasons (a column: key rotation reads it in bulk).
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    result = models.CharField(max_length=8, choices=Result.choices)
    decided_on = models.DateField()
    decided_by_label = models.CharField(max_length=200)
    reasons = sensitive_text()
    served_at = models.DateTimeField(null=True, blank=True)
    served_language = models.CharField(max_length=3, blank=True)
    interpreter_language = models.CharField(max_length=3, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["decided_on", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level"], name="decision_once_per_level"),
            models.CheckConstraint(
                condition=models.Q(level__in=DecisionLevel.values), name="decision_level_valid"
            ),
            *sealed_check("protection_statusdecision", "reasons"),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.result}"


class ServiceReferral(BaseModel):
    class Kind(models.TextChoices):
        HEALTH = "health", _("Health")
        LEGAL_AID = "legal_aid", _("Legal aid")
        EDUCATION = "education", _("Education")
        LANGUAGE = "language", _("Language classes")
        JOB_TRAINING = "job_training", _("Job training")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    provider = models.CharField(max_length=200)
    referred_on = models.DateField()
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["referred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.provider}"


class Milestone(BaseModel):
    class Kind(models.TextChoices):
        LANGUAGE_BASIC = "language_basic", _("Basic language level reached")
        SCHOOL_ENROLLED = "school_enrolled", _("Enrolled in school")
        TRAINING_COMPLETED = "training_completed", _("Job training completed")
        EMPLOYED = "employed", _("In work")
        OWN_HOUSING = "own_housing", _("In own housing")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reached_on = models.DateField()
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["reached_on", "pk"]

    def __str__(self) -> str:
        return self.kind


class Departure(BaseModel):
    """A departure the non-refoulement lock let through (SAFEGUARDS B6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="departures")
    destination = models.CharField(max_length=2)
    voluntary_request_reference = models.CharField(max_length=100, blank=True)
    fear_screening_on = models.DateField(null=True, blank=True)
    departs_on = models.DateField()
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["departs_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.destination}"


class LockHit(BaseModel):
    """A departure the non-refoulement lock refused: an alert for the monitor (B6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="lock_hits")
    destination = models.CharField(max_length=2)
    reason = models.TextField()
    attempted_by_label = models.CharField(max_length=200)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"lock hit {self.destination}"


class ComplaintChannel(models.TextChoices):
    CASEWORKER = "caseworker", _("Through a caseworker")
    MONITOR = "monitor", _("Through a monitor")
    SELF_SERVICE = "self_service", _("Self-service page")


class Complaint(BaseModel):
    """A complaint to the monitor (SAFEGUARDS C2). Its content is the monitor's alone."""

    Channel = ComplaintChannel

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="complaints")
    reference = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(max_length=3, blank=True)
    content = sensitive_text()
    filed_at = models.DateTimeField()
    ack_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-filed_at", "pk"]
        constraints = [*sealed_check("protection_complaint", "content")]

    def __str__(self) -> str:
        return self.reference


class AdverseAction(BaseModel):
    """Something done against a person's interest (support cut, moved, case closed), kept with
    its reason code for the monitor; flagged when it follows a complaint within 90 days (C2)."""

    class Kind(models.TextChoices):
        SUPPORT_REDUCED = "support_reduced", _("Support reduced")
        SUPPORT_STOPPED = "support_stopped", _("Support stopped")
        UNIT_TRANSFER = "unit_transfer", _("Moved to another unit")
        CHECK_OUT = "check_out", _("Checked out of accommodation")
        CASE_CLOSED = "case_closed", _("Case closed")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason_code = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    recorded_by_label = models.CharField(max_length=200)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "pk"]

    def __str__(self) -> str:
        return self.kind

    @property
    def flagged(self) -> bool:
        return self.complaint_id is not None


class PersonalCode(BaseModel):
    """The personal code and PIN that open the self-service complaint page (no account)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=12, unique=True)
    pin_hash = models.CharField(max_length=200)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(revoked_at__isnull=True),
                name="personalcode_one_active_per_person",
            )
        ]

    def __str__(self) -> str:
        return self.code


class SelfServiceAttempt(BaseModel):
    """One sign-in attempt on the self-service page, for its rate limits (per address, per
    code). The code is kept as a digest: a guessed code is not stored in clear."""

    client = models.CharField(max_length=64, db_index=True)
    code_digest = models.CharField(max_length=64, db_index=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client} {self.succeeded}"


class Observation(BaseModel):
    """An observation or an incident report written by a monitor."""

    class Kind(models.TextChoices):
        OBSERVATION = "observation", _("Observation")
        INCIDENT_REPORT = "incident_report", _("Incident report")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    observed_on = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["-observed_on", "-created_at"]

    def __str__(self) -> str:
        return self.title


class MonitorAccessRequest(BaseModel):
    """A receiving-state administrator's request to remove a monitor's access: it takes effect
    only when an administrator of the monitoring body confirms it (SAFEGUARDS C1)."""

    class Kind(models.TextChoices):
        DEACTIVATE = "deactivate", _("Deactivate the account")
        REVOKE_ROLE = "revoke_role", _("Remove the monitor role")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the monitoring body")
        CONFIRMED = "confirmed", _("Confirmed by the monitoring body")
        DECLINED = "declined", _("Declined by the monitoring body")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    monitoring_body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField()
    requested_by_label = models.CharField(max_length=200)
    requested_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="pending"),
                name="monitoraccessrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id}"
