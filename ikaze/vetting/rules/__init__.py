"""The safeguards engine: SAFEGUARDS.md A1–A13 as pure, typed, versioned rules.

    from ikaze.vetting.rules import RuleContext, evaluate
    evaluation = evaluate(ctx)   # Evaluation(ruleset_version, stage, findings, inputs_hash)

No database access happens here: phase 2 builds `RuleContext`s from the models and stores the
`Evaluation` (see docs/adr/0003-safeguards-engine.md).
"""

from ikaze.vetting.rules.context import (
    AgreementSettings,
    DateOfBirth,
    DecisionFacts,
    DobPrecision,
    HouseholdMember,
    PersonFacts,
    ReferralFacts,
    RuleContext,
    Stage,
)
from ikaze.vetting.rules.engine import (
    RULES,
    RULESET,
    RULESET_VERSION,
    Evaluation,
    canonical_inputs,
    evaluate,
    evaluate_many,
    inputs_hash,
)
from ikaze.vetting.rules.findings import Finding, Outcome, Rule, RuleKind
from ikaze.vetting.rules.procedure import notice_language_served
from ikaze.vetting.rules.reasons import RefusalReason

__all__ = [
    "RULES",
    "RULESET",
    "RULESET_VERSION",
    "AgreementSettings",
    "DateOfBirth",
    "DecisionFacts",
    "DobPrecision",
    "Evaluation",
    "Finding",
    "HouseholdMember",
    "Outcome",
    "PersonFacts",
    "ReferralFacts",
    "RefusalReason",
    "Rule",
    "RuleContext",
    "RuleKind",
    "Stage",
    "canonical_inputs",
    "evaluate",
    "evaluate_many",
    "inputs_hash",
    "notice_language_served",
]
