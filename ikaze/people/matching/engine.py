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
    STORED_EXCLUDE,
    blk_sql,
    features_py,
    features_sql,
    freq_sql,
    install_macros,
    name_key,
    stats_py,
    stats_sql,
)
from ikaze.people.matching.model import (
    BLOCKING_RULES,
    COMPARISONS,
    DETERMINISTIC_RULES,
    PAIR_KEY_CAP,
    TRAINING_RULES,
    gammas_py,
    pin_parameters,
    settings_dict,
)

# What a scored record carries: its features and how many registry people share its name.
ROW_COLUMNS = [*(c for c in FEATURE_COLUMNS if c not in STORED_EXCLUDE), "nn"]

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
# Compared first, on every blocked pair: equality on short columns, no names.
PRUNE_COMPARISONS = frozenset({"dob", "sex", "nationality", "document"})
# Batch rows sampled to estimate how many pairs that first bound leaves; past this many
# (estimated for the whole batch) the joins carry the names' columns too.
NARROW_SAMPLE = 1_000
NARROW_MAX_PAIRS = 1_000_000
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

    def weight_sql(self) -> str:
        """The match weight as SQL over `<col>_l` / `<col>_r` columns: the levels' own SQL."""
        from ikaze.people.matching.model import COMPARISONS

        terms = [_sql_float(self.log2_prior_odds)]
        for comparison, weights in zip(COMPARISONS, self.weights, strict=True):
            whens = [f"WHEN {comparison.null_sql} THEN {_sql_float(weights[0])}"]
            for k, level in enumerate(comparison.levels, start=1):
                if level.sql == "ELSE":
                    whens.append(f"ELSE {_sql_float(weights[k])}")
                else:
                    whens.append(f"WHEN {level.sql} THEN {_sql_float(weights[k])}")
            terms.append(f"(CASE {' '.join(whens)} END)")
        return " + ".join(terms)

    def bound_sql(self, names: frozenset[str]) -> str:
        """An upper bound of the match weight that reads only the named comparisons' columns.

        A named comparison contributes the weight of its first cheap level that holds, or
        more where a costly level before it might hold (its guard holds, or it has none);
        every other comparison its best weight. A pair whose bound is below the threshold
        is below it whatever its strings: dropping it loses nothing.
        """
        terms = [_sql_float(self.log2_prior_odds)]
        for comparison, weights in zip(COMPARISONS, self.weights, strict=True):
            if comparison.name not in names:
                terms.append(_sql_float(max(weights)))
                continue
            rest = _sql_float(weights[-1])  # the ELSE level's
            for k in range(len(comparison.levels) - 1, 0, -1):  # best first, built from the end
                level, w = comparison.levels[k - 1], _sql_float(weights[k])
                if not level.costly:
                    rest = f"CASE WHEN {level.sql} THEN {w} ELSE {rest} END"
                elif level.guard is None:
                    rest = f"greatest({w}, {rest})"
                else:
                    rest = f"CASE WHEN {level.guard} THEN greatest({w}, {rest}) ELSE {rest} END"
            terms.append(
                f"(CASE WHEN {comparison.null_sql} THEN {_sql_float(weights[0])} ELSE {rest} END)"
            )
        return " + ".join(terms)

    def weights_for(self, gammas: np.ndarray) -> np.ndarray:
        total = np.full(gammas.shape[0], self.log2_prior_odds)
        for i, w in enumerate(self.weights):
            total += w[gammas[:, i]]
        return total


def _sql_float(value: float) -> str:
    x = float(value)  # a NumPy scalar's repr is not SQL
    if math.isinf(x):
        return "CAST('-inf' AS DOUBLE)" if x < 0 else "CAST('inf' AS DOUBLE)"
    return f"CAST({x!r} AS DOUBLE)"


def probability_from_weight(weight: np.ndarray) -> np.ndarray:
    odds = np.exp2(np.clip(weight, -1000, 1000))
    return odds / (1 + odds)


_HASH_BASE = 1099511628211  # odd: every power is a unit mod 2**64
_MASK64 = 0xFFFFFFFFFFFFFFFF
_KEY_SEPARATOR = "\x1f"


def _key_hash(key: str) -> int:
    """A 64-bit polynomial hash of a key's bytes (sum of byte * BASE**position), never 0
    (0 marks a key with a missing part). _key_hashes computes the same over a column."""
    h, power = 0, 1
    for byte in key.encode():
        h = (h + byte * power) & _MASK64
        power = (power * _HASH_BASE) & _MASK64
    return h or 1


def _key_hashes(keys: pl.Series) -> np.ndarray:
    """_key_hash of every key in a String column, with NumPy; 0 where the key is null."""
    out = np.zeros(keys.len(), dtype=np.uint64)
    present = np.flatnonzero(keys.is_not_null().to_numpy())
    if present.size == 0:
        return out
    # Fixed width, NUL-padded: a padding byte adds 0 to the sum (keys hold no NUL).
    raw = np.array(keys.gather(present).cast(pl.Binary).to_list(), dtype=np.bytes_)
    codes = raw.view(np.uint8).reshape(raw.size, raw.dtype.itemsize)
    h = np.zeros(raw.size, dtype=np.uint64)
    power = 1
    for k in range(codes.shape[1]):
        h += codes[:, k].astype(np.uint64) * np.uint64(power)  # wraps mod 2**64
        power = (power * _HASH_BASE) & _MASK64
    h[h == 0] = 1
    out[present] = h
    return out


class _OnlineIndex:
    """The registry's features, and per blocking rule its rows sorted by key hash.

    A key is its columns' values joined by a separator; its hash is computed with NumPy for
    the registry and in plain Python for a query (no DataFrame per query: under load, a
    one-row Polars query waits milliseconds for its thread pool). An exploding rule indexes
    every value of the record's list. The whole-name counts (`nn`) of a query come from the
    sorted hashes of the registry's name keys.
    """

    def __init__(self, features: pl.DataFrame, *, frequent_pairs: frozenset[str]) -> None:
        # One chunk: gathering a few rows from DuckDB's many Arrow batches costs ~10 ms.
        self.features = features.rechunk()
        self.frequent_pairs = frequent_pairs
        self.rules: list[tuple[tuple[str, ...], bool, np.ndarray, np.ndarray]] = []
        built: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        for rule in BLOCKING_RULES:
            if rule.right not in built:
                if rule.explode:
                    (col,) = rule.right
                    exploded = (
                        features.select(pl.col(col))
                        .with_row_index("_row")
                        .explode(col)
                        .drop_nulls(col)
                    )
                    hashes = _key_hashes(exploded[col])
                    rows_all = exploded["_row"].to_numpy().astype(np.int64)
                    order = np.argsort(hashes, kind="stable")
                    built[rule.right] = (hashes[order], rows_all[order])
                else:
                    hashes = self._hash(features, rule.right)
                    rows = np.flatnonzero(hashes != 0).astype(np.int64)
                    order = np.argsort(hashes[rows], kind="stable")
                    built[rule.right] = (hashes[rows][order], rows[order])
            keys, rows = built[rule.right]
            self.rules.append((rule.left, rule.explode, keys, rows))
        names = features.select(
            pl.concat_str([pl.col("g_ph_sorted"), pl.col("s_cat_ph")], separator="|")
        ).to_series()
        name_hashes = _key_hashes(names)
        self.name_hashes = np.sort(name_hashes[name_hashes != 0])

    @staticmethod
    def _hash(frame: pl.DataFrame, cols: tuple[str, ...]) -> np.ndarray:
        # Null if a part is missing (SQL equality never joins on NULL either).
        key = pl.concat_str([pl.col(c).cast(pl.String) for c in cols], separator=_KEY_SEPARATOR)
        return _key_hashes(frame.select(key).to_series())

    @staticmethod
    def _hash_one(values: list[Any]) -> np.uint64:
        # A NumPy integer: a Python int would make searchsorted cast the whole keys array.
        return np.uint64(_key_hash(_KEY_SEPARATOR.join(str(v) for v in values)))

    def name_count(self, query: dict[str, Any]) -> int:
        key = name_key(query["g_ph_sorted"], query["s_cat_ph"])
        if key is None:
            return 0
        h = np.uint64(_key_hash(key))
        lo = int(np.searchsorted(self.name_hashes, h, side="left"))
        hi = int(np.searchsorted(self.name_hashes, h, side="right"))
        return hi - lo

    def candidates(self, query: dict[str, Any]) -> np.ndarray:
        # The smallest blocks first: a key shared with few people says most. Blocks past the
        # cap are dropped whole (a very common name + surname), which bounds the latency.
        blocks: list[np.ndarray] = []
        for left, explode, keys, rows in self.rules:
            if explode:
                (col,) = left
                hashes = [np.uint64(_key_hash(v)) for v in query[col] or []]
            else:
                values = [query[c] for c in left]
                if any(v is None for v in values):
                    continue
                hashes = [self._hash_one(values)]
            for h in hashes:
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


class Matcher:
    """A trained identity-resolution model with its batch and online entry points.

    The matcher keeps the registry's features (`reg_f`, in its own DuckDB) once computed:
    a batch then computes features for its incoming rows only, and people added or changed
    later are folded in (`registry_upsert`) instead of recomputing a million rows.
    """

    def __init__(self, model: dict[str, Any], *, path: Path | None = None) -> None:
        self.model = model
        self.path = path
        self._lock = threading.RLock()
        self._con = duckdb.connect(":memory:")
        install_macros(self._con)
        self._scorer = _Scorer(model)
        self._index: _OnlineIndex | None = None
        # People changed since the online index was built: their own small index, and their
        # ids, whose stale rows in the main index are skipped.
        self._delta: _OnlineIndex | None = None
        self._changed: pl.DataFrame | None = None
        self._stale: frozenset[str] = frozenset()
        self._registry_key: Any = None
        # Token pairs too common to block on without the birth year (from the registry).
        self._frequent_pairs: frozenset[str] = frozenset()
        # What `reg_f` reflects, as the caller counts it (ikaze.people.identity's version).
        self.registry_version: Any = None
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
        registry_version: Any = None,
    ) -> Matcher:
        """Load the cached model for this model shape, or train one on the registry and cache it."""
        directory = Path(model_dir) if model_dir is not None else default_model_dir()
        path = directory / f"model-{model_fingerprint()}.json"
        if path.is_file() and not retrain:
            return cls(json.loads(path.read_text(encoding="utf-8")), path=path)
        matcher = cls.untrained()
        matcher.path = path
        matcher.train(registry_frame, registry_version=registry_version)
        return matcher

    def train(
        self,
        registry_frame: pl.DataFrame,
        *,
        em: bool = False,
        em_frame: pl.DataFrame | None = None,
        registry_version: Any = None,
    ) -> float:
        """Estimate u by random sampling and m by EM on the registry; save the model. Seconds.

        EM runs only when asked (em=True): on the generated registry, whose few duplicates
        sit among siblings and twins, EM's m values scored worse than model.py's priors
        (pair F1 0.907 against 0.941 on `bench match --smoke`; ADR 0002). With `em_frame`
        (records known to hold many duplicates, such as a registry and a batch to link to
        it), EM and the prior are estimated on those records and u on the registry alone:
        u is the chance that two different people agree, and where one random pair in ten
        thousand is the same person, as in FEBRL4, sampling pairs there would count the
        duplicates' agreement as chance. The registry's features computed here are kept for
        the batch path (`registry_version` says what they reflect).
        """
        from splink import DuckDBAPI, Linker

        start = time.perf_counter()
        with self._lock:
            self.registry_load(registry_frame, version=registry_version)
            con = self._con
            n = registry_frame.height
            db_api = DuckDBAPI(connection=con)
            sdf = db_api.register("reg_f", table_name="registry")
            # Until estimated: one record in twenty has a duplicate in a registry of at least
            # 100,000 (a small registry must not make any pair look likely).
            fallback_prior = 0.05 / max(n, 100_000)
            # Training needs no prediction rules; the exploding one reads `blk`, which the
            # stored registry does not hold (keys are computed per join): added back below.
            training_settings = settings_dict(prior=fallback_prior, registry_size=n)
            training_settings["blocking_rules_to_generate_predictions"] = []
            linker = Linker(sdf, training_settings, log_level=logging.WARNING)
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
            trainer = linker
            if em and em_frame is not None:
                con.register("em_in", _with_match_columns(em_frame))
                con.execute(f"CREATE OR REPLACE TABLE em_raw AS {features_sql('em_in')}")
                con.unregister("em_in")
                con.execute(f"CREATE OR REPLACE TABLE em_f AS {stats_sql('em_raw')}")
                con.execute("DROP TABLE em_raw")
                em_sdf = db_api.register("em_f", table_name="em_records")
                trainer = Linker(
                    em_sdf, linker.misc.save_model_to_json(), log_level=logging.WARNING
                )
                trainer.training.estimate_probability_two_random_records_match(
                    list(DETERMINISTIC_RULES), recall=0.7
                )
            if em:
                for rule in TRAINING_RULES:
                    trainer.training.estimate_parameters_using_expectation_maximisation(
                        rule, estimate_without_term_frequencies=True
                    )
            model = pin_parameters(trainer.misc.save_model_to_json(), registry_size=n)
            model["blocking_rules_to_generate_predictions"] = [r.splink() for r in BLOCKING_RULES]
            for used in {id(linker): linker, id(trainer): trainer}.values():
                used.table_management.delete_tables_created_by_splink_from_db()
            con.execute("DROP TABLE IF EXISTS em_f")
            self.model = model
            self._scorer = _Scorer(model)
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
                raw = cur.sql(features_sql("feat_in")).pl()
                cur.register("feat_raw", raw)
                return cur.sql(stats_sql("feat_raw")).pl()
            finally:
                cur.close()

    # ----- the registry's features ---------------------------------------------------

    def registry_load(self, registry_frame: pl.DataFrame, *, version: Any = None) -> None:
        """Compute and keep the features of the whole registry (what every batch links to)."""
        with self._lock:
            registry = _with_match_columns(registry_frame)
            self._con.register("registry_in", registry)
            con = self._con
            con.execute(f"CREATE OR REPLACE TABLE reg_f AS {features_sql('registry_in')}")
            con.unregister("registry_in")
            self._count_registry("reg_f")
            # stats_sql's columns, in place (a second copy of a million rows costs a GB).
            for col in STORED_EXCLUDE:
                con.execute(f"ALTER TABLE reg_f DROP COLUMN {col}")
            con.execute("ALTER TABLE reg_f ADD COLUMN nn BIGINT DEFAULT 0")
            con.execute(
                "UPDATE reg_f SET nn = nf.n FROM name_freq AS nf"
                " WHERE nf.k = reg_f.g_ph_sorted || '|' || reg_f.s_cat_ph"
            )
            self._repin(registry.height)
            self._registry_key = (
                ("version", version)
                if version is not None
                else ("frame", id(registry_frame), registry_frame.height)
            )
            self.registry_version = version
            self._index = self._delta = None
            self._changed = None

    def registry_size(self) -> int:
        with self._lock:
            if self._registry_key is None:
                return 0
            rows = self._con.execute("SELECT count(*) FROM reg_f").fetchall()
            return int(rows[0][0])

    def registry_upsert(
        self, changed_frame: pl.DataFrame, *, version: Any, expected_size: int
    ) -> bool:
        """Fold people added or changed since the registry was loaded into its features.

        False (and nothing reliable kept) when the registry then does not hold
        `expected_size` people: someone was removed, or a change was missed; the caller
        reloads the whole registry.
        """
        with self._lock:
            if self._registry_key is None:
                return False
            con = self._con
            con.register("chg_in", _with_match_columns(changed_frame))
            con.execute(f"CREATE OR REPLACE TEMP TABLE chg_raw AS {features_sql('chg_in')}")
            con.unregister("chg_in")
            con.execute(f"CREATE OR REPLACE TEMP TABLE chg_f AS {stats_sql('chg_raw')}")
            con.execute("DROP TABLE chg_raw")
            con.execute("DELETE FROM reg_f WHERE unique_id IN (SELECT unique_id FROM chg_f)")
            con.execute("INSERT INTO reg_f SELECT * FROM chg_f")
            changed = con.sql(f"SELECT * FROM ({blk_sql('chg_f')})").pl()  # noqa: S608
            con.execute("DROP TABLE chg_f")
            if self.registry_size() != expected_size:
                self._registry_key = None
                self.registry_version = None
                self._index = self._delta = None
                self._changed = None
                return False
            self._registry_key = ("version", version)
            self.registry_version = version
            if self._index is not None and changed.height:
                merged = changed if self._changed is None else pl.concat([self._changed, changed])
                merged = merged.unique(subset="unique_id", keep="last", maintain_order=True)
                if merged.height > max(50_000, self._index.features.height // 5):
                    self._index = self._delta = None  # rebuilt whole on the next online check
                    self._changed = None
                else:
                    self._changed = merged
                    self._stale = frozenset(merged["unique_id"].to_list())
                    self._delta = _OnlineIndex(merged, frequent_pairs=self._frequent_pairs)
            return True

    def registry_save(self, path: Path) -> None:
        """Write the registry's features to a Parquet file (a restarted process reads them)."""
        with self._lock:
            if self._registry_key is None:
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            self._con.execute(f"COPY reg_f TO '{tmp}' (FORMAT parquet)")
            tmp.replace(path)

    def registry_restore(self, path: Path, *, version: Any) -> None:
        """Take the registry's features from a file registry_save wrote for `version`."""
        with self._lock:
            self._con.execute(
                f"CREATE OR REPLACE TABLE reg_f AS SELECT * FROM read_parquet('{path}')"  # noqa: S608
            )
            self._count_registry("reg_f")
            self._repin(self.registry_size_now())
            self._registry_key = ("version", version)
            self.registry_version = version
            self._index = self._delta = None
            self._changed = None

    def _ensure_registry_table(self, registry_frame: pl.DataFrame) -> None:
        key = ("frame", id(registry_frame), registry_frame.height)
        if self._registry_key == key:
            return
        self.registry_load(registry_frame)

    def _count_registry(self, table: str) -> None:
        """Count whole names and token pairs in the registry (name_freq, pair_freq)."""
        self._con.execute(freq_sql(table, PAIR_KEY_CAP))
        rows = self._con.execute("SELECT k FROM pair_freq").fetchall()
        self._frequent_pairs = frozenset(r[0] for r in rows)

    def registry_size_now(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM reg_f").fetchall()[0][0])

    def _repin(self, registry_size: int) -> None:
        """Set the name-frequency weights for the registry now held (they read its size)."""
        self.model = pin_parameters(self.model, registry_size=registry_size)
        self._scorer = _Scorer(self.model)

    def _batch_table(self, incoming: pl.DataFrame) -> None:
        """batch_f: the features of a batch, with the registry's counts and keys."""
        con = self._con
        con.register("batch_in", incoming)
        con.execute(f"CREATE OR REPLACE TABLE batch_raw AS {features_sql('batch_in')}")
        con.unregister("batch_in")
        con.execute(f"CREATE OR REPLACE TABLE batch_f AS {stats_sql('batch_raw')}")
        con.execute("DROP TABLE batch_raw")

    @staticmethod
    def _query_features(record: dict[str, Any], index: _OnlineIndex) -> dict[str, Any]:
        query = features_py({c: record.get(c) for c in MATCH_COLUMNS})
        query.update(
            stats_py(query, frequent_pairs=index.frequent_pairs, name_count=index.name_count(query))
        )
        return query

    def _name_count(self, feat: dict[str, Any]) -> int:
        """How many registry people carry this whole name (0 without a registry)."""
        key = name_key(feat["g_ph_sorted"], feat["s_cat_ph"])
        if key is None:
            return 0
        if self._index is not None:
            return self._index.name_count(feat)
        if self._registry_key is None:
            return 0
        rows = self._con.execute("SELECT n FROM name_freq WHERE k = ?", [key]).fetchall()
        return int(rows[0][0]) if rows else 0

    def explain(self, record_a: dict[str, Any], record_b: dict[str, Any]) -> dict[str, Any]:
        """Why two records score what they score: per comparison, its level and its weight.

        The weights are the model's log2 Bayes factors (a positive weight argues for one
        person, a negative one against, 0 for nothing known); with the prior they add up to
        the match weight, the same as the batch and online paths give the pair.
        """
        from ikaze.people.matching.model import (
            COMPARISON_LABELS,
            MISSING_LABEL,
            NULL_LABELS,
        )

        with self._lock:
            feats = []
            for record in (record_a, record_b):
                feat = features_py({c: record.get(c) for c in MATCH_COLUMNS})
                feat["nn"] = self._name_count(feat)
                feats.append(feat)
        gammas = gammas_py(feats[0], feats[1])
        fields = []
        total = self._scorer.log2_prior_odds
        for comparison, weights, gamma in zip(
            COMPARISONS, self._scorer.weights, gammas, strict=True
        ):
            weight = float(weights[gamma])
            total += weight
            level = (
                NULL_LABELS.get(comparison.name, MISSING_LABEL)
                if gamma == 0
                else comparison.levels[gamma - 1].label
            )
            fields.append(
                {
                    "comparison": comparison.name,
                    "label": COMPARISON_LABELS[comparison.name],
                    "level": level,
                    "weight": round(weight, 2),
                }
            )
        return {
            "prior_weight": round(self._scorer.log2_prior_odds, 2),
            "match_weight": round(total, 2),
            "probability": float(probability_from_weight(np.array([total]))[0]),
            "fields": fields,
        }

    def candidate_pairs(self, incoming_frame: pl.DataFrame) -> int:
        """How many (incoming, registry) pairs the blocking rules let through, before scoring."""
        incoming = _with_match_columns(incoming_frame)
        with self._lock:
            if self._registry_key is None:
                raise RuntimeError("registry_load() must run before candidate_pairs()")
            self._batch_table(incoming)
            blocked = " UNION ALL ".join(
                f"SELECT l.rowid AS li, r.rowid AS ri {rule.from_sql('batch_f', 'reg_f')}"
                for rule in BLOCKING_RULES
            )
            rows = self._con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT li, ri FROM ({blocked}))"  # noqa: S608
            ).fetchall()
            self._con.execute("DROP TABLE IF EXISTS batch_f")
        return int(rows[0][0])

    # ----- batch -------------------------------------------------------------------------

    def link_batch(
        self,
        incoming_frame: pl.DataFrame,
        registry_frame: pl.DataFrame | None = None,
        threshold: float = 0.9,
    ) -> pl.DataFrame:
        """Score the batch against the registry and within itself; pairs at or above threshold.

        Without `registry_frame`, against the registry features the matcher already holds.
        The pairs are Splink's (same blocking rules, same level SQL, same trained weights:
        tests compare them with Splink's predict), scored in one DuckDB query over the kept
        features, without Splink's per-call set-up and table copies. Blocked pairs whose
        date of birth, sex, nationality and document alone rule out the threshold are
        dropped before any name is compared (an upper bound of the weight: nothing lost).
        """
        incoming = _with_match_columns(incoming_frame)
        if incoming.height == 0:
            return pl.DataFrame(schema=PAIR_SCHEMA)
        with self._lock:
            con = self._con
            if registry_frame is not None:
                self._ensure_registry_table(registry_frame)
            elif self._registry_key is None:
                raise RuntimeError("registry_load() must run before link_batch()")
            self._batch_table(incoming)
            try:
                carry = self._carry_names(incoming.height, threshold)
                frames = [
                    con.sql(
                        self._pairs_sql(
                            "batch_f", "reg_f", within=False, threshold=threshold, carry=carry
                        )
                    ).pl(),
                    con.sql(
                        self._pairs_sql("batch_f", "batch_f", within=True, threshold=threshold)
                    ).pl(),
                ]
            finally:
                con.execute("DROP TABLE IF EXISTS batch_f")
        pairs = pl.concat(frames).cast(PAIR_SCHEMA)
        return pairs.sort(["probability", "left_id", "right_id"], descending=[True, False, False])

    def _carry_names(self, rows: int, threshold: float) -> bool:
        """Whether the joins should carry the names' columns (see _pairs_sql).

        Worth it when the date-and-document bound leaves many pairs (a high prior: 5 million
        of 13.7 million at a million people on bench match); otherwise the few it leaves are
        cheaper to join back. Estimated on a sample of the batch.
        """
        if rows < NARROW_SAMPLE * 4 or not 0 < threshold < 1:
            return True
        floor = math.log2(threshold / (1 - threshold))
        cheap = [c for c in COMPARISONS if c.name in PRUNE_COMPARISONS]
        cols = list(dict.fromkeys(col for c in cheap for col in c.bound_columns))
        carried = "".join(f", l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)
        self._con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_sample AS SELECT * FROM batch_f"  # noqa: S608 - our SQL
            f" USING SAMPLE reservoir({NARROW_SAMPLE} ROWS) REPEATABLE (7)"
        )
        blocked = " UNION ALL ".join(
            f"SELECT r.rowid AS ri{carried} {rule.from_sql('batch_sample', 'reg_f')}"
            for rule in BLOCKING_RULES
        )
        bound = self._scorer.bound_sql(frozenset(c.name for c in cheap))
        count = self._con.execute(
            f"SELECT count(*) FROM ({blocked}) WHERE {bound} >= {_sql_float(floor - 1e-9)}"  # noqa: S608
        ).fetchall()[0][0]
        self._con.execute("DROP TABLE batch_sample")
        return int(count) * rows / NARROW_SAMPLE > NARROW_MAX_PAIRS

    def _pairs_sql(
        self, left: str, right: str, *, within: bool, threshold: float, carry: bool = True
    ) -> str:
        # The pairs Splink would score: each blocking rule an equality join, each pair once
        # (DISTINCT instead of Splink's "and no earlier rule" predicates); within a batch
        # each pair once, the lower id on the left.
        # probability >= threshold exactly when the weight is at least log2 of its odds.
        if threshold <= 0:
            floor = None
        elif threshold >= 1:
            floor = math.inf
        else:
            floor = math.log2(threshold / (1 - threshold))
        # The joins carry the row ids and what bounds the weight: the pairs whose best
        # possible weight falls short go before any string distance is computed. First a
        # bound from the short columns (date, sex, nationality, document), then one with
        # the names' equality levels as well. With carry=False the joins carry the short
        # columns only and the names' are joined back for the pairs the first bound leaves
        # (cheaper when it leaves few).
        cheap = frozenset(c.name for c in COMPARISONS if c.name in PRUNE_COMPARISONS)
        everything = frozenset(c.name for c in COMPARISONS)
        all_cols = list(dict.fromkeys(col for c in COMPARISONS for col in c.bound_columns))
        cheap_cols = list(
            dict.fromkeys(col for c in COMPARISONS if c.name in cheap for col in c.bound_columns)
        )
        carried_cols = [] if floor is None else all_cols if carry else cheap_cols
        carried = "".join(f", l.{c} AS {c}_l, r.{c} AS {c}_r" for c in carried_cols)
        order = " AND l.unique_id < r.unique_id" if within else ""
        blocked = " UNION ALL ".join(
            f"SELECT l.rowid AS li, r.rowid AS ri{carried} {rule.from_sql(left, right)}{order}"
            for rule in BLOCKING_RULES
        )
        if floor is None:
            kept = f"SELECT DISTINCT li, ri FROM ({blocked})"  # noqa: S608
        else:
            # A hair below the floor: the bound adds its terms in another order than the weight.
            low = _sql_float(floor - 1e-9)
            first = f"{self._scorer.bound_sql(cheap)} >= {low}"
            second = f"{self._scorer.bound_sql(everything)} >= {low}"
            if carry:
                kept = f"SELECT DISTINCT li, ri FROM ({blocked}) WHERE {first} AND {second}"  # noqa: S608
            else:
                joined = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in all_cols)
                kept = (
                    f"SELECT li, ri FROM (SELECT f.li, f.ri, {joined}"  # noqa: S608
                    f" FROM (SELECT DISTINCT li, ri FROM ({blocked}) WHERE {first}) AS f"
                    f" JOIN {left} AS l ON l.rowid = f.li JOIN {right} AS r ON r.rowid = f.ri)"
                    f" WHERE {second}"
                )
        projection = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in ROW_COLUMNS)
        keep = "TRUE" if floor is None else f"match_weight >= {_sql_float(floor)}"
        return f"""
        WITH kept AS MATERIALIZED ({kept}),
        scored AS MATERIALIZED (
            SELECT unique_id_l AS left_id, unique_id_r AS right_id,
                   {self._scorer.weight_sql()} AS match_weight
            FROM (
                SELECT {projection} FROM kept
                JOIN {left} AS l ON l.rowid = kept.li JOIN {right} AS r ON r.rowid = kept.ri
            )
        )
        SELECT CAST(left_id AS VARCHAR) AS left_id, CAST(right_id AS VARCHAR) AS right_id,
               CAST(1.0 / (1.0 + pow(2.0, -match_weight)) AS DOUBLE) AS probability,
               CAST(match_weight AS DOUBLE) AS match_weight, {str(within).upper()} AS within_batch
        FROM scored WHERE {keep}
        """  # noqa: S608 - table names and SQL are ours

    def link_batch_splink(
        self, incoming_frame: pl.DataFrame, registry_frame: pl.DataFrame, threshold: float = 0.9
    ) -> pl.DataFrame:
        """The same as link_batch through Splink's own predict (the reference the tests hold)."""
        from splink import DuckDBAPI, Linker

        incoming = _with_match_columns(incoming_frame)
        with self._lock:
            con = self._con
            self._ensure_registry_table(registry_frame)
            self._batch_table(incoming)
            # Splink explodes a stored list: materialise the blocking keys for it.
            con.execute(f"CREATE OR REPLACE TABLE batch_fb AS {blk_sql('batch_f')}")
            con.execute(f"CREATE OR REPLACE TABLE reg_fb AS {blk_sql('reg_f')}")
            db_api = DuckDBAPI(connection=con)
            left = db_api.register("batch_fb", table_name="incoming")
            right = db_api.register("reg_fb", table_name="registry")
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
            con.execute("DROP TABLE IF EXISTS batch_fb")
            con.execute("DROP TABLE IF EXISTS reg_fb")
        pairs = pl.concat(frames).cast(PAIR_SCHEMA)
        return pairs.sort(["probability", "left_id", "right_id"], descending=[True, False, False])

    # ----- online ------------------------------------------------------------------------

    def index_registry(self, registry_frame: pl.DataFrame | None = None) -> None:
        """Build the online index over the registry (once per process, or after it changes).

        Without a frame, over the registry features the matcher already holds.
        """
        with self._lock:
            if registry_frame is not None:
                self._ensure_registry_table(registry_frame)
            elif self._registry_key is None:
                raise RuntimeError("registry_load() must run before index_registry()")
            columns = ", ".join([*ROW_COLUMNS, "blk"])
            features = self._con.sql(f"SELECT {columns} FROM ({blk_sql('reg_f')})").pl()  # noqa: S608
            self._index = _OnlineIndex(features, frequent_pairs=self._frequent_pairs)
            self._delta = None
            self._changed = None

    @property
    def indexed(self) -> bool:
        return self._index is not None

    def match_one(self, record: dict[str, Any], top: int = 5) -> list[tuple[str, float]]:
        """The registry people most likely to be this record, best first (id, probability)."""
        scored = self.score_one(record)
        return [(r["right_id"], r["probability"]) for r in scored.head(top).iter_rows(named=True)]

    def score_one(self, record: dict[str, Any]) -> pl.DataFrame:
        """Every candidate for one record with its weight and probability, best first."""
        with self._lock:
            index, delta, changed = self._index, self._delta, self._changed
        if index is None:
            raise RuntimeError("index_registry() must run before match_one()")
        query = self._query_features(record, index)
        cands: list[dict[str, Any]] = []
        rows = index.candidates(query)
        if rows.size:
            cands = index.features[rows].to_dicts()
        if delta is not None and changed is not None:
            cands = [c for c in cands if c["unique_id"] not in self._stale]
            rows = delta.candidates(query)
            if rows.size:
                cands += delta.features[rows].to_dicts()
        if not cands:
            return pl.DataFrame(schema=SCORE_SCHEMA)
        query["nn"] = max(query["nn"], 0)
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
