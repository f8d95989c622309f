"""Writes to agreements: set-up, status, caps, support package, compensation and payments.

Every service checks the permission first, validates everything before writing, and records
its change in the audit chain in the same transaction; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pycountry
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext
from pydantic import ValidationError as PydanticValidationError

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements.errors import (
    AgreementNotInForce,
    NoCapPeriod,
    PaymentAlreadyReversed,
    PaymentCurrencyMismatch,
    PaymentIsReversal,
    PaymentNotAllowed,
    StaleVersion,
)
from ikaze.agreements.locks import agreement_lock
from ikaze.agreements.models import (
    EDITABLE_FIELDS,
    Agreement,
    CompensationCategory,
    CompensationLine,
    InterstatePayment,
    SupportItem,
    Tranche,
)
from ikaze.agreements.money import precision, to_major
from ikaze.agreements.notice_settings import notice_settings_parse
from ikaze.agreements.parties import require_party
from ikaze.agreements.standards import SAFEGUARD_SETTINGS
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import (
    CapacityExceeded,
    Conflict,
    IllegalTransition,
    NotFound,
    ValidationError,
)
from ikaze.core.text import FREE_TEXT_MAX_CHARS, text_problem

# A payment's note is shorter than other free text: it is printed on the statement.
PAYMENT_NOTE_MAX_CHARS = 2000

Status = Agreement.Status

# The status machine. Suspension and resumption are a senior officer's call; every other
# step is set-up work for an administrator.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.NEGOTIATING, Status.SIGNED, Status.DECLINED}),
    Status.NEGOTIATING: frozenset({Status.SIGNED, Status.DECLINED}),
    Status.SIGNED: frozenset({Status.IN_FORCE, Status.TERMINATED}),
    Status.IN_FORCE: frozenset({Status.SUSPENDED, Status.TERMINATED}),
    Status.SUSPENDED: frozenset({Status.IN_FORCE, Status.TERMINATED}),
    Status.TERMINATED: frozenset(),
    Status.DECLINED: frozenset(),
}
_SUSPENSION_STEPS = frozenset(
    {(Status.IN_FORCE, Status.SUSPENDED), (Status.SUSPENDED, Status.IN_FORCE)}
)
# Money changes hands only under an agreement that was signed at some point.
_PAYABLE_STATUSES = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED, Status.TERMINATED})

CODE_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
MAX_DAYS = 3650
MAX_AMOUNT_MINOR = 10**15

_REQUIRED_ON_CREATE = ("title", "sending_state", "receiving_state")


def transition_perm(from_status: str, to_status: str) -> Perm:
    """The permission a status change needs."""
    if (from_status, to_status) in _SUSPENSION_STEPS:
        return Perm.AGREEMENT_SUSPEND
    return Perm.AGREEMENT_MANAGE


# --- validation helpers ------------------------------------------------------------------


def valid_country(code: object) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 2
        and pycountry.countries.get(alpha_2=code.upper()) is not None
    )


def valid_currency(code: object) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 3
        and pycountry.currencies.get(alpha_3=code.upper()) is not None
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _add(errors: dict[str, list[str]], field: str, reason: str) -> None:
    errors.setdefault(field, []).append(reason)


def _text(
    errors: dict[str, list[str]],
    field: str,
    value: object,
    *,
    max_length: int,
    required: bool,
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, field, gettext("Must be text."))
        return ""
    if problem := text_problem(value, max_length=max_length, multiline=multiline):
        _add(errors, field, problem.text())
        return ""
    value = value.strip()
    if required and not value:
        _add(errors, field, gettext("This field is required."))
    return value


def _int_in(
    errors: dict[str, list[str]],
    field: str,
    value: object,
    *,
    minimum: int,
    maximum: int,
    nullable: bool = False,
) -> int | None:
    if value is None:
        if not nullable:
            _add(errors, field, gettext("This field is required."))
        return None
    if not _is_int(value):
        _add(errors, field, gettext("Must be a whole number."))
        return None
    assert isinstance(value, int)
    if not minimum <= value <= maximum:
        _add(
            errors,
            field,
            gettext("Must be between %(minimum)s and %(maximum)s.")
            % {"minimum": minimum, "maximum": maximum},
        )
    return value


def _date(
    errors: dict[str, list[str]], field: str, value: object, *, nullable: bool
) -> dt.date | None:
    if value is None:
        if not nullable:
            _add(errors, field, gettext("This field is required."))
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        _add(errors, field, gettext("Must be a date (YYYY-MM-DD)."))
        return None
    return value


def _currency(errors: dict[str, list[str]], field: str, value: object) -> str:
    if not valid_currency(value):
        _add(
            errors,
            field,
            gettext("%(value)s is not an ISO 4217 currency code.") % {"value": repr(value)},
        )
        return ""
    assert isinstance(value, str)
    return value.upper()


def _clean_agreement_fields(
    data: Mapping[str, Any], *, current: Agreement | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate the editable fields present in `data`; return (clean values, errors)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for field in data:
        if field not in EDITABLE_FIELDS:
            _add(errors, field, gettext("This field cannot be set here."))
    if "title" in data:
        out["title"] = _text(errors, "title", data["title"], max_length=200, required=True)
    if "description" in data:
        out["description"] = _text(
            errors,
            "description",
            data["description"],
            max_length=FREE_TEXT_MAX_CHARS,
            required=False,
            multiline=True,
        )
    if "instrument_reference" in data:
        out["instrument_reference"] = _text(
            errors,
            "instrument_reference",
            data["instrument_reference"],
            max_length=200,
            required=False,
        )
    for field in ("sending_state", "receiving_state"):
        if field in data:
            if valid_country(data[field]):
                out[field] = str(data[field]).upper()
            else:
                _add(
                    errors,
                    field,
                    gettext("%(value)s is not an ISO 3166-1 alpha-2 country code.")
                    % {"value": repr(data[field])},
                )
    if "instrument" in data:
        if data["instrument"] in Agreement.Instrument.values:
            out["instrument"] = data["instrument"]
        else:
            _add(
                errors,
                "instrument",
                gettext("Choose one of %(choices)s.")
                % {"choices": ", ".join(Agreement.Instrument.values)},
            )
    if "voluntary" in data:
        if isinstance(data["voluntary"], bool):
            out["voluntary"] = data["voluntary"]
        else:
            _add(errors, "voluntary", gettext("Must be true or false."))
    for field in ("valid_from", "valid_to"):
        if field in data:
            out[field] = _date(errors, field, data[field], nullable=True)
    if "currency" in data:
        out["currency"] = _currency(errors, "currency", data["currency"])
    if "cap_total" in data:
        out["cap_total"] = _int_in(
            errors, "cap_total", data["cap_total"], minimum=1, maximum=10**9, nullable=True
        )
    if "relocated_before_system" in data:
        out["relocated_before_system"] = _int_in(
            errors,
            "relocated_before_system",
            data["relocated_before_system"],
            minimum=0,
            maximum=10**9,
        )
    for field in SAFEGUARD_SETTINGS:
        if field in data:
            out[field] = _int_in(errors, field, data[field], minimum=0, maximum=MAX_DAYS)

    # Rules across fields, checked against the values the agreement will have.
    def final(field: str) -> Any:
        if field in out:
            return out[field]
        return getattr(current, field) if current is not None else None

    sending, receiving = final("sending_state"), final("receiving_state")
    if (
        sending
        and receiving
        and sending == receiving
        and "sending_state" not in errors
        and "receiving_state" not in errors
    ):
        _add(
            errors,
            "receiving_state",
            gettext("The receiving state must differ from the sending state."),
        )
    start, end = final("valid_from"), final("valid_to")
    if (
        isinstance(start, dt.date)
        and isinstance(end, dt.date)
        and end < start
        and "valid_to" not in errors
    ):
        _add(errors, "valid_to", gettext("The end of validity must not be before its start."))
    if current is not None and "cap_total" in out and out["cap_total"] is not None:
        if out["cap_total"] < current.places_used:
            _add(
                errors,
                "cap_total",
                gettext("%(n)s places are already taken; the cap cannot be lower.")
                % {"n": current.places_used},
            )
        biggest = max((t.cap for t in current.tranches.all()), default=0)
        if out["cap_total"] < biggest:
            _add(
                errors,
                "cap_total",
                gettext("A cap period allows %(n)s; the cap cannot be lower.") % {"n": biggest},
            )
    return out, errors


def _snapshot(agreement: Agreement, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {f: getattr(agreement, f) for f in fields}


def _require_party(actor: Actor, agreement: Agreement) -> None:
    # Issue 9 item 10: only the two parties' officers change an agreement (agreements.parties).
    require_party(
        actor,
        sending_state=agreement.sending_state,
        receiving_state=agreement.receiving_state,
        target_id=agreement.pk,
    )


# --- agreements ----------------------------------------------------------------------------


@transaction.atomic
def agreement_create(*, actor: Actor, code: str, fields: Mapping[str, Any]) -> Agreement:
    """Create an agreement in draft with its parties, cap and safeguard settings."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement")
    clean, errors = _clean_agreement_fields(fields, current=None)
    for field in _REQUIRED_ON_CREATE:
        if field not in fields:
            _add(errors, field, gettext("This field is required."))
    code = code.strip().upper() if isinstance(code, str) else ""
    if not code:
        _add(errors, "code", gettext("This field is required."))
    elif len(code) > 40 or not CODE_RE.match(code):
        _add(
            errors,
            "code",
            gettext("Use up to 40 letters, digits and single hyphens, e.g. US-RW-2025."),
        )
    elif Agreement.objects.filter(code=code).exists():
        _add(errors, "code", gettext("An agreement with this code exists."))
    if errors:
        raise ValidationError(gettext("The agreement is not valid."), details=errors)
    require_party(
        actor, sending_state=clean["sending_state"], receiving_state=clean["receiving_state"]
    )
    try:
        with transaction.atomic():
            agreement = Agreement.objects.create(code=code, **clean)
    except IntegrityError as exc:  # a concurrent create took the code
        raise Conflict(
            gettext("An agreement with this code exists."),
            details={"code": [gettext("An agreement with this code exists.")]},
        ) from exc
    audit_record(
        actor=actor,
        action="agreement.create",
        target_type="agreement",
        target_id=agreement.pk,
        after={"code": code, **clean},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *, actor: Actor, agreement: Agreement, version: int, changes: Mapping[str, Any]
) -> Agreement:
    """Edit an agreement's set-up; refuse if it changed since `version` was read."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement", target_id=agreement.pk)
    agreement = agreement_lock(agreement.pk)
    _require_party(actor, agreement)
    if not _is_int(version):
        raise ValidationError.for_field("version", gettext("Must be a whole number."))
    if agreement.version != version:
        raise StaleVersion(
            gettext(
                "Someone changed this agreement since you opened it; "
                "reload and apply your changes again."
            ),
            details={
                "version": [
                    gettext("Current version is %(current)s, you sent %(sent)s.")
                    % {"current": agreement.version, "sent": version}
                ]
            },
        )
    clean, errors = _clean_agreement_fields(changes, current=agreement)
    if errors:
        raise ValidationError(gettext("The agreement is not valid."), details=errors)
    # An edit cannot hand the agreement to two other states either.
    require_party(
        actor,
        sending_state=clean.get("sending_state", agreement.sending_state),
        receiving_state=clean.get("receiving_state", agreement.receiving_state),
        target_id=agreement.pk,
    )
    changed = [f for f, v in clean.items() if getattr(agreement, f) != v]
    if not changed:
        return agreement
    before = _snapshot(agreement, changed)
    for f in changed:
        setattr(agreement, f, clean[f])
    agreement.version = F("version") + 1
    agreement.save(update_fields=[*changed, "version", "updated_at"])
    agreement.refresh_from_db()
    audit_record(
        actor=actor,
        action="agreement.update",
        target_type="agreement",
        target_id=agreement.pk,
        before=before,
        after={**_snapshot(agreement, changed), "version": agreement.version},
    )
    return agreement


@transaction.atomic
def agreement_transition(*, actor: Actor, agreement: Agreement, to: str, reason: str) -> Agreement:
    """Move an agreement to another status along the transition table, with a reason."""
    # Lock first: which permission applies depends on the status the agreement is in now.
    agreement = agreement_lock(agreement.pk)
    current = agreement.status
    known = to in Status.values
    require(
        actor,
        transition_perm(current, to) if known else Perm.AGREEMENT_MANAGE,
        target_type="agreement",
        target_id=agreement.pk,
    )
    _require_party(actor, agreement)
    if not known:
        raise ValidationError.for_field(
            "to", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(Status.values)}
        )
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError.for_field("reason", gettext("A reason is required."))
    if len(reason) > 2000:
        raise ValidationError.for_field("reason", gettext("At most 2000 characters."))
    if to not in TRANSITIONS[current]:
        allowed = sorted(TRANSITIONS[current])
        raise IllegalTransition(
            gettext("An agreement cannot go from %(current)s to %(to)s.")
            % {"current": current, "to": to},
            details={
                "to": [
                    gettext("From %(current)s the next status can be: %(allowed)s.")
                    % {"current": current, "allowed": ", ".join(allowed) or gettext("none (final)")}
                ]
            },
        )
    agreement.status = to
    agreement.version = F("version") + 1
    agreement.save(update_fields=["status", "version", "updated_at"])
    agreement.refresh_from_db()
    audit_record(
        actor=actor,
        action="agreement.transition",
        target_type="agreement",
        target_id=agreement.pk,
        before={"status": current},
        after={"status": to, "version": agreement.version},
        reason=reason.strip(),
    )
    return agreement


@transaction.atomic
def agreement_notice_settings_set(
    *, actor: Actor, agreement: Agreement, settings: Mapping[str, Any]
) -> Agreement:
    """Set what the agreement's notices name, per language: authorities, office, address,
    appeal body, legal aid, monitor (notice_settings.NoticeSettings; issue 11 item 14)."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement", target_id=agreement.pk)
    agreement = agreement_lock(agreement.pk)
    _require_party(actor, agreement)
    try:
        clean = notice_settings_parse(dict(settings)).model_dump()
    except PydanticValidationError as exc:
        details: dict[str, list[str]] = {}
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            details.setdefault(field, []).append(str(err["msg"]))
        raise ValidationError(
            gettext("The notice settings are not valid."), details=details
        ) from None
    before = agreement.notice_settings
    if before == clean:
        return agreement
    # Not the terms of the agreement: an edit of the terms (its version) is not stale for it.
    agreement.notice_settings = clean
    agreement.save(update_fields=["notice_settings", "updated_at"])
    audit_record(
        actor=actor,
        action="agreement.notice_settings.set",
        target_type="agreement",
        target_id=agreement.pk,
        before={"notice_settings": before},
        after={"notice_settings": clean},
    )
    return agreement


# --- caps ----------------------------------------------------------------------------------


@transaction.atomic
def tranche_add(
    *,
    actor: Actor,
    agreement: Agreement,
    label: str,
    starts_on: dt.date,
    ends_on: dt.date,
    cap: int,
) -> Tranche:
    """Add a cap period to an agreement; periods of one agreement never overlap."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement", target_id=agreement.pk)
    agreement = agreement_lock(agreement.pk)  # serialises overlap checks for this agreement
    _require_party(actor, agreement)
    errors: dict[str, list[str]] = {}
    label = _text(errors, "label", label, max_length=80, required=True)
    start = _date(errors, "starts_on", starts_on, nullable=False)
    end = _date(errors, "ends_on", ends_on, nullable=False)
    cap_ = _int_in(errors, "cap", cap, minimum=1, maximum=10**9)
    if start and end and end < start:
        _add(errors, "ends_on", gettext("The period must not end before it starts."))
    if cap_ is not None and agreement.cap_total is not None and cap_ > agreement.cap_total:
        _add(
            errors,
            "cap",
            gettext("Must not exceed the agreement's cap of %(cap)s.")
            % {"cap": agreement.cap_total},
        )
    if label and agreement.tranches.filter(label=label).exists():
        _add(errors, "label", gettext("This agreement already has a period with this label."))
    if start and end and end >= start:
        clash = agreement.tranches.filter(starts_on__lte=end, ends_on__gte=start).first()
        if clash is not None:
            _add(
                errors,
                "starts_on",
                gettext("Overlaps the period %(label)s (%(start)s to %(end)s).")
                % {"label": clash.label, "start": clash.starts_on, "end": clash.ends_on},
            )
    if errors:
        raise ValidationError(gettext("The cap period is not valid."), details=errors)
    assert start is not None and end is not None and cap_ is not None
    tranche = Tranche.objects.create(
        agreement=agreement, label=label, starts_on=start, ends_on=end, cap=cap_
    )
    audit_record(
        actor=actor,
        action="agreement.tranche.add",
        target_type="agreement",
        target_id=agreement.pk,
        after={
            "tranche": str(tranche.pk),
            "label": label,
            "starts_on": start,
            "ends_on": end,
            "cap": cap_,
        },
    )
    return tranche


def agreement_in_force_require(agreement: Agreement, *, on: dt.date | None = None) -> None:
    """Refuse (AgreementNotInForce) unless the agreement is in force and, given a day `on`,
    the day is within its validity.

    The one home of "is this agreement in force?" (issue 10 item 4): referrals, manifests and
    the cap all ask it.
    """
    if agreement.status != Status.IN_FORCE:
        status = Status(agreement.status).label
        raise AgreementNotInForce(
            gettext("Agreement %(code)s is not in force.") % {"code": agreement.code},
            details={"agreement": [gettext("Status: %(status)s.") % {"status": status}]},
        )
    valid_from, valid_to = agreement.valid_from, agreement.valid_to
    if on is not None and ((valid_from and on < valid_from) or (valid_to and on > valid_to)):
        raise AgreementNotInForce(
            gettext("%(day)s is outside the agreement's validity.") % {"day": on},
            details={
                "on": [
                    gettext("Valid from %(start)s to %(end)s.")
                    % {"start": valid_from or "—", "end": valid_to or "—"}
                ]
            },
        )


@transaction.atomic
def agreement_take_place(*, agreement: Agreement, on: dt.date) -> Tranche | None:
    """Take one place under the cap for the period covering `on`; CapacityExceeded if full.

    Called by the service that accepts a person (it checks the permission and writes the audit
    event in the same transaction). The counters move with F() updates, so the check
    constraints, not Python, enforce SAFEGUARDS A6 even when two officers accept at once.
    Returns the cap period used (None if the agreement has no periods).
    """
    # The status as committed now, not as the caller's copy remembers it.
    current = Agreement.objects.only("code", "status", "valid_from", "valid_to").get(
        pk=agreement.pk
    )
    agreement_in_force_require(current, on=on)
    tranche = Tranche.objects.filter(
        agreement_id=agreement.pk, starts_on__lte=on, ends_on__gte=on
    ).first()
    if tranche is None and Tranche.objects.filter(agreement_id=agreement.pk).exists():
        raise NoCapPeriod(
            gettext("No cap period of the agreement covers %(day)s.") % {"day": on},
            details={"on": [gettext("No cap period covers this date.")]},
        )
    try:
        # Fixed order (agreement row, then period row) so concurrent takers cannot deadlock.
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(places_used=F("places_used") + 1)
            if tranche is not None:
                Tranche.objects.filter(pk=tranche.pk).update(places_used=F("places_used") + 1)
    except IntegrityError as exc:
        raise CapacityExceeded(
            gettext("The agreement's cap for this period is reached."),
            details={"cap": [gettext("No place is left under the cap (SAFEGUARDS A6).")]},
        ) from exc
    if tranche is not None:
        tranche.refresh_from_db()
    return tranche


@transaction.atomic
def agreement_release_place(*, agreement: Agreement, tranche: Tranche | None) -> None:
    """Give back a place taken with `agreement_take_place` (an acceptance withdrawn)."""
    if tranche is not None and tranche.agreement_id != agreement.pk:
        raise ValidationError.for_field(
            "tranche", gettext("This period belongs to another agreement.")
        )
    try:
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(places_used=F("places_used") - 1)
            if tranche is not None:
                Tranche.objects.filter(pk=tranche.pk).update(places_used=F("places_used") - 1)
    except IntegrityError as exc:
        raise Conflict(
            gettext("No place is taken, so none can be released."),
            details={"places_used": [gettext("Already 0.")]},
        ) from exc


@transaction.atomic
def agreement_consume_place(*, agreement: Agreement, count: int = 1) -> None:
    """Mark `count` places held under the cap as consumed by people who arrived (ADR 0021).

    The place was reserved by the acceptance (`agreement_take_place`); arrival makes it final:
    the check constraint keeps consumed places within the places used, so a place consumed by
    an arrival can no longer be given back (SAFEGUARDS A6).
    """
    if count < 1:
        return
    try:
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(
                places_arrived=F("places_arrived") + count
            )
    except IntegrityError as exc:
        raise CapacityExceeded(
            gettext("More people arrived than hold a place under the agreement's cap."),
            details={"cap": [gettext("No reserved place is left to consume (SAFEGUARDS A6).")]},
        ) from exc


# --- support package and money -------------------------------------------------------------


@transaction.atomic
def support_item_add(
    *,
    actor: Actor,
    agreement: Agreement,
    kind: str,
    description: str,
    amount_minor: int | None = None,
    currency: str = "",
    frequency: str = SupportItem.Frequency.ONCE,
    duration_months: int | None = None,
) -> SupportItem:
    """Add an entitlement to the support package the agreement promises each person."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement", target_id=agreement.pk)
    _require_party(actor, agreement)
    errors: dict[str, list[str]] = {}
    if kind not in SupportItem.Kind.values:
        _add(
            errors,
            "kind",
            gettext("Choose one of %(choices)s.") % {"choices": ", ".join(SupportItem.Kind.values)},
        )
    description = _text(errors, "description", description, max_length=300, required=True)
    amount = _int_in(
        errors, "amount_minor", amount_minor, minimum=0, maximum=MAX_AMOUNT_MINOR, nullable=True
    )
    cur = ""
    if amount is not None:
        cur = _currency(errors, "currency", currency)
    elif currency:
        _add(errors, "currency", gettext("Leave the currency empty for support given in kind."))
    if frequency not in SupportItem.Frequency.values:
        _add(
            errors,
            "frequency",
            gettext("Choose one of %(choices)s.")
            % {"choices": ", ".join(SupportItem.Frequency.values)},
        )
    duration = _int_in(
        errors, "duration_months", duration_months, minimum=1, maximum=600, nullable=True
    )
    if errors:
        raise ValidationError(gettext("The support item is not valid."), details=errors)
    item = SupportItem.objects.create(
        agreement=agreement,
        kind=kind,
        description=description,
        amount_minor=amount,
        currency=cur,
        frequency=frequency,
        duration_months=duration,
    )
    audit_record(
        actor=actor,
        action="agreement.support_item.add",
        target_type="agreement",
        target_id=agreement.pk,
        after={
            "item": str(item.pk),
            "kind": kind,
            "description": description,
            "amount_minor": amount,
            "currency": cur,
            "frequency": frequency,
            "duration_months": duration,
        },
    )
    return item


@transaction.atomic
def compensation_line_add(
    *,
    actor: Actor,
    agreement: Agreement,
    category: str,
    description: str,
    amount_minor: int,
    currency: str,
    trigger_people: int | None = None,
    per_person: bool | None = None,
) -> CompensationLine:
    """Add a line to the compensation schedule (what the sending state promises to pay)."""
    require(actor, Perm.AGREEMENT_MANAGE, target_type="agreement", target_id=agreement.pk)
    _require_party(actor, agreement)
    errors: dict[str, list[str]] = {}
    if category not in CompensationCategory.values:
        _add(
            errors,
            "category",
            gettext("Choose one of %(choices)s.")
            % {"choices": ", ".join(CompensationCategory.values)},
        )
    description = _text(errors, "description", description, max_length=300, required=True)
    amount = _int_in(errors, "amount_minor", amount_minor, minimum=0, maximum=MAX_AMOUNT_MINOR)
    cur = _currency(errors, "currency", currency)
    trigger = _int_in(
        errors, "trigger_people", trigger_people, minimum=1, maximum=10**9, nullable=True
    )
    if (
        category == CompensationCategory.MILESTONE
        and trigger is None
        and "trigger_people" not in errors
    ):
        _add(
            errors,
            "trigger_people",
            gettext("A milestone needs the number of people that triggers it."),
        )
    if category != CompensationCategory.MILESTONE and trigger is not None:
        _add(errors, "trigger_people", gettext("Only a milestone has a trigger."))
    # Per-person money is per person by definition; fixed sums and milestones never are.
    if per_person is None:
        per_person = category == CompensationCategory.PER_PERSON
    if not isinstance(per_person, bool):
        _add(errors, "per_person", gettext("Must be true or false."))
    elif category == CompensationCategory.PER_PERSON and not per_person:
        _add(errors, "per_person", gettext("A per-person line is paid per person."))
    elif category in (CompensationCategory.FIXED, CompensationCategory.MILESTONE) and per_person:
        _add(errors, "per_person", gettext("A fixed sum or milestone is not paid per person."))
    if errors:
        raise ValidationError(gettext("The compensation line is not valid."), details=errors)
    assert amount is not None
    line = CompensationLine.objects.create(
        agreement=agreement,
        category=category,
        description=description,
        amount_minor=amount,
        currency=cur,
        trigger_people=trigger,
        per_person=per_person,
    )
    audit_record(
        actor=actor,
        action="agreement.compensation_line.add",
        target_type="agreement",
        target_id=agreement.pk,
        after={
            "line": str(line.pk),
            "category": category,
            "description": description,
            "amount_minor": amount,
            "currency": cur,
            "trigger_people": trigger,
            "per_person": per_person,
        },
    )
    return line


def _payment_line(
    errors: dict[str, list[str]], agreement: Agreement, category: str, line_id: object
) -> CompensationLine | None:
    """The schedule line a payment counts against: the one named, else the category's only
    line; None when the category has no line (an unscheduled payment, flagged by C5)."""
    lines = [ln for ln in agreement.compensation_lines.all() if ln.category == category]
    if line_id in (None, ""):
        if len(lines) > 1:
            _add(
                errors,
                "line",
                gettext("This category has %(n)s schedule lines: choose the one paid.")
                % {"n": len(lines)},
            )
            return None
        return lines[0] if lines else None
    line = next((ln for ln in lines if str(ln.pk) == str(line_id)), None)
    if line is None:
        _add(errors, "line", gettext("Not a schedule line of this agreement in this category."))
    return line


def _line_amount(amount_minor: int, currency: str, rate: Decimal, line_currency: str) -> int:
    """`amount_minor` of `currency` at `rate`, in minor units of `line_currency` (half even)."""
    major = to_major(amount_minor, currency) * rate
    return int(major.scaleb(precision(line_currency)).to_integral_value(ROUND_HALF_EVEN))


@transaction.atomic
def interstate_payment_record(
    *,
    actor: Actor,
    agreement: Agreement,
    category: str,
    amount_minor: int,
    currency: str,
    paid_on: dt.date,
    reference: str,
    note: str = "",
    line: str | None = None,
    exchange_rate: Decimal | None = None,
    rate_on: dt.date | None = None,
    rate_source: str = "",
) -> InterstatePayment:
    """Record money the sending state paid against a schedule line (SAFEGUARDS C5).

    One currency per line: a payment in another currency is refused
    (PaymentCurrencyMismatch) unless the exchange rate, its date and its source are given.
    """
    require(actor, Perm.INTERSTATE_PAYMENT_RECORD, target_type="agreement", target_id=agreement.pk)
    agreement = agreement_lock(agreement.pk)
    _require_party(actor, agreement)
    _require_payable(agreement)
    errors: dict[str, list[str]] = {}
    if category not in CompensationCategory.values:
        _add(
            errors,
            "category",
            gettext("Choose one of %(choices)s.")
            % {"choices": ", ".join(CompensationCategory.values)},
        )
    amount = _int_in(errors, "amount_minor", amount_minor, minimum=1, maximum=MAX_AMOUNT_MINOR)
    cur = _currency(errors, "currency", currency)
    day = _date(errors, "paid_on", paid_on, nullable=False)
    if day is not None and day > clock.today_local():
        _add(errors, "paid_on", gettext("A payment cannot be recorded before it is made."))
    reference = _text(errors, "reference", reference, max_length=120, required=True)
    note = _text(
        errors, "note", note, max_length=PAYMENT_NOTE_MAX_CHARS, required=False, multiline=True
    )
    if reference and agreement.payments.filter(reference=reference).exists():
        _add(errors, "reference", gettext("A payment with this reference is already recorded."))
    paid_line = (
        _payment_line(errors, agreement, category, line)
        if category in CompensationCategory.values
        else None
    )
    rate, rate_day, source = _rate(errors, exchange_rate, rate_on, rate_source)
    if errors:
        raise ValidationError(gettext("The payment is not valid."), details=errors)
    assert amount is not None and day is not None
    line_amount = amount
    across = paid_line is not None and cur != paid_line.currency
    if across and rate is None:
        assert paid_line is not None
        raise PaymentCurrencyMismatch(
            gettext(
                "This schedule line is in %(line)s; a payment in %(paid)s needs the exchange "
                "rate used, its date and its source."
            )
            % {"line": paid_line.currency, "paid": cur},
            details={
                "currency": [
                    gettext("The line is in %(line)s, not %(paid)s.")
                    % {"line": paid_line.currency, "paid": cur}
                ],
                "exchange_rate": [
                    gettext("Record the rate (%(line)s for one %(paid)s), its date and source.")
                    % {"line": paid_line.currency, "paid": cur}
                ],
            },
        )
    if rate is not None and not across:
        raise ValidationError.for_field(
            "exchange_rate",
            gettext("The payment is in the line's currency: no exchange rate applies."),
        )
    if across:
        assert paid_line is not None and rate is not None and rate_day is not None
        if rate_day > day:
            raise ValidationError.for_field(
                "rate_on", gettext("The rate cannot be dated after the payment.")
            )
        line_amount = _line_amount(amount, cur, rate, paid_line.currency)
        if not 1 <= line_amount <= MAX_AMOUNT_MINOR:
            raise ValidationError.for_field(
                "exchange_rate", gettext("At this rate the amount is out of range.")
            )
    payment = InterstatePayment.objects.create(
        agreement=agreement,
        category=category,
        line=paid_line,
        amount_minor=amount,
        currency=cur,
        exchange_rate=rate,
        rate_on=rate_day,
        rate_source=source,
        line_amount_minor=line_amount if paid_line is not None else None,
        paid_on=day,
        reference=reference,
        note=note,
    )
    audit_record(
        actor=actor,
        action="agreement.payment.record",
        target_type="agreement",
        target_id=agreement.pk,
        after={
            "payment": str(payment.pk),
            "category": category,
            "line": str(paid_line.pk) if paid_line is not None else None,
            "amount_minor": amount,
            "currency": cur,
            "exchange_rate": str(rate) if rate is not None else None,
            "rate_on": rate_day,
            "rate_source": source,
            "line_amount_minor": payment.line_amount_minor,
            "paid_on": day,
            "reference": reference,
        },
        reason=note,
    )
    return payment


def _require_payable(agreement: Agreement) -> None:
    if agreement.status not in _PAYABLE_STATUSES:
        raise PaymentNotAllowed(
            gettext("Payments are recorded only under a signed agreement (this one is %(status)s).")
            % {"status": agreement.status},
            details={
                "agreement": [gettext("Status is %(status)s.") % {"status": agreement.status}]
            },
        )


def _rate(
    errors: dict[str, list[str]], rate: object, rate_on: object, source: object
) -> tuple[Decimal | None, dt.date | None, str]:
    """An exchange rate comes with its date and its source, or not at all."""
    given = rate is not None or rate_on is not None or bool(source)
    if not given:
        return None, None, ""
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        rate = Decimal(str(rate))
    clean: Decimal | None = None
    if not isinstance(rate, Decimal) or not rate.is_finite():
        _add(errors, "exchange_rate", gettext("Give the exchange rate as a number."))
    elif not Decimal("0") < rate < Decimal("10") ** 12:
        _add(errors, "exchange_rate", gettext("The exchange rate must be above 0."))
    elif rate.as_tuple().exponent < -10:  # type: ignore[operator]
        _add(errors, "exchange_rate", gettext("At most 10 decimal places."))
    else:
        clean = rate
    day = _date(errors, "rate_on", rate_on, nullable=False)
    if day is not None and day > clock.today_local():
        _add(errors, "rate_on", gettext("The rate's date cannot be in the future."))
    text = _text(errors, "rate_source", source, max_length=200, required=True)
    return clean, day, text


@transaction.atomic
def interstate_payment_reverse(
    *,
    actor: Actor,
    agreement: Agreement,
    payment_id: str,
    reference: str,
    reason: str,
    reversed_on: dt.date | None = None,
) -> InterstatePayment:
    """Reverse a recorded payment with a new record that points to it (never an edit).

    A correction is a reversal followed by the right payment. A payment is reversed once, and a
    reversal is never reversed (record the payment again instead).
    """
    require(actor, Perm.INTERSTATE_PAYMENT_RECORD, target_type="agreement", target_id=agreement.pk)
    agreement = agreement_lock(agreement.pk)
    _require_party(actor, agreement)
    _require_payable(agreement)
    pk = _uuid_or_none(payment_id)
    original = (
        InterstatePayment.objects.filter(agreement=agreement, pk=pk).first()
        if pk is not None
        else None
    )
    if original is None:
        raise NotFound(gettext("No such payment under this agreement."))
    if original.reverses_id is not None:
        raise PaymentIsReversal(
            gettext("Payment %(ref)s is a reversal; record the payment again instead.")
            % {"ref": original.reference},
            details={"payment": [gettext("A reversal cannot be reversed.")]},
        )
    if InterstatePayment.objects.filter(reverses=original).exists():
        raise PaymentAlreadyReversed(
            gettext("Payment %(ref)s is already reversed.") % {"ref": original.reference},
            details={"payment": [gettext("Already reversed.")]},
        )
    errors: dict[str, list[str]] = {}
    reference = _text(errors, "reference", reference, max_length=120, required=True)
    reason = _text(
        errors, "reason", reason, max_length=PAYMENT_NOTE_MAX_CHARS, required=True, multiline=True
    )
    day = _date(errors, "reversed_on", reversed_on or clock.today_local(), nullable=False)
    if day is not None and day > clock.today_local():
        _add(errors, "reversed_on", gettext("A reversal cannot be recorded before it is made."))
    if day is not None and day < original.paid_on:
        _add(errors, "reversed_on", gettext("A reversal cannot precede the payment it reverses."))
    if reference and agreement.payments.filter(reference=reference).exists():
        _add(errors, "reference", gettext("A payment with this reference is already recorded."))
    if errors:
        raise ValidationError(gettext("The reversal is not valid."), details=errors)
    assert day is not None
    try:
        with transaction.atomic():
            reversal = InterstatePayment.objects.create(
                agreement=agreement,
                category=original.category,
                line_id=original.line_id,
                amount_minor=original.amount_minor,
                currency=original.currency,
                exchange_rate=original.exchange_rate,
                rate_on=original.rate_on,
                rate_source=original.rate_source,
                line_amount_minor=original.line_amount_minor,
                paid_on=day,
                reference=reference,
                note=reason,
                reverses=original,
            )
    except IntegrityError as exc:  # a concurrent reversal of the same payment
        raise PaymentAlreadyReversed(
            gettext("Payment %(ref)s is already reversed.") % {"ref": original.reference},
            details={"payment": [gettext("Already reversed.")]},
        ) from exc
    audit_record(
        actor=actor,
        action="agreement.payment.reverse",
        target_type="agreement",
        target_id=agreement.pk,
        before={"payment": str(original.pk), "reference": original.reference},
        after={
            "reversal": str(reversal.pk),
            "reverses": str(original.pk),
            "amount_minor": original.amount_minor,
            "currency": original.currency,
            "paid_on": day,
            "reference": reference,
        },
        reason=reason,
    )
    return reversal


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
