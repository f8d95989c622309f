"""Reception: facilities, their units (beds), stays (check-in, check-out, transfer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    MAINTENANCE = "maintenance", _("Maintenance")
    CLOSED = "closed", _("Closed")


class SharedBy(models.TextChoices):
    NOT_SHARED = "", _("Not shared (one household)")
    FEMALE = "F", _("Shared, women only")
    MALE = "M", _("Shared, men only")


class Service(models.TextChoices):
    """The services a facility has on site or nearby, and a household may need (the codes
    the allocation reads; a facility may name others, shown as written)."""

    CLINIC = "clinic", _("Health service (clinic)")
    HOSPITAL = "hospital", _("Hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    SCHOOL = "school", _("School")
    LEGAL_AID = "legal_aid", _("Legal aid")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LANGUAGE_CLASSES = "language_classes", _("Language classes")
    MARKET = "market", _("Market")
    TRANSPORT = "transport", _("Public transport")


def service_label(code: str) -> str:
    """The translated name of a service code; an unknown code as written."""
    return str(Service(code).label) if code in Service.values else code


class Facility(BaseModel):
    name = models.CharField(max_length=200, unique=True)
    district = models.CharField(max_length=100)
    address = models.CharField(max_length=300)
    contact = models.CharField(max_length=200, blank=True)
    # Services on site and nearby: [{"service": "clinic", "on_site": bool, "km": 1.5}, ...].
    services = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def distance_to(self, service: str) -> float | None:
        """Kilometres to the nearest `service` (0 on site), None when there is none."""
        found = [
            0.0 if s.get("on_site") else float(s.get("km", 0))
            for s in self.services
            if s.get("service") == service
        ]
        return min(found) if found else None

    @property
    def services_display(self) -> list[dict[str, Any]]:
        """The services with their translated names, for pages."""
        return [
            {
                "service": s.get("service", ""),
                "label": service_label(str(s.get("service", ""))),
                "on_site": bool(s.get("on_site")),
                "km": s.get("km", 0),
            }
            for s in self.services
        ]


class Unit(BaseModel):
    Status = UnitStatus
    SharedBy = SharedBy

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="units")
    label = models.CharField(max_length=50)
    beds = models.PositiveIntegerField()
    accessible = models.BooleanField(default=False)
    family_suitable = models.BooleanField(default=False)
    shared_by = models.CharField(max_length=1, choices=SharedBy.choices, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AVAILABLE)
    # Beds taken by open stays: moved only with F() updates; the check constraint keeps it
    # within the beds even when two officers check into the last bed at once.
    occupied = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["facility", "label"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "label"], name="unit_label_unique"),
            models.CheckConstraint(
                condition=models.Q(occupied__lte=models.F("beds")), name="unit_within_beds"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=UnitStatus.values), name="unit_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(shared_by__in=SharedBy.values), name="unit_shared_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.label}"

    @property
    def free(self) -> int:
        return self.beds - self.occupied


class Stay(BaseModel):
    """A person in a unit from check-in to check-out (a transfer closes one, opens another)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="stays")
    household_id = models.UUIDField(null=True, blank=True)
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_in_by_label = models.CharField(max_length=200)
    # The arrivals desk's idempotency key: a check-in sent twice counts once.
    idempotency_key = models.CharField(max_length=64, blank=True)
    transferred_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(checked_out_at__isnull=True),
                name="stay_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="stay_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.unit_id}"


class NeedsSource(models.TextChoices):
    RECEPTION = "reception", _("Recorded at reception")
    REFERRAL = "referral", _("Taken from the referral")


# SAFEGUARDS/issue 13: a medical need is met by a health service within this distance unless
# the officer records another.
MEDICAL_MAX_KM_DEFAULT = Decimal("2.0")


class ArrivalNeeds(BaseModel):
    """What an arriving person needs of a unit, for the allocation (issue 13 item 3): kept in
    reception, not in the people registry. One row per person; recorded again, it changes."""

    Source = NeedsSource

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="+")
    accessible = models.BooleanField(default=False)  # needs a step-free (accessible) unit
    medical = models.BooleanField(default=False)  # needs a health service nearby
    medical_max_km = models.DecimalField(
        max_digits=4, decimal_places=1, default=MEDICAL_MAX_KM_DEFAULT
    )
    # Service codes (`Service`) the person needs near the unit; a household needs the union.
    services = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RECEPTION)
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(medical_max_km__gt=0) & models.Q(medical_max_km__lte=100),
                name="arrivalneeds_medical_km_range",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=NeedsSource.values),
                name="arrivalneeds_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"needs of {self.person_id}"
