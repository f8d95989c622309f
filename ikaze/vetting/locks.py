"""Row locks of the vetting file: every `select_for_update` of vetting rows is here.

A service that changes several rows locks them in one fixed order, so two transactions never
wait on each other in a cycle:

    referral → household (people.locks) → decision → agreement → cap period
             → alert / override / fact removal / legal fact / notice

The referral is always first: every status change locks it (`_common._lock`, which also asks
who may act on it), and what follows a change of status locks the household, then the
decisions holding a place, whose release moves the agreement's and then the period's counters
(`agreements.services.agreement_release_place`, by `F()` updates in that order). A service
that works one alert, override, fact removal or notice locks its referral first when it
changes the referral too (`facts.alert_resolve`).

Several rows of one table are locked in primary-key order (`order_by("pk")`); a caller that
needs another order sorts the locked rows itself. Each helper takes primary keys, not objects,
and returns the locked rows read afresh.
"""

from __future__ import annotations

from typing import Any

from ikaze.vetting.models import (
    Alert,
    Decision,
    FactRemoval,
    LegalEventRecord,
    Notice,
    Override,
    OverrideAsk,
    Referral,
)


def referral_lock(pk: Any, *, no_key: bool = True) -> Referral:
    """The referral's row, locked (its agreement and person read along, not locked).

    `no_key` (PostgreSQL FOR NO KEY UPDATE, the default): it serialises writers of the
    referral as FOR UPDATE does, but lets another transaction insert rows that point to it
    (an evaluation of a household member stored while that member is being withdrawn)
    instead of deadlocking."""
    return (
        Referral.objects.select_related("agreement", "person")
        .select_for_update(of=("self",), no_key=no_key)
        .get(pk=pk)
    )


def decisions_lock_holding_place(referral_pk: Any) -> list[Decision]:
    """The referral's acceptances that still hold a place under the cap, locked (their
    period read along, not locked: its counter moves by an `F()` update after the
    agreement's)."""
    return list(
        Decision.objects.select_for_update(of=("self",))
        .filter(
            referral_id=referral_pk,
            outcome=Decision.Outcome.ACCEPTED,
            place_taken=True,
            place_released_at__isnull=True,
        )
        .select_related("tranche")
        .order_by("pk")
    )


def alert_lock(pk: Any) -> Alert:
    """One alert, locked (lock its referral first if the referral changes too)."""
    return Alert.objects.select_for_update().get(pk=pk)


def alerts_lock_open(referral_pk: Any) -> list[Alert]:
    """The referral's open alerts, locked."""
    return list(
        Alert.objects.select_for_update()
        .filter(referral_id=referral_pk, resolved_at__isnull=True)
        .order_by("pk")
    )


def override_lock(pk: Any) -> Override:
    """One override request, locked."""
    return Override.objects.select_for_update().get(pk=pk)


def override_ask_lock(pk: Any) -> OverrideAsk:
    """One vetting officer's ask for an override, locked."""
    return OverrideAsk.objects.select_for_update().get(pk=pk)


def override_asks_lock_open(referral_pk: Any, rule_id: str) -> list[OverrideAsk]:
    """The open asks for an override of one rule on the referral, locked."""
    return list(
        OverrideAsk.objects.select_for_update()
        .filter(referral_id=referral_pk, rule_id=rule_id, status=OverrideAsk.Status.OPEN)
        .order_by("pk")
    )


def overrides_lock_requested(referral_pk: Any) -> list[Override]:
    """The referral's override requests still waiting, locked."""
    return list(
        Override.objects.select_for_update()
        .filter(referral_id=referral_pk, status=Override.Status.REQUESTED)
        .order_by("pk")
    )


def fact_removal_lock(pk: Any, *, with_referral_and_target: bool = False) -> FactRemoval:
    """One fact removal request, locked; `with_referral_and_target` reads its referral and
    the fact it removes along (not locked: lock the fact with `legal_event_lock`)."""
    if with_referral_and_target:
        return (
            FactRemoval.objects.select_for_update(of=("self",))
            .select_related("referral", "target")
            .get(pk=pk)
        )
    return FactRemoval.objects.select_for_update().get(pk=pk)


def legal_event_lock(pk: Any) -> LegalEventRecord:
    """One recorded legal fact, locked (before another fact supersedes it)."""
    return LegalEventRecord.objects.select_for_update().get(pk=pk)


def notice_lock(pk: Any) -> Notice:
    """One notice and its referral, locked together (one statement: FOR UPDATE of both)."""
    return Notice.objects.select_for_update().select_related("referral").get(pk=pk)


__all__ = [
    "alert_lock",
    "alerts_lock_open",
    "decisions_lock_holding_place",
    "fact_removal_lock",
    "legal_event_lock",
    "notice_lock",
    "override_lock",
    "overrides_lock_requested",
    "referral_lock",
]
