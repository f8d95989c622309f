"""The bridge between the registry and the identity-resolution engine (`people.matching`).

The engine is imported lazily: it pulls in Splink and DuckDB, which pages that never match
should not pay for. One trained model and one online index are kept per process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max

from ikaze.people.models import Person

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger(__name__)

# Above this, a pair becomes a match candidate for a person to adjudicate.
CANDIDATE_THRESHOLD = 0.9

# Re-read people changed this long before the last change seen: a transaction that began
# earlier may commit after we looked (re-reading is harmless, features are replaced).
REFRESH_MARGIN = dt.timedelta(minutes=10)

_lock = threading.RLock()
_state: dict[str, Any] = {"matcher": None, "unsaved": 0}


def registry_version() -> tuple[int, Any, Any]:
    """What the registry holds, cheaply: (people, last created, last updated)."""
    agg = Person.objects.aggregate(n=Count("pk"), c=Max("created_at"), u=Max("updated_at"))
    return int(agg["n"] or 0), agg["c"], agg["u"]


def matcher(registry: pl.DataFrame | None = None) -> Any:
    """The process's matcher: the cached model (var/matching/), or one trained on the registry."""
    from ikaze.people.matching import Matcher
    from ikaze.people.matching.engine import default_model_dir, model_fingerprint
    from ikaze.people.selectors import registry_frame

    with _lock:
        if _state["matcher"] is None:
            cached = default_model_dir() / f"model-{model_fingerprint()}.json"
            if registry is None and cached.is_file():
                # No need to read a million people just to load a model.
                _state["matcher"] = Matcher.load_or_train(pl_empty(), retrain=False)
            else:
                version = registry_version() if registry is None else None
                frame = registry if registry is not None else registry_frame()
                _state["matcher"] = Matcher.load_or_train(frame, registry_version=version)
                if version is not None:
                    _save(_state["matcher"])
        return _state["matcher"]


def pl_empty() -> pl.DataFrame:
    import polars as pl

    from ikaze.people.matching import MATCH_COLUMNS

    return pl.DataFrame(schema=dict.fromkeys(MATCH_COLUMNS, pl.String))


def _refresh(m: Any) -> None:
    """Bring the matcher's registry features up to date: the changed people only, if it can."""
    from ikaze.people.selectors import registry_frame

    version = registry_version()
    if m.registry_version is None and version[0]:
        _restore(m)
    known = m.registry_version
    if known == version:
        return
    if known is not None and known[2] is not None and version[0] >= known[0]:
        changed = registry_frame(updated_after=known[2] - REFRESH_MARGIN)
        if m.registry_upsert(changed, version=version, expected_size=version[0]):
            log.info("matching: %d people refreshed", changed.height)
            _state["unsaved"] = _state.get("unsaved", 0) + changed.height
            if _state["unsaved"] >= SAVE_AFTER_CHANGES:
                _save(m)
            return
    m.registry_load(registry_frame(), version=version)
    log.info("matching: registry of %d people loaded", version[0])
    _save(m)


# A restarted process re-reads what changed since the saved features; past this many
# changes the file is rewritten (a million people: ~2 s to write, ~1 min to recompute).
SAVE_AFTER_CHANGES = 100_000


def _cache_paths() -> tuple[Any, Any] | None:
    """The feature file for this registry: keyed by the model, the features and the database.

    The first person ever created identifies the registry (another database, or one
    recreated by the tests, has another), so a file is never applied to the wrong one.
    """
    import hashlib

    from django.db import connection

    from ikaze.people.matching.engine import default_model_dir, model_fingerprint
    from ikaze.people.matching.features import features_sql, stats_sql

    first = Person.objects.order_by("created_at", "pk").values_list("pk", flat=True).first()
    if first is None:
        return None
    blob = "|".join(
        (
            model_fingerprint(),
            features_sql("x"),
            stats_sql("x"),
            str(connection.settings_dict.get("NAME")),
            str(first),
        )
    )
    key = hashlib.sha256(blob.encode()).hexdigest()[:16]
    directory = default_model_dir()
    return directory / f"registry-{key}.parquet", directory / f"registry-{key}.json"


def _save(m: Any) -> None:
    import json

    paths = _cache_paths()
    if paths is None or m.registry_version is None:
        return
    data, meta = paths
    n, created, updated = m.registry_version
    try:
        m.registry_save(data)
        meta.write_text(
            json.dumps({"n": n, "created": created.isoformat(), "updated": updated.isoformat()}),
            encoding="utf-8",
        )
        _state["unsaved"] = 0
    except OSError:  # a read-only VAR_DIR costs a recomputation after a restart, no more
        log.warning("matching: could not save the registry features to %s", data)


def _restore(m: Any) -> None:
    import json

    paths = _cache_paths()
    if paths is None:
        return
    data, meta = paths
    try:
        saved = json.loads(meta.read_text(encoding="utf-8"))
        version = (
            int(saved["n"]),
            dt.datetime.fromisoformat(saved["created"]),
            dt.datetime.fromisoformat(saved["updated"]),
        )
        if not data.is_file():
            return
        m.registry_restore(data, version=version)
        log.info("matching: registry features of %d people restored", version[0])
    except (OSError, ValueError, KeyError):
        return


def batch_matcher() -> Any:
    """The matcher with the current registry's features (what intake links a batch to)."""
    m = matcher()
    with _lock:
        _refresh(m)
    return m


def online_matcher() -> Any:
    """The matcher with its online index on the current registry (changes added, not rebuilt)."""
    m = matcher()
    with _lock:
        _refresh(m)
        if not m.indexed:
            m.index_registry()
    return m


def reset() -> None:
    """Forget the process's matcher and index (tests; after retraining)."""
    with _lock:
        _state["matcher"] = None


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


def explain_pair(person_a: Person, person_b: Person) -> dict[str, Any]:
    """Why the matcher scores two registry people as it does (Matcher.explain on their records).

    Computed with the process's current model and registry counts, so it reads what the model
    thinks now (the stored probability is what it thought when it proposed the pair).
    """
    records = []
    for person in (person_a, person_b):
        doc = person.documents.order_by("kind").values_list("number", flat=True).first()
        records.append(record_of(person, document_number=doc))
    return batch_matcher().explain(records[0], records[1])


def use(m: Any) -> None:
    """Make `m` the process's matcher (a benchmark or a job that has just trained one)."""
    with _lock:
        _state["matcher"] = m
