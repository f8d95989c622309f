"""Reads of agreements, scoped to the actor, and the figures the pages and the API report."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pycountry
from django.db import connections, models, router
from django.db.models import Count, Max, QuerySet
from django.utils.functional import Promise

from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import scoped_get
from ikaze.agreements.models import (
    Agreement,
    AgreementStatus,
    CompensationCategory,
    CompensationLine,
    InterstatePayment,
    SupportItem,
)
from ikaze.agreements.money import Money
from ikaze.agreements.notice_settings import NoticeSettings, notice_settings_parse
from ikaze.agreements.standards import SAFEGUARD_SETTINGS, below_standard
from ikaze.audit.selectors import audit_event_list
from ikaze.core.errors import NotFound
from ikaze.core.hot import hot_cursor
from ikaze.core.pagination import MAX_PAGE_SIZE

if TYPE_CHECKING:
    from ikaze.audit.models import AuditEvent

# --- scope ---------------------------------------------------------------------------------


_NOTHING = object()


def _sending_state_scope(actor: Actor) -> str | object | None:
    """The one scope rule: `_NOTHING` (no permission), a country (a sending state sees only
    its own agreements) or None (every agreement)."""
    if not actor.can(Perm.AGREEMENT_VIEW):
        return _NOTHING
    if actor.org_kind is OrgKind.SENDING_STATE and not actor.has_role(Role.AUDITOR):
        assert actor.organisation is not None
        return str(actor.organisation.country)
    return None


def agreement_list_for(*, actor: Actor) -> QuerySet[Agreement]:
    """List the agreements the actor may see: a sending state sees only its own."""
    qs = Agreement.objects.order_by("code")
    scope = _sending_state_scope(actor)
    if scope is _NOTHING:
        return qs.none()
    if scope is not None:
        return qs.filter(sending_state=scope)
    return qs


def agreement_in_force_list_for(*, actor: Actor) -> QuerySet[Agreement]:
    """List the agreements in force the actor may see: those a referral or a manifest may
    name (`services.agreement_in_force_require` is the same rule for one agreement)."""
    return agreement_list_for(actor=actor).filter(status=Agreement.Status.IN_FORCE)


# What the list shows of an agreement (schemas.agreement_list_item_out): the parties, cap use
# and the safeguard settings it compares with the protective standard.
LIST_FIELDS: tuple[str, ...] = (
    "code",
    "title",
    "status",
    "sending_state",
    "receiving_state",
    "cap_total",
    "places_used",
    *SAFEGUARD_SETTINGS,
)


@dataclass(frozen=True)
class RowPage:
    rows: list[dict[str, Any]]
    number: int
    pages: int
    total: int


# The databases take a 64-bit OFFSET; a page number beyond it is clamped like any other.
_MAX_OFFSET = 2**62


def _column(name: str) -> str:
    field = Agreement._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


# Identifiers come from the model and are quoted; every value is a parameter.
@functools.cache
def _list_rows_sql(alias: str, scoped: bool, by_status: bool) -> str:
    # Written once per database and shape from the model's names: compiling the equivalent
    # values() queryset cost more than running it, on every request (issue 2). A test pins
    # its answers against agreement_list_for's for every scope, status and page.
    q = connections[alias].ops.quote_name
    meta = Agreement._meta
    col = {f: q(_column(f)) for f in LIST_FIELDS}
    where = [f"{col['sending_state']} = %s"] if scoped else []
    where += [f"{col['status']} = %s"] if by_status else []
    return (
        f"SELECT {', '.join(col[f] for f in LIST_FIELDS)} FROM {q(meta.db_table)}"  # noqa: S608
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {col['code']} LIMIT %s OFFSET %s"
    )


def _list_rows(actor: Actor, status: str, number: int, size: int) -> list[dict[str, Any]]:
    scope = _sending_state_scope(actor)
    offset = (number - 1) * size
    if scope is _NOTHING or offset > _MAX_OFFSET:  # beyond any table: the caller clamps it
        return []
    alias = router.db_for_read(Agreement)
    params: list[Any] = [scope] if scope is not None else []
    params += [status] if status else []
    with hot_cursor(alias) as cursor:
        cursor.execute(
            _list_rows_sql(alias, scope is not None, bool(status)),
            [*params, size, offset],
        )
        # Every listed field is text or an integer: the drivers' values need no conversion.
        return [dict(zip(LIST_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def agreement_list_rows(
    *, actor: Actor, status: str = "", page: int = 1, size: int = 50
) -> RowPage:
    """One page of the agreements the actor may see, as plain rows of LIST_FIELDS.

    One query when the first page holds them all (the usual case: a state has few
    agreements), two otherwise (the page, then the count): never one per agreement.
    """
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    number = max(1, int(page))
    status = str(status)
    if status and status not in Agreement.Status.values:
        # No agreement has it; nor does it reach the database (PostgreSQL refuses a NUL
        # byte in a text comparison).
        return RowPage(rows=[], number=1, pages=1, total=0)
    rows = _list_rows(actor, status, number, size)
    if number == 1 and len(rows) < size:
        total = len(rows)
    else:
        qs = agreement_list_for(actor=actor)
        total = (qs.filter(status=status) if status else qs).count()
        pages = max(1, -(-total // size))
        if number > pages:  # out of range: clamped to the last page, never an error
            number = pages
            rows = _list_rows(actor, status, number, size)
    return RowPage(rows=rows, number=number, pages=max(1, -(-total // size)), total=total)


def agreement_get_for(*, actor: Actor, code: str) -> Agreement:
    """Fetch one agreement by code, or NotFound if it does not exist or is out of scope."""
    code = str(code)
    # A code is short printable text; anything else (a NUL byte, which PostgreSQL refuses in
    # a text comparison) cannot name an agreement.
    if not code.isprintable() or len(code) > 40:
        raise NotFound("No such agreement.")
    return scoped_get(
        agreement_list_for(actor=actor),
        target_type="agreement",
        message="No such agreement.",
        code=code.upper(),
    )


# --- people relocated ----------------------------------------------------------------------

RelocatedCounter = Callable[[Agreement], int]
_relocated_counters: list[RelocatedCounter] = []


def register_relocated_counter(counter: RelocatedCounter) -> None:
    """Let another app (movements) add the people it has moved under an agreement.

    Call it from that app's AppConfig.ready(); the counter returns how many people arrived
    under the agreement as recorded by Ikaze.
    """
    if counter not in _relocated_counters:
        _relocated_counters.append(counter)


# Support delivered under an agreement, told by the support app (its AppConfig.ready): agreements
# never imports support (pyproject), yet the agreement page sets it against the money received.
SupportMoney = Callable[[Agreement], dict[str, Any] | None]
_support_money: list[SupportMoney] = []


def register_support_money(reader: SupportMoney) -> None:
    """Let the support app report what it paid under an agreement (issue 14 item 5)."""
    if reader not in _support_money:
        _support_money.append(reader)


def support_money(agreement: Agreement) -> dict[str, Any] | None:
    """Support paid under the agreement (minor units, currency, people supported), if known."""
    for reader in _support_money:
        found = reader(agreement)
        if found is not None:
            return found
    return None


def relocated_count(agreement: Agreement) -> int:
    """People actually relocated under the agreement (before Ikaze plus those it moved)."""
    return agreement.relocated_before_system + sum(c(agreement) for c in _relocated_counters)


# --- money (SAFEGUARDS C5) -----------------------------------------------------------------


@dataclass(frozen=True)
class LineDue:
    line: CompensationLine
    due: Money
    reached: bool  # for a milestone: the trigger is met
    # Paid against the line, net of reversals, in the line's currency (payments in another
    # currency count at their recorded rate).
    paid: Money | None = None

    @property
    def arrears(self) -> Money:
        """What is due and not paid (issue 11 item 12): never negative."""
        paid = self.paid.minor if self.paid is not None else 0
        return Money(max(self.due.minor - paid, 0), self.line.currency)

    @property
    def over(self) -> bool:
        return self.paid is not None and self.paid.minor > self.due.minor


@dataclass
class CategoryMoney:
    category: str
    label: str | Promise
    lines: list[LineDue] = field(default_factory=list)
    due: list[Money] = field(default_factory=list)
    paid: list[Money] = field(default_factory=list)
    arrears: list[Money] = field(default_factory=list)
    payments: int = 0

    @property
    def unscheduled(self) -> bool:
        """Money was paid in a category the schedule does not have (C5: flag it)."""
        return self.payments > 0 and not self.lines

    @property
    def over_due(self) -> bool:
        return any(d.over for d in self.lines)

    @property
    def in_arrears(self) -> bool:
        return any(m.minor > 0 for m in self.arrears)


@dataclass
class MoneySummary:
    relocated: int
    categories: list[CategoryMoney]
    due_total: list[Money]
    paid_total: list[Money]
    cost_per_person: list[Money] | None  # None when nobody has been relocated
    unscheduled_payment_ids: set[str]
    arrears_total: list[Money] = field(default_factory=list)

    @property
    def has_unscheduled(self) -> bool:
        return bool(self.unscheduled_payment_ids)


def _totals(pairs: Iterable[tuple[str, int]]) -> list[Money]:
    """Sums per currency, never across currencies (issue 11 item 12)."""
    sums: dict[str, int] = defaultdict(int)
    for currency, minor in pairs:
        sums[currency] += minor
    return [Money(minor, cur) for cur, minor in sorted(sums.items())]


def line_due(line: CompensationLine, relocated: int) -> LineDue:
    """What a schedule line makes due for `relocated` people."""
    if line.category == CompensationCategory.MILESTONE:
        reached = line.trigger_people is not None and relocated >= line.trigger_people
        return LineDue(line, Money(line.amount_minor if reached else 0, line.currency), reached)
    times = relocated if line.per_person else 1
    return LineDue(line, Money(line.amount_minor * times, line.currency), True)


def payment_line_id(payment: InterstatePayment, lines: list[CompensationLine]) -> str | None:
    """The line a payment counts against: its own, or (recorded before payments named a line)
    the only line of its category."""
    if payment.line_id is not None:
        return str(payment.line_id)
    same = [ln for ln in lines if ln.category == payment.category]
    return str(same[0].pk) if len(same) == 1 else None


def _counted(payment: InterstatePayment, line: CompensationLine) -> int:
    """What the payment counts for against `line`, in its currency, signed."""
    if payment.line_amount_minor is not None:
        return payment.sign * payment.line_amount_minor
    if payment.currency == line.currency:
        return payment.sign * payment.amount_minor
    return 0  # an older record in another currency, without a rate: not counted


def money_summary(
    *,
    agreement: Agreement,
    lines: list[CompensationLine] | None = None,
    payments: list[InterstatePayment] | None = None,
) -> MoneySummary:
    """Promised (due so far) against paid and in arrears, per line, per category and in total,
    per currency; and cost per person relocated."""
    relocated = relocated_count(agreement)
    if lines is None:
        lines = list(agreement.compensation_lines.all())
    if payments is None:
        payments = list(agreement.payments.all())
    by_line: dict[str, int] = defaultdict(int)
    line_of = {str(ln.pk): ln for ln in lines}
    for p in payments:
        lid = payment_line_id(p, lines)
        if lid is not None and lid in line_of:
            by_line[lid] += _counted(p, line_of[lid])
    categories: list[CategoryMoney] = []
    unscheduled: set[str] = set()
    for value, label in CompensationCategory.choices:
        cat = CategoryMoney(category=value, label=label)
        for line in lines:
            if line.category == value:
                d = line_due(line, relocated)
                cat.lines.append(
                    LineDue(d.line, d.due, d.reached, Money(by_line[str(line.pk)], line.currency))
                )
        cat_payments = [p for p in payments if p.category == value]
        cat.payments = len(cat_payments)
        cat.due = _totals((d.due.currency, d.due.minor) for d in cat.lines)
        cat.paid = _totals((p.currency, p.sign * p.amount_minor) for p in cat_payments)
        cat.arrears = _totals((d.arrears.currency, d.arrears.minor) for d in cat.lines)
        if cat.unscheduled:
            unscheduled |= {str(p.pk) for p in cat_payments}
        if cat.lines or cat.payments:
            categories.append(cat)
    paid_total = _totals((p.currency, p.sign * p.amount_minor) for p in payments)
    due_total = _totals((d.due.currency, d.due.minor) for cat in categories for d in cat.lines)
    arrears_total = _totals(
        (d.arrears.currency, d.arrears.minor) for cat in categories for d in cat.lines
    )
    cost = [Money(m.minor // relocated, m.currency) for m in paid_total] if relocated else None
    return MoneySummary(
        relocated=relocated,
        categories=categories,
        due_total=due_total,
        paid_total=paid_total,
        cost_per_person=cost,
        unscheduled_payment_ids=unscheduled,
        arrears_total=arrears_total,
    )


def agreement_notice_settings(agreement: Agreement) -> NoticeSettings | None:
    """What the agreement's notices name, per language; None until its administrator set it."""
    if not agreement.notice_settings:
        return None
    return notice_settings_parse(agreement.notice_settings)


# --- presentation helpers ------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The short English name of an ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def agreement_history(*, agreement: Agreement) -> QuerySet[AuditEvent]:
    """The agreement's recorded changes (creation, edits, status, money), newest first."""
    return audit_event_list(target_type="agreement", target_id=str(agreement.pk))


def agreement_audit_names(actor: Actor, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Agreement id → ("code — title", its page) for the agreements the actor may see."""
    from django.urls import reverse

    from ikaze.audit.targets import valid_uuids

    rows = agreement_list_for(actor=actor).filter(pk__in=valid_uuids(ids))
    return {
        str(a.pk): (f"{a.code} — {a.title}", reverse("agreements:detail", args=[a.code]))
        for a in rows
    }


# --- counts for the reports app (issue 16: ikaze/reports/figures.py) ---------------------------


def agreement_cap_rows(*, agreement_ids: tuple[uuid.UUID, ...] | None) -> list[dict[str, Any]]:
    """Each agreement's cap and places used and arrived (all agreements when ids is None)."""
    qs = Agreement.objects.all()
    if agreement_ids is not None:
        qs = qs.filter(pk__in=agreement_ids)
    rows = qs.values("code", "title", "cap_total", "places_used", "places_arrived")
    return [dict(r) for r in rows.order_by("code")]


def agreements_below_standard(
    *, agreement_ids: tuple[uuid.UUID, ...] | None
) -> list[tuple[Agreement, list[Any]]]:
    """The agreements (in force or suspended) with a setting weaker than the standard."""
    qs = Agreement.objects.filter(status__in=["in_force", "suspended"]).order_by("code")
    if agreement_ids is not None:
        qs = qs.filter(pk__in=agreement_ids)
    return [(a, devs) for a in qs if (devs := below_standard(a))]


# --- public statistics (issue 16 item 2: ikaze/reports/public.py) -----------------------------

# The statuses whose agreements publish statistics: signed or past it, not declined.
PUBLIC_STATUSES = (
    AgreementStatus.SIGNED,
    AgreementStatus.IN_FORCE,
    AgreementStatus.SUSPENDED,
    AgreementStatus.TERMINATED,
)


def agreements_public() -> list[Agreement]:
    """The agreements whose statistics anyone may read, by code."""
    return list(Agreement.objects.filter(status__in=PUBLIC_STATUSES).order_by("code"))


def agreement_public(*, code: str) -> Agreement | None:
    return Agreement.objects.filter(status__in=PUBLIC_STATUSES, code=code).first()


def money_change_marks(*, agreement_id: uuid.UUID) -> dict[str, Any]:
    """What changes when the agreement's money does (the public statistics' cache)."""
    marks = InterstatePayment.objects.filter(agreement_id=agreement_id).aggregate(
        p_n=Count("id"), p_at=Max("created_at")
    )
    marks |= CompensationLine.objects.filter(agreement_id=agreement_id).aggregate(
        l_n=Count("id"), l_at=Max("updated_at")
    )
    marks |= Agreement.objects.filter(pk=agreement_id).values(
        "updated_at", "relocated_before_system"
    )[0]
    return marks


def paid_support_items(*, agreement_id: Any) -> list[SupportItem]:
    """The support items of an agreement paid in money (an amount and a currency)."""
    return list(
        SupportItem.objects.filter(agreement_id=agreement_id, amount_minor__gt=0)
        .exclude(currency="")
        .order_by("created_at")
    )
