"""Reads of movements, scoped to the actor: the sides of the agreement, and the monitor."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import scoped_get
from ikaze.agreements.parties import acts_from_command_line
from ikaze.core import clock
from ikaze.core.aggregates import Scope, detail_fields, duration_bucket, month_of, narrowed
from ikaze.movements.models import Incident, ManifestEntry, Movement, MovementStatus
from ikaze.movements.reconciliation import (
    ACCOMMODATION_WITHIN,
    EntryFacts,
    Reconciliation,
    reconcile,
)
from ikaze.people import selectors as people

_RECEIVING_SIDE = (OrgKind.RECEIVING_STATE, OrgKind.PARTNER)


def movement_scope(actor: Actor) -> QuerySet[Movement]:
    """The movements the actor may see: those of agreements its state is a side of (the
    receiving side includes its partners); the monitor and auditors see every one."""
    qs = Movement.objects.select_related("agreement")
    if not actor.can(Perm.MOVEMENT_VIEW):
        return qs.none()
    if acts_from_command_line(actor) or actor.has_role(Role.MONITOR):
        return qs
    org = actor.organisation
    if org is None:
        return qs.none()
    country = str(org.country).upper()
    if actor.org_kind == OrgKind.SENDING_STATE:
        return qs.filter(agreement__sending_state=country)
    if actor.org_kind in _RECEIVING_SIDE:
        return qs.filter(agreement__receiving_state=country)
    return qs.none()


def movement_list_for(*, actor: Actor, status: str = "") -> QuerySet[Movement]:
    """List the movements the actor may see, the next departure first."""
    qs = movement_scope(actor).order_by("departure_date", "flight_number", "pk")
    if status in MovementStatus.values:
        qs = qs.filter(status=status)
    return qs


def movement_get_for(*, actor: Actor, movement_id: uuid.UUID | str) -> Movement:
    """One movement the actor may see, else not found."""
    return scoped_get(
        movement_scope(actor), target_type="movement", message="No such movement.", pk=movement_id
    )


@dataclass(frozen=True)
class ManifestRow:
    entry: ManifestEntry
    name: str
    document: str
    document_kind: str
    issuing_state: str
    household: str
    accommodation_due: dt.datetime | None
    overdue: bool


def manifest_rows(*, movement: Movement) -> list[ManifestRow]:
    """The manifest's entries with each person's name and travel document."""
    entries = list(movement.entries.order_by("created_at", "pk"))
    ids = [e.person_id for e in entries]
    names = people.person_names(ids=ids)
    docs = people.person_travel_documents(person_ids=ids)
    now = clock.now()
    out = []
    for e in entries:
        doc = docs.get(e.person_id)
        due = e.arrived_at + ACCOMMODATION_WITHIN if e.arrived_at else None
        out.append(
            ManifestRow(
                entry=e,
                name=names.get(str(e.person_id), ""),
                document=doc.number if doc else "",
                document_kind=doc.kind if doc else "",
                issuing_state=doc.issuing_state if doc else "",
                household=str(e.household_id or ""),
                accommodation_due=due,
                overdue=bool(due and e.checked_in_at is None and now > due),
            )
        )
    return out


def movement_reconciliation(*, movement: Movement) -> Reconciliation:
    """The movement's counts and discrepancies as of now."""
    entries = movement.entries.all()
    return reconcile(
        [
            EntryFacts(
                key=e.pk,
                on_manifest=e.removed_at is None,
                boarding=e.boarding,
                arrived=e.arrived_at is not None,
                checked_in_at=e.checked_in_at,
                arrived_at=e.arrived_at,
            )
            for e in entries
        ],
        departed=movement.status in (MovementStatus.DEPARTED, MovementStatus.ARRIVED),
        arrived=movement.status == MovementStatus.ARRIVED,
        now=clock.now(),
    )


def incident_list_for(*, actor: Actor, open_only: bool = False) -> QuerySet[Incident]:
    """Incidents of the movements the actor may see."""
    qs = Incident.objects.filter(movement__in=movement_scope(actor)).select_related(
        "movement", "entry"
    )
    if open_only:
        qs = qs.filter(explained_at__isnull=True)
    return qs.order_by("-opened_at", "pk")


def incident_get_for(*, actor: Actor, incident_id: uuid.UUID | str) -> Incident:
    """One incident of a movement the actor may see."""
    return scoped_get(
        incident_list_for(actor=actor),
        target_type="incident",
        message="No such incident.",
        pk=incident_id,
    )


def open_incident_count(*, actor: Actor) -> int:
    return incident_list_for(actor=actor, open_only=True).count()


def arrived_entries_for(*, actor: Actor, q: str = "") -> QuerySet[ManifestEntry]:
    """Arrived people not yet checked in, of movements the actor may see (the arrivals desk)."""
    qs = ManifestEntry.objects.filter(
        movement__in=movement_scope(actor),
        removed_at__isnull=True,
        arrived_at__isnull=False,
        checked_in_at__isnull=True,
    ).order_by("arrived_at", "household_id", "pk")
    if q:
        ids = people.person_ids_matching(text=q)
        qs = qs.filter(person_id__in=ids)
    return qs


def arrived_entry_of(*, person_id: Any) -> ManifestEntry | None:
    """The arrived manifest entry of a person (for reception's check-in), or None."""
    return ManifestEntry.objects.filter(
        person_id=person_id,
        removed_at__isnull=True,
        arrived_at__isnull=False,
        movement__status=MovementStatus.ARRIVED,
    ).first()


# --- counts for the reports app (issue 16: ikaze/reports/figures.py) ---------------------------


def arrival_counts(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count arrived people by month of arrival, agreement and (first) nationality."""
    qs = narrowed(
        ManifestEntry.objects.filter(arrived_at__isnull=False, removed_at__isnull=True),
        scope,
        when="arrived_at",
        agreement="movement__agreement_id",
        person="person",
    )
    return list(
        qs.annotate(month=month_of("arrived_at"))
        .values(
            "month",
            "movement__agreement__code",
            "person__nationalities__0",
            *detail_fields(detail, "movement__agreement_id", None),
        )
        .annotate(n=Count("id"))
        .order_by("month", "movement__agreement__code")
    )


def incident_counts(*, scope: Scope) -> list[dict[str, Any]]:
    """Count incidents by month opened, agreement, kind, and whether explained yet."""
    qs = narrowed(
        Incident.objects.all(),
        scope,
        when="opened_at",
        agreement="movement__agreement_id",
        person="entry__person",
    )
    return list(
        qs.annotate(month=month_of("opened_at"), explained=Q(explained_at__isnull=False))
        .values("month", "movement__agreement__code", "kind", "explained")
        .annotate(n=Count("id"))
        .order_by("month", "movement__agreement__code", "kind")
    )


def travel_time_buckets(*, scope: Scope, start: str, detail: bool = False) -> list[dict[str, Any]]:
    """Count arrived people by how long their arrival came after `start` (day buckets):
    "decision" (the referral's acceptance), "departure" or "referral" (its submission)."""
    starts = {
        "decision": "referral__decisions__decided_at",
        "departure": "movement__departed_at",
        "referral": "referral__submitted_at",
    }
    qs = ManifestEntry.objects.filter(arrived_at__isnull=False, removed_at__isnull=True)
    end = "arrived_at"
    if start == "decision":
        # From the acceptance to the departure: the wait for a seat.
        qs = qs.filter(referral__decisions__outcome="accepted")
        end = "movement__departed_at"
    qs = narrowed(
        qs.exclude(**{f"{starts[start]}__isnull": True}),
        scope,
        when="arrived_at",
        agreement="movement__agreement_id",
        person="person",
    )
    return list(
        qs.annotate(bucket=duration_bucket(starts[start], end), month=month_of("arrived_at"))
        .values(
            "bucket",
            *(["month"] if detail else []),
            *detail_fields(detail, "movement__agreement_id", "person"),
        )
        .annotate(n=Count("id"))
        .order_by("bucket")
    )


def report_labels() -> dict[str, dict[str, str]]:
    """Names, in the active language, of the incident kinds counted above."""
    return {"incident_kind": {k: str(v) for k, v in Incident.Kind.choices}}


def arrivals_by_nationality(*, agreement_id: uuid.UUID) -> list[tuple[dt.datetime, str, int]]:
    """(month of arrival, first nationality or "", count) of the agreement's people arrived,
    for the public statistics (issue 16), grouped in the database."""
    rows = (
        ManifestEntry.objects.filter(
            movement__agreement_id=agreement_id, arrived_at__isnull=False, removed_at__isnull=True
        )
        .annotate(month=month_of("arrived_at"))
        .values_list("month", "person__nationalities")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = []
    for at, nationalities, n in rows:
        first = (
            nationalities[0].upper()
            if isinstance(nationalities, list)
            and nationalities
            and isinstance(nationalities[0], str)
            else ""
        )
        out.append((at, first, int(n)))
    return out


def arrival_change_marks(*, agreement_id: uuid.UUID) -> dict[str, Any]:
    """Count and latest change of the agreement's arrivals (the public statistics' cache
    fingerprint, issue 16)."""
    return ManifestEntry.objects.filter(
        movement__agreement_id=agreement_id, arrived_at__isnull=False
    ).aggregate(a_n=Count("id"), a_at=Max("updated_at"), a_out=Max("removed_at"))
