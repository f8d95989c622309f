"""Normalised identity features, computed in DuckDB SQL so batch and online share one definition.

Every feature the model compares or blocks on is derived here, once per record, from the
MATCH_COLUMNS. Batch linking (Splink) and the online index both read these columns, so the
two paths cannot drift apart.

Spanish and Latin-American conventions handled:
- accents and case (strip_accents, upper), punctuation and hyphens become spaces;
- particles ("de", "del", "de la", "y", ...) are dropped from name tokens;
- two surnames; a compound surname ("Ponce de León") is kept as one key ("PONCELEON");
- compound given names ("María José") are a list of tokens, compared as a set;
- when only the full name is known, the last two tokens are taken as the surnames;
- a phonetic key (`ikz_ph`) folds b/v, s/z/c, ll/y, silent h, j/g/x, qu/k, gue/gui, ph/f
  and doubled letters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

import duckdb

MATCH_COLUMNS = [
    "unique_id",
    "given_names",
    "first_surname",
    "second_surname",
    "full_name",
    "sex",
    "date_of_birth",
    "nationality",
    "document_number",
]

# Tokens that join Spanish names but carry no identity ("María de la Cruz", "Pérez y Gómez").
PARTICLES = ("DE", "DEL", "LA", "LAS", "LOS", "Y", "DA", "DAS", "DO", "DOS", "DI")

# Order matters: each rewrite assumes the ones above it ran. RE2 has no look-behind, so
# context is captured and written back (\1).
_PHONETIC_STEPS: list[tuple[str, str]] = [
    (r"[^A-Z]", ""),
    (r"PH", "F"),
    (r"CH", "1"),  # keep CH apart from the C rules below; restored at the end
    (r"QU([EI])", r"K\1"),
    (r"Q", "K"),
    (r"C([EIY])", r"S\1"),  # ce, ci sound like se, si in Latin America (seseo)
    (r"C", "K"),
    (r"GU([EI])", r"2\1"),  # Guillermo, Miguel: the u is silent, the g stays hard
    (r"G([EIY])", r"J\1"),  # Gerardo / Jerardo, Giménez / Jiménez
    (r"X", "J"),  # Ximena / Jimena, Xavier / Javier, México / Méjico
    (r"Z", "S"),
    (r"H", ""),  # silent h: Hernández / Ernández
    (r"1", "C"),
    (r"2", "G"),
    (r"LL", "Y"),  # yeísmo: Vallejo / Vayejo
    (r"Y([^AEIOU]|$)", r"I\1"),  # y as a vowel: Eloy / Eloi, Ruy / Rui
    (r"V", "B"),  # b and v are one sound
    (r"W", "U"),
    (r"N([BP])", r"M\1"),
    (r"RR", "R"),
    (r"SS", "S"),
    (r"NN", "N"),
    (r"TT", "T"),
    (r"BB", "B"),
    (r"KK", "K"),
    (r"FF", "F"),
    (r"MM", "M"),
    (r"PP", "P"),
    (r"DD", "D"),
    (r"AA", "A"),
    (r"EE", "E"),
    (r"OO", "O"),
    (r"II", "I"),
]


def _phonetic_sql(arg: str) -> str:
    expr = f"upper(strip_accents({arg}))"
    for pattern, replacement in _PHONETIC_STEPS:
        expr = f"regexp_replace({expr}, '{pattern}', '{replacement}', 'g')"
    return f"nullif({expr}, '')"


_PARTICLE_LIST = ", ".join(f"'{p}'" for p in PARTICLES)

MACROS = f"""
CREATE OR REPLACE MACRO ikz_clean(s) AS
    nullif(trim(regexp_replace(upper(strip_accents(s)), '[^A-Z]+', ' ', 'g')), '');
CREATE OR REPLACE MACRO ikz_tokens(s) AS
    list_filter(string_split(ikz_clean(s), ' '), lambda t: t NOT IN ({_PARTICLE_LIST}));
CREATE OR REPLACE MACRO ikz_ph(s) AS {_phonetic_sql("s")};
CREATE OR REPLACE MACRO ikz_join(xs) AS nullif(array_to_string(xs, ''), '');
"""


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the normalisation macros on a DuckDB connection (idempotent)."""
    con.execute(MACROS)


# Columns produced by features_sql, in order. Blocking and comparisons use only these.
FEATURE_COLUMNS = [
    "unique_id",
    "g_all",
    "g_ph",
    "g_ph_sorted",
    "g1_ph",
    "g_cat",
    "g_cat_ph",
    "s1",
    "s2",
    "s1_ph",
    "s2_ph",
    "s_cat",
    "s_cat_ph",
    "all_ph_sorted",
    "s_full",
    "s_full_ph",
    "ntok",
    "tok",
    "pair_keys",
    "dob_str",
    "dob_year",
    "dob_md",
    "dob_dm",
    "sex",
    "nat",
    "doc",
]


def features_sql(source: str) -> str:
    """SQL selecting FEATURE_COLUMNS from a relation with MATCH_COLUMNS (a trusted name)."""
    return f"""
    WITH raw AS (
        SELECT
            CAST(unique_id AS VARCHAR) AS unique_id,
            ikz_tokens(given_names) AS gt,
            ikz_tokens(first_surname) AS s1t,
            ikz_tokens(second_surname) AS s2t,
            ikz_tokens(full_name) AS ft,
            replace(coalesce(ikz_clean(first_surname), '') || coalesce(ikz_clean(second_surname), ''),
                    ' ', '') AS s_letters,
            CAST(sex AS VARCHAR) AS sex_raw,
            try_strptime(CAST(date_of_birth AS VARCHAR), '%Y-%m-%d') AS dob_ts,
            CAST(nationality AS VARCHAR) AS nat_raw,
            CAST(document_number AS VARCHAR) AS doc_raw
        FROM {source}
    ),
    parts AS (
        SELECT *,
            -- Parts known: use them. Only a full name: the last two tokens are the surnames
            -- (the Spanish "given names + father's surname + mother's surname" order).
            CASE
                WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0 THEN coalesce(gt, [])
                WHEN len(coalesce(ft, [])) >= 3 THEN ft[1:len(ft) - 2]
                WHEN len(coalesce(ft, [])) = 2 THEN ft[1:1]
                ELSE []
            END AS g,
            CASE
                WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0 THEN ikz_join(s1t)
                WHEN len(coalesce(ft, [])) >= 3 THEN ft[len(ft) - 1]
                WHEN len(coalesce(ft, [])) >= 1 THEN ft[len(ft)]
                ELSE NULL
            END AS s1,
            CASE
                WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0 THEN ikz_join(s2t)
                WHEN len(coalesce(ft, [])) >= 3 THEN ft[len(ft)]
                ELSE NULL
            END AS s2,
            -- Every name token, whatever field it was written in (blocking reads them as a set).
            CASE
                WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0
                THEN list_concat(coalesce(gt, []), coalesce(s1t, []), coalesce(s2t, []))
                ELSE coalesce(ft, [])
            END AS nt
        FROM raw
    ),
    named AS (
        SELECT *,
            nullif(array_to_string(g, ' '), '') AS g_all,
            list_filter(list_transform(g, lambda t: ikz_ph(t)), lambda t: t IS NOT NULL) AS g_ph_list,
            ikz_ph(s1) AS s1_ph,
            ikz_ph(s2) AS s2_ph,
            list_filter(list_transform(nt, lambda t: ikz_ph(t)), lambda t: t IS NOT NULL) AS nt_ph
        FROM parts
    ),
    tokened AS (
        SELECT *,
            -- The name's phonetic tokens as a sorted set; with both surnames, their joined
            -- key too (a record that merged them into one word shares it).
            list_sort(list_distinct(list_concat(
                nt_ph,
                CASE WHEN s1_ph IS NOT NULL AND s2_ph IS NOT NULL THEN [s1_ph || s2_ph]
                     WHEN s1_ph IS NOT NULL THEN [s1_ph] ELSE [] END
            ))) AS tok_list
        FROM named
    )
    SELECT
        unique_id,
        g_all,
        CASE WHEN len(g_ph_list) > 0 THEN g_ph_list END AS g_ph,
        nullif(array_to_string(list_sort(g_ph_list), ' '), '') AS g_ph_sorted,
        g_ph_list[1] AS g1_ph,
        replace(g_all, ' ', '') AS g_cat,
        nullif(array_to_string(g_ph_list, ''), '') AS g_cat_ph,
        s1,
        s2,
        s1_ph,
        s2_ph,
        nullif(coalesce(s1, '') || coalesce(s2, ''), '') AS s_cat,
        nullif(coalesce(s1_ph, '') || coalesce(s2_ph, ''), '') AS s_cat_ph,
        nullif(array_to_string(list_sort(list_concat(
            g_ph_list,
            list_filter([s1_ph, s2_ph], lambda t: t IS NOT NULL)
        )), ' '), '') AS all_ph_sorted,
        CASE WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0
             THEN nullif(s_letters, '')
             ELSE nullif(coalesce(s1, '') || coalesce(s2, ''), '') END AS s_full,
        ikz_ph(CASE WHEN len(coalesce(gt, [])) > 0 OR len(coalesce(s1t, [])) > 0
             THEN nullif(s_letters, '')
             ELSE nullif(coalesce(s1, '') || coalesce(s2, ''), '') END) AS s_full_ph,
        CASE WHEN len(nt_ph) > 0 THEN list_sort(list_distinct(nt_ph)) END AS ntok,
        CASE WHEN len(tok_list) > 0 THEN tok_list END AS tok,
        CASE WHEN len(tok_list) > 1 THEN flatten(list_transform(tok_list, lambda a: list_transform(
            list_filter(tok_list, lambda b: b > a), lambda b: a || '+' || b))) END AS pair_keys,
        strftime(dob_ts, '%Y%m%d') AS dob_str,
        CAST(year(dob_ts) AS INTEGER) AS dob_year,
        strftime(dob_ts, '%m%d') AS dob_md,
        strftime(dob_ts, '%d%m') AS dob_dm,
        CASE upper(left(trim(sex_raw), 1)) WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' END AS sex,
        CASE WHEN regexp_full_match(upper(trim(nat_raw)), '[A-Z]{{2}}')
             THEN upper(trim(nat_raw)) END AS nat,
        nullif(regexp_replace(upper(doc_raw), '[^A-Z0-9]', '', 'g'), '') AS doc
    FROM tokened
    """  # noqa: S608


# ----- the same features for one record, in Python -------------------------------------------
# The online check cannot pay DuckDB's per-query planning (tens of milliseconds for these
# expressions). This twin of features_sql is checked against it on the generated sets
# (tests/test_matching.py: test_python_features_equal_sql_features).

_PY_STEPS = [(re.compile(p), r) for p, r in _PHONETIC_STEPS]
_NON_LETTERS = re.compile(r"[^A-Z]+")
_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_PARTICLE_SET = frozenset(PARTICLES)


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def clean(s: str | None) -> str | None:
    if s is None:
        return None
    out = _NON_LETTERS.sub(" ", strip_accents(s).upper()).strip()
    return out or None


def tokens(s: str | None) -> list[str] | None:
    c = clean(s)
    if c is None:
        return None
    return [t for t in c.split(" ") if t not in _PARTICLE_SET]


def phonetic_key(s: str | None) -> str | None:
    """The Spanish phonetic key of a name (same rules as the ikz_ph SQL macro)."""
    if s is None:
        return None
    out = strip_accents(s).upper()
    for pattern, replacement in _PY_STEPS:
        out = pattern.sub(replacement, out)
    return out or None


def features_py(record: dict[str, Any]) -> dict[str, Any]:
    """FEATURE_COLUMNS for one record with MATCH_COLUMNS (the twin of features_sql)."""
    gt = tokens(record.get("given_names")) or []
    s1t = tokens(record.get("first_surname")) or []
    s2t = tokens(record.get("second_surname")) or []
    ft = tokens(record.get("full_name")) or []
    s_letters = "".join(
        (clean(record.get("first_surname")) or "") + (clean(record.get("second_surname")) or "")
    ).replace(" ", "")
    s1: str | None
    s2: str | None
    if gt or s1t:
        g, s1, s2 = gt, "".join(s1t) or None, "".join(s2t) or None
    elif len(ft) >= 3:
        g, s1, s2 = ft[:-2], ft[-2], ft[-1]
    elif len(ft) == 2:
        g, s1, s2 = ft[:1], ft[1], None
    elif len(ft) == 1:
        g, s1, s2 = [], ft[0], None
    else:
        g, s1, s2 = [], None, None
    g_ph = [p for p in (phonetic_key(t) for t in g) if p is not None]
    s1_ph, s2_ph = phonetic_key(s1), phonetic_key(s2)
    all_ph = sorted(g_ph + [p for p in (s1_ph, s2_ph) if p is not None])
    nt = [*gt, *s1t, *s2t] if gt or s1t else ft
    nt_ph = [p for p in (phonetic_key(t) for t in nt) if p is not None]
    ntok = sorted(set(nt_ph))
    if s1_ph is not None and s2_ph is not None:
        nt_ph.append(s1_ph + s2_ph)
    elif s1_ph is not None:
        nt_ph.append(s1_ph)
    tok = sorted(set(nt_ph))
    pair_keys = [f"{a}+{b}" for i, a in enumerate(tok) for b in tok[i + 1 :]]
    s_full = (s_letters or None) if gt or s1t else (((s1 or "") + (s2 or "")) or None)
    dob = _parse_date(record.get("date_of_birth"))
    sex = (str(record.get("sex") or "").strip()[:1]).upper()
    nat = str(record.get("nationality") or "").strip().upper()
    doc = _NON_ALNUM.sub("", str(record.get("document_number") or "").upper())
    uid = record.get("unique_id")
    return {
        "unique_id": None if uid is None else str(uid),
        "g_all": " ".join(g) or None,
        "g_ph": g_ph or None,
        "g_ph_sorted": " ".join(sorted(g_ph)) or None,
        "g1_ph": g_ph[0] if g_ph else None,
        "g_cat": "".join(g) or None,
        "g_cat_ph": "".join(g_ph) or None,
        "s1": s1,
        "s2": s2,
        "s1_ph": s1_ph,
        "s2_ph": s2_ph,
        "s_cat": ((s1 or "") + (s2 or "")) or None,
        "s_cat_ph": ((s1_ph or "") + (s2_ph or "")) or None,
        "all_ph_sorted": " ".join(all_ph) or None,
        "s_full": s_full,
        "s_full_ph": phonetic_key(s_full),
        "ntok": ntok or None,
        "tok": tok or None,
        "pair_keys": pair_keys or None,
        "dob_str": dob.strftime("%Y%m%d") if dob else None,
        "dob_year": dob.year if dob else None,
        "dob_md": dob.strftime("%m%d") if dob else None,
        "dob_dm": dob.strftime("%d%m") if dob else None,
        "sex": sex if sex in ("M", "F") else None,
        "nat": nat if len(nat) == 2 and nat.isascii() and nat.isalpha() else None,
        "doc": doc or None,
    }


def _parse_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()  # noqa: DTZ007 - a date, no zone
    except ValueError:
        return None


# ----- what depends on the registry: name counts and blocking keys ------------------------
# Not a function of one record: how many registry people carry a record's whole name (`nn`),
# and its blocking keys (`blk`), where a common pair of tokens is narrowed by the birth year.
# The engine computes them in SQL (stats_sql) and, for one record, in Python (stats_py).

STAT_COLUMNS = ["nn"]
# Stored feature tables leave out the token pairs (derived from `tok` when needed): at a
# million people they and the blocking keys would double the registry's memory.
STORED_EXCLUDE = ("pair_keys",)

# Every unordered pair of a record's tokens (pair_keys, from `tok`).
_PAIRS_FROM_TOK = (
    "flatten(list_transform(tok, lambda a: list_transform(list_filter(tok, lambda b: b > a),"
    " lambda b: a || '+' || b)))"
)


def name_key(g_ph_sorted: str | None, s_cat_ph: str | None) -> str | None:
    """The whole name as counted for `nn` (given names and surnames, in sound)."""
    if g_ph_sorted is None or s_cat_ph is None:
        return None
    return f"{g_ph_sorted}|{s_cat_ph}"


def freq_sql(src: str, cap: int) -> str:
    """Count the registry's whole names (name_freq) and its common token pairs (pair_freq)."""
    return f"""
    CREATE OR REPLACE TABLE name_freq AS
        SELECT g_ph_sorted || '|' || s_cat_ph AS k, count(*) AS n FROM {src}
        WHERE g_ph_sorted IS NOT NULL AND s_cat_ph IS NOT NULL GROUP BY 1;
    CREATE OR REPLACE TABLE pair_freq AS
        SELECT k, count(*) AS n FROM (SELECT unnest({_PAIRS_FROM_TOK}) AS k FROM {src}
        WHERE tok IS NOT NULL) GROUP BY k HAVING count(*) > {cap};
    """  # noqa: S608 - table names are ours


def stats_sql(src: str) -> str:
    """SQL selecting a features relation's stored columns plus `nn` (from name_freq)."""
    exclude = ", ".join(STORED_EXCLUDE)
    return f"""
    SELECT s.* EXCLUDE ({exclude}), coalesce(nf.n, 0) AS nn
    FROM {src} AS s
    LEFT JOIN name_freq AS nf ON nf.k = s.g_ph_sorted || '|' || s.s_cat_ph
    """  # noqa: S608


def keys_sql(src: str) -> str:
    """(rid, k): a stored table's blocking keys, one row each (the rows of stats_py's `blk`).

    Every pair of name tokens (with the birth year when pair_freq lists it as common) and
    every token with the full date of birth; rid is the table's rowid.
    """
    return f"""
    SELECT rid, k FROM (
        SELECT p.rid,
               CASE WHEN pf.k IS NULL THEN p.k ELSE p.k || '|' || CAST(p.y AS VARCHAR) END AS k
        FROM (SELECT rowid AS rid, unnest({_PAIRS_FROM_TOK}) AS k, dob_year AS y
              FROM {src} WHERE tok IS NOT NULL) AS p
        LEFT JOIN pair_freq AS pf ON pf.k = p.k
        UNION ALL
        SELECT rid, t || '@' || dob_str
        FROM (SELECT rowid AS rid, unnest(tok) AS t, dob_str FROM {src} WHERE dob_str IS NOT NULL)
    ) WHERE k IS NOT NULL
    """  # noqa: S608


def blk_sql(src: str) -> str:
    """A stored table's rows with their blocking keys as a list `blk` (sorted; NULL if none)."""
    return f"""
    SELECT s.*, b.blk FROM {src} AS s
    LEFT JOIN (SELECT rid, list_sort(list(k)) AS blk FROM ({keys_sql(src)}) GROUP BY rid) AS b
        ON b.rid = s.rowid
    """  # noqa: S608


def stats_py(
    feat: dict[str, Any], *, frequent_pairs: frozenset[str] | set[str], name_count: int
) -> dict[str, Any]:
    """STAT_COLUMNS for one feature record (the twin of stats_sql)."""
    keys: list[str] = []
    year = feat["dob_year"]
    for k in feat["pair_keys"] or []:
        if k not in frequent_pairs:
            keys.append(k)
        elif year is not None:
            keys.append(f"{k}|{year}")
    if feat["dob_str"] is not None:
        keys += [f"{t}@{feat['dob_str']}" for t in feat["tok"] or []]
    return {"nn": name_count, "blk": sorted(keys) or None}
