"""The person registry: people, their documents and households, and identity resolution.

A `Person` is one registry entry as a sending state described it. Records judged to be the
same human share an `identity_cluster`; nothing is ever merged away (DESIGN.md, Identity).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel
from ikaze.core.text import length_checks
from ikaze.privacy.fields import EncryptedTextField, sealed_check


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not specified")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact day")
    MONTH = "month", _("Month and year")
    YEAR = "year", _("Year only")


class Person(BaseModel):
    given_names = models.CharField(max_length=200)
    first_surname = models.CharField(max_length=200)
    second_surname = models.CharField(max_length=200, blank=True)
    name_as_in_documents = models.CharField(max_length=400, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    # Month or year precision stores the first day of the period; `dob_precision` says which.
    date_of_birth = models.DateField(null=True, blank=True)
    dob_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.EXACT
    )
    place_of_birth = models.CharField(max_length=200, blank=True)
    nationalities = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 alpha-2")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639 codes")
    needs_interpreter = models.BooleanField(default=False)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164")
    # The sending state's own identifier for this person.
    external_reference = models.CharField(max_length=100, blank=True)
    sending_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Records adjudicated as the same human share one cluster id; a new record starts alone.
    identity_cluster = models.UUIDField(default=uuid.uuid4, db_index=True)

    class Meta:
        ordering = ["first_surname", "second_surname", "given_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_organisation", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="person_external_reference_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(dob_precision__in=DatePrecision.values),
                name="person_dob_precision_valid",
            ),
            # Names and references are what identity rests on: their limits hold in the
            # database too, on SQLite as on PostgreSQL (issue 9 item 15).
            *length_checks(
                "person",
                given_names=200,
                first_surname=200,
                second_surname=200,
                name_as_in_documents=400,
                place_of_birth=200,
                external_reference=100,
                phone=16,
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def surnames(self) -> str:
        return " ".join(p for p in (self.first_surname, self.second_surname) if p)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surnames) if p)

    @property
    def date_of_birth_display(self) -> str:
        if self.date_of_birth is None:
            return ""
        if self.dob_precision == DatePrecision.YEAR:
            return f"{self.date_of_birth:%Y}"
        if self.dob_precision == DatePrecision.MONTH:
            return f"{self.date_of_birth:%Y-%m}"
        return self.date_of_birth.isoformat()


class SensitiveData(BaseModel):
    """Health and vulnerabilities of one person, kept in this one table on purpose.

    Both are sealed at rest (AES-GCM, a per-person key: ikaze.privacy.vault, SAFEGUARDS D1):
    the columns hold envelopes, written only by `people.services.sensitive_data_store` (pages,
    API and the bulk intake alike) and opened only by `people.selectors.sensitive_data_for`,
    which writes an `audit_read` event (SAFEGUARDS C1/D1). No other module may read them.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="sensitive")
    # Bound to the person (one row each): a value copied to another person's row does not open.
    health = EncryptedTextField(subject="person_id", row="person_id")
    vulnerabilities = EncryptedTextField(subject="person_id", row="person_id")
    # SAFEGUARDS A4: health data travels with a referral only with the person's consent.
    health_consent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(health="") | models.Q(health_consent=True),
                name="sensitive_health_needs_consent",
            ),
            *sealed_check("sensitivedata", "health", "vulnerabilities"),
        ]

    def __str__(self) -> str:
        return f"sensitive data of {self.person_id}"


class IdentityDocument(BaseModel):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        TRAVEL_DOCUMENT = "travel_document", _("Travel document (laissez-passer)")
        NATIONAL_ID = "national_id", _("National identity card")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        OTHER = "other", _("Other")

    TRAVEL_KINDS = frozenset({"passport", "travel_document"})

    # No index of its own: the unique constraint below starts with the person.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField(max_length=60)
    issuing_state = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    expiry = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "kind", "number"]
        # Declared here rather than with db_index, which on PostgreSQL adds a second,
        # LIKE-pattern index (every index is paid on each of a manifest's 35,000 inserts).
        indexes = [models.Index(fields=["number"], name="identitydocument_number_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "number", "issuing_state"],
                name="identitydocument_unique_per_person",
            ),
            *length_checks("identitydocument", number=60, issuing_state=2),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issuing_state} {self.number}"


class Household(BaseModel):
    # The sending state's reference for the household (unique per sending organisation).
    reference = models.CharField(max_length=100)
    sending_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_organisation", "reference"], name="household_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class HouseholdMember(BaseModel):
    class Role(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Child")
        OTHER_ADULT = "other_adult", _("Other adult")

    ADULT_ROLES = frozenset({"head", "spouse", "other_adult"})

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    relationship = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["household", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"], name="householdmember_unique_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} ({self.role})"


class MatchCandidateStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    SAME = "same", _("Same person")
    NOT_SAME = "not_same", _("Not the same person")


class MatchCandidate(BaseModel):
    """Two records that may be the same human, waiting for (or after) a person's decision.

    The pair is stored in a canonical order (person_a < person_b), so the unique constraint
    makes a pair impossible to propose twice, whatever was decided about it.
    """

    Status = MatchCandidateStatus

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField(default=0.0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=40, blank=True, help_text="intake batch, online, ...")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-probability", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="matchcandidate_pair"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")),
                name="matchcandidate_ordered_pair",
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=1),
                name="matchcandidate_probability_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MatchCandidateStatus.values),
                name="matchcandidate_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "-probability"], name="matchcand_status_prob")]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.probability:.2f})"

    @property
    def source_label(self) -> str:
        """Where the pair was found, in the reader's language ("intake:<batch>" names a manifest)."""
        kind, _sep, ref = self.source.partition(":")
        if kind == "intake":
            return gettext("Manifest %(batch)s") % {"batch": ref}
        if kind == "rescore":
            return gettext("Re-scored after an identity change")
        return self.source


# What a decision on a pair can say (a candidate's status once decided). A list, as the
# migration wrote it.
MATCH_OUTCOMES = [MatchCandidateStatus.SAME, MatchCandidateStatus.NOT_SAME]


class MatchDecision(BaseModel):
    """A person's decision on a candidate pair: a record, never overwritten (DESIGN.md)."""

    candidate = models.ForeignKey(
        MatchCandidate, on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(max_length=10, choices=MatchCandidate.Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=MATCH_OUTCOMES),
                name="matchdecision_outcome_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.outcome}"
