"""The bridge between the registry and the identity-resolution engine (`people.matching`).

The engine is imported lazily: it pulls in Splink and DuckDB, which pages that never match
should not pay for. One trained model and one online index are kept per process.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from django.db.models import Max

from ikaze.people.models import Person

if TYPE_CHECKING:
    import polars as pl

# Above this, a pair becomes a match candidate for a person to adjudicate.
CANDIDATE_THRESHOLD = 0.9

_lock = threading.Lock()
_state: dict[str, Any] = {"matcher": None, "indexed": None}


def _registry_version() -> tuple[int, Any]:
    agg = Person.objects.aggregate(n=Max("created_at"), u=Max("updated_at"))
    return Person.objects.count(), (agg["n"], agg["u"])


def matcher(registry: pl.DataFrame | None = None) -> Any:
    """The process's matcher, trained (or loaded from var/matching/) on the registry."""
    from ikaze.people.matching import Matcher
    from ikaze.people.selectors import registry_frame

    with _lock:
        if _state["matcher"] is None:
            frame = registry if registry is not None else registry_frame()
            _state["matcher"] = Matcher.load_or_train(frame)
        return _state["matcher"]


def online_matcher() -> Any:
    """The matcher with its online index built on the current registry (rebuilt on change)."""
    from ikaze.people.selectors import registry_frame

    version = _registry_version()
    m = matcher()
    with _lock:
        if _state["indexed"] != version:
            m.index_registry(registry_frame())
            _state["indexed"] = version
    return m


def reset() -> None:
    """Forget the process's matcher and index (tests; after retraining)."""
    with _lock:
        _state["matcher"] = None
        _state["indexed"] = None


def match_record(record: dict[str, Any], *, top: int = 5) -> list[tuple[uuid.UUID, float]]:
    """Score one record (MATCH_COLUMNS keys) against the registry: [(person id, probability)]."""
    if not Person.objects.exists():
        return []
    hits = online_matcher().match_one(record, top=top)
    out: list[tuple[uuid.UUID, float]] = []
    for uid, prob in hits:
        try:
            out.append((uuid.UUID(str(uid)), float(prob)))
        except ValueError:
            continue
    return out


def record_of(person: Person, *, document_number: str | None = None) -> dict[str, Any]:
    """A person as the matcher's record (MATCH_COLUMNS)."""
    return {
        "unique_id": str(person.pk),
        "given_names": person.given_names or None,
        "first_surname": person.first_surname or None,
        "second_surname": person.second_surname or None,
        "full_name": person.full_name or None,
        "sex": person.sex or None,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "nationality": (person.nationalities or [None])[0],
        "document_number": document_number,
    }


def use(m: Any) -> None:
    """Make `m` the process's matcher (a benchmark or a job that has just trained one)."""
    with _lock:
        _state["matcher"] = m
        _state["indexed"] = None
