"""Support payments: entitlements, batches, payments, the ledger, reconciliation (issue 14).

Money is integer minor units with an ISO 4217 code (SAFEGUARDS E4). A payment's provider
reference is made when the batch is prepared, stored before any call and reused on every retry
(E1); only a status query sets it successful (E2). The ledger is append-only (database
triggers, `triggers.py`) and a unique constraint makes a second payment of one entitlement
impossible (DESIGN invariant 4).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class ExchangeRate(BaseModel):
    """A recorded rate: how many Rwandan francs one unit of `currency` buys, on a date."""

    currency = models.CharField(max_length=3)
    # RWF (minor units: RWF has none) per one major unit of `currency`, as a decimal.
    rwf_per_unit = models.DecimalField(max_digits=14, decimal_places=4)
    rate_date = models.DateField()
    source = models.CharField(max_length=200)
    recorded_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-rate_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="rate_once_per_day"),
            models.CheckConstraint(condition=models.Q(rwf_per_unit__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rwf_per_unit} RWF on {self.rate_date}"


class PayeeRule(models.TextChoices):
    HEAD = "head", _("The household head")
    EACH_ADULT = "each_adult", _("Each adult")


class PackageTerms(BaseModel):
    """How support pays one support item of an agreement (who is paid); each adult if none."""

    support_item = models.OneToOneField(
        "agreements.SupportItem", on_delete=models.PROTECT, related_name="+"
    )
    payee = models.CharField(max_length=12, choices=PayeeRule.choices, default=PayeeRule.EACH_ADULT)

    def __str__(self) -> str:
        return f"{self.support_item_id}: {self.payee}"


class Wallet(BaseModel):
    """A person's mobile-money number, validated (E.164, +250 78/79) and checked (E3)."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="+")
    msisdn = models.CharField(max_length=16)  # E.164 without the "+": 2507XXXXXXXX
    holder_name = models.CharField(max_length=200, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=False)
    check_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"+{self.msisdn}"


class EntitlementStatus(models.TextChoices):
    OPEN = "open", _("Due")
    IN_BATCH = "in_batch", _("In a batch")
    PAID = "paid", _("Paid")
    STOPPED = "stopped", _("Stopped")


class Entitlement(BaseModel):
    """One amount a person is due under an agreement's support item, for one period."""

    Status = EntitlementStatus

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="+"
    )
    support_item = models.ForeignKey(
        "agreements.SupportItem", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16)
    # "once" or the month it is for ("2026-03").
    period = models.CharField(max_length=7)
    due_date = models.DateField()
    # What the agreement promises, in its currency.
    source_amount_minor = models.BigIntegerField()
    source_currency = models.CharField(max_length=3)
    rate = models.ForeignKey(ExchangeRate, on_delete=models.PROTECT, null=True, blank=True)
    # What is paid, in Rwandan francs (RWF has no minor unit).
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="RWF")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The verified arrival it rests on (never before one).
    arrived_at = models.DateTimeField()
    checked_in_at = models.DateTimeField()

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "support_item", "period"], name="entitlement_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0), name="entitlement_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EntitlementStatus.values),
                name="entitlement_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_in_at__gte=models.F("arrived_at")),
                name="entitlement_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} of {self.person_id}"


class AdjustmentKind(models.TextChoices):
    REDUCE = "reduce", _("Reduce")
    STOP = "stop", _("Stop")


class AdjustmentReason(models.TextChoices):
    DUPLICATE_REGISTRATION = "duplicate_registration", _("Registered twice")
    LEFT_COUNTRY = "left_country", _("Left the country")
    DECEASED = "deceased", _("Deceased")
    EMPLOYED = "employed", _("In paid work, as the package provides")
    OVERPAID = "overpaid", _("Paid too much before")
    # SAFEGUARDS B8: never a reason; stated, they are refused and the refusal is recorded.
    COMPLAINT = "complaint", _("A complaint (never a reason: B8)")
    APPEAL = "appeal", _("An appeal (never a reason: B8)")
    FEAR_CLAIM = "fear_claim", _("A fear claim (never a reason: B8)")


# SAFEGUARDS B8: a stipend is never reduced or stopped because of these.
FORBIDDEN_REASONS = frozenset({"complaint", "appeal", "fear_claim"})


class AdjustmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting a second approver")
    APPROVED = "approved", _("Approved")


class Adjustment(BaseModel):
    """A reduction or stop of an entitlement (B8): a reason code and a second approver."""

    Kind = AdjustmentKind
    Reason = AdjustmentReason
    Status = AdjustmentStatus

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason_code = models.CharField(max_length=24, choices=Reason.choices)
    explanation = models.TextField()
    new_amount_minor = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason_code__in=sorted(FORBIDDEN_REASONS)),
                name="adjustment_reason_not_b8",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("requested_by")),
                name="adjustment_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.entitlement_id} ({self.reason_code})"


class BatchStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentBatch(BaseModel):
    """Payments prepared by a finance officer and approved by another person (maker-checker)."""

    Status = BatchStatus

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, blank=True)
    period = models.CharField(max_length=7, blank=True)
    provider = models.CharField(max_length=16, default="momo")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARED)
    prepared_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The sender that holds the batch, until when (a dead sender's lease runs out).
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    total_count = models.PositiveIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    # Entitlements left out when prepared, each with why: [{"entitlement", "person", "reason"}].
    excluded = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BatchStatus.values), name="batch_status_valid"
            ),
            # Maker-checker: the database refuses an approval by the batch's maker.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("prepared_by")),
                name="batch_maker_is_not_checker",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[BatchStatus.PREPARED, BatchStatus.CANCELLED])
                | models.Q(approved_by__isnull=False),
                name="batch_sent_only_if_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.status})"


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")
    SUBMITTED = "submitted", _("Submitted")
    PENDING = "pending", _("Pending at the provider")
    SUCCESSFUL = "successful", _("Paid")
    FAILED = "failed", _("Failed")


FINAL_STATES = (PaymentState.SUCCESSFUL.value, PaymentState.FAILED.value)


class Payment(BaseModel):
    """One transfer of a batch, with the payee, wallet and amount as they were when prepared."""

    State = PaymentState

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # SAFEGUARDS E1: made here, stored before the first call, reused on every retry.
    reference_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Snapshots (HOPE): what was approved is what is sent.
    payee_name = models.CharField(max_length=200)
    msisdn = models.CharField(max_length=16)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    provider_ref = models.CharField(max_length=100, blank=True)
    provider_amount_minor = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # DESIGN invariant 4: one live payment per entitlement; a failed one may be retried
            # in a new batch, a successful one never again.
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=~models.Q(state="failed"),
                name="payment_one_live_per_entitlement",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=PaymentState.values), name="payment_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"payment {self.reference_id} ({self.state})"


class Account(models.TextChoices):
    BUDGET = "budget", _("Budget")
    PAYABLE = "payable", _("Payable")
    IN_TRANSIT = "in_transit", _("In transit")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    RETURNED = "returned", _("Returned")


class LedgerEntry(models.Model):
    """One double entry: `amount_minor` leaves `credit` and enters `debit`. Append-only.

    Every entry moves the same amount between two accounts, so the ledger balances by
    construction; the sum of every account is zero. Postings: entitlement (budget → payable),
    submit (payable → in transit), settle (in transit → paid or → failed), retry of a failed
    one (failed → payable), a reduction or stop (payable → returned).
    """

    Account = Account

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)
    event = models.CharField(max_length=24)
    debit = models.CharField(max_length=12, choices=Account.choices)
    credit = models.CharField(max_length=12, choices=Account.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="ledger_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(debit=models.F("credit")), name="ledger_two_accounts"
            ),
            # A second payment of one entitlement cannot enter the paid account.
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=models.Q(debit="paid"),
                name="ledger_paid_once_per_entitlement",
            ),
            # Each payment posts each event once (a rerun of a killed sender posts nothing twice).
            models.UniqueConstraint(
                fields=["payment", "event"],
                condition=models.Q(payment__isnull=False),
                name="ledger_event_once_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.amount_minor} {self.currency} {self.credit}→{self.debit}"


class IncidentKind(models.TextChoices):
    AMOUNT_MISMATCH = "amount_mismatch", _("The provider reports another amount")
    STATE_MISMATCH = "state_mismatch", _("The provider reports another state")
    UNKNOWN_AT_PROVIDER = "unknown_at_provider", _("The provider does not know the payment")
    STILL_PENDING = "still_pending", _("Still pending at the provider")
    BALANCE_MISMATCH = "balance_mismatch", _("The provider's balance differs from the ledger")


class Incident(BaseModel):
    """A difference the reconciliation could not explain: open until someone explains it."""

    Kind = IncidentKind

    kind = models.CharField(max_length=24, choices=Kind.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.TextField()
    opened_at = models.DateTimeField()
    explained_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    explained_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "kind"],
                condition=models.Q(payment__isnull=False),
                name="support_incident_once_per_payment",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=IncidentKind.values),
                name="support_incident_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.payment_id})"

    @property
    def is_open(self) -> bool:
        return self.explained_at is None


class Reconciliation(BaseModel):
    """One run of the reconciliation job: what it compared and every difference it found."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    unreconciled = models.PositiveIntegerField(default=0)
    ledger_in_transit_minor = models.BigIntegerField(default=0)
    provider_balance_minor = models.BigIntegerField(null=True, blank=True)
    # [{"reference_id", "kind", "ours", "theirs", "resolution"}]
    differences = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M}"
