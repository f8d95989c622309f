"""The arrivals desk's search (page and API): arrived people waiting for a bed, found by name,
document number or a machine-readable zone typed in by a document reader; a household found
by one member comes whole."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ikaze.accounts.actor import Actor
from ikaze.movements import selectors as movements
from ikaze.people import selectors as people

RESULTS_MAX = 200
QUERY_MAX = 100


@dataclass(frozen=True)
class Found:
    query: str  # what was searched for (the document number when an MRZ was read)
    mrz: str  # the document number read from a machine-readable zone, else ""
    groups: list[dict[str, Any]]


def looks_like_mrz(q: str) -> bool:
    return q.count("<") >= 5


def arrivals_search(*, actor: Actor, q: str) -> Found:
    """Households (or people alone) waiting for a bed that match `q`; every one when empty.
    An MRZ is read first, its check digits verified (MrzInvalid when one is wrong)."""
    q = q.strip()[:QUERY_MAX]  # an MRZ is 88 or 90 characters
    mrz = ""
    if looks_like_mrz(q):
        from ikaze.movements.mrz import mrz_parse

        parsed = mrz_parse(q)
        mrz = q = parsed.document_number
    entries = list(movements.arrived_entries_for(actor=actor, q=q)[:RESULTS_MAX])
    if q:
        households = {e.household_id for e in entries if e.household_id}
        if households:
            entries = list(
                movements.arrived_entries_for(actor=actor).filter(household_id__in=households)
            ) + [e for e in entries if not e.household_id]
    names = people.person_names(ids=[e.person_id for e in entries])
    docs = people.person_travel_documents(person_ids=[e.person_id for e in entries])
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for e in entries:
        grouped[e.household_id or e.person_id].append(e)
    groups = [
        {
            "key": str(key),
            "people": [
                {
                    "id": str(e.person_id),
                    "name": names.get(str(e.person_id), ""),
                    "document": docs[e.person_id].number if e.person_id in docs else "",
                    "arrived_at": e.arrived_at,
                }
                for e in members
            ],
            "ids": ",".join(str(e.person_id) for e in members),
        }
        for key, members in grouped.items()
    ]
    return Found(q, mrz, groups)
