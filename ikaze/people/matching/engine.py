"""The Matcher: train with Splink, link batches with Splink, answer single records online.

Batch linking and training run through Splink on DuckDB. The online check cannot afford
Splink's per-call set-up (hundreds of milliseconds), so it keeps its own index: the registry's
feature columns sorted by the hash of each blocking key, searched with NumPy. The few
candidates found get their comparison vector from the Python twins of the level conditions
(model.py) and features (features.py), and their weight from the trained model's own log2
Bayes factors: the same model as the batch path (tests check both give equal weights).

Nothing here writes to the registry or merges anyone: every answer is a scored pair.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from ikaze.people.matching.features import (
    FEATURE_COLUMNS,
    MATCH_COLUMNS,
    features_py,
    features_sql,
    install_macros,
)
from ikaze.people.matching.model import (
    BLOCKING_RULES,
    DETERMINISTIC_RULES,
    TRAINING_RULES,
    gammas_py,
    settings_dict,
)

log = logging.getLogger(__name__)

SCORE_SCHEMA = {"right_id": pl.String, "probability": pl.Float64, "match_weight": pl.Float64}
PAIR_SCHEMA = {
    "left_id": pl.String,
    "right_id": pl.String,
    "probability": pl.Float64,
    "match_weight": pl.Float64,
    "within_batch": pl.Boolean,
}

# Below this size a registry says too little about random pairs: keep model.py's prior u.
MIN_RECORDS_FOR_U = 2_000
# Online candidates beyond this are dropped (the most selective keys are kept first).
MAX_ONLINE_CANDIDATES = 1_000


def model_fingerprint() -> str:
    """A hash of the model's structure: a cached model trained for other levels is stale."""
    shape = settings_dict(prior=0.0)
    blob = json.dumps(
        {
            "comparisons": shape["comparisons"],
            "rules": shape["blocking_rules_to_generate_predictions"],
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def default_model_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "matching"


def _with_match_columns(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in MATCH_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(*(pl.lit(None, dtype=pl.String).alias(c) for c in missing))
    return frame.select(pl.col(c).cast(pl.String) for c in MATCH_COLUMNS)


_PAIRS_SQL = (
    "SELECT CAST(unique_id_l AS VARCHAR) AS left_id, CAST(unique_id_r AS VARCHAR) AS right_id,"
    " CAST(match_probability AS DOUBLE) AS probability,"
    " CAST(match_weight AS DOUBLE) AS match_weight, {within} AS within_batch FROM {table}"
)


class _Scorer:
    """The trained model's log2 Bayes factors per comparison level, read through Splink."""

    def __init__(self, model: dict[str, Any]) -> None:
        from splink.internals.settings_creator import SettingsCreator

        settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
        self.prior = float(settings._probability_two_random_records_match)
        self.log2_prior_odds = math.log2(self.prior / (1 - self.prior))
        self.weights: list[np.ndarray] = []
        for comparison in settings.comparisons:
            bfs = []
            for level in comparison.comparison_levels:
                bf = level._bayes_factor
                bfs.append(0.0 if level.is_null_level else math.log2(bf) if bf else -math.inf)
            self.weights.append(np.array(bfs, dtype=np.float64))

    def weights_for(self, gammas: np.ndarray) -> np.ndarray:
        total = np.full(gammas.shape[0], self.log2_prior_odds)
        for i, w in enumerate(self.weights):
            total += w[gammas[:, i]]
        return total


def probability_from_weight(weight: np.ndarray) -> np.ndarray:
    odds = np.exp2(np.clip(weight, -1000, 1000))
    return odds / (1 + odds)


class _OnlineIndex:
    """The registry's features, and per blocking rule its rows sorted by key hash."""

    def __init__(self, features: pl.DataFrame) -> None:
        # One chunk: gathering a few rows from DuckDB's many Arrow batches costs ~10 ms.
        self.features = features.rechunk()
        self.rules: list[tuple[tuple[str, ...], tuple[str, ...], np.ndarray, np.ndarray]] = []
        built: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        for rule in BLOCKING_RULES:
            if rule.right not in built:
                hashes = self._hash(features, rule.right)
                rows = np.flatnonzero(hashes != 0).astype(np.int64)
                order = np.argsort(hashes[rows], kind="stable")
                built[rule.right] = (hashes[rows][order], rows[order])
            keys, rows = built[rule.right]
            self.rules.append((rule.left, rule.right, keys, rows))

    @staticmethod
    def _hash(frame: pl.DataFrame, cols: tuple[str, ...]) -> np.ndarray:
        # 0 marks a key with a missing part: SQL equality never joins on NULL either.
        # Fields renamed by position: the query's key columns differ from the registry's.
        key = pl.struct([pl.col(c).cast(pl.String).alias(f"c{i}") for i, c in enumerate(cols)])
        key = key.hash(seed=7)
        any_null = pl.any_horizontal([pl.col(c).is_null() for c in cols])
        out = frame.select(pl.when(any_null).then(0).otherwise(key).cast(pl.UInt64))
        return out.to_series().to_numpy()

    def candidates(self, query: dict[str, Any]) -> np.ndarray:
        # The smallest blocks first: a key shared with few people says most. Blocks past the
        # cap are dropped whole (a very common name + surname), which bounds the latency.
        blocks: list[np.ndarray] = []
        for left, _right, keys, rows in self.rules:
            values = [query[c] for c in left]
            if any(v is None for v in values):
                continue
            h = np.uint64(self._hash_one(values))  # a Python int would cast the keys array
            lo = int(np.searchsorted(keys, h, side="left"))
            hi = int(np.searchsorted(keys, h, side="right"))
            if hi > lo:
                blocks.append(rows[lo:hi])
        blocks.sort(key=len)
        found: list[np.ndarray] = []
        total = 0
        for block in blocks:
            if found and total + len(block) > MAX_ONLINE_CANDIDATES:
                break
            found.append(block[:MAX_ONLINE_CANDIDATES])
            total += len(block)
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    @staticmethod
    def _hash_one(values: list[Any]) -> int:
        frame = pl.DataFrame({f"c{i}": [str(v)] for i, v in enumerate(values)})
        return int(_OnlineIndex._hash(frame, tuple(frame.columns))[0])


class Matcher:
    """A trained identity-resolution model with its batch and online entry points."""

    def __init__(self, model: dict[str, Any], *, path: Path | None = None) -> None:
        self.model = model
        self.path = path
        self._lock = threading.RLock()
        self._con = duckdb.connect(":memory:")
        install_macros(self._con)
        self._scorer = _Scorer(model)
        self._index: _OnlineIndex | None = None
        self._registry_key: tuple[int, int] | None = None
        self.train_seconds: float | None = None

    # ----- construction and training -------------------------------------------------

    @classmethod
    def untrained(cls) -> Matcher:
        return cls(settings_dict(prior=1e-5))

    @classmethod
    def load_or_train(
        cls,
        registry_frame: pl.DataFrame,
        model_dir: Path | str | None = None,
        retrain: bool = False,
    ) -> Matcher:
        """Load the cached model for this model shape, or train one on the registry and cache it."""
        directory = Path(model_dir) if model_dir is not None else default_model_dir()
        path = directory / f"model-{model_fingerprint()}.json"
        if path.is_file() and not retrain:
            return cls(json.loads(path.read_text(encoding="utf-8")), path=path)
        matcher = cls.untrained()
        matcher.path = path
        matcher.train(registry_frame)
        return matcher

    def train(self, registry_frame: pl.DataFrame, *, em: bool = False) -> float:
        """Estimate u by random sampling and m by EM on the registry; save the model. Seconds.

        EM runs only when asked (em=True): on the generated registry, whose few duplicates
        sit among siblings and twins, EM's m values scored worse than model.py's priors
        (pair F1 0.907 against 0.941 on `bench match --smoke`; ADR 0002).
        """
        from splink import DuckDBAPI, Linker

        start = time.perf_counter()
        with self._lock:
            con = duckdb.connect(":memory:")
            install_macros(con)
            registry = _with_match_columns(registry_frame)
            con.register("registry_in", registry)
            con.execute(f"CREATE TABLE reg_f AS {features_sql('registry_in')}")
            con.unregister("registry_in")
            n = registry.height
            db_api = DuckDBAPI(connection=con)
            sdf = db_api.register("reg_f", table_name="registry")
            # Until estimated: one record in twenty has a duplicate in a registry of at least
            # 100,000 (a small registry must not make any pair look likely).
            fallback_prior = 0.05 / max(n, 100_000)
            linker = Linker(sdf, settings_dict(prior=fallback_prior), log_level=logging.WARNING)
            if n >= MIN_RECORDS_FOR_U:
                linker.training.estimate_probability_two_random_records_match(
                    list(DETERMINISTIC_RULES), recall=0.7
                )
                prior = linker._settings_obj._probability_two_random_records_match
                if not 0 < prior < 1:  # no certain pair at all
                    linker._settings_obj._probability_two_random_records_match = fallback_prior
                linker.training.estimate_u_using_random_sampling(
                    max_pairs=5e6 if n >= 100_000 else 1e6, seed=20250101
                )
            if em:
                for rule in TRAINING_RULES:
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, estimate_without_term_frequencies=True
                    )
            model = linker.misc.save_model_to_json()
            con.close()
            self.model = model
            self._scorer = _Scorer(model)
            self._index = None
            self._registry_key = None
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps(model, indent=1), encoding="utf-8")
                tmp.replace(self.path)
        self.train_seconds = time.perf_counter() - start
        return self.train_seconds

    # ----- features ----------------------------------------------------------------------

    def features(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The normalised feature columns for a frame with MATCH_COLUMNS."""
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.register("feat_in", _with_match_columns(frame))
                return cur.sql(features_sql("feat_in")).pl()
            finally:
                cur.close()

    # ----- batch -------------------------------------------------------------------------

    def link_batch(
        self, incoming_frame: pl.DataFrame, registry_frame: pl.DataFrame, threshold: float = 0.9
    ) -> pl.DataFrame:
        """Score the batch against the registry and within itself; pairs at or above threshold."""
        from splink import DuckDBAPI, Linker

        incoming = _with_match_columns(incoming_frame)
        if incoming.height == 0:
            return pl.DataFrame(schema=PAIR_SCHEMA)
        with self._lock:
            con = self._con
            self._ensure_registry_table(registry_frame)
            con.register("batch_in", incoming)
            con.execute(f"CREATE OR REPLACE TABLE batch_f AS {features_sql('batch_in')}")
            con.unregister("batch_in")
            db_api = DuckDBAPI(connection=con)
            left = db_api.register("batch_f", table_name="incoming")
            right = db_api.register("reg_f", table_name="registry")
            linker = Linker([left], self.model, log_level=logging.WARNING)
            between = linker.inference.predict_between(
                left, right, threshold_match_probability=threshold, warning_mode="never"
            )
            within = linker.inference.predict_within(
                left, threshold_match_probability=threshold, warning_mode="never"
            )
            frames = []
            for sdf, is_within in ((between, False), (within, True)):
                out = con.sql(
                    _PAIRS_SQL.format(within=str(is_within).upper(), table=sdf.physical_name)
                ).pl()
                frames.append(out)
                sdf.drop_table_from_database_and_remove_from_cache()
            linker.table_management.delete_tables_created_by_splink_from_db()
            con.execute("DROP TABLE IF EXISTS batch_f")
        pairs = pl.concat(frames).cast(PAIR_SCHEMA)  # type: ignore[arg-type]
        return pairs.sort(["probability", "left_id", "right_id"], descending=[True, False, False])

    def _ensure_registry_table(self, registry_frame: pl.DataFrame) -> None:
        key = (id(registry_frame), registry_frame.height)
        if self._registry_key == key:
            return
        registry = _with_match_columns(registry_frame)
        self._con.register("registry_in", registry)
        self._con.execute(f"CREATE OR REPLACE TABLE reg_f AS {features_sql('registry_in')}")
        self._con.unregister("registry_in")
        self._registry_key = key
        self._index = None

    # ----- online ------------------------------------------------------------------------

    def index_registry(self, registry_frame: pl.DataFrame) -> None:
        """Build the online index over the registry (once per process, or after it changes)."""
        with self._lock:
            self._ensure_registry_table(registry_frame)
            columns = ", ".join(FEATURE_COLUMNS)
            features = self._con.sql(f"SELECT {columns} FROM reg_f").pl()  # noqa: S608
            self._index = _OnlineIndex(features)

    def match_one(self, record: dict[str, Any], top: int = 5) -> list[tuple[str, float]]:
        """The registry people most likely to be this record, best first (id, probability)."""
        scored = self.score_one(record)
        return [(r["right_id"], r["probability"]) for r in scored.head(top).iter_rows(named=True)]

    def score_one(self, record: dict[str, Any]) -> pl.DataFrame:
        """Every candidate for one record with its weight and probability, best first."""
        index = self._index
        if index is None:
            raise RuntimeError("index_registry() must run before match_one()")
        query = features_py({c: record.get(c) for c in MATCH_COLUMNS})
        rows = index.candidates(query)
        if rows.size == 0:
            return pl.DataFrame(schema=SCORE_SCHEMA)
        cands = index.features[rows].to_dicts()
        gamma = np.array([gammas_py(query, c) for c in cands], dtype=np.int64)
        weight = self._scorer.weights_for(gamma)
        out = pl.DataFrame(
            {
                "right_id": [c["unique_id"] for c in cands],
                "probability": probability_from_weight(weight),
                "match_weight": weight,
            },
            schema=SCORE_SCHEMA,
        )
        return out.sort(["match_weight", "right_id"], descending=[True, False])
