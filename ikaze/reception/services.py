"""Reception writes: facilities, units, check-in (the arrivals desk), check-out, transfer.

Each service: permission → validation → row locks (`locks.py`: units → stays → the manifest
entry) → change → audit event, in one transaction. Beds are a counter moved with F() under a
check constraint, so two officers taking the last bed at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied, ValidationError
from ikaze.movements import services as movements
from ikaze.people import selectors as people
from ikaze.protection import services as protection
from ikaze.reception import locks
from ikaze.reception.errors import (
    AlreadyCheckedIn,
    IdempotencyReused,
    NoBed,
    StayClosed,
    UnitUnavailable,
    UnitUnsuitable,
)
from ikaze.reception.models import (
    MEDICAL_MAX_KM_DEFAULT,
    ArrivalNeeds,
    Facility,
    Service,
    Stay,
    Unit,
    UnitStatus,
)

P = ParamSpec("P")
T = TypeVar("T")

KEY_MAX = 48  # an idempotency key; the stay stores "<key>:<n>"

# Called with (actor, person ids, time) in the check-in's transaction, after the stays exist:
# support registers the entitlements that start at check-in here (its AppConfig.ready), so
# reception never imports support (pyproject: "reception imports no support").
CheckInListener = Callable[[Actor, list[str], dt.datetime], None]
_check_in_listeners: list[CheckInListener] = []


def register_check_in_listener(listener: CheckInListener) -> None:
    """Let another app act on a check-in, in the same transaction (support: entitlements)."""
    if listener not in _check_in_listeners:
        _check_in_listeners.append(listener)


def _refusal_recorded(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record a refused call (not a permission or scope refusal, which the interface records)
    as a security event once its transaction has rolled back."""

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except IkazeError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                target = kwargs.get("unit") or kwargs.get("stay") or kwargs.get("facility")
                audit_security(
                    actor=kwargs.get("actor"),  # type: ignore[arg-type]
                    action=f"refused:{action}",
                    target_type=type(target).__name__.lower()
                    if target is not None
                    else ("person" if kwargs.get("person_id") else ""),
                    target_id=getattr(target, "pk", "") or str(kwargs.get("person_id") or ""),
                    reason=f"{exc.code}: {exc.message}",
                )
                raise

        return wrapper

    return decorator


# --- facilities and units --------------------------------------------------------------------


@_refusal_recorded("facility.create")
@transaction.atomic
def facility_create(
    *,
    actor: Actor,
    name: str,
    district: str,
    address: str,
    contact: str = "",
    services: Sequence[dict[str, Any]] = (),
) -> Facility:
    """Register a reception facility with the services on site and nearby (km)."""
    require(actor, Perm.FACILITY_MANAGE, target_type="facility")
    errors: dict[str, list[str]] = {}
    for field, value, limit in (
        ("name", name, 200),
        ("district", district, 100),
        ("address", address, 300),
    ):
        if not value.strip() or len(value) > limit:
            errors[field] = [gettext("Required, at most %(n)d characters.") % {"n": limit}]
    clean: list[dict[str, Any]] = []
    for s in services:
        kind, km = str(s.get("service", "")).strip(), s.get("km", 0)
        if not kind or not isinstance(km, int | float) or km < 0:
            errors["services"] = [gettext("Each service needs a name and a distance ≥ 0 km.")]
            break
        clean.append({"service": kind, "on_site": bool(s.get("on_site")), "km": float(km)})
    if Facility.objects.filter(name=name.strip()).exists():
        errors["name"] = [gettext("A facility of that name exists.")]
    if errors:
        raise ValidationError(gettext("The facility is not valid."), details=errors)
    facility = Facility.objects.create(
        name=name.strip(),
        district=district.strip(),
        address=address.strip(),
        contact=contact,
        services=clean,
    )
    audit_record(
        actor=actor,
        action="facility.create",
        target_type="facility",
        target_id=facility.pk,
        after={"name": facility.name, "district": facility.district, "services": clean},
    )
    return facility


@_refusal_recorded("unit.add")
@transaction.atomic
def unit_add(
    *,
    actor: Actor,
    facility: Facility,
    label: str,
    beds: int,
    accessible: bool = False,
    family_suitable: bool = False,
    shared_by: str = "",
) -> Unit:
    """Add a unit (room or house) of some beds to a facility."""
    require(actor, Perm.FACILITY_MANAGE, target_type="facility", target_id=facility.pk)
    errors: dict[str, list[str]] = {}
    if not label.strip() or len(label) > 50:
        errors["label"] = [gettext("Required, at most 50 characters.")]
    if not 1 <= beds <= 100:
        errors["beds"] = [gettext("Between 1 and 100 beds.")]
    if shared_by not in ("", "F", "M"):
        errors["shared_by"] = [gettext("Not shared, women only or men only.")]
    if shared_by and family_suitable:
        errors["shared_by"] = [gettext("A unit shared by sex is not for a family.")]
    if facility.units.filter(label=label.strip()).exists():
        errors["label"] = [gettext("The facility has a unit of that name.")]
    if errors:
        raise ValidationError(gettext("The unit is not valid."), details=errors)
    unit = Unit.objects.create(
        facility=facility,
        label=label.strip(),
        beds=beds,
        accessible=accessible,
        family_suitable=family_suitable,
        shared_by=shared_by,
    )
    audit_record(
        actor=actor,
        action="unit.add",
        target_type="facility",
        target_id=facility.pk,
        after={
            "unit": unit.label,
            "beds": beds,
            "accessible": accessible,
            "family_suitable": family_suitable,
            "shared_by": shared_by,
        },
    )
    return unit


@_refusal_recorded("unit.set_status")
@transaction.atomic
def unit_set_status(*, actor: Actor, unit: Unit, status: str) -> Unit:
    """Put a unit under maintenance, close it, or make it available again."""
    require(actor, Perm.FACILITY_MANAGE, target_type="unit", target_id=unit.pk)
    if status not in UnitStatus.values:
        raise ValidationError.for_field("status", gettext("Available, maintenance or closed."))
    (unit,) = locks.units_lock([unit.pk])
    before = unit.status
    unit.status = status
    unit.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="unit.set_status",
        target_type="unit",
        target_id=unit.pk,
        before={"status": before},
        after={"status": status},
    )
    return unit


# --- check-in, check-out, transfer ------------------------------------------------------------


def unit_fit_problems(
    unit: Unit,
    *,
    sexes: Sequence[str],
    household_ids: set[Any],
    occupants: set[Any],
    needs: Sequence[ArrivalNeeds] = (),
) -> list[str]:
    """Why `unit` cannot take these people (empty when it can): a unit shared by sex takes
    only people of that sex; any other unit takes one household (or one person without one);
    a recorded need of anyone among them (an accessible unit, a health service within some
    km) must be met. The one home of the rules a check-in, a transfer and the allocation
    review check."""
    out: list[str] = []
    if any(n.accessible for n in needs) and not unit.accessible:
        out.append(gettext("Someone in the household needs an accessible unit."))
    medical = [n.medical_max_km for n in needs if n.medical]
    if medical:
        clinic = unit.facility.distance_to(Service.CLINIC)
        if clinic is None or clinic > float(min(medical)):
            out.append(
                gettext("Someone in the household needs a health service within %(km)s km.")
                % {"km": min(medical)}
            )
    if unit.shared_by:
        if any(s != unit.shared_by for s in sexes):
            out.append(gettext("The unit is shared by people of one sex."))
        return out
    one_household = len(household_ids) == 1 and (None not in household_ids or len(sexes) == 1)
    if not one_household:
        out.append(gettext("One household per unit."))
    elif occupants and (None in occupants or occupants != household_ids):
        out.append(gettext("The unit houses another household."))
    return out


def _key(idempotency_key: str) -> str:
    key = idempotency_key.strip()
    if len(key) > KEY_MAX or any(not (c.isalnum() or c in "-_") for c in key):
        raise ValidationError.for_field(
            "idempotency_key", gettext("At most 48 letters, digits, - or _.")
        )
    return key


@_refusal_recorded("stay.check_in")
@transaction.atomic
def stays_check_in(
    *,
    actor: Actor,
    unit: Unit,
    person_ids: Sequence[Any],
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> list[Stay]:
    """Check arrived people (a household together) into a unit. With an idempotency key, the
    same check-in sent again returns the stays it made and counts once; a key used for
    another check-in is refused."""
    require(actor, Perm.STAY_MANAGE, target_type="unit", target_id=unit.pk)
    key = _key(idempotency_key)
    ids = sorted({str(p) for p in person_ids})
    if not ids or len(ids) != len(person_ids):
        raise ValidationError.for_field("people", gettext("Name each person once."))
    if key:
        earlier = list(
            Stay.objects.filter(idempotency_key__startswith=f"{key}:").order_by("idempotency_key")
        )
        if earlier:
            if sorted(str(s.person_id) for s in earlier) == ids and all(
                s.unit_id == unit.pk for s in earlier
            ):
                return earlier
            raise IdempotencyReused(
                gettext("This idempotency key was used for another check-in."),
                details={"idempotency_key": [key]},
            )
    (unit,) = locks.units_lock([unit.pk])
    if unit.status != UnitStatus.AVAILABLE:
        raise UnitUnavailable(
            gettext("The unit is %(status)s.") % {"status": UnitStatus(unit.status).label},
            details={"unit": [unit.label]},
        )
    open_ids = set(
        Stay.objects.filter(person_id__in=ids, checked_out_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    if open_ids:
        raise AlreadyCheckedIn(
            gettext("%(n)d of these people are checked in already.") % {"n": len(open_ids)},
            details={"people": sorted(str(p) for p in open_ids)},
        )
    households = people.households_of_people(person_ids=ids)
    household_of = {str(p): h for h, members in households.items() for p in members}
    sexes = people.person_sexes(person_ids=ids)
    occupants = set(
        unit.stays.filter(checked_out_at__isnull=True).values_list("household_id", flat=True)
    )
    problems = unit_fit_problems(
        unit,
        sexes=list(sexes.values()),
        household_ids={household_of.get(p) for p in ids},
        occupants=occupants,
        needs=list(ArrivalNeeds.objects.filter(person_id__in=ids)),
    )
    if problems:
        raise UnitUnsuitable(problems[0], details={"unit": problems})
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=unit.pk).update(occupied=F("occupied") + len(ids))
    except IntegrityError as exc:
        raise NoBed(
            gettext("%(free)d beds are free in %(unit)s, %(n)d people named.")
            % {"free": unit.free, "unit": unit.label, "n": len(ids)},
            details={"unit": [unit.label]},
        ) from exc
    now = at or clock.now()
    stays = []
    for n, pid in enumerate(ids):
        movements.manifest_entry_check_in(actor=actor, person_id=pid, at=now)
        stays.append(
            Stay.objects.create(
                person_id=pid,
                unit=unit,
                household_id=household_of.get(pid),
                checked_in_at=now,
                checked_in_by_label=actor.label,
                idempotency_key=f"{key}:{n}" if key else "",
            )
        )
    audit_record(
        actor=actor,
        action="stay.check_in",
        target_type="unit",
        target_id=unit.pk,
        after={"people": ids, "idempotency_key": key},
    )
    for listener in _check_in_listeners:
        listener(actor, ids, now)
    return stays


@_refusal_recorded("stay.check_out")
@transaction.atomic
def stay_check_out(*, actor: Actor, stay: Stay, reason: str) -> Stay:
    """Close a stay; the bed is free again."""
    require(actor, Perm.STAY_MANAGE, target_type="stay", target_id=stay.pk)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("Say why the person leaves."))
    locks.units_lock([stay.unit_id])
    stay = locks.stay_lock(stay.pk)
    if stay.checked_out_at is not None:
        raise StayClosed(gettext("The stay is already closed."), details={})
    stay.checked_out_at = clock.now()
    stay.save(update_fields=["checked_out_at", "updated_at"])
    Unit.objects.filter(pk=stay.unit_id).update(occupied=F("occupied") - 1)
    audit_record(
        actor=actor,
        action="stay.check_out",
        target_type="stay",
        target_id=stay.pk,
        reason=reason.strip(),
    )
    # SAFEGUARDS C2: leaving accommodation is flagged to the monitor after a complaint.
    protection.note_adverse_action(
        stay.person_id, "check_out", actor=actor, reason_code="reception.check_out", detail=reason
    )
    return stay


@_refusal_recorded("stay.transfer")
@transaction.atomic
def stay_transfer(*, actor: Actor, stay: Stay, unit: Unit, reason: str) -> Stay:
    """Move a person to another unit: the old stay closes, a new one opens (the same rules)."""
    require(actor, Perm.STAY_MANAGE, target_type="stay", target_id=stay.pk)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("Say why the person moves."))
    if unit.pk == stay.unit_id:
        raise ValidationError.for_field("unit", gettext("Choose another unit."))
    locked = {u.pk: u for u in locks.units_lock([stay.unit_id, unit.pk])}
    target = locked[unit.pk]
    stay = locks.stay_lock(stay.pk)
    if stay.checked_out_at is not None:
        raise StayClosed(gettext("The stay is already closed."), details={})
    if target.status != UnitStatus.AVAILABLE:
        raise UnitUnavailable(
            gettext("The unit is not available."), details={"unit": [target.label]}
        )
    sexes = people.person_sexes(person_ids=[stay.person_id])
    occupants = set(
        target.stays.filter(checked_out_at__isnull=True).values_list("household_id", flat=True)
    )
    problems = unit_fit_problems(
        target,
        sexes=list(sexes.values()),
        household_ids={stay.household_id},
        occupants=occupants,
        needs=list(ArrivalNeeds.objects.filter(person_id=stay.person_id)),
    )
    if problems:
        raise UnitUnsuitable(problems[0], details={"unit": problems})
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=target.pk).update(occupied=F("occupied") + 1)
    except IntegrityError as exc:
        raise NoBed(
            gettext("No bed is free in %(unit)s.") % {"unit": target.label}, details={}
        ) from exc
    now = clock.now()
    stay.checked_out_at = now
    stay.save(update_fields=["checked_out_at", "updated_at"])
    Unit.objects.filter(pk=stay.unit_id).update(occupied=F("occupied") - 1)
    new = Stay.objects.create(
        person_id=stay.person_id,
        unit=target,
        household_id=stay.household_id,
        checked_in_at=now,
        checked_in_by_label=actor.label,
        transferred_from=stay,
    )
    audit_record(
        actor=actor,
        action="stay.transfer",
        target_type="stay",
        target_id=new.pk,
        before={"unit": str(stay.unit_id)},
        after={"unit": str(target.pk)},
        reason=reason.strip(),
    )
    # SAFEGUARDS C2: a move to another unit is flagged to the monitor after a complaint.
    protection.note_adverse_action(
        stay.person_id,
        "unit_transfer",
        actor=actor,
        reason_code="reception.transfer",
        detail=reason,
    )
    return new


# --- arrival needs (for the allocation) ---------------------------------------------------


@_refusal_recorded("arrival_needs.record")
@transaction.atomic
def arrival_needs_record(
    *,
    actor: Actor,
    person_id: Any,
    accessible: bool = False,
    medical: bool = False,
    medical_max_km: Decimal | float | str | None = None,
    services: Sequence[str] = (),
    source: str = ArrivalNeeds.Source.RECEPTION,
) -> ArrivalNeeds:
    """Record what an arrived person waiting for a bed needs of a unit: an accessible unit,
    a health service within some km, services nearby. Recorded again, it replaces the last.
    The allocation and every check-in honour it."""
    from ikaze.movements import selectors as movement_selectors

    require(actor, Perm.STAY_MANAGE, target_type="person", target_id=str(person_id))
    waiting = movement_selectors.arrived_entries_for(actor=actor).filter(
        person_id__in=[str(person_id)] if _is_uuid(person_id) else []
    )
    if not waiting.exists():
        raise NotFound(gettext("No arrived person waiting for a bed by that id."))
    errors: dict[str, list[str]] = {}
    km = MEDICAL_MAX_KM_DEFAULT
    if medical_max_km not in (None, ""):
        try:
            km = Decimal(str(medical_max_km)).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            km = Decimal(-1)
        if not Decimal("0.1") <= km <= Decimal(100):
            errors["medical_max_km"] = [gettext("A distance from 0.1 to 100 km.")]
    codes = [str(c).strip() for c in services]
    unknown = [c for c in codes if c not in Service.values]
    if unknown:
        errors["services"] = [
            gettext("Unknown service: %(codes)s. Choose among %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(Service.values)}
        ]
    if len(set(codes)) != len(codes) and "services" not in errors:
        errors["services"] = [gettext("Name each service once.")]
    if source not in ArrivalNeeds.Source.values:
        errors["source"] = [gettext("Recorded at reception or taken from the referral.")]
    if errors:
        raise ValidationError(gettext("The needs are not valid."), details=errors)
    before = locks.arrival_needs_lock(person_id)
    values = {
        "accessible": bool(accessible),
        "medical": bool(medical),
        "medical_max_km": km,
        "services": sorted(codes),
        "source": source,
        "recorded_by_label": actor.label,
    }
    needs, _created = ArrivalNeeds.objects.update_or_create(person_id=person_id, defaults=values)
    audit_record(
        actor=actor,
        action="arrival_needs.record",
        target_type="person",
        target_id=str(person_id),
        before=_needs_summary(before) if before else None,
        after=_needs_summary(needs),
    )
    return needs


def _needs_summary(n: ArrivalNeeds) -> dict[str, Any]:
    return {
        "accessible": n.accessible,
        "medical": n.medical,
        "medical_max_km": str(n.medical_max_km),
        "services": list(n.services),
        "source": n.source,
    }


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
