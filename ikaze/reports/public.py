"""Public statistics per agreement (issue 16 item 2): counts with disclosure control, money.

Two tables per agreement, each protected on its own (they share no total, so hiding in one
cannot be undone through the other):

- `outcomes`: nationality × outcome (accepted, refused, not decided); the row totals are the
  people referred of each nationality.
- `arrivals`: nationality × month of arrival; the grand total is the people relocated, those
  relocated before Ikaze kept records in a row and a column of their own, so the figure the
  money is divided by is a published total or nothing.

Money (SAFEGUARDS C5) is promised (due so far under the schedule), paid (net of reversals) and
cost per person relocated, shown only when the people relocated are shown: with fewer than 5,
only "at least" paid / 4 (which says no more than "fewer than 5").

The whole result is cached (Django's cache) under a key made of a fingerprint of what the
figures depend on: six small aggregates (counts and latest times of referrals, decisions,
arrivals, payments and the agreement itself). A write changes the fingerprint, so the next
request computes afresh; nothing has to remember to invalidate (ADR 0029).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from ikaze.agreements import selectors as agreements
from ikaze.agreements.selectors import money_summary
from ikaze.core.clock import local_zone, now
from ikaze.movements.selectors import arrival_change_marks, arrivals_by_nationality
from ikaze.reports.disclosure import (
    TOTAL,
    Protected,
    Reason,
    check_threshold,
    protect,
    table_from_counts,
)
from ikaze.reports.releases import public_release_record, releases_published
from ikaze.vetting.selectors import referral_change_marks, referral_status_by_nationality

if TYPE_CHECKING:
    from ikaze.agreements.models import Agreement

UNKNOWN = "unknown"  # nationality not recorded
BEFORE = "before"  # relocated before Ikaze kept records (month unknown)
OUTCOMES = ("accepted", "refused", "undecided")
OUTCOME_LABELS = {
    "accepted": _("Accepted"),
    "refused": _("Refused"),
    "undecided": _("Not decided"),
    TOTAL: _("Referred"),
}
CACHE_SECONDS = 3600


class UnknownAgreement(LookupError):
    """No public agreement has this code."""


def threshold() -> int:
    """The smallest group published (SAFEGUARDS C3; a setting, never below 5)."""
    return check_threshold(int(getattr(settings, "IKAZE_DISCLOSURE_THRESHOLD", 5)))


@dataclass(frozen=True)
class PublicMoney:
    currency: str
    promised_minor: int
    paid_minor: int
    # None: not shown (people relocated hidden or none); see `cost_at_least`.
    cost_per_person_minor: int | None
    cost_at_least: bool = False  # fewer than `threshold` relocated: a lower bound


@dataclass(frozen=True)
class PublicTable:
    key: str  # "outcomes" or "arrivals"
    protected: Protected
    release: int  # the release number this version is


@dataclass(frozen=True)
class PublicStatistics:
    code: str
    title: str
    sending_state: str
    receiving_state: str
    status: str
    threshold: int
    computed_at: dt.datetime
    tables: dict[str, PublicTable]
    money: list[PublicMoney] = field(default_factory=list)

    def figure(self, table: str, entry: tuple[str, str]) -> int | None:
        return self.tables[table].protected.published(entry)

    @property
    def refused_share(self) -> float | None:
        """Refused among decided, from published totals only (None when one is hidden)."""
        refused = self.figure("outcomes", (TOTAL, "refused"))
        accepted = self.figure("outcomes", (TOTAL, "accepted"))
        if refused is None or accepted is None or refused + accepted == 0:
            return None
        return refused / (refused + accepted)


def public_agreements() -> list[Agreement]:
    """The agreements whose statistics are public, by code."""
    return agreements.agreements_public()


def public_agreement(code: str) -> Agreement:
    agreement = agreements.agreement_public(code=code)
    if agreement is None:
        raise UnknownAgreement(code)
    return agreement


def fingerprint(agreement: Agreement) -> str:
    """What the figures of `agreement` depend on, in six small aggregates: a write changes
    it (a new referral, a status, a decision, an arrival, a payment, the schedule)."""
    row: dict[str, Any] = {}
    row |= referral_change_marks(agreement_id=agreement.pk)
    row |= arrival_change_marks(agreement_id=agreement.pk)
    row |= agreements.money_change_marks(agreement_id=agreement.pk)
    text = "|".join(f"{k}={row[k]}" for k in sorted(row)) + f"|t={threshold()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _cache_key(agreement: Agreement, print_: str) -> str:
    return f"ikaze:reports:public:{agreement.pk}:{print_}"


def public_statistics(agreement: Agreement) -> PublicStatistics:
    """The public statistics of `agreement`: from the cache while nothing they depend on has
    changed, otherwise computed, protected against every earlier release, and recorded."""
    key = _cache_key(agreement, fingerprint(agreement))
    cached: PublicStatistics | None = cache.get(key)
    if cached is not None:
        return cached
    stats = _compute(agreement)
    cache.set(key, stats, CACHE_SECONDS)
    return stats


def _publish(
    agreement: Agreement, key: str, counts: dict[tuple[str, str], int], cols: list[str], limit: int
) -> PublicTable:
    rows = sorted({r for r, _ in counts} - {UNKNOWN}) + (
        [UNKNOWN] if any(r == UNKNOWN for r, _ in counts) else []
    )
    table = table_from_counts(counts, rows=rows, cols=cols)
    earlier = releases_published(agreement_code=agreement.code, table=key)
    protected = protect(table, threshold=limit, earlier=earlier)
    release = public_release_record(
        agreement_code=agreement.code, table=key, cells=protected.published_cells(), threshold=limit
    )
    return PublicTable(key=key, protected=protected, release=release.number)


def _compute(agreement: Agreement) -> PublicStatistics:
    limit = threshold()
    outcome_counts: Counter[tuple[str, str]] = Counter()
    for status, nationality, n in referral_status_by_nationality(agreement_id=agreement.pk):
        outcome = status if status in ("accepted", "refused") else "undecided"
        outcome_counts[(nationality or UNKNOWN, outcome)] += n
    outcomes = _publish(agreement, "outcomes", dict(outcome_counts), list(OUTCOMES), limit)

    zone = local_zone()
    arrival_counts_: Counter[tuple[str, str]] = Counter()
    for at, nationality, n in arrivals_by_nationality(agreement_id=agreement.pk):
        month = at.astimezone(zone).strftime("%Y-%m")
        arrival_counts_[(nationality or UNKNOWN, month)] += n
    if agreement.relocated_before_system:
        arrival_counts_[(UNKNOWN, BEFORE)] += agreement.relocated_before_system
    months = sorted({c for _, c in arrival_counts_} - {BEFORE})
    cols = ([BEFORE] if agreement.relocated_before_system else []) + months
    arrivals = _publish(agreement, "arrivals", dict(arrival_counts_), cols, limit)

    relocated = arrivals.protected.published((TOTAL, TOTAL))
    relocated_hidden_small = arrivals.protected.hidden.get((TOTAL, TOTAL)) == Reason.SMALL
    summary = money_summary(agreement=agreement)
    promised = {m.currency: m.minor for m in summary.due_total}
    paid = {m.currency: m.minor for m in summary.paid_total}
    money = []
    for currency in sorted(set(promised) | set(paid)):
        p = paid.get(currency, 0)
        if relocated:
            cost, at_least = p // relocated, False
        elif relocated_hidden_small and p > 0:
            # 1 to limit-1 people: at least paid / (limit - 1) each.
            cost, at_least = p // (limit - 1), True
        else:
            cost, at_least = None, False
        money.append(PublicMoney(currency, promised.get(currency, 0), p, cost, at_least))
    return PublicStatistics(
        code=agreement.code,
        title=agreement.title,
        sending_state=agreement.sending_state,
        receiving_state=agreement.receiving_state,
        status=agreement.status,
        threshold=limit,
        computed_at=now(),
        tables={"outcomes": outcomes, "arrivals": arrivals},
        money=money,
    )
