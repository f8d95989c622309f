"""Each set of states is defined once, and the constraints take it from there (issue 10 item 4).

A status list copied as literals into a CHECK constraint drifts from its TextChoices the day
a state is added; two enums for one column (the rules' `Stage` and the model's) drift the
same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.db import models

from ikaze.vetting import notices, rules
from ikaze.vetting.models import Evaluation, Notice

ROOT = Path(__file__).resolve().parent.parent


def _literal_lists_in_constraints(source: str) -> list[int]:
    """Lines where a Q(...__in=[...]) holds a string literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and (node.arg or "").endswith("__in"):
            value = node.value
            if isinstance(value, ast.List | ast.Tuple | ast.Set) and any(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                found.append(value.lineno)
    return found


def test_no_model_copies_a_list_of_states_into_a_constraint() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "ikaze").glob("*/models.py"))
        if (lines := _literal_lists_in_constraints(path.read_text()))
    }
    assert offenders == {}


def test_the_scan_finds_a_copied_list() -> None:
    assert _literal_lists_in_constraints('Q(status__in=["a", "b"])\nQ(x__in=S.values)') == [1]


def _in_lookups(condition: object) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    if isinstance(condition, models.Q):
        for child in condition.children:
            if isinstance(child, tuple) and child[0].endswith("__in"):
                out.append((child[0].removesuffix("__in"), list(child[1])))
            else:
                out.extend(_in_lookups(child))
    return out


# "_valid" constraints that admit fewer values than the field's choices, on purpose.
NAMED_SUBSETS = {
    # MatchDecision.outcome borrows MatchCandidate.Status; a decision is never "open".
    "matchdecision_outcome_valid",
}


def test_every_constraint_on_states_agrees_with_the_choices() -> None:
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("ikaze."):
            continue
        for constraint in model._meta.constraints:
            condition = getattr(constraint, "condition", None)
            for field_name, values in _in_lookups(condition):
                field = model._meta.get_field(field_name)
                choices = [str(v) for v, _ in field.choices or []]
                assert choices, (model, field_name)
                assert set(values) <= set(choices), (model, constraint.name)
                if constraint.name.endswith("_valid") and constraint.name not in NAMED_SUBSETS:
                    assert values == choices, (model, constraint.name)
                checked += 1
    assert checked >= 12


def test_stage_and_notice_kind_are_defined_once() -> None:
    assert Evaluation.Stage is rules.Stage
    assert Evaluation._meta.get_field("stage").choices == rules.Stage.choices
    assert Notice.Kind is notices.NoticeKind
    assert [str(s) for s in rules.Stage] == ["referral", "decision", "manifest_lock", "departure"]
    assert str(rules.Stage.REFERRAL.label) == "At referral (advisory)"
