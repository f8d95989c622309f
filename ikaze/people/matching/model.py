"""The Fellegi–Sunter model: comparisons, their levels, priors and blocking rules.

Comparison levels are SQL over the feature columns (features.py), so Splink scores batches
with them and the online scorer evaluates the very same conditions on a handful of
candidates. Each level carries a prior m-probability: the starting point for EM, and the
value used when the registry is too small to train on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop
from django.utils.translation import gettext_noop as _n

Rec = dict[str, Any]


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    m: float  # prior m-probability; EM refines it on a large enough registry
    u: float  # prior u-probability; random sampling replaces it on a large enough registry
    py: Callable[[Rec, Rec], bool]  # the same condition in Python, for the online scorer
    # A cheap SQL condition true whenever `sql` is (for a costly level): a pair failing it
    # cannot be at this level, which lets the batch path drop pairs before comparing strings.
    guard: str | None = None

    @property
    def costly(self) -> bool:
        """A string distance or list function: worth skipping for pairs that cannot match."""
        return any(f in self.sql for f in _COSTLY_FUNCTIONS)


_COSTLY_FUNCTIONS = ("damerau_levenshtein", "levenshtein", "jaro", "list_has")


@dataclass(frozen=True)
class Comparison:
    name: str
    null_sql: str
    null_py: Callable[[Rec, Rec], bool]
    levels: tuple[Level, ...]  # best first; the last is the "else" level

    @property
    def columns(self) -> tuple[str, ...]:
        """The feature columns its conditions read (`<col>_l` / `<col>_r`)."""
        sqls = [self.null_sql, *(lv.sql for lv in self.levels)]
        found = re.findall(r"\b([a-z][a-z0-9_]*)_[lr]\b", " ".join(sqls))
        return tuple(dict.fromkeys(found))

    @property
    def bound_columns(self) -> tuple[str, ...]:
        """The columns an upper bound of its weight reads: the null condition, the cheap
        levels and the costly levels' guards."""
        sqls = [self.null_sql] + [(lv.guard or "") if lv.costly else lv.sql for lv in self.levels]
        found = re.findall(r"\b([a-z][a-z0-9_]*)_[lr]\b", " ".join(sqls))
        return tuple(dict.fromkeys(found))

    def splink(self) -> dict[str, Any]:
        levels: list[dict[str, Any]] = [
            {"sql_condition": self.null_sql, "label_for_charts": "null", "is_null_level": True}
        ]
        levels += [
            {
                "sql_condition": lv.sql,
                "label_for_charts": lv.label,
                "m_probability": lv.m,
                "u_probability": lv.u,
            }
            for lv in self.levels
        ]
        return {"output_column_name": self.name, "comparison_levels": levels}


def _dl(col: str, n: int) -> str:
    """Damerau-Levenshtein at most n, behind cheap necessary conditions.

    DuckDB's damerau_levenshtein costs ~5 µs a pair, and most blocked pairs reach these
    levels. One edit leaves the lengths at most one apart, and either the first or the
    last letter in place unless a string has at most two letters; DuckDB evaluates the
    AND lazily, so the distance runs only on the few pairs passing both (same result).
    """
    if n != 1:  # pragma: no cover - only one-edit levels exist
        return f"damerau_levenshtein({col}_l, {col}_r) <= {n}"
    a, b = f"{col}_l", f"{col}_r"
    return (
        f"abs(length({a}) - length({b})) <= 1"
        f" AND (left({a}, 1) = left({b}, 1) OR right({a}, 1) = right({b}, 1)"
        f" OR least(length({a}), length({b})) <= 2)"
        f" AND damerau_levenshtein({a}, {b}) <= 1"
    )


def _dl_guard(col: str) -> str:
    """A condition every pair within one edit of each other meets, in a few cheap operations.

    One edit (insertion, deletion, substitution or adjacent transposition) touches at most
    two neighbouring letters: the lengths are at most one apart, and with L the shorter
    length, either the first or the last (L - 2) // 2 letters are the same in both.
    """
    a, b = f"{col}_l", f"{col}_r"
    h = f"greatest((least(length({a}), length({b})) - 2) // 2, 0)"
    return (
        f"abs(length({a}) - length({b})) <= 1"
        f" AND (left({a}, {h}) = left({b}, {h}) OR right({a}, {h}) = right({b}, {h}))"
    )


def one_edit(a: str | None, b: str | None) -> bool:
    """Damerau–Levenshtein distance at most 1 (what `damerau_levenshtein(a, b) <= 1` says)."""
    if a is None or b is None:
        return False
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or (min(la, lb) > 2 and a[0] != b[0] and a[-1] != b[-1]):
        return False  # the guard _dl puts before the distance in SQL
    i = 0
    n = min(la, lb)
    while i < n and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def _eq(a: Any, b: Any) -> bool:
    """SQL equality: NULL equals nothing."""
    return a is not None and b is not None and a == b


def _any_null(col: str) -> Callable[[Rec, Rec], bool]:
    return lambda a, b: a[col] is None or b[col] is None


def _subset(a: list[str] | None, b: list[str] | None) -> bool:
    return a is not None and b is not None and set(b) <= set(a)


def _alike_sql(g: str, s: str) -> str:
    """The given names on side g written like the surnames on side s: the same phonetic key,
    or one edit apart (spaces dropped: "García Pérez" as given names, "GarcíaPérez" joined)."""
    return f"(g_cat_ph_{g} = s_cat_ph_{s} OR damerau_levenshtein(g_cat_{g}, s_cat_{s}) <= 1)"


def _alike_guard(g: str, s: str) -> str:
    """Necessary for _alike_sql: one edit apart leaves the lengths at most one apart."""
    return f"(g_cat_ph_{g} = s_cat_ph_{s} OR abs(length(g_cat_{g}) - length(s_cat_{s})) <= 1)"


def _given_alike_surnames(a: Rec, b: Rec) -> bool:
    """_alike_sql("l", "r") for records a (l) and b (r)."""
    return _eq(a["g_cat_ph"], b["s_cat_ph"]) or one_edit(a["g_cat"], b["s_cat"])


def _dob_close(a: Rec, b: Rec) -> bool:
    placeholder = a["dob_md"] == "0101" or b["dob_md"] == "0101"
    return placeholder and abs(a["dob_year"] - b["dob_year"]) <= 1


# Each given name, in order, within one edit of the other's in sound ("Caimla Mara" for
# "Camila María", "Xacint Joege" for "Jacinto Jorge"): a slip in each of two names.
_EACH_GIVEN_SQL = (
    "len(g_ph_l) = len(g_ph_r) AND list_bool_and(list_transform(list_zip(g_ph_l, g_ph_r),"
    " lambda p: damerau_levenshtein(p[1], p[2]) <= 1))"
)


def _each_given_alike(a: Rec, b: Rec) -> bool:
    ga, gb = a["g_ph"], b["g_ph"]
    if ga is None or gb is None or len(ga) != len(gb):
        return False
    return all(one_edit(x, y) for x, y in zip(ga, gb, strict=True))


def _tokens_within(a: Rec, b: Rec) -> bool:
    ta, tb = a["ntok"], b["ntok"]
    if ta is None or tb is None or len(ta) < 2 or len(tb) < 2:
        return False
    return set(tb) <= set(ta) or set(ta) <= set(tb)


def _name_count_at_most(bound: int | None) -> Callable[[Rec, Rec], bool]:
    """greatest(nn_l, nn_r) <= bound (no bound: the ELSE level)."""
    if bound is None:
        return lambda a, b: True
    return lambda a, b: max(a["nn"] or 0, b["nn"] or 0) <= bound


def _part_alike_sql(col: str) -> str:
    """One surname (s1 or s2) the same in sound or within one edit."""
    return f"({col}_ph_l = {col}_ph_r OR {_dl(col, 1)})"


def _part_alike_guard(col: str) -> str:
    return f"({col}_ph_l = {col}_ph_r OR {_dl_guard(col)})"


def _part_alike(a: Rec, b: Rec, col: str) -> bool:
    return _eq(a[f"{col}_ph"], b[f"{col}_ph"]) or one_edit(a[col], b[col])


# Name-frequency levels: (label, the most people in the registry carrying the whole name).
NAME_COUNT_LEVELS: tuple[tuple[str, int | None], ...] = (
    (gettext_noop("whole name carried by no one else in the registry"), 1),
    (gettext_noop("whole name carried by 2 people"), 2),
    (gettext_noop("whole name carried by 3 or 4 people"), 4),
    (gettext_noop("whole name carried by 5 to 16 people"), 16),
    (gettext_noop("whole name carried by 17 to 64 people"), 64),
    (gettext_noop("whole name carried by more than 64 people"), None),
)
SWAP_SEEN_IN_GIVEN = frozenset(
    {"swapped with the given names", "swapped with the given names, spelt alike"}
)
TWIN_LABEL = gettext_noop("different given names, same surnames and date of birth")
SIBLING_LABEL = gettext_noop("one given name shared, another different, same surnames and date")
# Bayes factors of the family levels: a twin's record is ~1,000 times likelier than the same
# person's under these (a given name replaced outright is rare; two typos in it, less so).
TWIN_BF = 2.0**-12
SIBLING_BF = 2.0**-10


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given",
        "g_all_l IS NULL OR g_all_r IS NULL",
        _any_null("g_all"),
        (
            Level(
                _n("exact"), "g_all_l = g_all_r", 0.80, 0.003, lambda a, b: a["g_all"] == b["g_all"]
            ),
            Level(
                _n("phonetic, any order"),
                "g_ph_sorted_l = g_ph_sorted_r",
                0.06,
                0.0005,
                lambda a, b: _eq(a["g_ph_sorted"], b["g_ph_sorted"]),
            ),
            Level(
                _n("one a subset of the other"),
                "list_has_all(g_ph_l, g_ph_r) OR list_has_all(g_ph_r, g_ph_l)",
                0.06,
                0.004,
                lambda a, b: _subset(a["g_ph"], b["g_ph"]) or _subset(b["g_ph"], a["g_ph"]),
            ),
            Level(
                _n("one edit"),
                _dl("g_all", 1),
                0.03,
                0.0005,
                lambda a, b: one_edit(a["g_all"], b["g_all"]),
                guard=_dl_guard("g_all"),
            ),
            Level(
                _n("each given name within one edit"),
                _EACH_GIVEN_SQL,
                0.02,
                0.0002,
                _each_given_alike,
            ),
            Level(
                _n("swapped with the surnames"),
                "all_ph_sorted_l = all_ph_sorted_r",
                0.01,
                0.000001,
                lambda a, b: _eq(a["all_ph_sorted"], b["all_ph_sorted"]),
            ),
            Level(
                _n("swapped with the surnames, spelt alike"),
                f"{_alike_sql('l', 'r')} AND {_alike_sql('r', 'l')}",
                0.01,
                0.000001,
                lambda a, b: _given_alike_surnames(a, b) and _given_alike_surnames(b, a),
                guard=f"{_alike_guard('l', 'r')} AND {_alike_guard('r', 'l')}",
            ),
            Level(
                _n("all the names of one found in the other, in other fields"),
                "len(ntok_l) >= 2 AND len(ntok_r) >= 2"
                " AND (list_has_all(ntok_l, ntok_r) OR list_has_all(ntok_r, ntok_l))",
                0.01,
                0.000001,
                lambda a, b: _tokens_within(a, b),
            ),
            Level(
                _n("share a name"),
                "list_has_any(g_ph_l, g_ph_r)",
                0.015,
                0.02,
                lambda a, b: bool(a["g_ph"] and b["g_ph"] and set(a["g_ph"]) & set(b["g_ph"])),
            ),
            Level(_n("different"), "ELSE", 0.025, 0.972, lambda a, b: True),
        ),
    ),
    Comparison(
        "surnames",
        "s_cat_l IS NULL OR s_cat_r IS NULL",
        _any_null("s_cat"),
        (
            Level(
                _n("exact"),
                # s_full keeps the particles' letters: "de laTorre" and "de la Torre" agree.
                "s_cat_l = s_cat_r OR s_full_l = s_full_r",
                0.73,
                0.0008,
                lambda a, b: a["s_cat"] == b["s_cat"] or _eq(a["s_full"], b["s_full"]),
            ),
            Level(
                _n("phonetic"),
                "s_cat_ph_l = s_cat_ph_r OR s_full_ph_l = s_full_ph_r",
                0.06,
                0.0002,
                lambda a, b: (
                    _eq(a["s_cat_ph"], b["s_cat_ph"]) or _eq(a["s_full_ph"], b["s_full_ph"])
                ),
            ),
            Level(
                _n("swapped"),
                "s1_ph_l = s2_ph_r AND s2_ph_l = s1_ph_r",
                0.03,
                0.00001,
                lambda a, b: _eq(a["s1_ph"], b["s2_ph"]) and _eq(a["s2_ph"], b["s1_ph"]),
            ),
            Level(
                _n("first, second missing"),
                "s1_ph_l = s1_ph_r AND (s2_l IS NULL OR s2_r IS NULL)",
                0.06,
                0.002,
                lambda a, b: _eq(a["s1_ph"], b["s1_ph"]) and (a["s2"] is None or b["s2"] is None),
            ),
            Level(
                _n("each surname within one edit"),
                f"s2_l IS NOT NULL AND s2_r IS NOT NULL AND {_part_alike_sql('s1')}"
                f" AND {_part_alike_sql('s2')}",
                0.04,
                0.00002,
                lambda a, b: _part_alike(a, b, "s1") and _part_alike(a, b, "s2"),
                guard=f"s2_l IS NOT NULL AND s2_r IS NOT NULL AND {_part_alike_guard('s1')}"
                f" AND {_part_alike_guard('s2')}",
            ),
            Level(
                _n("first within one edit, second missing"),
                f"(s2_l IS NULL OR s2_r IS NULL) AND {_dl('s1', 1)}",
                0.02,
                0.0002,
                lambda a, b: (a["s2"] is None or b["s2"] is None) and one_edit(a["s1"], b["s1"]),
                guard=f"(s2_l IS NULL OR s2_r IS NULL) AND {_dl_guard('s1')}",
            ),
            Level(
                _n("one edit"),
                _dl("s_cat", 1),
                0.02,
                0.0005,
                lambda a, b: one_edit(a["s_cat"], b["s_cat"]),
                guard=_dl_guard("s_cat"),
            ),
            # The given names written as surnames and the other way round: the given-name
            # comparison has counted the whole name's agreement; here the surnames neither
            # disagree nor count it again (weight pinned at 0: EM would count it twice).
            Level(
                _n("swapped with the given names"),
                "all_ph_sorted_l = all_ph_sorted_r",
                0.01,
                0.00001,
                lambda a, b: _eq(a["all_ph_sorted"], b["all_ph_sorted"]),
            ),
            Level(
                _n("swapped with the given names, spelt alike"),
                f"{_alike_sql('l', 'r')} AND {_alike_sql('r', 'l')}",
                0.01,
                0.00001,
                lambda a, b: _given_alike_surnames(a, b) and _given_alike_surnames(b, a),
                guard=f"{_alike_guard('l', 'r')} AND {_alike_guard('r', 'l')}",
            ),
            Level(
                _n("share a surname"),
                "s1_ph_l = s1_ph_r OR s1_ph_l = s2_ph_r OR s2_ph_l = s1_ph_r OR s2_ph_l = s2_ph_r",
                0.025,
                0.03,
                lambda a, b: any(
                    _eq(x, y) for x in (a["s1_ph"], a["s2_ph"]) for y in (b["s1_ph"], b["s2_ph"])
                ),
            ),
            Level(_n("different"), "ELSE", 0.015, 0.966, lambda a, b: True),
        ),
    ),
    Comparison(
        "dob",
        "dob_str_l IS NULL OR dob_str_r IS NULL",
        _any_null("dob_str"),
        (
            Level(
                _n("exact"),
                "dob_str_l = dob_str_r AND dob_md_l <> '0101'",
                0.76,
                0.00005,
                lambda a, b: a["dob_str"] == b["dob_str"] and a["dob_md"] != "0101",
            ),
            Level(
                _n("same 1 January placeholder"),
                "dob_str_l = dob_str_r",
                0.03,
                0.0003,
                lambda a, b: a["dob_str"] == b["dob_str"],
            ),
            Level(
                _n("day and month swapped"),
                "dob_year_l = dob_year_r AND dob_md_l = dob_dm_r",
                0.03,
                0.00005,
                lambda a, b: a["dob_year"] == b["dob_year"] and a["dob_md"] == b["dob_dm"],
            ),
            Level(
                _n("one digit"),
                _dl("dob_str", 1),
                0.06,
                0.0005,
                lambda a, b: one_edit(a["dob_str"], b["dob_str"]),
                guard=_dl_guard("dob_str"),
            ),
            Level(
                _n("year one off"),
                "abs(dob_year_l - dob_year_r) = 1 AND dob_md_l = dob_md_r",
                0.03,
                0.0001,
                lambda a, b: abs(a["dob_year"] - b["dob_year"]) == 1 and a["dob_md"] == b["dob_md"],
            ),
            Level(
                _n("1 January placeholder, year close"),
                "(dob_md_l = '0101' OR dob_md_r = '0101') AND abs(dob_year_l - dob_year_r) <= 1",
                0.04,
                0.002,
                _dob_close,
            ),
            Level(_n("different"), "ELSE", 0.05, 0.997, lambda a, b: True),
        ),
    ),
    Comparison(
        "sex",
        "sex_l IS NULL OR sex_r IS NULL",
        _any_null("sex"),
        (
            Level(_n("exact"), "sex_l = sex_r", 0.96, 0.5, lambda a, b: a["sex"] == b["sex"]),
            Level(_n("different"), "ELSE", 0.04, 0.5, lambda a, b: True),
        ),
    ),
    Comparison(
        "nationality",
        "nat_l IS NULL OR nat_r IS NULL",
        _any_null("nat"),
        (
            Level(_n("exact"), "nat_l = nat_r", 0.93, 0.3, lambda a, b: a["nat"] == b["nat"]),
            Level(_n("different"), "ELSE", 0.07, 0.7, lambda a, b: True),
        ),
    ),
    Comparison(
        "document",
        "doc_l IS NULL OR doc_r IS NULL",
        _any_null("doc"),
        (
            Level(_n("exact"), "doc_l = doc_r", 0.80, 0.000001, lambda a, b: a["doc"] == b["doc"]),
            Level(
                _n("one edit"),
                _dl("doc", 1),
                0.05,
                0.00001,
                lambda a, b: one_edit(a["doc"], b["doc"]),
                guard=_dl_guard("doc"),
            ),
            Level(_n("different"), "ELSE", 0.15, 0.99999, lambda a, b: True),
        ),
    ),
    # How many people in the registry carry this whole name (given names and surnames, in
    # sound): the comparisons above treat given names and surnames as independent, which
    # overrates a common full name and underrates one nobody else carries. Applies only when
    # both agree in sound; its weights are set from the counts (pin_parameters), not trained.
    Comparison(
        "name frequency",
        "g_ph_sorted_l IS NULL OR g_ph_sorted_r IS NULL OR s_cat_ph_l IS NULL"
        " OR s_cat_ph_r IS NULL OR g_ph_sorted_l <> g_ph_sorted_r OR s_cat_ph_l <> s_cat_ph_r",
        lambda a, b: (
            not (_eq(a["g_ph_sorted"], b["g_ph_sorted"]) and _eq(a["s_cat_ph"], b["s_cat_ph"]))
        ),
        tuple(
            Level(
                label,
                "ELSE" if bound is None else f"greatest(nn_l, nn_r) <= {bound}",
                0.5,
                0.5,
                _name_count_at_most(bound),
            )
            for label, bound in NAME_COUNT_LEVELS
        ),
    ),
    # Twins and siblings: same surnames and date of birth, other given names. Given names,
    # surnames and date are scored as if independent, but in a family they are not: here a
    # different given name is strong evidence of a different person. Weights pinned.
    Comparison(
        "family",
        "g_all_l IS NULL OR g_all_r IS NULL OR s_cat_ph_l IS NULL OR s_cat_ph_r IS NULL"
        " OR dob_str_l IS NULL OR dob_str_r IS NULL OR s_cat_ph_l <> s_cat_ph_r"
        " OR dob_str_l <> dob_str_r OR dob_md_l = '0101'",
        lambda a, b: (
            not (
                a["g_all"] is not None
                and b["g_all"] is not None
                and _eq(a["s_cat_ph"], b["s_cat_ph"])
                and _eq(a["dob_str"], b["dob_str"])
                and a["dob_md"] != "0101"
            )
        ),
        (
            Level(
                TWIN_LABEL,
                f"NOT list_has_any(g_ph_l, g_ph_r) AND NOT ({_dl('g_all', 1)})"
                f" AND NOT ({_EACH_GIVEN_SQL})",
                0.5 * TWIN_BF,
                0.5,
                lambda a, b: (
                    a["g_ph"] is not None
                    and b["g_ph"] is not None
                    and not set(a["g_ph"]) & set(b["g_ph"])
                    and not one_edit(a["g_all"], b["g_all"])
                    and not _each_given_alike(a, b)
                ),
            ),
            Level(
                SIBLING_LABEL,
                "NOT list_has_all(g_ph_l, g_ph_r) AND NOT list_has_all(g_ph_r, g_ph_l)"
                f" AND NOT ({_dl('g_all', 1)}) AND NOT ({_EACH_GIVEN_SQL})",
                0.5 * SIBLING_BF,
                0.5,
                lambda a, b: (
                    a["g_ph"] is not None
                    and b["g_ph"] is not None
                    and not set(b["g_ph"]) <= set(a["g_ph"])
                    and not set(a["g_ph"]) <= set(b["g_ph"])
                    and not one_edit(a["g_all"], b["g_all"])
                    and not _each_given_alike(a, b)
                ),
            ),
            Level(_n("different"), "ELSE", 0.5, 0.5, lambda a, b: True),
        ),
    ),
)

PINNED = frozenset({"name frequency", "family"})

# What the review page calls each comparison and a null level (marked for translation).
COMPARISON_LABELS = {
    "given": gettext_noop("Given names"),
    "surnames": gettext_noop("Surnames"),
    "dob": gettext_noop("Date of birth"),
    "sex": gettext_noop("Sex"),
    "nationality": gettext_noop("Nationality"),
    "document": gettext_noop("Document number"),
    "name frequency": gettext_noop("How common the whole name is"),
    "family": gettext_noop("Twin or sibling check"),
}
NULL_LABELS = {
    "name frequency": gettext_noop("does not apply: the names differ"),
    "family": gettext_noop("does not apply"),
}
MISSING_LABEL = gettext_noop("missing on one side")


def _bf_to_mu(bf: float) -> tuple[float, float]:
    """An m and u in (0, 1] whose ratio is bf."""
    return (0.5, 0.5 / bf) if bf >= 1 else (0.5 * bf, 0.5)


def pin_parameters(model: dict[str, Any], *, registry_size: int) -> dict[str, Any]:
    """Set the pinned comparisons' m and u (in place; returned too).

    Name frequency: when both records carry the same whole name, the given-name and
    surname comparisons credit it with u = u(given) x u(surnames) as if they were
    independent; a name n people in a registry of N carry really has u = n / N. The level
    adds log2(u(given) u(surnames) N / n), with n the bin's upper bound (never a penalty for
    a name nobody else carries). Family levels: fixed Bayes factors (TWIN_BF, SIBLING_BF).
    """
    by_name = {c["output_column_name"]: c for c in model["comparisons"]}

    def exactish_u(name: str) -> float:
        levels = [lv for lv in by_name[name]["comparison_levels"] if not lv.get("is_null_level")]
        return sum(float(lv.get("u_probability") or 0.0) for lv in levels[:2])

    base = exactish_u("given") * exactish_u("surnames")
    # Counts from a small registry say little: estimated as if on at least 100,000 records
    # (the engine's fallback prior makes the same assumption).
    n_total = max(registry_size, 100_000)
    levels = [
        lv for lv in by_name["name frequency"]["comparison_levels"] if not lv.get("is_null_level")
    ]
    for level, (_label, bound) in zip(levels, NAME_COUNT_LEVELS, strict=True):
        count = bound if bound is not None else NAME_COUNT_LEVELS[-2][1] * 2  # type: ignore[operator]
        bf = base * n_total / count if base > 0 else 1.0
        if count == 1:
            bf = max(bf, 1.0)
        level["m_probability"], level["u_probability"] = _bf_to_mu(bf)
    for level in by_name["surnames"]["comparison_levels"]:
        if level.get("label_for_charts") in SWAP_SEEN_IN_GIVEN:
            level["m_probability"], level["u_probability"] = 0.5, 0.5
    family = [lv for lv in by_name["family"]["comparison_levels"] if not lv.get("is_null_level")]
    for level, bf in zip(family, (TWIN_BF, SIBLING_BF, 1.0), strict=True):
        level["m_probability"], level["u_probability"] = _bf_to_mu(bf)
    return model


@dataclass(frozen=True)
class BlockingRule:
    """Pairs whose left columns equal the right columns; the online index uses the same rules.

    An exploding rule reads one list column: a pair shares at least one of its values.
    """

    left: tuple[str, ...]
    right: tuple[str, ...]
    explode: bool = False

    def sql(self) -> str:
        return " AND ".join(f"l.{a} = r.{b}" for a, b in zip(self.left, self.right, strict=True))

    def from_sql(self, left: str, right: str) -> str:
        """FROM ... JOIN ... ON ... with the two records as `l` and `r`."""
        if not self.explode:
            return f"FROM {left} AS l JOIN {right} AS r ON {self.sql()}"
        # The keys are computed from the stored tokens and dates (features.keys_sql), not
        # stored: a list per record would double the registry's memory.
        from ikaze.people.matching.features import keys_sql

        return (
            f"FROM ({keys_sql(left)}) AS lk JOIN ({keys_sql(right)}) AS rk ON lk.k = rk.k"
            f" JOIN {left} AS l ON l.rowid = lk.rid JOIN {right} AS r ON r.rowid = rk.rid"
        )

    def splink(self) -> dict[str, Any]:
        out: dict[str, Any] = {"blocking_rule": self.sql()}
        if self.explode:
            out["arrays_to_explode"] = list(self.left)
        return out


def _same(*cols: str) -> BlockingRule:
    return BlockingRule(cols, cols)


# A pair of name tokens held by more registry records than this is joined within the birth
# year only (pairs_per_record stays bounded at a million people).
PAIR_KEY_CAP = 200

# Blocking reads the name as a set of tokens, whatever field each was written in. `blk`
# (engine.py) holds, per record: every pair of its phonetic name tokens (with the birth year
# when the pair is common), and every token with the full date of birth. Two records of one
# person share a key unless their names differ in all but one token and their dates too:
# two spelling errors in a four-token name still leave a pair, and the date keys catch a
# three-token name with two errors.
BLOCKING_RULES: tuple[BlockingRule, ...] = (
    _same("doc"),
    _same("all_ph_sorted"),  # the same bag of name keys whatever the date (none, or wrong)
    BlockingRule(("blk",), ("blk",), explode=True),
)

# EM sessions: each fixes the comparisons whose columns it reads (Splink leaves their m as it
# is) and estimates the rest. A rule must read only columns some comparison reads: a session
# blocked on g1_ph, which feeds no comparison, would estimate the given names' m from pairs
# whose first given names already agree, and a typo there would then weigh nothing.
TRAINING_RULES: tuple[str, ...] = (
    "l.doc = r.doc",
    "l.dob_str = r.dob_str AND l.g_ph_sorted = r.g_ph_sorted",
    "l.s_cat_ph = r.s_cat_ph AND l.g_ph_sorted = r.g_ph_sorted",
    "l.dob_str = r.dob_str AND l.s1_ph = r.s1_ph",
)

# Pairs certainly the same person, to estimate the prior (probability two records match).
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.doc = r.doc AND l.dob_str = r.dob_str",
    "l.g_all = r.g_all AND l.s_cat = r.s_cat AND l.dob_str = r.dob_str AND l.dob_md <> '0101'",
)


def settings_dict(*, prior: float, registry_size: int = 1_000_000) -> dict[str, Any]:
    settings = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": [c.splink() for c in COMPARISONS],
        "blocking_rules_to_generate_predictions": [r.splink() for r in BLOCKING_RULES],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }
    return pin_parameters(settings, registry_size=registry_size)


_LEVEL_TESTS = tuple(
    (comparison.null_py, tuple(level.py for level in comparison.levels))
    for comparison in COMPARISONS
)


def gammas_py(a: Rec, b: Rec) -> list[int]:
    """The comparison vector of two feature records: per comparison, 0 = null, then levels 1..n."""
    out = []
    for null, tests in _LEVEL_TESTS:
        if null(a, b):
            out.append(0)
            continue
        k = 1
        for test in tests:
            if test(a, b):
                break
            k += 1
        out.append(k)
    return out
