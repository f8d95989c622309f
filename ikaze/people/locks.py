"""Row locks of the people registry: every `select_for_update` of its rows is here.

Order, when a change locks several: household → person → match candidate; several rows of
one table in primary-key order. Vetting's order (`ikaze.vetting.locks`) puts the referral
before the household: a change of a referral's status that reaches the household locks the
referral first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ikaze.people.models import Household, MatchCandidate, Person, SensitiveData


def households_lock(pks: Iterable[Any]) -> list[Any]:
    """Lock the households (one change to a household at a time); return their keys."""
    return list(
        Household.objects.select_for_update()
        .filter(pk__in=list(pks))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def person_lock(pk: Any) -> Person:
    """One person's record, locked."""
    return Person.objects.select_for_update().get(pk=pk)


def persons_lock(pks: Iterable[Any]) -> list[Person]:
    """Several people's records, locked in primary-key order."""
    return list(Person.objects.select_for_update().filter(pk__in=list(pks)).order_by("pk"))


def match_candidate_lock(pk: Any) -> MatchCandidate:
    """One match candidate, locked (MatchCandidate.DoesNotExist if there is none)."""
    return MatchCandidate.objects.select_for_update().get(pk=pk)


def sensitive_data_lock(person_id: Any) -> SensitiveData | None:
    """A person's sensitive data row, locked (None when the person has none)."""
    return SensitiveData.objects.select_for_update().filter(person_id=person_id).first()
