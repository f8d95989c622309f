"""Movement writes: propose, manifest, lock, depart, arrive, check-in, incidents (ADR 0021).

Each service: permission → validation → row locks (`locks.py`: movement → entries) → change →
audit event, in one transaction. A refusal changes nothing and is recorded after the rollback
as a security event `refused:<action>`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor, command_line_actor
from ikaze.accounts.guards import require
from ikaze.agreements import services as agreements
from ikaze.agreements.models import Agreement
from ikaze.agreements.parties import acts_for_receiving_state, acts_for_sending_state
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import (
    IkazeError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ikaze.movements import locks
from ikaze.movements.errors import (
    AcceptanceExpired,
    AlreadyManifested,
    DuplicatePerson,
    HouseholdSplit,
    NotAccepted,
    NotArrived,
    NotBoarded,
    PersonBlocked,
    SeatsExceeded,
)
from ikaze.movements.models import (
    Boarding,
    Incident,
    ManifestEntry,
    Movement,
    MovementStatus,
)
from ikaze.movements.reconciliation import ACCOMMODATION_WITHIN, EntryFacts, reconcile
from ikaze.people import selectors as people
from ikaze.protection import services as protection
from ikaze.vetting import selectors as vetting_selectors
from ikaze.vetting import services as vetting
from ikaze.vetting.rules import Stage

P = ParamSpec("P")
T = TypeVar("T")

_IATA_AIRPORT = re.compile(r"^[A-Z]{3}$")
# IATA airline designator (two characters, at least one a letter), then 1-4 digits.
_FLIGHT_NUMBER = re.compile(r"^(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[0-9]{1,4}[A-Z]?$")


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
                target = kwargs.get("movement") or kwargs.get("incident")
                audit_security(
                    actor=kwargs.get("actor"),  # type: ignore[arg-type]
                    action=f"refused:{action}",
                    target_type=type(target).__name__.lower() if target is not None else "",
                    target_id=getattr(target, "pk", "") or "",
                    reason=f"{exc.code}: {exc.message}",
                )
                raise

        return wrapper

    return decorator


def _require_side(actor: Actor, agreement: Agreement) -> None:
    """The sending or the receiving state of the agreement acts on its movements; anyone else
    is answered as if the movement did not exist."""
    if acts_for_sending_state(
        actor, sending_state=agreement.sending_state
    ) or acts_for_receiving_state(actor, receiving_state=agreement.receiving_state):
        return
    raise NotFound(gettext("No such movement."))


def _require_receiving(actor: Actor, agreement: Agreement) -> None:
    if not acts_for_receiving_state(actor, receiving_state=agreement.receiving_state):
        raise NotFound(gettext("No such movement."))


def _transition(movement: Movement, *, expected: str, to: str) -> None:
    if movement.status != expected:
        raise IllegalTransition(
            gettext("The movement is %(status)s: it cannot become %(to)s.")
            % {
                "status": MovementStatus(movement.status).label,
                "to": MovementStatus(to).label,
            },
            details={"status": [movement.status]},
        )


# --- propose --------------------------------------------------------------------------------


@_refusal_recorded("movement.propose")
@transaction.atomic
def movement_propose(
    *,
    actor: Actor,
    agreement: Agreement,
    departure_date: dt.date,
    carrier: str,
    flight_number: str,
    origin: str,
    destination: str,
    seats: int,
    kind: str = Movement.Kind.FLIGHT,
) -> Movement:
    """Propose a flight or convoy under an agreement in force (sending or receiving state)."""
    require(actor, Perm.MOVEMENT_PROPOSE, target_type="agreement", target_id=agreement.pk)
    _require_side(actor, agreement)
    agreements.agreement_in_force_require(agreement, on=departure_date)
    errors: dict[str, list[str]] = {}
    origin, destination = origin.strip().upper(), destination.strip().upper()
    flight_number = flight_number.replace(" ", "").upper()
    carrier = carrier.strip()
    if kind not in Movement.Kind.values:
        errors["kind"] = [gettext("Choose flight or convoy.")]
    for name, code in (("origin", origin), ("destination", destination)):
        if not _IATA_AIRPORT.match(code):
            errors[name] = [gettext("An IATA airport code: three letters.")]
    if origin == destination and "origin" not in errors:
        errors["destination"] = [gettext("The destination must differ from the origin.")]
    if kind == Movement.Kind.FLIGHT and not _FLIGHT_NUMBER.match(flight_number):
        errors["flight_number"] = [gettext("A flight number such as WB 711.")]
    if not carrier or len(carrier) > 100:
        errors["carrier"] = [gettext("The carrier's name, at most 100 characters.")]
    if not 1 <= seats <= 1000:
        errors["seats"] = [gettext("Between 1 and 1,000 seats.")]
    if departure_date < clock.today_local():
        errors["departure_date"] = [gettext("The departure date cannot be in the past.")]
    if errors:
        raise ValidationError(gettext("The movement is not valid."), details=errors)
    movement = Movement.objects.create(
        agreement=agreement,
        kind=kind,
        departure_date=departure_date,
        carrier=carrier,
        flight_number=flight_number,
        origin=origin,
        destination=destination,
        seats=seats,
        proposed_by=actor.organisation,
    )
    audit_record(
        actor=actor,
        action="movement.propose",
        target_type="movement",
        target_id=movement.pk,
        after={
            "agreement": agreement.code,
            "date": departure_date.isoformat(),
            "flight": f"{carrier} {flight_number}".strip(),
            "route": f"{origin}-{destination}",
            "seats": seats,
        },
    )
    return movement


# --- manifest -------------------------------------------------------------------------------


@_refusal_recorded("manifest.add")
@transaction.atomic
def manifest_add(
    *, actor: Actor, movement: Movement, referral_ids: Sequence[Any]
) -> list[ManifestEntry]:
    """Put accepted people on a proposed movement's manifest; households travel whole (A7)."""
    require(actor, Perm.MOVEMENT_PROPOSE, target_type="movement", target_id=movement.pk)
    _require_side(actor, movement.agreement)
    movement = locks.movement_lock(movement.pk)
    _transition(movement, expected=MovementStatus.PROPOSED, to=MovementStatus.PROPOSED)
    ids = [str(r) for r in referral_ids]
    if not ids:
        raise ValidationError.for_field("referrals", gettext("Name at least one person."))
    if len(set(ids)) != len(ids):
        raise DuplicatePerson(
            gettext("The same person is named twice."),
            details={"referrals": sorted({i for i in ids if ids.count(i) > 1})},
        )
    try:
        states = vetting_selectors.acceptance_states(referral_ids=ids)
    except (ValueError, DjangoValidationError):
        states = {}
    now = clock.now()
    problems: list[tuple[type[IkazeError], str, str]] = []
    for rid in ids:
        state = next((s for k, s in states.items() if str(k) == rid), None)
        if state is None or state.agreement_id != movement.agreement_id:
            problems.append(
                (NotAccepted, rid, gettext("No accepted referral under this agreement."))
            )
        elif state.status == "expired" or (
            state.status == "accepted" and state.expires_at is not None and state.expires_at < now
        ):
            problems.append((AcceptanceExpired, rid, gettext("The acceptance has expired.")))
        elif state.status != "accepted":
            problems.append((NotAccepted, rid, gettext("The referral is not accepted.")))
        elif state.open_alert:
            problems.append(
                (PersonBlocked, rid, gettext("An alert is open: a block stands against them."))
            )
    if problems:
        cls = problems[0][0]
        raise cls(
            gettext("%(n)d of the people named cannot take a seat.") % {"n": len(problems)},
            details={rid: [why] for _c, rid, why in problems},
        )
    person_ids = [states_by_id(states)[rid].person_id for rid in ids]
    on_manifest = set(
        ManifestEntry.objects.filter(person_id__in=person_ids)
        .filter(_on_a_manifest())
        .values_list("person_id", flat=True)
    )
    if on_manifest:
        raise AlreadyManifested(
            gettext("%(n)d of the people named are already on a manifest.")
            % {"n": len(on_manifest)},
            details={"people": sorted(str(p) for p in on_manifest)},
        )
    # SAFEGUARDS A7: a household moves together or not at all, unless a best-interests
    # determination with consent, recorded for each member who travels, names the members who
    # stay (read as the screening's rule A7 reads it).
    households = people.households_of_people(person_ids=person_ids)
    travelling = set(person_ids) | set(
        movement.entries.filter(removed_at__isnull=True).values_list("person_id", flat=True)
    )
    adding = {str(p) for p in person_ids}
    approved = vetting_selectors.split_determinations(person_ids=person_ids)
    household_of: dict[Any, Any] = {}
    missing: dict[str, list[str]] = {}
    lacking: list[Any] = []
    splits: list[tuple[Any, set[Any], list[Any]]] = []
    for household_id, members in households.items():
        for pid in members:
            household_of[pid] = household_id
        left_behind = members - travelling
        if not left_behind:
            continue
        staying = {str(p) for p in left_behind}
        going = sorted((p for p in members if str(p) in adding), key=str)
        without = [p for p in going if not any(staying <= s for s in approved.get(str(p), []))]
        if without:
            names = people.person_names(ids=sorted(left_behind, key=str))
            missing[str(household_id)] = [names.get(str(p), str(p)) for p in sorted(names)]
            lacking.extend(without)
        else:
            splits.append((household_id, left_behind, going))
    if missing:
        names = people.person_names(ids=sorted(lacking, key=str))
        raise HouseholdSplit(
            gettext(
                "A household moves together or not at all (SAFEGUARDS A7). Put %(staying)s on "
                "the manifest too, or split the household: record for %(going)s a best-interests "
                'determination with the outcome "split in the best interests of the child", '
                "consent recorded, naming %(staying)s as the members who do not move."
            )
            % {
                "staying": ", ".join(n for ns in missing.values() for n in ns),
                "going": ", ".join(names.get(str(p), str(p)) for p in sorted(lacking, key=str)),
            },
            details={
                "household": [n for ns in missing.values() for n in ns],
                "best_interests_needed_for": [names.get(str(p), str(p)) for p in lacking],
            },
        )
    taken = movement.entries.filter(removed_at__isnull=True).count()
    if taken + len(ids) > movement.seats:
        raise SeatsExceeded(
            gettext("%(n)d seats are left, %(asked)d people named.")
            % {"n": movement.seats - taken, "asked": len(ids)},
            details={"seats": [str(movement.seats)]},
        )
    try:
        with transaction.atomic():
            entries = [
                ManifestEntry.objects.create(
                    movement=movement,
                    referral_id=states_by_id(states)[rid].referral_id,
                    person_id=states_by_id(states)[rid].person_id,
                    household_id=household_of.get(states_by_id(states)[rid].person_id),
                )
                for rid in ids
            ]
    except IntegrityError as exc:  # a concurrent manifest took the person meanwhile
        raise AlreadyManifested(
            gettext("Someone put one of these people on a manifest meanwhile."),
            details={"people": []},
        ) from exc
    by_person = {e.person_id: e for e in entries}
    for _household, left_behind, going in splits:
        names = people.person_names(ids=sorted(left_behind, key=str))
        vetting.monitor_tell_household_split(
            actor=actor,
            referral=by_person[going[0]].referral,
            message=gettext(
                "A household travels split on %(flight)s (%(date)s) under a best-interests "
                "determination with consent; staying behind: %(staying)s."
            )
            % {
                "flight": f"{movement.carrier} {movement.flight_number}".strip(),
                "date": movement.departure_date.isoformat(),
                "staying": ", ".join(names.get(str(p), str(p)) for p in sorted(names)),
            },
        )
    audit_record(
        actor=actor,
        action="manifest.add",
        target_type="movement",
        target_id=movement.pk,
        after={
            "referrals": ids,
            "people": [str(e.person_id) for e in entries],
            **(
                {"household_split": {str(h): sorted(map(str, left)) for h, left, _g in splits}}
                if splits
                else {}
            ),
        },
    )
    return entries


def states_by_id(states: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in states.items()}


def _on_a_manifest() -> Q:
    return Q(removed_at__isnull=True) & ~Q(
        boarding__in=[Boarding.NO_SHOW, Boarding.REMOVED_AT_GATE]
    )


def _referrals_of(entries: list[ManifestEntry]) -> list[Any]:
    return [e.referral for e in entries]


# --- lock, departure, arrival ---------------------------------------------------------------


@_refusal_recorded("manifest.lock")
@transaction.atomic
def manifest_lock(*, actor: Actor, movement: Movement) -> list[ManifestEntry]:
    """Lock the manifest (a senior officer): everyone is screened again at stage "manifest
    lock"; anyone now blocked comes off with the reason, an alert raised and the monitor told.
    Returns the entries taken off."""
    require(actor, Perm.MANIFEST_LOCK, target_type="movement", target_id=movement.pk)
    _require_receiving(actor, movement.agreement)
    movement = locks.movement_lock(movement.pk)
    _transition(movement, expected=MovementStatus.PROPOSED, to=MovementStatus.LOCKED)
    entries = list(
        movement.entries.filter(removed_at__isnull=True).select_related("referral").order_by("pk")
    )
    if not entries:
        raise ValidationError.for_field("manifest", gettext("The manifest is empty."))
    entries = locks.entries_lock([e.pk for e in entries])
    now = clock.now()
    blocked = vetting.referrals_screen_for_movement(
        actor=actor,
        referrals=[e.referral for e in entries],
        stage=Stage.MANIFEST_LOCK,
        cause={"movement": str(movement.pk)},
        planned_departure=movement.departure_date,
    )
    removed = []
    for entry in entries:
        rules = blocked.get(entry.referral_id)
        if rules is None:
            continue
        entry.removed_at = now
        entry.removed_reason = "; ".join(
            f"{rule}: {' '.join(msgs)}" for rule, msgs in sorted(rules.items())
        )
        entry.save(update_fields=["removed_at", "removed_reason", "updated_at"])
        removed.append(entry)
    # Both sides told (issue 13): the sending state on the referral's thread; the monitor
    # already has the alert the screening raised.
    for entry in removed:
        vetting.referral_movement_notice_write(
            actor=actor,
            referral=entry.referral,
            body=_removal_notice(
                movement, gettext("when its manifest was locked"), entry.removed_reason
            ),
        )
    movement.status = MovementStatus.LOCKED
    movement.locked_at = now
    movement.locked_by_label = actor.label
    movement.save(update_fields=["status", "locked_at", "locked_by_label", "updated_at"])
    audit_record(
        actor=actor,
        action="manifest.lock",
        target_type="movement",
        target_id=movement.pk,
        after={
            "on_manifest": len(entries) - len(removed),
            "removed": {str(e.person_id): e.removed_reason for e in removed},
        },
    )
    return removed


def _removal_notice(movement: Movement, when: str, reason: str) -> str:
    """The thread message telling the sending state someone came off a manifest, and why."""
    return gettext(
        "Taken off the manifest of %(flight)s (%(route)s, %(date)s) %(when)s. Reason: %(reason)s"
    ) % {
        "flight": f"{movement.carrier} {movement.flight_number}".strip(),
        "route": f"{movement.origin}-{movement.destination}",
        "date": movement.departure_date.isoformat(),
        "when": when,
        "reason": reason or gettext("not given"),
    }


@_refusal_recorded("movement.depart")
@transaction.atomic
def movement_depart(
    *, actor: Actor, movement: Movement, boarding: Mapping[str, tuple[str, str]]
) -> Movement:
    """Record the departure: everyone screened again (stage "departure"), then boarding per
    person (entry id → (boarded | no_show | removed_at_gate, reason)). A person now blocked is
    removed at the gate whatever was sent. Each one off the path is an incident."""
    require(actor, Perm.MOVEMENT_BOARD, target_type="movement", target_id=movement.pk)
    _require_receiving(actor, movement.agreement)
    movement = locks.movement_lock(movement.pk)
    _transition(movement, expected=MovementStatus.LOCKED, to=MovementStatus.DEPARTED)
    entries = locks.entries_lock(
        list(movement.entries.filter(removed_at__isnull=True).values_list("pk", flat=True))
    )
    by_id = {str(e.pk): e for e in entries}
    errors: dict[str, list[str]] = {}
    for key, (outcome, reason) in boarding.items():
        if key not in by_id:
            errors[key] = [gettext("Not on this manifest.")]
        elif outcome not in (Boarding.BOARDED, Boarding.NO_SHOW, Boarding.REMOVED_AT_GATE):
            errors[key] = [gettext("Boarded, no-show or removed at the gate.")]
        elif outcome == Boarding.REMOVED_AT_GATE and not reason.strip():
            errors[key] = [gettext("Say why the person was removed at the gate.")]
    for key in by_id.keys() - boarding.keys():
        errors[key] = [gettext("Record whether this person boarded.")]
    if errors:
        raise ValidationError(gettext("The boarding record is not complete."), details=errors)
    blocked = vetting.referrals_screen_for_movement(
        actor=actor,
        referrals=[e.referral for e in entries],
        stage=Stage.DEPARTURE,
        cause={"movement": str(movement.pk)},
        planned_departure=movement.departure_date,
    )
    now = clock.now()
    for entry in entries:
        outcome, reason = boarding[str(entry.pk)]
        rules = blocked.get(entry.referral_id)
        if rules is not None:
            outcome = Boarding.REMOVED_AT_GATE
            reason = "; ".join(f"{r}: {' '.join(m)}" for r, m in sorted(rules.items()))
        entry.boarding = outcome
        entry.boarding_reason = reason.strip()
        entry.save(update_fields=["boarding", "boarding_reason", "updated_at"])
        if outcome == Boarding.REMOVED_AT_GATE:
            vetting.referral_movement_notice_write(
                actor=actor,
                referral=entry.referral,
                body=_removal_notice(movement, gettext("at the gate"), entry.boarding_reason),
            )
    # The boarded have used their acceptance: it no longer expires (SAFEGUARDS A5, ADR 0021).
    vetting.acceptances_use(
        actor=actor,
        referral_ids=[e.referral_id for e in entries if e.boarding == Boarding.BOARDED],
        at=now,
    )
    movement.status = MovementStatus.DEPARTED
    movement.departed_at = now
    movement.save(update_fields=["status", "departed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="movement.depart",
        target_type="movement",
        target_id=movement.pk,
        after={str(e.person_id): e.boarding for e in entries},
    )
    _incidents_sync(actor=actor, movement=movement, now=now)
    return movement


@_refusal_recorded("movement.arrive")
@transaction.atomic
def movement_arrive(*, actor: Actor, movement: Movement, arrived: Sequence[str]) -> Movement:
    """Record who arrived (entry ids). Only someone who boarded can arrive; each arrival
    consumes their place under the agreement's cap (ADR 0021) and starts the 24-hour
    accommodation clock (SAFEGUARDS B1)."""
    require(actor, Perm.MOVEMENT_ARRIVE, target_type="movement", target_id=movement.pk)
    _require_receiving(actor, movement.agreement)
    movement = locks.movement_lock(movement.pk)
    _transition(movement, expected=MovementStatus.DEPARTED, to=MovementStatus.ARRIVED)
    entries = locks.entries_lock(
        list(movement.entries.filter(removed_at__isnull=True).values_list("pk", flat=True))
    )
    by_id = {str(e.pk): e for e in entries}
    wanted = [str(a) for a in arrived]
    if len(set(wanted)) != len(wanted):
        raise DuplicatePerson(gettext("The same person is named twice."), details={})
    not_boarded = [a for a in wanted if a not in by_id or by_id[a].boarding != Boarding.BOARDED]
    if not_boarded:
        raise NotBoarded(
            gettext("%(n)d of the people named did not board this movement.")
            % {"n": len(not_boarded)},
            details={"arrived": not_boarded},
        )
    now = clock.now()
    for key in wanted:
        entry = by_id[key]
        entry.arrived_at = now
        entry.save(update_fields=["arrived_at", "updated_at"])
    agreements.agreement_consume_place(agreement=movement.agreement, count=len(wanted))
    # SAFEGUARDS B1: arrival opens each person's protection case (ADR 0026).
    for key in wanted:
        protection.case_open_on_arrival(
            actor=actor,
            person_id=by_id[key].person_id,
            agreement=movement.agreement,
            arrived_at=now,
        )
    movement.status = MovementStatus.ARRIVED
    movement.arrived_at = now
    movement.save(update_fields=["status", "arrived_at", "updated_at"])
    audit_record(
        actor=actor,
        action="movement.arrive",
        target_type="movement",
        target_id=movement.pk,
        after={"arrived": [str(by_id[k].person_id) for k in wanted]},
    )
    _incidents_sync(actor=actor, movement=movement, now=now)
    return movement


@_refusal_recorded("movement.cancel")
@transaction.atomic
def movement_cancel(*, actor: Actor, movement: Movement, reason: str) -> Movement:
    """Cancel a movement before departure; everyone comes off its manifest."""
    require(actor, Perm.MANIFEST_LOCK, target_type="movement", target_id=movement.pk)
    _require_receiving(actor, movement.agreement)
    movement = locks.movement_lock(movement.pk)
    if movement.status not in (MovementStatus.PROPOSED, MovementStatus.LOCKED):
        _transition(movement, expected=MovementStatus.PROPOSED, to=MovementStatus.CANCELLED)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("Say why."))
    now = clock.now()
    movement.entries.filter(removed_at__isnull=True).update(
        removed_at=now, removed_reason=reason.strip(), updated_at=now
    )
    movement.status = MovementStatus.CANCELLED
    movement.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="movement.cancel",
        target_type="movement",
        target_id=movement.pk,
        reason=reason.strip(),
    )
    return movement


# --- check-in (reception) and incidents ------------------------------------------------------


def entry_facts(entries: Sequence[ManifestEntry]) -> list[EntryFacts]:
    return [
        EntryFacts(
            key=e.pk,
            on_manifest=e.removed_at is None,
            boarding=e.boarding,
            arrived=e.arrived_at is not None,
            checked_in_at=e.checked_in_at,
            arrived_at=e.arrived_at,
        )
        for e in entries
    ]


def _incidents_sync(*, actor: Actor, movement: Movement, now: dt.datetime) -> list[Incident]:
    """Open an incident for every discrepancy of the reconciliation that has none yet."""
    entries = list(movement.entries.all())
    result = reconcile(
        entry_facts(entries),
        departed=movement.status in (MovementStatus.DEPARTED, MovementStatus.ARRIVED),
        arrived=movement.status == MovementStatus.ARRIVED,
        now=now,
    )
    have = set(movement.incidents.values_list("entry_id", "kind"))
    by_pk = {e.pk: e for e in entries}
    opened = []
    for key, kind in sorted(result.discrepancies, key=lambda d: (str(d[0]), d[1])):
        if (key, kind) in have:
            continue
        entry = by_pk[key]
        incident = Incident.objects.create(
            movement=movement,
            entry=entry,
            kind=kind,
            detail=entry.boarding_reason,
            opened_at=now,
        )
        opened.append(incident)
        audit_record(
            actor=actor,
            action="incident.open",
            target_type="movement",
            target_id=movement.pk,
            after={"incident": str(incident.pk), "kind": kind, "person": str(entry.person_id)},
        )
    return opened


@_refusal_recorded("movement.incidents_refresh")
@transaction.atomic
def movement_incidents_refresh(*, actor: Actor, movement: Movement) -> list[Incident]:
    """Open the incidents the clock has made due (a check-in later than 24 hours, B1)."""
    require(actor, Perm.INCIDENT_EXPLAIN, target_type="movement", target_id=movement.pk)
    movement = locks.movement_lock(movement.pk)
    return _incidents_sync(actor=actor, movement=movement, now=clock.now())


# The scheduled job's actor (SAFEGUARDS B1: the 24-hour accommodation clock).
SYSTEM_LATE_CHECK_IN = command_line_actor(
    roles=frozenset({Role.RECEPTION_OFFICER}), label="system:late-check-in"
)


def late_check_ins_raise(*, actor: Actor, now: dt.datetime | None = None) -> dict[str, int]:
    """Open a `late_check_in` incident for every arrived person not checked in within 24
    hours (SAFEGUARDS B1) that has none yet; each movement in its own transaction under its
    row lock. Running it again opens nothing new (one incident per entry and kind)."""
    now = now or clock.now()
    due = now - ACCOMMODATION_WITHIN
    movement_ids = list(
        ManifestEntry.objects.filter(
            removed_at__isnull=True,
            arrived_at__lt=due,
            checked_in_at__isnull=True,
            movement__status=MovementStatus.ARRIVED,
        )
        .exclude(incidents__kind=Incident.Kind.LATE_CHECK_IN)
        .values_list("movement_id", flat=True)
        .distinct()
        .order_by("movement_id")
    )
    opened = 0
    for movement_id in movement_ids:
        with transaction.atomic():
            movement = locks.movement_lock(movement_id)
            opened += sum(
                1
                for i in _incidents_sync(actor=actor, movement=movement, now=now)
                if i.kind == Incident.Kind.LATE_CHECK_IN
            )
    return {"movements": len(movement_ids), "incidents": opened}


@transaction.atomic
def manifest_entry_check_in(*, actor: Actor, person_id: Any, at: dt.datetime) -> ManifestEntry:
    """Record that an arrived person was checked in (called by reception's check-in, which
    made its permission check and holds the unit's row). NotArrived unless the person is on
    an arrived manifest and not checked in yet."""
    entry = (
        ManifestEntry.objects.filter(
            person_id=person_id,
            removed_at__isnull=True,
            arrived_at__isnull=False,
            movement__status=MovementStatus.ARRIVED,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if entry is None:
        raise NotArrived(
            gettext("The person is not on an arrived manifest."),
            details={"person": [str(person_id)]},
        )
    (locked,) = locks.entries_lock([entry])
    if locked.checked_in_at is not None:
        raise NotArrived(
            gettext("The person's arrival is already checked in."),
            details={"person": [str(person_id)]},
        )
    locked.checked_in_at = at
    locked.save(update_fields=["checked_in_at", "updated_at"])
    audit_record(
        actor=actor,
        action="manifest_entry.check_in",
        target_type="movement",
        target_id=locked.movement_id,
        after={"person": str(person_id), "at": at.isoformat()},
    )
    _incidents_sync(actor=actor, movement=locked.movement, now=at)
    return locked


@_refusal_recorded("incident.explain")
@transaction.atomic
def incident_explain(*, actor: Actor, incident: Incident, explanation: str) -> Incident:
    """Close an incident with its explanation (the monitor sees both)."""
    require(actor, Perm.INCIDENT_EXPLAIN, target_type="incident", target_id=incident.pk)
    _require_receiving(actor, incident.movement.agreement)
    text = explanation.strip()
    if not text or len(text) > 2000:
        raise ValidationError.for_field(
            "explanation", gettext("Explain the discrepancy (at most 2,000 characters).")
        )
    incident = locks.incident_lock(incident.pk)
    if incident.explained_at is not None:
        raise IllegalTransition(gettext("The incident is already explained."), details={})
    incident.explanation = text
    incident.explained_at = clock.now()
    incident.explained_by_label = actor.label
    incident.save(update_fields=["explanation", "explained_at", "explained_by_label", "updated_at"])
    audit_record(
        actor=actor,
        action="incident.explain",
        target_type="movement",
        target_id=incident.movement_id,
        after={"incident": str(incident.pk), "explanation": text},
    )
    return incident


def movement_flight(*, movement: Movement) -> Any:
    """The movement's passengers on the manifest, as a PAXLST flight (for writing)."""
    from ikaze.movements.paxlst import Flight, Passenger

    entries = list(movement.entries.filter(removed_at__isnull=True).order_by("created_at", "pk"))
    ids = [e.person_id for e in entries]
    facts = people.person_travel_facts(person_ids=ids)
    docs = people.person_travel_documents(person_ids=ids)
    passengers = []
    for e in entries:
        f, d = facts.get(e.person_id, {}), docs.get(e.person_id)
        passengers.append(
            Passenger(
                surname=str(f.get("surname", "")).upper(),
                given_names=str(f.get("given_names", "")).upper(),
                sex=str(f.get("sex", "")),
                date_of_birth=f.get("date_of_birth"),
                nationality=str(f.get("nationality", "")),
                document_kind=d.kind if d else "",
                document_number=d.number if d else "",
                document_expiry=d.expiry if d else None,
                issuing_state=d.issuing_state if d else "",
            )
        )
    return Flight(
        movement.flight_number,
        movement.origin,
        movement.destination,
        movement.departure_date,
        tuple(passengers),
    )


def movement_paxlst(*, movement: Movement) -> str:
    """The manifest as the UN/EDIFACT PAXLST message a carrier sends (page and API)."""
    from ikaze.movements.paxlst import paxlst_write

    return paxlst_write(
        flight=movement_flight(movement=movement),
        sender="IKAZE",
        recipient=movement.destination,
        reference=str(movement.pk.int % 10**10),
        now=clock.now(),
    )


@_refusal_recorded("movement.depart")
def movement_depart_from_paxlst(*, actor: Actor, movement: Movement, text: str) -> Movement:
    """Record the departure from the carrier's PAXLST: whoever it lists boarded, anyone else on
    the manifest is a no-show. A message naming someone not on the manifest is refused."""
    from ikaze.movements.errors import PaxlstInvalid
    from ikaze.movements.paxlst import paxlst_read

    require(actor, Perm.MOVEMENT_BOARD, target_type="movement", target_id=movement.pk)
    flight = paxlst_read(text)
    entries = list(movement.entries.filter(removed_at__isnull=True))
    docs = people.person_travel_documents(person_ids=[e.person_id for e in entries])
    by_doc = {docs[e.person_id].number: e for e in entries if e.person_id in docs}
    unknown = [p.document_number for p in flight.passengers if p.document_number not in by_doc]
    if unknown:
        raise PaxlstInvalid(
            gettext("The carrier's list names %(n)d people not on the manifest.")
            % {"n": len(unknown)},
            details={"paxlst": unknown},
        )
    listed = {p.document_number for p in flight.passengers}
    boarding = {
        str(e.pk): (Boarding.BOARDED, "")
        if number in listed
        else (Boarding.NO_SHOW, gettext("Not on the carrier's passenger list."))
        for number, e in by_doc.items()
    }
    for e in entries:
        boarding.setdefault(str(e.pk), (Boarding.NO_SHOW, gettext("No travel document.")))
    return movement_depart(actor=actor, movement=movement, boarding=boarding)
