"""Writes of personal-data protection (SAFEGUARDS D2-D5). Every write is audited; a refusal
changes nothing and is recorded.

- data-subject requests (D3): access, rectification, restriction, with their deadline;
- legal holds and the purge (D4): a purge destroys a person's sensitive data irrecoverably
  (their data key is shredded), and a hold refuses it;
- the breach register (D5): 48 h to notify the regulator, 72 h to report;
- `require_export_basis` (D2) lives in `ikaze.privacy.exports` and is re-exported here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied, ValidationError
from ikaze.core.text import normalise_text, text_problem
from ikaze.people import services as people
from ikaze.people.models import Person
from ikaze.privacy import locks, vault
from ikaze.privacy.errors import AlreadyErased, BreachClock, RequestClosed, UnderLegalHold
from ikaze.privacy.exports import require_export_basis
from ikaze.privacy.models import (
    Breach,
    BreachStatus,
    DataRequest,
    LegalHold,
    Purge,
    RequestKind,
    RequestStatus,
)

__all__ = ["require_export_basis"]

P = ParamSpec("P")
T = TypeVar("T")

# Law 058/2021: a data subject's request is answered within 30 days.
REQUEST_DAYS = 30
NOTICE_HOURS = 48
REPORT_HOURS = 72
RECTIFIABLE = ("health", "vulnerabilities")


def _refusal_recorded(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record a refused call (a rule, not a permission: the guard records those) once its
    transaction has rolled back: nothing changed but the record of the attempt."""

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except IkazeError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                target = kwargs.get("person") or kwargs.get("request") or kwargs.get("breach")
                audit_security(
                    actor=kwargs.get("actor"),  # type: ignore[arg-type]
                    action=f"refused:{action}",
                    target_type=type(target).__name__.lower() if target is not None else "",
                    target_id=getattr(target, "pk", "") or "",
                    reason=f"{exc.code}: {exc.message}"[:500],
                )
                raise

        return wrapper

    return decorator


def _text(
    name: str, value: str, *, limit: int, required: bool = True, multiline: bool = True
) -> str:
    value = normalise_text((value or "").strip())
    if required and not value:
        raise ValidationError.for_field(name, gettext("This field is required."))
    if problem := text_problem(value, max_length=limit, multiline=multiline):
        raise ValidationError.for_field(name, problem.text())
    return value


def _when(name: str, value: dt.datetime | None, *, default: dt.datetime) -> dt.datetime:
    at = value or default
    if at > clock.now() + dt.timedelta(minutes=5):
        raise ValidationError.for_field(name, gettext("This time is in the future."))
    return at


# --- data-subject requests (D3) ----------------------------------------------------------------


@transaction.atomic
def request_open(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    detail: str = "",
    field: str = "",
    proposed_value: str = "",
    received_at: dt.datetime | None = None,
) -> DataRequest:
    """Record a person's request; its deadline runs from when it was received."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    if kind not in RequestKind.values:
        raise ValidationError.for_field(
            "kind", gettext("Choose access, rectification or restriction.")
        )
    detail = _text("detail", detail, limit=2000, required=False)
    if kind == RequestKind.RECTIFICATION:
        if field not in RECTIFIABLE:
            raise ValidationError.for_field(
                "field", gettext("Choose the value to correct: health or vulnerabilities.")
            )
        proposed_value = _text("proposed_value", proposed_value, limit=2000, required=False)
    else:
        field, proposed_value = "", ""
    received = _when("received_at", received_at, default=clock.now())
    request = DataRequest(
        person=person,
        kind=kind,
        received_at=received,
        due_at=received + dt.timedelta(days=REQUEST_DAYS),
        field=field,
        recorded_by=actor.user,
    )
    try:
        vault.seal_fields(request, detail=detail, proposed_value=proposed_value)
    except vault.Erased:
        raise AlreadyErased(gettext("This person's sensitive data was destroyed.")) from None
    request.save()
    audit_record(
        actor=actor,
        action="privacy.request.open",
        target_type="person",
        target_id=person.pk,
        after={
            "request": str(request.pk),
            "kind": kind,
            "field": field,
            "due_at": request.due_at.isoformat(),
        },
    )
    return request


@_refusal_recorded("privacy.request.decide")
@transaction.atomic
def request_decide(
    *, actor: Actor, request: DataRequest, accept: bool, note: str = ""
) -> DataRequest:
    """Answer a request: a rectification accepted corrects the value (the one write path), a
    restriction accepted takes effect (sensitive reads limited to the monitor), an access
    request is answered by the subject-access export."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=request.person_id)
    request = locks.data_request_lock(request.pk)
    if request.status != RequestStatus.OPEN:
        raise RequestClosed(gettext("This request was already answered."))
    note = _text("note", note, limit=2000, required=not accept)
    if accept and request.kind == RequestKind.RECTIFICATION:
        if vault.subject_erased(request.person_id):
            raise AlreadyErased(
                gettext("This person's sensitive data was destroyed: nothing can be corrected.")
            )
        try:
            value = vault.open_field(request, "proposed_value")
            people.sensitive_data_rectify(
                actor=actor, person_id=request.person_id, field=request.field, value=value
            )
        except vault.Erased:
            raise AlreadyErased(
                gettext("This person's sensitive data was destroyed: nothing can be corrected.")
            ) from None
    request.status = RequestStatus.DONE if accept else RequestStatus.REFUSED
    request.decided_by = actor.user
    request.decided_at = clock.now()
    request.outcome_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "outcome_note", "updated_at"])
    audit_record(
        actor=actor,
        action="privacy.request.decide",
        target_type="person",
        target_id=request.person_id,
        after={
            "request": str(request.pk),
            "kind": request.kind,
            "status": request.status,
            "late": request.decided_at > request.due_at,
        },
        reason=note,
    )
    return request


@_refusal_recorded("privacy.request.decide")
@transaction.atomic
def restriction_lift(*, actor: Actor, request: DataRequest, note: str) -> DataRequest:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=request.person_id)
    request = locks.data_request_lock(request.pk)
    if (
        request.kind != RequestKind.RESTRICTION
        or request.status != RequestStatus.DONE
        or request.lifted_at is not None
    ):
        raise RequestClosed(gettext("No restriction in force to lift."))
    note = _text("note", note, limit=2000)
    request.lifted_at = clock.now()
    request.save(update_fields=["lifted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="privacy.restriction.lift",
        target_type="person",
        target_id=request.person_id,
        after={"request": str(request.pk)},
        reason=note,
    )
    return request


# --- legal holds and the purge (D4) ----------------------------------------------------------


@transaction.atomic
def hold_place(*, actor: Actor, person: Person, reason: str, reference: str) -> LegalHold:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    reason = _text("reason", reason, limit=2000)
    reference = _text("reference", reference, limit=200, multiline=False)
    hold = LegalHold.objects.create(
        person=person, reason=reason, reference=reference, placed_by=actor.user
    )
    audit_record(
        actor=actor,
        action="privacy.hold.place",
        target_type="person",
        target_id=person.pk,
        after={"hold": str(hold.pk), "reference": reference},
        reason=reason,
    )
    return hold


@transaction.atomic
def hold_release(*, actor: Actor, hold: LegalHold, reason: str) -> LegalHold:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=hold.person_id)
    reason = _text("reason", reason, limit=2000)
    hold = locks.legal_hold_lock(hold.pk)
    if hold.released_at is not None:
        raise RequestClosed(gettext("This hold was already released."))
    hold.released_at = clock.now()
    hold.released_by = actor.user
    hold.save(update_fields=["released_at", "released_by", "updated_at"])
    audit_record(
        actor=actor,
        action="privacy.hold.release",
        target_type="person",
        target_id=hold.person_id,
        after={"hold": str(hold.pk)},
        reason=reason,
    )
    return hold


def held(person_ids: list[Any]) -> set[Any]:
    return set(
        LegalHold.objects.filter(person_id__in=person_ids, released_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def _destroy(actor: Actor, person_id: Any, *, category: str, reason: str) -> Purge:
    people.sensitive_data_destroy([person_id])
    # The person's requests hold sealed details too: their key is gone with the person's.
    DataRequest.objects.filter(person_id=person_id).update(detail="", proposed_value="")
    purge = Purge.objects.create(
        person_id_erased=person_id,
        category=category,
        reason=reason[:200],
        purged_by_label=actor.label[:150],
    )
    audit_record(
        actor=actor,
        action="privacy.purge",
        target_type="person",
        target_id=person_id,
        after={"category": category, "purge": str(purge.pk)},
        reason=reason,
    )
    return purge


@_refusal_recorded("privacy.purge")
@transaction.atomic
def purge_person(*, actor: Actor, person: Person, reason: str) -> Purge:
    """Destroy a person's sensitive data now (an erasure the officer decided): refused while a
    legal hold is in force."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    reason = _text("reason", reason, limit=200, multiline=False)
    if held([person.pk]):
        raise UnderLegalHold(
            gettext("A legal hold is in force on this person's data: it cannot be destroyed.")
        )
    if vault.subject_erased(person.pk):
        raise AlreadyErased(gettext("This person's sensitive data was already destroyed."))
    return _destroy(actor, person.pk, category="sensitive_data", reason=reason)


@dataclass
class PurgeRun:
    purged: int = 0
    held: int = 0
    details_cleared: int = 0
    dry_run: bool = False


def retention_days(category: str) -> int:
    return int(settings.IKAZE_RETENTION_DAYS[category])


@transaction.atomic
def purge_due(*, actor: Actor, dry_run: bool = False, limit: int = 10_000) -> PurgeRun:
    """The retention job (`ikaze privacy purge`): destroy what outlived its period (D4).

    sensitive_data: a person's health and vulnerabilities once neither the person's record
    nor that data changed for `IKAZE_RETENTION_DAYS["sensitive_data"]` days; a person under a
    legal hold is skipped and the suspension audited. request_detail: the sealed text of
    requests answered longer ago than their period is cleared."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="privacy")
    from ikaze.people.models import SensitiveData

    run = PurgeRun(dry_run=dry_run)
    now = clock.now()
    cutoff = now - dt.timedelta(days=retention_days("sensitive_data"))
    due = list(
        SensitiveData.objects.filter(updated_at__lt=cutoff, person__updated_at__lt=cutoff)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:limit]
    )
    on_hold = held(due)
    for pid in due:
        if pid in on_hold:
            run.held += 1
            if not dry_run:
                audit_record(
                    actor=actor,
                    action="privacy.purge.held",
                    target_type="person",
                    target_id=pid,
                    after={"category": "sensitive_data"},
                )
            continue
        run.purged += 1
        if not dry_run:
            _destroy(actor, pid, category="sensitive_data", reason="retention period over")
    request_cutoff = now - dt.timedelta(days=retention_days("request_detail"))
    old = DataRequest.objects.filter(decided_at__lt=request_cutoff).exclude(
        detail="", proposed_value=""
    )
    old = old.exclude(person_id__in=list(held(list(old.values_list("person_id", flat=True)))))
    run.details_cleared = old.count()
    if not dry_run and run.details_cleared:
        old.update(detail="", proposed_value="")
        audit_record(
            actor=actor,
            action="privacy.purge",
            target_type="privacy",
            after={"category": "request_detail", "requests": run.details_cleared},
            reason="retention period over",
        )
    return run


# --- the breach register (D5) ------------------------------------------------------------------


@transaction.atomic
def breach_record(
    *,
    actor: Actor,
    title: str,
    description: str,
    discovered_at: dt.datetime,
    people_affected: int = 0,
    categories: list[str] | None = None,
) -> Breach:
    """Record a breach; its clocks run from its discovery (48 h notice, 72 h report)."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="breach")
    title = _text("title", title, limit=200, multiline=False)
    description = _text("description", description, limit=4000)
    discovered = _when("discovered_at", discovered_at, default=clock.now())
    if people_affected < 0 or people_affected > 10_000_000:
        raise ValidationError.for_field("people_affected", gettext("Between 0 and 10,000,000."))
    cats = [c for c in (categories or []) if c in CATEGORIES]
    breach = Breach.objects.create(
        title=title,
        description=description,
        discovered_at=discovered,
        people_affected=people_affected,
        categories=cats,
        notice_due_at=discovered + dt.timedelta(hours=NOTICE_HOURS),
        report_due_at=discovered + dt.timedelta(hours=REPORT_HOURS),
        recorded_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="privacy.breach.record",
        target_type="breach",
        target_id=breach.pk,
        after={"title": title, "discovered_at": discovered.isoformat(), "people": people_affected},
    )
    return breach


CATEGORIES = ("identity", "health", "protection_claim", "criminal_record", "family", "location")


def _clock_step(
    actor: Actor, breach: Breach, *, step: str, at: dt.datetime | None, reference: str
) -> Breach:
    require(actor, Perm.PRIVACY_MANAGE, target_type="breach", target_id=breach.pk)
    breach = locks.breach_lock(breach.pk)
    reference = _text("reference", reference, limit=200, multiline=False)
    when = _when("at", at, default=clock.now())
    if when < breach.discovered_at:
        raise BreachClock(
            gettext("The regulator cannot have been told before the breach was discovered."),
            details={"at": [gettext("Before the discovery.")]},
        )
    if getattr(breach, f"{step}_at") is not None:
        raise RequestClosed(gettext("This step was already recorded."))
    if step == "reported" and breach.notified_at is None:
        breach.notified_at, breach.notice_reference = when, reference
    setattr(breach, f"{step}_at", when)
    if step == "notified":
        breach.notice_reference = reference
    else:
        breach.report_reference = reference
        breach.status = BreachStatus.CLOSED
    breach.save()
    audit_record(
        actor=actor,
        action="privacy.breach.notify" if step == "notified" else "privacy.breach.report",
        target_type="breach",
        target_id=breach.pk,
        after={
            "at": when.isoformat(),
            "reference": reference,
            "late": when > (breach.notice_due_at if step == "notified" else breach.report_due_at),
        },
    )
    return breach


@_refusal_recorded("privacy.breach")
@transaction.atomic
def breach_notify(
    *, actor: Actor, breach: Breach, reference: str, at: dt.datetime | None = None
) -> Breach:
    return _clock_step(actor, breach, step="notified", at=at, reference=reference)


@_refusal_recorded("privacy.breach")
@transaction.atomic
def breach_report(
    *, actor: Actor, breach: Breach, reference: str, at: dt.datetime | None = None
) -> Breach:
    return _clock_step(actor, breach, step="reported", at=at, reference=reference)
