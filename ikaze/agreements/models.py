"""Agreements between a sending and a receiving state: parties, caps, money, safeguard settings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.agreements.standards import PROTECTIVE_DEFAULTS, SAFEGUARD_SETTINGS
from ikaze.core.models import BaseModel


def _standard(setting: str) -> int:
    # A new agreement starts at the protective standard (standards.py, SAFEGUARDS preamble).
    return PROTECTIVE_DEFAULTS[setting].value


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    DECLINED = "declined", _("Declined")


class Agreement(BaseModel):
    Status = AgreementStatus

    class Instrument(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        TREATY = "treaty", _("Treaty")
        ARRANGEMENT = "arrangement", _("Arrangement")
        EXCHANGE_OF_NOTES = "exchange_of_notes", _("Exchange of notes")
        NOTE_VERBALE = "note_verbale", _("Note verbale")
        OTHER = "other", _("Other")

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sending_state = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    receiving_state = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    instrument = models.CharField(
        max_length=20, choices=Instrument.choices, default=Instrument.ARRANGEMENT
    )
    instrument_reference = models.CharField(max_length=200, blank=True)
    # SAFEGUARDS A13: a voluntary scheme needs informed, withdrawable consent.
    voluntary = models.BooleanField(default=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217")

    # Caps (SAFEGUARDS A6): null = uncapped. The counter is moved only with F() updates, so
    # the check constraint below is what enforces the cap, even under concurrency.
    cap_total = models.PositiveIntegerField(null=True, blank=True)
    places_used = models.PositiveIntegerField(default=0)
    # Of the places used, those consumed by a person who arrived (ADR 0021): the cap is
    # consumed at arrival; a place held by an acceptance is reserved until then.
    places_arrived = models.PositiveIntegerField(default=0)
    # People relocated before Ikaze recorded movements (e.g. the 4 UK–Rwanda volunteers).
    relocated_before_system = models.PositiveIntegerField(default=0)

    # Safeguard settings; the protective defaults and their sources are in standards.py.
    assessment_max_age_days = models.PositiveIntegerField(
        default=_standard("assessment_max_age_days")
    )  # A3
    acceptance_valid_days = models.PositiveIntegerField(
        default=_standard("acceptance_valid_days")
    )  # A5
    notice_period_days = models.PositiveIntegerField(default=_standard("notice_period_days"))  # A9
    review_window_days = models.PositiveIntegerField(default=_standard("review_window_days"))  # A10
    rights_briefing_days = models.PositiveIntegerField(
        default=_standard("rights_briefing_days")
    )  # B2
    complaint_ack_days = models.PositiveIntegerField(default=_standard("complaint_ack_days"))  # C2
    appeal_window_days = models.PositiveIntegerField(default=_standard("appeal_window_days"))  # B5

    # What its notices name, per language (notice_settings.NoticeSettings; issue 11 item 14):
    # set by `services.agreement_notice_settings_set`, empty until then.
    notice_settings = models.JSONField(default=dict, blank=True)

    # Optimistic lock: every change bumps it; an edit carrying an older version is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sending_state=models.F("receiving_state")),
                name="agreement_parties_differ",
            ),
            models.CheckConstraint(
                condition=models.Q(cap_total__isnull=True)
                | models.Q(places_used__lte=models.F("cap_total")),
                name="agreement_places_within_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(places_used__gte=0), name="agreement_places_not_negative"
            ),
            # An arrived person's place is never given back (ADR 0021).
            models.CheckConstraint(
                condition=models.Q(places_arrived__lte=models.F("places_used")),
                name="agreement_arrived_within_used",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="agreement_validity_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AgreementStatus.values),
                name="agreement_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


# The fields an agreement's parties set and change: the one list (issue 10 item 4) that the
# service validates (`services.agreement_create`/`agreement_update`), the API's create and
# patch bodies are built from (`schemas`), and the form and its page take (`forms`). The
# code, the status, the counters and the version each have a service of their own.
EDITABLE_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "sending_state",
    "receiving_state",
    "instrument",
    "instrument_reference",
    "voluntary",
    "valid_from",
    "valid_to",
    "currency",
    "cap_total",
    "relocated_before_system",
    *SAFEGUARD_SETTINGS,
)


class Tranche(BaseModel):
    """A cap for one period of an agreement (e.g. 2025–2026: 250 places)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="tranches")
    label = models.CharField(max_length=80)
    starts_on = models.DateField()
    ends_on = models.DateField()
    cap = models.PositiveIntegerField()
    places_used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(places_used__gte=0), name="tranche_places_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(places_used__lte=models.F("cap")),
                name="tranche_places_within_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="tranche_period_ordered",
            ),
            models.UniqueConstraint(fields=["agreement", "label"], name="tranche_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.places_used}/{self.cap})"


class SupportItem(BaseModel):
    """Something the agreement promises each relocated person (paid or provided later)."""

    class Kind(models.TextChoices):
        STIPEND = "stipend", _("Stipend")
        ACCOMMODATION = "accommodation", _("Accommodation")
        HEALTHCARE = "healthcare", _("Healthcare")
        TRAINING = "training", _("Training")
        EDUCATION = "education", _("Education")
        LEGAL_AID = "legal_aid", _("Legal aid")
        OTHER = "other", _("Other")

    class Frequency(models.TextChoices):
        ONCE = "once", _("Once")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="support_items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=300)
    amount_minor = models.BigIntegerField(null=True, blank=True)  # null = provided in kind
    currency = models.CharField(max_length=3, blank=True)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.ONCE)
    duration_months = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__isnull=True) | models.Q(amount_minor__gte=0),
                name="support_item_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class CompensationCategory(models.TextChoices):
    """SAFEGUARDS C5: inter-state money is recorded by these categories."""

    FIXED = "fixed", _("Fixed")
    PER_PERSON = "per_person", _("Per person")
    MILESTONE = "milestone", _("Milestone")
    PROCESSING = "processing", _("Processing")
    DEPARTURE = "departure", _("Departure")


class CompensationLine(BaseModel):
    """One line of the money the sending state promises the receiving state."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="compensation_lines"
    )
    category = models.CharField(max_length=12, choices=CompensationCategory.choices)
    description = models.CharField(max_length=300)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # A milestone is due once this many people have been relocated (e.g. £120m at 300).
    trigger_people = models.PositiveIntegerField(null=True, blank=True)
    per_person = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="compensation_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(category="milestone") | models.Q(trigger_people__isnull=False),
                name="compensation_milestone_has_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description}"


class InterstatePayment(BaseModel):
    """Money actually paid by the sending state to the receiving state.

    A payment counts against one schedule line, in that line's currency: a payment in another
    currency carries the exchange rate used, its date and its source, and the amount it counts
    for in the line's currency (issue 11 item 12). A record is never edited: a reversal is a
    new record pointing to the payment it reverses, and counts negatively; a correction is a
    reversal followed by the right payment.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payments")
    category = models.CharField(max_length=12, choices=CompensationCategory.choices)
    # The schedule line paid; null only when the category has no line (flagged, C5).
    line = models.ForeignKey(
        CompensationLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # Units of the line's currency for one unit of the payment's (only across currencies).
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=10, null=True, blank=True)
    rate_on = models.DateField(null=True, blank=True)
    rate_source = models.CharField(max_length=200, blank=True)
    # What the payment counts for against its line, in the line's currency.
    line_amount_minor = models.BigIntegerField(null=True, blank=True)
    paid_on = models.DateField()
    reference = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    # A reversal: the payment it takes back (once only: the one-to-one is unique).
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["paid_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="interstate_payment_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["agreement", "reference"], name="interstate_payment_reference_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(exchange_rate__isnull=True)
                | (
                    models.Q(exchange_rate__gt=0)
                    & models.Q(rate_on__isnull=False)
                    & ~models.Q(rate_source="")
                ),
                name="interstate_payment_rate_dated_and_sourced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount_minor} {self.currency}"

    @property
    def sign(self) -> int:
        """-1 for a reversal, 1 for a payment."""
        return -1 if self.reverses_id is not None else 1
