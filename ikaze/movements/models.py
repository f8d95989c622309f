"""Movements: a flight or convoy under an agreement, its manifest seat by seat, incidents.

The counts manifest → boarded → arrived → checked in reconcile per movement; every entry off
that path is an incident, open until someone explains it (`reconciliation.py`, ADR 0021).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class MovementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    LOCKED = "locked", _("Manifest locked")
    DEPARTED = "departed", _("Departed")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")


class MovementKind(models.TextChoices):
    FLIGHT = "flight", _("Flight")
    CONVOY = "convoy", _("Convoy")


class Boarding(models.TextChoices):
    PENDING = "pending", _("Not yet recorded")
    BOARDED = "boarded", _("Boarded")
    NO_SHOW = "no_show", _("No-show")
    REMOVED_AT_GATE = "removed_at_gate", _("Removed at the gate")


# The boarding outcomes that leave a seat empty (the person may be manifested again).
NOT_BOARDED = (Boarding.NO_SHOW.value, Boarding.REMOVED_AT_GATE.value)


class Movement(BaseModel):
    Status = MovementStatus
    Kind = MovementKind

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FLIGHT)
    departure_date = models.DateField()
    carrier = models.CharField(max_length=100)
    # IATA flight designator: a two-character airline code and one to four digits.
    flight_number = models.CharField(max_length=8, blank=True)
    origin = models.CharField(max_length=3, help_text="IATA airport code")
    destination = models.CharField(max_length=3, help_text="IATA airport code")
    seats = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    # None when an operator's command proposed it (the demo loader).
    proposed_by = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by_label = models.CharField(max_length=200, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-departure_date", "flight_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MovementStatus.values), name="movement_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=1), name="movement_seats_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.flight_number} {self.departure_date}"


class ManifestEntry(BaseModel):
    """One seat: an accepted person on a movement. Taken off (`removed_at`), never deleted."""

    Boarding = Boarding

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    referral = models.ForeignKey("vetting.Referral", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    household_id = models.UUIDField(null=True, blank=True)
    # Taken off the manifest before departure (at lock: the block that stands).
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.TextField(blank=True)
    boarding = models.CharField(max_length=16, choices=Boarding.choices, default=Boarding.PENDING)
    boarding_reason = models.TextField(blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # Set by reception's check-in (`services.manifest_entry_check_in`).
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["movement", "created_at"]
        constraints = [
            # One seat per person among the entries still on a manifest (SAFEGUARDS A7 aside,
            # a person is never on two manifests at once).
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(removed_at__isnull=True) & ~models.Q(boarding__in=NOT_BOARDED),
                name="manifestentry_person_once",
            ),
            models.CheckConstraint(
                condition=models.Q(boarding__in=Boarding.values),
                name="manifestentry_boarding_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(arrived_at__isnull=True) | models.Q(boarding="boarded"),
                name="manifestentry_arrived_only_if_boarded",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_in_at__isnull=True) | models.Q(arrived_at__isnull=False),
                name="manifestentry_checked_in_only_if_arrived",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.movement_id}"

    @property
    def on_manifest(self) -> bool:
        return self.removed_at is None


class IncidentKind(models.TextChoices):
    NO_SHOW = "no_show", _("Did not board (no-show)")
    REMOVED_AT_GATE = "removed_at_gate", _("Removed at the gate")
    NOT_ARRIVED = "not_arrived", _("Boarded but did not arrive")
    LATE_CHECK_IN = "late_check_in", _("Not checked in within 24 hours (SAFEGUARDS B1)")
    PAXLST_MISMATCH = "paxlst_mismatch", _("Carrier's list differs from the manifest")


class Incident(BaseModel):
    """A discrepancy in a movement's reconciliation: open until someone explains it."""

    Kind = IncidentKind

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="incidents")
    entry = models.ForeignKey(
        ManifestEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    explained_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    explained_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="incident_once_per_entry"),
            models.CheckConstraint(
                condition=models.Q(kind__in=IncidentKind.values), name="incident_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(explained_at__isnull=True) | ~models.Q(explanation=""),
                name="incident_explained_with_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.movement_id}"

    @property
    def is_open(self) -> bool:
        return self.explained_at is None
