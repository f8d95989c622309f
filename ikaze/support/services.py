"""Writes of support payments: rates, wallets, entitlements, batches, adjustments (issue 14).

Sending a batch and reconciling it are bulk paths with their own modules (`sender.py`,
`reconciliation.py`); they write through the same ledger postings (`ledger.py`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements import selectors as agreement_selectors
from ikaze.audit.services import audit_record, audit_security
from ikaze.core import clock
from ikaze.core.errors import IkazeError, NotFound, PermissionDenied, ValidationError
from ikaze.core.on_commit import task_enqueue_on_commit
from ikaze.movements import selectors as movements
from ikaze.people import selectors as people
from ikaze.protection import services as protection
from ikaze.support import ledger, locks
from ikaze.support.errors import (
    AdjustmentState,
    BatchState,
    ForbiddenReason,
    MakerIsChecker,
    NoArrival,
    NoRate,
    NothingToPay,
    PayeeInactive,
    ProviderDown,
    SecondFactorMissing,
)
from ikaze.support.models import (
    FORBIDDEN_REASONS,
    Adjustment,
    AdjustmentKind,
    AdjustmentReason,
    BatchStatus,
    Entitlement,
    EntitlementStatus,
    ExchangeRate,
    PackageTerms,
    PayeeRule,
    Payment,
    PaymentBatch,
    PaymentState,
    Wallet,
)
from ikaze.support.phones import msisdn_normalise
from ikaze.support.providers.base import ProviderRefused, ProviderUnavailable, provider_for

P = ParamSpec("P")
T = TypeVar("T")

PAY_CURRENCY = "RWF"
ADULT_AGE = 18


def transfer_limit_minor() -> int:
    """eKash's limit for one transfer (2,000,000 RWF), a setting."""
    return int(getattr(settings, "IKAZE_SUPPORT_TRANSFER_LIMIT_MINOR", 2_000_000))


def daily_payee_limit_minor() -> int:
    """The most one payee may receive in a day (a setting)."""
    return int(getattr(settings, "IKAZE_SUPPORT_DAILY_PAYEE_LIMIT_MINOR", 4_000_000))


def _refusal_recorded(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Record a refused call as a security event once its transaction has rolled back
    (permission refusals are recorded by the interface, as everywhere)."""

    def decorator(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except IkazeError as exc:
                if isinstance(exc, NotFound | PermissionDenied):
                    raise
                target = kwargs.get("batch") or kwargs.get("entitlement") or kwargs.get("person")
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


# --- exchange rates -----------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_record(
    *, actor: Actor, currency: str, rwf_per_unit: Decimal, rate_date: dt.date, source: str
) -> ExchangeRate:
    """Record the rate of `currency` in Rwandan francs on a date, with its source."""
    require(actor, Perm.SUPPORT_PREPARE, target_type="exchange_rate")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or code == PAY_CURRENCY:
        raise ValidationError.for_field("currency", gettext("Give an ISO 4217 code, not RWF."))
    if rwf_per_unit <= 0:
        raise ValidationError.for_field("rwf_per_unit", gettext("Give a rate above zero."))
    if not source.strip():
        raise ValidationError.for_field("source", gettext("Say where the rate comes from."))
    try:
        with transaction.atomic():
            rate = ExchangeRate.objects.create(
                currency=code,
                rwf_per_unit=rwf_per_unit,
                rate_date=rate_date,
                source=source.strip(),
                recorded_by_label=actor.label,
            )
    except IntegrityError:
        raise ValidationError.for_field(
            "rate_date", gettext("A rate of this currency is recorded for this date already.")
        ) from None
    audit_record(
        actor=actor,
        action="support.rate_record",
        target_type="exchange_rate",
        target_id=rate.pk,
        after={"currency": code, "rwf_per_unit": str(rwf_per_unit), "date": str(rate_date)},
    )
    return rate


def rate_on(currency: str, day: dt.date) -> ExchangeRate:
    """The latest rate of `currency` recorded on or before `day`."""
    rate = (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=day)
        .order_by("-rate_date")
        .first()
    )
    if rate is None:
        raise NoRate(
            gettext("No rate of %(currency)s is recorded on or before %(day)s.")
            % {"currency": currency, "day": day.isoformat()},
            details={"currency": [currency]},
        )
    return rate


def to_rwf(amount_minor: int, currency: str, rate: ExchangeRate | None) -> int:
    """An amount of the agreement's currency in Rwandan francs (whole francs, half up)."""
    if currency == PAY_CURRENCY:
        return amount_minor
    from babel.numbers import get_currency_precision

    assert rate is not None
    major = Decimal(amount_minor) / (10 ** get_currency_precision(currency))
    return int((major * rate.rwf_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- wallets (E3) -------------------------------------------------------------------------------


@_refusal_recorded("support.wallet_register")
@transaction.atomic
def wallet_register(*, actor: Actor, person: Any, msisdn: str, provider: str = "momo") -> Wallet:
    """Record a person's mobile-money number once it is valid and its holder is checked."""
    require(actor, Perm.SUPPORT_PREPARE, target_type="person", target_id=person.pk)
    number = msisdn_normalise(msisdn)
    try:
        check = provider_for(provider).check_payee(number)
    except ProviderUnavailable as exc:
        raise ProviderDown(
            gettext("The provider did not answer; try again later."),
            details={"msisdn": [str(exc)]},
        ) from exc
    except ProviderRefused as exc:
        raise PayeeInactive(
            gettext("The provider refused the number: %(reason)s") % {"reason": exc.message},
            details={"msisdn": [exc.code]},
        ) from exc
    if not check.active:
        raise PayeeInactive(
            gettext("The account cannot receive money: %(reason)s")
            % {"reason": check.reason or "?"},
            details={"msisdn": [check.reason or ""]},
        )
    wallet, _ = Wallet.objects.update_or_create(
        person_id=person.pk,
        defaults={
            "msisdn": number,
            "holder_name": check.name or "",
            "checked_at": clock.now(),
            "active": True,
            "check_reason": "",
        },
    )
    audit_record(
        actor=actor,
        action="support.wallet_register",
        target_type="person",
        target_id=person.pk,
        after={"msisdn": number, "holder_name": check.name or ""},
    )
    return wallet


# --- entitlements -------------------------------------------------------------------------------


def _periods(frequency: str, months: int | None, start: dt.date) -> list[tuple[str, dt.date]]:
    if frequency == "once":
        return [("once", start)]
    n = max(1, months or 1)
    if frequency == "weekly":
        return [
            ((d := start + dt.timedelta(weeks=w)).strftime("%GW%V")[2:], d)
            for w in range(round(n * 52 / 12))
        ]
    out = []
    year, month = start.year, start.month
    for i in range(n):
        m = month - 1 + i
        due = dt.date(year + m // 12, m % 12 + 1, 1) if i else start
        out.append((f"{year + m // 12:04d}-{m % 12 + 1:02d}", due))
    return out


def _is_adult(born: dt.date | None, on: dt.date) -> bool:
    if born is None:
        return True
    return (on.year - born.year - ((on.month, on.day) < (born.month, born.day))) >= ADULT_AGE


def _entitlements_for(*, person_ids: Sequence[Any], on: dt.date) -> tuple[list[Entitlement], list]:
    """The entitlements these checked-in people are due (unsaved), and what was deferred."""
    roles = people.household_roles(person_ids=person_ids)
    births = people.person_birth_dates(person_ids=person_ids)
    made: list[Entitlement] = []
    deferred: list[dict[str, str]] = []
    for pid in person_ids:
        entry = movements.arrived_entry_of(person_id=pid)
        if entry is None or entry.arrived_at is None:
            continue
        person_id = entry.person_id
        checked_in = entry.checked_in_at or clock.now()
        agreement_id = entry.movement.agreement_id
        role = roles.get(person_id)
        for item in agreement_selectors.paid_support_items(agreement_id=agreement_id):
            terms = PackageTerms.objects.filter(support_item=item).first()
            rule = terms.payee if terms else PayeeRule.EACH_ADULT
            if role is not None:
                household_role = role[1]
                if rule == PayeeRule.HEAD and household_role != "head":
                    continue
                if rule == PayeeRule.EACH_ADULT and household_role not in {
                    "head",
                    "spouse",
                    "other_adult",
                }:
                    continue
            elif not _is_adult(births.get(person_id), on):
                continue
            rate = None
            if item.currency != PAY_CURRENCY:
                try:
                    rate = rate_on(item.currency, on)
                except NoRate:
                    deferred.append({"person": str(pid), "item": str(item.pk), "why": "no_rate"})
                    continue
            amount = to_rwf(int(item.amount_minor or 0), item.currency, rate)
            for period, due in _periods(item.frequency, item.duration_months, on):
                made.append(
                    Entitlement(
                        person_id=person_id,
                        agreement_id=agreement_id,
                        support_item_id=item.pk,
                        kind=item.kind,
                        period=period,
                        due_date=due,
                        source_amount_minor=int(item.amount_minor or 0),
                        source_currency=item.currency,
                        rate=rate,
                        amount_minor=amount,
                        currency=PAY_CURRENCY,
                        arrived_at=entry.arrived_at,
                        checked_in_at=max(checked_in, entry.arrived_at),
                    )
                )
    return made, deferred


def _save_entitlements(candidates: list[Entitlement]) -> list[Entitlement]:
    existing = set(
        Entitlement.objects.filter(
            person_id__in={e.person_id for e in candidates},
        ).values_list("person_id", "support_item_id", "period")
    )
    fresh = [e for e in candidates if (e.person_id, e.support_item_id, e.period) not in existing]
    Entitlement.objects.bulk_create(fresh, batch_size=500)
    ledger.post_many(
        ledger.entry(
            "entitle", amount_minor=e.amount_minor, currency=e.currency, entitlement_id=e.pk
        )
        for e in fresh
        if e.amount_minor > 0
    )
    return fresh


def entitlements_on_check_in(actor: Actor, person_ids: list[str], at: dt.datetime) -> None:
    """Reception's check-in listener: the support the agreement promises starts now (in the
    check-in's transaction). Items without a recorded rate wait for
    `entitlements_generate` (the finance officer's catch-up), never blocking a check-in."""
    made, deferred = _entitlements_for(person_ids=person_ids, on=clock.local_date(at))
    fresh = _save_entitlements(made)
    if fresh or deferred:
        audit_record(
            actor=actor,
            action="support.entitlements_generate",
            target_type="people",
            target_id=person_ids[0] if len(person_ids) == 1 else f"{len(person_ids)} people",
            after={"entitlements": len(fresh), "deferred": deferred},
        )


@transaction.atomic
def entitlements_generate(*, actor: Actor, person_ids: Sequence[Any]) -> list[Entitlement]:
    """Make the entitlements checked-in people are due and do not have yet (a catch-up after a
    rate was recorded or a package item added). Never for anyone without a verified arrival."""
    require(actor, Perm.SUPPORT_PREPARE, target_type="people")
    missing = [p for p in person_ids if movements.arrived_entry_of(person_id=p) is None]
    if missing:
        raise NoArrival(
            gettext("%(n)d of these people have no verified arrival.") % {"n": len(missing)},
            details={"people": [str(p) for p in missing]},
        )
    made, deferred = _entitlements_for(person_ids=list(person_ids), on=clock.today_local())
    fresh = _save_entitlements(made)
    audit_record(
        actor=actor,
        action="support.entitlements_generate",
        target_type="people",
        target_id=f"{len(person_ids)} people",
        after={"entitlements": len(fresh), "deferred": deferred},
    )
    return fresh


# --- batches: prepare, approve, send ------------------------------------------------------------


@_refusal_recorded("support.batch_prepare")
@transaction.atomic
def batch_prepare(
    *,
    actor: Actor,
    agreement: Any,
    kind: str = "",
    period: str = "",
    provider: str = "momo",
    limit: int | None = None,
) -> PaymentBatch:
    """Put the due entitlements of an agreement (of a kind, for a period) into a new batch,
    with each payee's name, wallet and amount as they are now. Entitlements that cannot be
    paid (no checked wallet, over a limit) are left out, each with its reason."""
    require(actor, Perm.SUPPORT_PREPARE, target_type="agreement", target_id=agreement.pk)
    if actor.user is None:
        raise ValidationError.for_field("actor", gettext("A batch is prepared by a person."))
    today = clock.today_local()
    qs = Entitlement.objects.filter(
        agreement_id=agreement.pk, status=EntitlementStatus.OPEN, due_date__lte=today
    ).order_by("due_date", "pk")
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    if limit:
        qs = qs[:limit]
    due = locks.entitlements_lock([e.pk for e in qs])
    if not due:
        raise NothingToPay(
            gettext("No entitlement is due for these filters."),
            details={"kind": [kind], "period": [period]},
        )
    wallets = {
        w.person_id: w for w in Wallet.objects.filter(person_id__in={e.person_id for e in due})
    }
    names = people.person_names(ids=[e.person_id for e in due])
    day_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    paid_today: dict[str, int] = defaultdict(int)
    for row in (
        Payment.objects.filter(created_at__gte=day_start)
        .exclude(state=PaymentState.FAILED)
        .values("msisdn")
        .annotate(total=Sum("amount_minor"))
    ):
        paid_today[row["msisdn"]] = int(row["total"])
    batch = PaymentBatch.objects.create(
        agreement_id=agreement.pk,
        kind=kind,
        period=period,
        provider=provider,
        prepared_by=actor.user,
    )
    failed_balance = ledger.failed_by_entitlement([e.pk for e in due])
    payments: list[Payment] = []
    excluded: list[dict[str, str]] = []
    retried: list[Entitlement] = []
    for e in due:
        wallet = wallets.get(e.person_id)
        reason = ""
        if e.amount_minor <= 0:
            reason = gettext("Nothing to pay (reduced to zero).")
        elif wallet is None or not wallet.active:
            reason = gettext("No checked mobile-money number (SAFEGUARDS E3).")
        elif e.amount_minor > transfer_limit_minor():
            reason = gettext(
                "%(amount)s RWF is over the switch's limit of %(limit)s per transfer."
            ) % {
                "amount": e.amount_minor,
                "limit": transfer_limit_minor(),
            }
        elif paid_today[wallet.msisdn] + e.amount_minor > daily_payee_limit_minor():
            reason = gettext("Over the daily limit of %(limit)s RWF for this payee.") % {
                "limit": daily_payee_limit_minor()
            }
        if reason:
            excluded.append(
                {"entitlement": str(e.pk), "person": str(e.person_id), "reason": reason}
            )
            continue
        assert wallet is not None
        paid_today[wallet.msisdn] += e.amount_minor
        if failed_balance.get(e.pk, 0) > 0:
            retried.append(e)
        payments.append(
            Payment(
                batch=batch,
                entitlement_id=e.pk,
                person_id=e.person_id,
                payee_name=wallet.holder_name or names.get(str(e.person_id), ""),
                msisdn=wallet.msisdn,
                amount_minor=e.amount_minor,
                currency=e.currency,
            )
        )
    if not payments:
        raise NothingToPay(
            gettext("None of the %(n)d due entitlements can be paid: %(reason)s")
            % {"n": len(due), "reason": excluded[0]["reason"]},
            details={"excluded": [x["reason"] for x in excluded[:20]]},
        )
    Payment.objects.bulk_create(payments, batch_size=500)
    ledger.post_many(
        ledger.entry("retry", amount_minor=e.amount_minor, currency=e.currency, entitlement_id=e.pk)
        for e in retried
    )
    Entitlement.objects.filter(pk__in=[p.entitlement_id for p in payments]).update(
        status=EntitlementStatus.IN_BATCH
    )
    PaymentBatch.objects.filter(pk=batch.pk).update(
        total_count=len(payments),
        total_minor=sum(p.amount_minor for p in payments),
        excluded=excluded,
    )
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action="support.batch_prepare",
        target_type="payment_batch",
        target_id=batch.pk,
        after={
            "payments": len(payments),
            "total_minor": batch.total_minor,
            "excluded": len(excluded),
            "kind": kind,
            "period": period,
        },
    )
    return batch


@_refusal_recorded("support.batch_approve")
@transaction.atomic
def batch_approve(*, actor: Actor, batch: PaymentBatch) -> PaymentBatch:
    """Approve a prepared batch: a finance approver who is not its maker, signed in with a
    second factor in this session (maker-checker; the database refuses it too)."""
    require(actor, Perm.SUPPORT_APPROVE, target_type="payment_batch", target_id=batch.pk)
    if actor.user is None or actor.token is not None or not actor.second_factor:
        raise SecondFactorMissing(
            gettext("Approve a batch as a person signed in with a second factor."),
            details={"second_factor": [gettext("Not completed in this session.")]},
        )
    batch = locks.batch_lock(batch.pk)
    if batch.prepared_by_id == actor.user.pk:
        raise MakerIsChecker(
            gettext("You prepared this batch; another person must approve it."),
            details={"approved_by": [actor.label]},
        )
    if batch.status != BatchStatus.PREPARED:
        raise BatchState(
            gettext("The batch is %(status)s.") % {"status": BatchStatus(batch.status).label},
            details={"status": [batch.status]},
        )
    now = clock.now()
    PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREPARED).update(
        status=BatchStatus.APPROVED, approved_by=actor.user, approved_at=now
    )
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action="support.batch_approve",
        target_type="payment_batch",
        target_id=batch.pk,
        after={"payments": batch.total_count, "total_minor": batch.total_minor},
    )
    return batch


@_refusal_recorded("support.batch_send")
@transaction.atomic
def batch_send(*, actor: Actor, batch: PaymentBatch) -> PaymentBatch:
    """Start sending an approved batch in the background. Twenty people pressing "send" at
    once start one send: only one conditional UPDATE finds the batch approved."""
    require(actor, Perm.SUPPORT_SEND, target_type="payment_batch", target_id=batch.pk)
    started = PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPROVED).update(
        status=BatchStatus.SENDING, send_started_at=clock.now()
    )
    batch.refresh_from_db()
    if not started:
        raise BatchState(
            gettext("The batch is %(status)s; only an approved batch is sent.")
            % {"status": BatchStatus(batch.status).label},
            details={"status": [batch.status]},
        )
    audit_record(
        actor=actor,
        action="support.batch_send",
        target_type="payment_batch",
        target_id=batch.pk,
        after={"payments": batch.total_count},
    )
    from ikaze.support.tasks import batch_send_task

    task_enqueue_on_commit(batch_send_task, str(batch.pk))
    return batch


@_refusal_recorded("support.batch_cancel")
@transaction.atomic
def batch_cancel(*, actor: Actor, batch: PaymentBatch, reason: str) -> PaymentBatch:
    """Cancel a batch not yet sent; its entitlements are due again."""
    require(actor, Perm.SUPPORT_PREPARE, target_type="payment_batch", target_id=batch.pk)
    if not reason.strip():
        raise ValidationError.for_field("reason", gettext("Say why the batch is cancelled."))
    batch = locks.batch_lock(batch.pk)
    if batch.status not in (BatchStatus.PREPARED, BatchStatus.APPROVED):
        raise BatchState(
            gettext("The batch is %(status)s.") % {"status": BatchStatus(batch.status).label},
            details={"status": [batch.status]},
        )
    ids = list(batch.payments.values_list("entitlement_id", flat=True))
    # The payments were never sent: mark them failed (no ledger movement happened yet).
    batch.payments.update(state=PaymentState.FAILED, reason="cancelled before sending")
    Entitlement.objects.filter(pk__in=ids, status=EntitlementStatus.IN_BATCH).update(
        status=EntitlementStatus.OPEN
    )
    PaymentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.CANCELLED)
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action="support.batch_cancel",
        target_type="payment_batch",
        target_id=batch.pk,
        reason=reason.strip(),
    )
    return batch


# --- adjustments (SAFEGUARDS B8) ----------------------------------------------------------------


@_refusal_recorded("support.adjustment_request")
@transaction.atomic
def adjustment_request(
    *,
    actor: Actor,
    entitlement: Entitlement,
    kind: str,
    reason_code: str,
    explanation: str,
    new_amount_minor: int | None = None,
) -> Adjustment:
    """Ask to reduce or stop an entitlement, with a reason code; another person approves.
    SAFEGUARDS B8: a complaint, an appeal or a fear claim is never a reason (refused, recorded)."""
    require(actor, Perm.SUPPORT_ADJUST_REQUEST, target_type="entitlement", target_id=entitlement.pk)
    if actor.user is None:
        raise ValidationError.for_field("actor", gettext("An adjustment is asked by a person."))
    if reason_code in FORBIDDEN_REASONS:
        raise ForbiddenReason(
            gettext(
                "Support is never reduced or stopped because of a complaint, an appeal or a fear "
                "claim (SAFEGUARDS B8)."
            ),
            details={"reason_code": [reason_code]},
        )
    if reason_code not in AdjustmentReason.values:
        raise ValidationError.for_field("reason_code", gettext("Choose a listed reason."))
    if kind not in AdjustmentKind.values:
        raise ValidationError.for_field("kind", gettext("Choose reduce or stop."))
    if not explanation.strip():
        raise ValidationError.for_field("explanation", gettext("Explain the adjustment."))
    if kind == AdjustmentKind.REDUCE:
        if new_amount_minor is None or not 0 < new_amount_minor < entitlement.amount_minor:
            raise ValidationError.for_field(
                "new_amount_minor",
                gettext("Give an amount above zero and below %(amount)s.")
                % {"amount": entitlement.amount_minor},
            )
    else:
        new_amount_minor = None
    if entitlement.status != EntitlementStatus.OPEN:
        raise AdjustmentState(
            gettext("Only an entitlement not yet in a batch can be adjusted."),
            details={"status": [entitlement.status]},
        )
    adj = Adjustment.objects.create(
        entitlement=entitlement,
        kind=kind,
        reason_code=reason_code,
        explanation=explanation.strip(),
        new_amount_minor=new_amount_minor,
        requested_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="support.adjustment_request",
        target_type="entitlement",
        target_id=entitlement.pk,
        after={"kind": kind, "reason_code": reason_code, "new_amount_minor": new_amount_minor},
        reason=explanation.strip(),
    )
    return adj


@_refusal_recorded("support.adjustment_approve")
@transaction.atomic
def adjustment_approve(*, actor: Actor, adjustment: Adjustment) -> Adjustment:
    """Approve a reduction or stop (a second person); the ledger returns the difference."""
    require(actor, Perm.SUPPORT_ADJUST_APPROVE, target_type="adjustment", target_id=adjustment.pk)
    if actor.user is None or not actor.second_factor:
        raise SecondFactorMissing(
            gettext("Approve as a person signed in with a second factor."),
            details={"second_factor": [gettext("Not completed in this session.")]},
        )
    adj = locks.adjustment_lock(adjustment.pk)
    if adj.requested_by_id == actor.user.pk:
        raise MakerIsChecker(
            gettext("You asked for this adjustment; another person must approve it."),
            details={"approved_by": [actor.label]},
        )
    if adj.status != Adjustment.Status.REQUESTED:
        raise AdjustmentState(gettext("The adjustment is approved already."))
    (ent,) = locks.entitlements_lock([adj.entitlement_id])
    if ent.status != EntitlementStatus.OPEN:
        raise AdjustmentState(
            gettext("The entitlement is in a batch or paid; it cannot change now."),
            details={"status": [ent.status]},
        )
    new_amount = adj.new_amount_minor if adj.kind == AdjustmentKind.REDUCE else 0
    assert new_amount is not None
    returned = ent.amount_minor - new_amount
    Entitlement.objects.filter(pk=ent.pk).update(
        amount_minor=new_amount,
        status=EntitlementStatus.STOPPED if adj.kind == AdjustmentKind.STOP else ent.status,
    )
    if returned > 0:
        ledger.post_many(
            [
                ledger.entry(
                    "reduce", amount_minor=returned, currency=ent.currency, entitlement_id=ent.pk
                )
            ]
        )
    Adjustment.objects.filter(pk=adj.pk).update(
        status=Adjustment.Status.APPROVED, approved_by=actor.user, approved_at=clock.now()
    )
    adj.refresh_from_db()
    # SAFEGUARDS B8 and C2: the monitor sees every reduction and stop with its reason code,
    # flagged when the person complained within the last 90 days.
    protection.note_adverse_action(
        ent.person_id,
        "support_stopped" if adj.kind == AdjustmentKind.STOP else "support_reduced",
        actor=actor,
        reason_code=adj.reason_code,
        detail=f"{ent.kind} {ent.period}: {ent.amount_minor} → {new_amount} {ent.currency}",
    )
    audit_record(
        actor=actor,
        action="support.adjustment_approve",
        target_type="entitlement",
        target_id=ent.pk,
        before={"amount_minor": ent.amount_minor},
        after={"amount_minor": new_amount, "reason_code": adj.reason_code},
    )
    return adj


# --- incidents ----------------------------------------------------------------------------------


@transaction.atomic
def incident_explain(*, actor: Actor, incident: Any, explanation: str) -> Any:
    """Close a reconciliation incident with an explanation."""
    from ikaze.support.models import Incident

    require(actor, Perm.SUPPORT_RECONCILE, target_type="support_incident", target_id=incident.pk)
    if not explanation.strip():
        raise ValidationError.for_field("explanation", gettext("Explain the difference."))
    updated = Incident.objects.filter(pk=incident.pk, explained_at__isnull=True).update(
        explained_at=clock.now(), explanation=explanation.strip(), explained_by_label=actor.label
    )
    if not updated:
        raise AdjustmentState(gettext("The incident is explained already."))
    audit_record(
        actor=actor,
        action="support.incident_explain",
        target_type="support_incident",
        target_id=incident.pk,
        reason=explanation.strip(),
    )
    incident.refresh_from_db()
    return incident


def open_entitlement_filter() -> Q:
    return Q(status=EntitlementStatus.OPEN)
