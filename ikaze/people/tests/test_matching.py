"""The identity-resolution engine: normalisation, blocking, batch and online matching."""

from __future__ import annotations

import math
import random
import re

import duckdb
import polars as pl
import pytest

from bench import _names_es as names
from ikaze.people.matching import MATCH_COLUMNS, PAIR_SCHEMA, Matcher
from ikaze.people.matching.engine import PRUNE_COMPARISONS, ROW_COLUMNS, model_fingerprint
from ikaze.people.matching.features import (
    FEATURE_COLUMNS,
    features_py,
    features_sql,
    install_macros,
    phonetic_key,
    stats_py,
    stats_sql,
)
from ikaze.people.matching.model import (
    BLOCKING_RULES,
    COMPARISONS,
    TRAINING_RULES,
    _dl_guard,
    gammas_py,
    one_edit,
)


def person(uid: str, given: str | None, s1: str | None, s2: str | None, dob: str | None, **kw):
    rec = dict.fromkeys(MATCH_COLUMNS)
    rec.update(
        unique_id=uid, given_names=given, first_surname=s1, second_surname=s2, date_of_birth=dob
    )
    rec.update(kw)
    return rec


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jiménez", "Giménez"),
        ("Jiménez", "Ximénez"),
        ("Vallejo", "Bayejo"),
        ("Hernández", "Ernandez"),
        ("Quispe", "Kispe"),
        ("Xavier", "Javier"),
        ("Zoila", "Soila"),
        ("Cecilia", "Sesilia"),
        ("Chávez", "CHAVES"),
        ("Guillermo", "Guiyermo"),
        ("Eloy", "Eloi"),
        ("Yépez", "Llepes"),
        ("Ibáñez", "IBANES"),
        ("Barrios", "Varrios"),
        ("Mejía", "Mexia"),
        ("Quiñónez", "Kiñones"),
    ],
)
def test_phonetic_variants_share_a_key(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("García", "Garza"), ("Mario", "María"), ("Miguel", "Manuel"), ("Rosa", "Rojas")],
)
def test_different_names_keep_different_keys(a, b):
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            person("1", "María José", "de la Cruz", "Pérez", "1990-03-04"),
            {"g_all": "MARIA JOSE", "s1": "CRUZ", "s2": "PEREZ", "g_ph_sorted": "JOSE MARIA"},
        ),
        (
            person("2", "josé luis", "Ponce de León", None, None),
            {"g_all": "JOSE LUIS", "s1": "PONCELEON", "s2": None, "dob_str": None},
        ),
        (
            person("3", None, None, None, "1985-01-01", full_name="Juan Carlos del Valle Ortega"),
            {"g_all": "JUAN CARLOS", "s1": "VALLE", "s2": "ORTEGA", "dob_md": "0101"},
        ),
        (
            person("4", None, None, None, "1985-02-30", full_name="Rosa Quispe"),
            {"g_all": "ROSA", "s1": "QUISPE", "s2": None, "dob_str": None},
        ),
        (
            person("5", "Ana", "Núñez-Paz", "", "2001-12-05", nationality="hnd", sex="female"),
            {"s1": "NUNEZPAZ", "s2": None, "nat": None, "sex": "F", "dob_dm": "0512"},
        ),
        (
            person("6", "Luis", "Ríos", None, None, document_number=" a-123 45 ", nationality="sv"),
            {"doc": "A12345", "nat": "SV", "s_cat": "RIOS", "all_ph_sorted": "LUIS RIOS"},
        ),
    ],
)
def test_features_normalise_spanish_names(record, expected):
    feats = features_py(record)
    assert {k: feats[k] for k in expected} == expected


def _sql_features(frame: pl.DataFrame) -> list[dict]:
    con = duckdb.connect()
    install_macros(con)
    con.register("src", frame.select(MATCH_COLUMNS))
    rows = con.sql(features_sql("src")).pl().to_dicts()
    con.close()
    return rows


def test_python_features_equal_sql_features():
    # The online path computes features in Python, the batch path in SQL: they must agree.
    _, incoming = names.labelled_set(400, seed=11)
    sql_rows = _sql_features(incoming)
    for sql_row, rec in zip(sql_rows, incoming.to_dicts(), strict=True):
        assert features_py(rec) == {c: sql_row[c] for c in FEATURE_COLUMNS}, rec


def test_one_edit_agrees_with_duckdb():
    rng = random.Random(5)
    con = duckdb.connect()
    for _ in range(400):
        a = "".join(rng.choice("ABCD") for _ in range(rng.randint(0, 5)))
        b = "".join(rng.choice("ABCD") for _ in range(rng.randint(0, 5)))
        dl = con.execute("SELECT damerau_levenshtein(?, ?) <= 1", [a, b]).fetchall()[0][0]
        assert one_edit(a, b) == dl, (a, b)


def _one_edit_of(a: str, rng: random.Random) -> str:
    i = rng.randint(0, len(a))
    kind = rng.randrange(4)
    if kind == 0:
        return a[:i] + rng.choice("ABCD") + a[i:]
    if kind == 1 and i < len(a):
        return a[:i] + a[i + 1 :]
    if kind == 2 and i < len(a):
        return a[:i] + rng.choice("ABCD") + a[i + 1 :]
    if i + 1 < len(a):
        return a[:i] + a[i + 1] + a[i] + a[i + 2 :]
    return a


def test_dl_guard_holds_for_every_pair_within_one_edit():
    # The batch path drops pairs failing a guard before computing the distance: a guard
    # false for a pair one edit apart would lose that pair.
    rng = random.Random(8)
    con = duckdb.connect()
    guard = _dl_guard("x")
    pairs = []
    for _ in range(3000):
        a = "".join(rng.choice("ABCD") for _ in range(rng.randint(0, 12)))
        b = _one_edit_of(a, rng) if rng.random() < 0.7 else a[::-1]
        pairs.append((a, b))
    rows = con.execute(
        f"SELECT damerau_levenshtein(x_l, x_r) <= 1, {guard}"  # noqa: S608 - our SQL
        " FROM (SELECT unnest(?) AS x_l, unnest(?) AS x_r)",
        [[a for a, _ in pairs], [b for _, b in pairs]],
    ).fetchall()
    assert sum(near for near, _ in rows) > 1500
    assert all(ok for near, ok in rows if near)
    assert not all(ok for _, ok in rows)  # it does drop some


def test_names_swapped_and_misspelt_are_recognised_once():
    original = features_py(person("r", "María José", "García", "Pérez", "1990-03-04"))
    swapped = features_py(person("a", "Garsia Perez", "MARIAJOSE", None, "1990-03-04"))
    misspelt = features_py(person("b", "Garcia Peres", "Mria José", None, None))
    labels = [lv.label for lv in COMPARISONS[0].levels]
    for copy in (swapped, misspelt):
        given, surnames = gammas_py(copy, original)[:2]
        assert labels[given - 1] == "swapped with the surnames, spelt alike"
        # The surnames are where the given names were: both comparisons see the swap.
        assert COMPARISONS[1].levels[surnames - 1].label.startswith("swapped with the given names")
    stranger = features_py(person("c", "Garcia Peres", "Marta", None, None))
    assert labels[gammas_py(stranger, original)[0] - 1] != "swapped with the surnames, spelt alike"


def test_training_rules_read_only_compared_columns():
    # Splink fixes, in an EM session, the comparisons whose columns the rule reads; a column
    # no comparison reads would let a session estimate m from pairs already alike there.
    compared = {col for c in COMPARISONS for col in c.columns}
    for rule in TRAINING_RULES:
        read = set(re.findall(r"\b[lr]\.([a-z0-9_]+)", rule))
        assert read and read <= compared, rule


def blocking_keys(
    record: dict, frequent: frozenset[str] = frozenset()
) -> dict[tuple[str, ...], set]:
    """Per blocking rule, the keys a record is joined on (stats_py's keys for an exploded rule)."""
    feat = features_py(record)
    feat.update(stats_py(feat, frequent_pairs=frequent, name_count=0))
    out = {}
    for rule in BLOCKING_RULES:
        if rule.explode:
            out[rule.left] = set(feat[rule.left[0]] or [])
        else:
            values = tuple(feat[c] for c in rule.left)
            out[rule.left] = set() if None in values else {values}
    return out


def shares_a_block(a: dict, b: dict, frequent: frozenset[str] = frozenset()) -> bool:
    ka, kb = blocking_keys(a, frequent), blocking_keys(b, frequent)
    return any(ka[rule] & kb[rule] for rule in ka)


def test_blocking_keys_catch_swapped_and_merged_surnames():
    original = person("r", "María José", "García", "Pérez", "1990-03-04")
    copies = [
        person("a", "MARIA JOSE", "PEREZ", "GARCIA", None),  # swapped, DOB missing
        person("b", "María", "GarcíaPérez", None, "1991-03-04"),  # merged, year off
        person("c", None, None, None, None, full_name="García Pérez María José"),  # order swap
    ]
    for copy in copies:
        assert shares_a_block(copy, original), copy["unique_id"]


def test_blocking_does_not_depend_on_the_field_a_name_sits_in():
    # Issue 12 item 1: the compound given name in the surname fields and both surnames in the
    # given-name field, no date on one side: the old field-by-field rules never joined it.
    original = person("r", "María José", "García", "Pérez", "1990-03-04", sex="F")
    swapped = person("a", "García Pérez", "María", "José", None, sex="F")
    assert shares_a_block(swapped, original)
    # With a typo in two of the four names too: a pair of names is still shared.
    swapped_typos = person("b", "Garcia Peres", "Maira", "Jose", "1990-03-04")
    assert shares_a_block(swapped_typos, original)
    two_errors = person("c", "Mraia José", "García", "Péerz", None)
    assert shares_a_block(two_errors, original)
    # Three names with two errors: the one left and the date of birth.
    short = person("r2", "Rosa", "Quispe", "Mamani", "2001-05-06")
    assert shares_a_block(person("d", "Rosa", "Qispe", "Mamni", "2001-05-06"), short)
    # Unrelated people share nothing.
    assert not shares_a_block(person("e", "Pedro", "Sánchez", "Ríos", "1970-05-05"), original)


def test_a_common_pair_of_names_blocks_within_the_birth_year_only():
    a = person("a", "José", "García", None, "1980-01-02")
    b = person("b", "José", "García", None, "1991-07-08")
    frequent = frozenset({"GARSIA+JOSE"})
    assert "GARSIA+JOSE" in blocking_keys(a)[("blk",)]
    assert "GARSIA+JOSE|1980" in blocking_keys(a, frequent)[("blk",)]
    # Same name bag: still joined (all_ph_sorted), but not through the capped pair key.
    keys_a, keys_b = blocking_keys(a, frequent), blocking_keys(b, frequent)
    assert not keys_a[("blk",)] & keys_b[("blk",)]


REGISTRY = pl.DataFrame(
    [
        person("r1", "María José", "García", "Pérez", "1990-03-04", sex="F", nationality="SV"),
        person("r2", "María Fernanda", "García", "Pérez", "1990-03-04", sex="F", nationality="SV"),
        person(
            "r3", "Juan Carlos", "Hernández", "Vallejo", "1985-11-20", sex="M", document_number="X9"
        ),
        person("r4", "Juan Carlos", "Hernández", "Vallejo", "1962-07-14", sex="M"),
        person("r5", "Rosa", "Quispe", "Mamani", "2001-01-01", sex="F", nationality="PE"),
    ],
    schema=dict.fromkeys(MATCH_COLUMNS, pl.String),
)
INCOMING = pl.DataFrame(
    [
        person("i1", "MARIA JOSE", "GARCIA", None, "1990-04-03", sex="F", nationality="SV"),
        person("i2", None, None, None, "1985-11-20", full_name="Juan Carlos Ernandez Bayejo"),
        person("i3", "Rosa", "Kispe", "Mamani", "2001-01-01", nationality="PE"),
        person(
            "i4", None, None, None, "2001-01-01", full_name="ROSA QUISPE MAMANI", nationality="PE"
        ),
        person("i5", "Pedro", "Sánchez", "Ríos", "1970-05-05", sex="M"),
    ],
    schema=dict.fromkeys(MATCH_COLUMNS, pl.String),
)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    m = Matcher.load_or_train(REGISTRY, model_dir=tmp_path_factory.mktemp("model"))
    m.index_registry(REGISTRY)
    return m


def test_link_batch_finds_duplicates_and_not_the_twin(matcher):
    pairs = matcher.link_batch(INCOMING, REGISTRY, threshold=0.9)
    found = {(a, b) for a, b in pairs.select("left_id", "right_id").iter_rows()}
    assert ("i1", "r1") in found
    assert ("i1", "r2") not in found  # her twin sister: same surnames, same birthday
    assert ("i2", "r3") in found
    assert ("i2", "r4") not in found  # a namesake born 23 years earlier
    assert ("i3", "r5") in found
    assert ("i3", "i4") in found or ("i4", "i3") in found  # within the batch
    assert ("i4", "r5") in found
    assert not any(a == "i5" or b == "i5" for a, b in found)
    within = {
        (a, b) for a, b, w in pairs.select("left_id", "right_id", "within_batch").iter_rows() if w
    }
    assert within == {("i3", "i4")} or within == {("i4", "i3")}


def test_match_one_puts_the_right_person_first(matcher):
    hits = matcher.match_one(INCOMING.row(1, named=True), top=3)
    assert hits[0][0] == "r3"
    assert hits[0][1] > 0.9
    assert [p for _, p in hits] == sorted((p for _, p in hits), reverse=True)
    assert matcher.match_one(INCOMING.row(4, named=True)) == []


def test_online_and_batch_give_the_same_weights(matcher):
    pairs = matcher.link_batch(INCOMING, REGISTRY, threshold=0.0).filter(~pl.col("within_batch"))
    assert pairs.height > 0
    for rec in INCOMING.to_dicts():
        online = dict(matcher.score_one(rec).select("right_id", "match_weight").iter_rows())
        for right, weight in (
            pairs.filter(pl.col("left_id") == rec["unique_id"])
            .select("right_id", "match_weight")
            .iter_rows()
        ):
            assert online[right] == pytest.approx(weight, abs=1e-9)


def test_gammas_cover_every_comparison():
    a = features_py(person("a", "Ana", "Paz", None, "2000-02-03")) | {"nn": 1}
    # given, surnames, dob exact; sex, nationality, document missing; a name nobody else
    # carries; the family check finds the given names alike.
    assert gammas_py(a, a) == [1, 1, 1, 0, 0, 0, 1, 3]
    assert len(COMPARISONS) == 8


def test_model_is_cached_and_reloaded(tmp_path):
    first = Matcher.load_or_train(REGISTRY, model_dir=tmp_path)
    assert first.train_seconds is not None
    assert first.path == tmp_path / f"model-{model_fingerprint()}.json"
    assert first.path.is_file()
    again = Matcher.load_or_train(REGISTRY, model_dir=tmp_path)
    assert again.train_seconds is None  # loaded, not trained
    assert again.model == first.model
    retrained = Matcher.load_or_train(REGISTRY, model_dir=tmp_path, retrain=True)
    assert retrained.train_seconds is not None


def test_never_merges_only_returns_pairs(matcher):
    registry_before = REGISTRY.clone()
    incoming_before = INCOMING.clone()
    pairs = matcher.link_batch(INCOMING, REGISTRY, threshold=0.5)
    assert dict(pairs.schema) == PAIR_SCHEMA
    assert REGISTRY.equals(registry_before)
    assert INCOMING.equals(incoming_before)
    assert not [m for m in dir(matcher) if m.startswith(("merge", "link_records", "save"))]


def test_empty_batch_gives_no_pairs(matcher):
    empty = pl.DataFrame(schema=dict.fromkeys(MATCH_COLUMNS, pl.String))
    assert matcher.link_batch(empty, REGISTRY).height == 0


def test_link_batch_equals_splinks_predict(tmp_path):
    # link_batch scores in its own DuckDB query; Splink's predict is the reference: the same
    # pairs with the same weights, on a generated set with hard duplicates and namesakes.
    registry, incoming = names.labelled_set(600, seed=13)
    registry = registry.select(MATCH_COLUMNS)
    incoming = incoming.select(MATCH_COLUMNS)
    m = Matcher.load_or_train(registry, model_dir=tmp_path)
    ours = m.link_batch(incoming, registry, threshold=0.01)
    theirs = m.link_batch_splink(incoming, registry, threshold=0.01)
    assert ours.height > 100
    key = ["within_batch", "left_id", "right_id"]
    ours, theirs = ours.sort(key), theirs.sort(key)
    assert ours.select(key).equals(theirs.select(key))
    for a, b in zip(ours["match_weight"], theirs["match_weight"], strict=True):
        assert a == pytest.approx(b, abs=1e-9)


def test_weight_bound_is_never_below_the_weight(tmp_path):
    # link_batch drops a pair when a bound (from its cheap comparisons, then from the names'
    # equality levels too) is below the threshold: on every pair of a generated set, each
    # bound must be at least the weight.
    registry, incoming = names.labelled_set(300, seed=17)
    m = Matcher.load_or_train(registry.select(MATCH_COLUMNS), model_dir=tmp_path)
    m.registry_load(registry.select(MATCH_COLUMNS))
    con = m._con
    con.register("inc", incoming.select(MATCH_COLUMNS))
    con.execute(f"CREATE TABLE inc_raw AS {features_sql('inc')}")
    con.execute(f"CREATE TABLE inc_f AS {stats_sql('inc_raw')}")
    projection = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in ROW_COLUMNS)
    cheap = m._scorer.bound_sql(PRUNE_COMPARISONS)
    full = m._scorer.bound_sql(frozenset(c.name for c in COMPARISONS))
    rows = con.execute(
        f"SELECT {cheap}, {full}, {m._scorer.weight_sql()} FROM"  # noqa: S608 - our SQL
        f" (SELECT {projection} FROM inc_f AS l, reg_f AS r)"
    ).fetchall()
    assert len(rows) > 20_000
    assert all(b >= w - 1e-9 and n >= w - 1e-9 for b, n, w in rows)
    floor = math.log2(0.9 / 0.1)
    assert sum(b < floor for b, _, _ in rows) > 0.75 * len(rows)  # it prunes
    assert sum(n < floor for _, n, _ in rows) > 0.99 * len(rows)  # the names prune more


def test_link_batch_prunes_nothing_it_should_keep():
    # Unpruned (threshold 0), then filtered: the same pairs as the pruned query.
    registry, incoming = names.labelled_set(600, seed=13)
    m = Matcher.untrained()
    everything = m.link_batch(incoming.select(MATCH_COLUMNS), registry.select(MATCH_COLUMNS), 0)
    kept = m.link_batch(incoming.select(MATCH_COLUMNS), registry.select(MATCH_COLUMNS), 0.9)
    expected = everything.filter(pl.col("probability") >= 0.9)
    assert kept.height > 50
    assert kept.equals(expected)


def test_link_batch_joins_names_back_or_carries_them_alike(monkeypatch):
    # Large batches whose first bound leaves few pairs join the names' columns back instead
    # of carrying them through the joins: the same pairs either way.
    registry, incoming = names.labelled_set(600, seed=13)
    m = Matcher.untrained()
    args = (incoming.select(MATCH_COLUMNS), registry.select(MATCH_COLUMNS), 0.9)
    monkeypatch.setattr(Matcher, "_carry_names", lambda self, rows, threshold: True)
    carried = m.link_batch(*args)
    monkeypatch.setattr(Matcher, "_carry_names", lambda self, rows, threshold: False)
    joined = m.link_batch(*args)
    assert carried.height > 50
    assert joined.equals(carried)


def test_carry_names_follows_what_the_first_bound_leaves(tmp_path):
    registry, incoming = names.labelled_set(3000, seed=5)
    m = Matcher.untrained()
    m.registry_load(registry.select(MATCH_COLUMNS))
    m._batch_table(incoming.select(MATCH_COLUMNS))
    assert m._carry_names(5_000, 0.9) is False  # the priors' tiny prior: few pairs left
    m._scorer.log2_prior_odds += 30  # a prior that lets the names decide almost everything
    assert m._carry_names(5_000_000, 0.9) is True
    assert m._carry_names(100, 0.9) is True  # small batches: no sampling


def test_registry_upsert_adds_people_to_batch_and_online(tmp_path):
    m = Matcher.load_or_train(REGISTRY, model_dir=tmp_path)
    m.registry_load(REGISTRY.filter(pl.col("unique_id") != "r5"), version=1)
    m.index_registry()
    assert m.link_batch(INCOMING.filter(pl.col("unique_id") == "i3")).height == 0
    assert m.registry_upsert(
        REGISTRY.filter(pl.col("unique_id") == "r5"), version=2, expected_size=5
    )
    assert m.registry_version == 2
    pairs = m.link_batch(INCOMING.filter(pl.col("unique_id") == "i3"))
    assert pairs.select("left_id", "right_id").rows() == [("i3", "r5")]
    assert m.match_one(INCOMING.row(2, named=True))[0][0] == "r5"
    # A changed person replaces its old features; a count that disagrees asks for a reload.
    moved = REGISTRY.filter(pl.col("unique_id") == "r5").with_columns(
        pl.lit("1950-06-06").alias("date_of_birth"), pl.lit("Zoe").alias("given_names")
    )
    assert m.registry_upsert(moved, version=3, expected_size=5)
    assert m.match_one(INCOMING.row(2, named=True)) == [] or (
        m.match_one(INCOMING.row(2, named=True))[0][1] < 0.9
    )
    assert not m.registry_upsert(moved, version=4, expected_size=6)
    assert m.registry_version is None


# ----- issue 12: surnames, name frequency, twins, explanations -----------------------------


def surname_level(a: dict, b: dict) -> str:
    fa, fb = features_py(a), features_py(b)
    return COMPARISONS[1].levels[gammas_py(fa | {"nn": 0}, fb | {"nn": 0})[1] - 1].label


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        (("García", "Pérez"), ("Garcia", "Peres"), "phonetic"),
        (("García", "Pérez"), ("Gracía", "Pérex"), "each surname within one edit"),
        (("Martínez", "Hernández"), ("Martínze", "Hernádez"), "each surname within one edit"),
        (("García", "Pérez"), ("Garcya", None), "first within one edit, second missing"),
        (("Nava", "de la Torre"), ("Nava", "de laTorre"), "exact"),
        (("Nava", "de la Torre"), ("Nava", "delaTorre"), "exact"),
        (("García", "Pérez"), ("GarcíaPérez", None), "exact"),
        (("García", "Pérez"), ("García-Pérez", None), "exact"),
        (("García", "Pérez"), ("Pérez", "García"), "swapped"),
        (("García", "Pérez"), ("López", "Ruiz"), "different"),
    ],
)
def test_surnames_tolerate_an_edit_in_each_and_lost_particle_spaces(left, right, level):
    a = person("a", "Ana", left[0], left[1], None)
    b = person("b", "Ana", right[0], right[1], None)
    assert surname_level(a, b) == level


@pytest.fixture(scope="module")
def big_registry():
    """20,000 generated people, plus a rare name carried once and a name carried twice."""
    background = names.registry_frame(20_000, seed=3).select(MATCH_COLUMNS)
    extra = pl.DataFrame(
        [
            person("u1", "Wendolyn", "Xicará", "Irigoyen", "1988-02-14", sex="F", nationality="GT"),
            person("n1", "Leandro", "Quiroga", "Bermúdez", "1975-09-30", sex="M", nationality="HN"),
            person("n2", "Leandro", "Quiroga", "Bermúdez", "1991-03-12", sex="M", nationality="HN"),
            person("t1", "Rosa Elena", "Zúñiga", "Obando", "2001-06-17", sex="F", nationality="SV"),
        ],
        schema=dict.fromkeys(MATCH_COLUMNS, pl.String),
    )
    return pl.concat([background, extra])


def test_an_exact_name_without_a_date_links_only_when_no_one_else_carries_it(big_registry):
    # Issue 12 item 2: name, sex and nationality agree, no date of birth on one side.
    m = Matcher.untrained()
    incoming = pl.DataFrame(
        [
            person("i1", "Wendolyn", "Xicará", "Irigoyen", None, sex="F", nationality="GT"),
            person("i2", "Leandro", "Quiroga", "Bermúdez", None, sex="M", nationality="HN"),
        ],
        schema=dict.fromkeys(MATCH_COLUMNS, pl.String),
    )
    pairs = m.link_batch(incoming, big_registry, threshold=0.9)
    found = {(a, b) for a, b in pairs.select("left_id", "right_id").iter_rows()}
    assert found == {("i1", "u1")}  # the namesakes n1 and n2: which one? Neither is proposed
    scores = dict(
        m.link_batch(incoming, big_registry, threshold=0.0)
        .select(pl.concat_str("left_id", "right_id"), "probability")
        .iter_rows()
    )
    assert scores["i1u1"] > 0.9
    assert scores["i2n1"] == pytest.approx(scores["i2n2"])
    assert scores["i2n1"] < 0.9


def test_a_twin_with_another_given_name_is_not_matched(big_registry):
    # Issue 12 item 2: same surnames, same date of birth, another given name.
    m = Matcher.untrained()
    twin = person("i1", "Karla", "Zúñiga", "Obando", "2001-06-17", sex="F", nationality="SV")
    sister = person("i2", "Rosa Karla", "Zúñiga", "Obando", "2001-06-17", sex="F", nationality="SV")
    herself = person("i3", "ROSA ELENA", "ZUNIGA", "OBANDO", "2001-06-17", sex="F")
    incoming = pl.DataFrame([twin, sister, herself], schema=dict.fromkeys(MATCH_COLUMNS, pl.String))
    scores = dict(
        m.link_batch(incoming, big_registry, threshold=0.0)
        .filter(pl.col("right_id") == "t1")
        .select("left_id", "probability")
        .iter_rows()
    )
    assert scores["i1"] < 0.05
    assert scores["i2"] < 0.5
    assert scores["i3"] > 0.99


def test_namesakes_born_on_another_date_are_not_matched(big_registry):
    m = Matcher.untrained()
    namesake = person(
        "i1", "Wendolyn", "Xicará", "Irigoyen", "1979-11-02", sex="F", nationality="GT"
    )
    incoming = pl.DataFrame([namesake], schema=dict.fromkeys(MATCH_COLUMNS, pl.String))
    assert m.link_batch(incoming, big_registry, threshold=0.9).height == 0


def test_explain_gives_each_comparisons_level_and_weight(big_registry):
    m = Matcher.untrained()
    m.registry_load(big_registry)
    rec = big_registry.filter(pl.col("unique_id") == "u1").row(0, named=True)
    no_date = {**rec, "unique_id": "i1", "date_of_birth": None}
    out = m.explain(no_date, rec)
    fields = {f["comparison"]: (f["level"], f["weight"]) for f in out["fields"]}
    assert fields["dob"] == ("missing on one side", 0.0)
    assert fields["given"][0] == "exact" and fields["given"][1] > 5
    assert fields["surnames"][0] == "exact" and fields["surnames"][1] > 5
    assert fields["name frequency"][0] == "whole name carried by no one else in the registry"
    assert fields["family"] == ("does not apply", 0.0)
    assert out["match_weight"] == pytest.approx(
        out["prior_weight"] + sum(f["weight"] for f in out["fields"]), abs=0.05
    )
    # The same weight the batch path gives the pair.
    pairs = m.link_batch(
        pl.DataFrame([no_date], schema=dict.fromkeys(MATCH_COLUMNS, pl.String)), threshold=0.0
    )
    batch = pairs.filter(pl.col("right_id") == "u1")["match_weight"][0]
    assert out["match_weight"] == pytest.approx(batch, abs=0.01)
    # Twins: the family check is what keeps them apart.
    twin = {**rec, "unique_id": "i2", "given_names": "Abigail", "full_name": None}
    fields = {f["comparison"]: (f["level"], f["weight"]) for f in m.explain(twin, rec)["fields"]}
    assert fields["family"][0] == "different given names, same surnames and date of birth"
    assert fields["family"][1] == pytest.approx(-12.0)


def test_candidate_pairs_are_the_pairs_sharing_a_blocking_key():
    # The batch SQL (exploded keys) and the Python twin agree on which pairs are compared.
    registry, incoming = names.labelled_set(300, seed=23)
    registry, incoming = registry.select(MATCH_COLUMNS), incoming.select(MATCH_COLUMNS)
    m = Matcher.untrained()
    m.registry_load(registry)
    keys_in = [blocking_keys(r) for r in incoming.to_dicts()]
    keys_reg = [blocking_keys(r) for r in registry.to_dicts()]
    expected = sum(1 for a in keys_in for b in keys_reg if any(a[rule] & b[rule] for rule in a))
    assert expected > incoming.height  # every record meets at least its own copies
    assert m.candidate_pairs(incoming) == expected
