"""Reads of reception, scoped to the actor: facilities, units, stays, occupancy by night."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import scoped_get
from ikaze.core import clock
from ikaze.reception.models import Facility, Stay, Unit


def facility_list_for(*, actor: Actor) -> QuerySet[Facility]:
    """Every facility, for those who may see them (reception is the receiving state's)."""
    if not actor.can(Perm.FACILITY_VIEW):
        return Facility.objects.none()
    return Facility.objects.order_by("name")


def facility_get_for(*, actor: Actor, facility_id: uuid.UUID | str) -> Facility:
    """One facility, else not found."""
    return scoped_get(
        facility_list_for(actor=actor),
        target_type="facility",
        message="No such facility.",
        pk=facility_id,
    )


def unit_get_for(*, actor: Actor, unit_id: uuid.UUID | str) -> Unit:
    """One unit of a facility the actor may see."""
    return scoped_get(
        Unit.objects.filter(facility__in=facility_list_for(actor=actor)).select_related("facility"),
        target_type="unit",
        message="No such unit.",
        pk=unit_id,
    )


def stay_get_for(*, actor: Actor, stay_id: uuid.UUID | str) -> Stay:
    """One stay in a facility the actor may see."""
    return scoped_get(
        Stay.objects.filter(unit__facility__in=facility_list_for(actor=actor)).select_related(
            "unit"
        ),
        target_type="stay",
        message="No such stay.",
        pk=stay_id,
    )


def units_with_free_beds(*, actor: Actor) -> list[Unit]:
    """Available units with a free bed, by facility and label (the desk's choice)."""
    return list(
        Unit.objects.filter(
            facility__in=facility_list_for(actor=actor), status=Unit.Status.AVAILABLE
        )
        .filter(occupied__lt=F("beds"))
        .select_related("facility")
        .order_by("facility__name", "label")
    )


def open_stays(*, unit: Unit) -> list[Stay]:
    return list(unit.stays.filter(checked_out_at__isnull=True).order_by("checked_in_at"))


@dataclass(frozen=True)
class Night:
    night: dt.date
    occupied: int
    beds: int


def occupancy_by_night(*, facility: Facility, nights: int = 14) -> list[Night]:
    """People housed each night (a stay counts on the nights it spans) in the last `nights`."""
    today = clock.today_local()
    start = today - dt.timedelta(days=nights - 1)
    beds = sum(u.beds for u in facility.units.all() if u.status == Unit.Status.AVAILABLE)
    stays = list(
        Stay.objects.filter(unit__facility=facility)
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__date__gte=start))
        .values_list("checked_in_at", "checked_out_at")
    )
    zone = clock.local_zone()
    out = []
    for i in range(nights):
        night = start + dt.timedelta(days=i)
        n = 0
        for cin, cout in stays:
            if cin.astimezone(zone).date() <= night and (
                cout is None or cout.astimezone(zone).date() > night
            ):
                n += 1
        out.append(Night(night, n, beds))
    return out


def occupancy_svg(rows: list[Night], *, title: str) -> str:
    """A bar chart of nightly occupancy, as an SVG string drawn on the server (the table
    beside it carries the same figures)."""
    from django.utils.html import escape

    width, height, pad = 560, 180, 28
    top = max([r.beds for r in rows] + [r.occupied for r in rows] + [1])
    bar = (width - 2 * pad) / max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="occ-title" class="chart">',
        f'<title id="occ-title">{escape(title)}</title>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#555"/>',
    ]
    cap_y = height - pad - (height - 2 * pad) * (rows[0].beds / top if rows else 0)
    parts.append(
        f'<line x1="{pad}" y1="{cap_y:.1f}" x2="{width - pad}" y2="{cap_y:.1f}" '
        f'stroke="#b00" stroke-dasharray="4 3"/>'
    )
    for i, r in enumerate(rows):
        h = (height - 2 * pad) * r.occupied / top
        x = pad + i * bar + 2
        parts.append(
            f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{bar - 4:.1f}" '
            f'height="{h:.1f}" fill="#1d70b8"><title>{r.night.isoformat()}: {r.occupied}</title></rect>'
        )
        if i % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="10">{r.night.strftime("%d/%m")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def allocation_units(*, actor: Actor) -> list[Unit]:
    """Units that can take someone now: available, a free bed, and a private unit only when
    empty (one household per private unit)."""
    return [u for u in units_with_free_beds(actor=actor) if u.shared_by or u.occupied == 0]


# --- counts for the reports app (issue 16: ikaze/reports/figures.py) ---------------------------


def occupancy_now() -> list[dict[str, Any]]:
    """Each facility's beds in usable units and the people housed in them now."""
    return list(
        Unit.objects.filter(status=Unit.Status.AVAILABLE)
        .values("facility__name")
        .annotate(beds=Sum("beds"), occupied=Sum("occupied"))
        .order_by("facility__name")
    )
