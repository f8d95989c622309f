"""Codes the vetting pages show (fact kinds, fields, values, a finding's facts) have labels,
and a finding reads in the reader's language, with its coded facts translated too."""

from __future__ import annotations

import enum
import typing

import pytest
from django.utils import translation

from ikaze.vetting import labels
from ikaze.vetting.legal_events import PAYLOAD_SCHEMAS, EventKind
from ikaze.vetting.rules.findings import Finding, Outcome, RuleKind
from ikaze.vetting.rules.messages import encode


def _choice_values(annotation: typing.Any) -> set[str]:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, typing.Annotated, frozenset) or str(origin) == "types.UnionType":
        return _choice_values(args[0])
    if origin is typing.Literal:
        return set(args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {m.value for m in annotation}
    return set()


def test_every_fact_kind_field_and_choice_has_a_label() -> None:
    assert set(labels.FACT_KINDS) == {k.value for k in EventKind}
    for schema in PAYLOAD_SCHEMAS.values():
        hints = typing.get_type_hints(schema, include_extras=True)
        for name in schema.model_fields:
            assert name in labels.FIELDS, name
            for value in _choice_values(hints[name]):
                assert value in labels.CODES[name], (name, value)


def _finding(rule_id: str, message: str, facts: dict[str, typing.Any]) -> Finding:
    return Finding(rule_id, Outcome.BLOCK, RuleKind.BLOCK, message, facts, True)


@pytest.mark.parametrize(
    ("finding", "french"),
    [
        (
            _finding(
                "A4",
                "Incomplete referral: missing %(missing_text)s.",
                {"missing": ["date_of_birth", "travel_document"], "missing_text": "x"},
            ),
            "date de naissance, document de voyage",
        ),
        (
            _finding(
                "A3",
                "No assessment counts: the latest (%(signed_on)s) is %(defects_text)s. "
                "Bulk or copied assessments are refused.",
                {
                    "signed_on": "2026-01-02",
                    "defects": ["bulk", "missing:family_links,health"],
                    "defects_text": "x",
                },
            ),
            "une évaluation collective; thèmes manquants : liens familiaux, santé",
        ),
        (
            _finding(
                "A9",
                "Below standard: the agreement sets %(setting)s = %(value)s; the standard is "
                "%(standard)s.",
                {"setting": "notice_period_days", "value": 1, "standard": 10},
            ),
            "Préavis avant le transfert (jours) = 1",
        ),
    ],
)
def test_a_finding_message_translates_its_coded_facts(finding: Finding, french: str) -> None:
    assert encode(finding.message).startswith("#"), "not a message the rules return"
    with translation.override("fr"):
        shown = labels.shown_finding(finding, people={})
        assert french in shown.render_message()
        text = " ".join(f"{k} {v}" for k, v in labels.shown_pairs(shown.facts_used))
    assert "_" not in text.replace("notice_period_days", "")
    assert "missing_text" not in text and "defects_text" not in text


def test_a_finding_names_the_officer_by_full_name_and_hides_nothing_else() -> None:
    finding = _finding(
        "A5",
        "Accepted by %(officer)s on %(accepted_on)s, valid until %(valid_until)s.",
        {"officer": "amina.u", "accepted_on": "2026-01-02", "valid_until": "2026-04-02"},
    )
    shown = labels.shown_finding(finding, people={"amina.u": "Amina Uwase"})
    with translation.override("en"):
        message, pairs = shown.render_message(), labels.shown_pairs(shown.facts_used)
    assert message == "Accepted by Amina Uwase on 2026-01-02, valid until 2026-04-02."
    assert pairs == [
        ("Officer", "Amina Uwase"),
        ("Accepted on", "2026-01-02"),
        ("Valid until", "2026-04-02"),
    ]


def test_a_rule_text_names_the_agreements_numbers_but_not_its_flags() -> None:
    from types import SimpleNamespace

    from ikaze.vetting.rules import RULES

    agreement = SimpleNamespace(
        voluntary=False,
        payment_conditional_on_claim_withdrawal=False,
        notice_period_days=10,
        acceptance_valid_days=90,
    )
    a13 = RULES["A13"]
    text = labels.rule_text(a13.text, settings=a13.settings, agreement=agreement)
    assert text.startswith("Where the scheme is voluntary:")
    assert "False" not in text
    a5 = RULES["A5"]
    text = labels.rule_text(a5.text, settings=a5.settings, agreement=agreement)
    assert "expires after 90 (default 90)" in text
    assert "acceptance_valid_days" not in text
    # Only whole words: a setting named inside a longer word is left alone.
    assert (
        labels.rule_text(
            "the notice_period_days_x and notice_period_days.",
            settings=("notice_period_days",),
            agreement=agreement,
        )
        == "the notice_period_days_x and 10."
    )


def test_a_household_finding_and_fact_name_the_members_by_name() -> None:
    known, other = "6f1c0d7e-8a53-4b53-9a0e-2f7f6b0e4c11", "HH-REF-7"
    finding = _finding(
        "A7",
        "Household members are not travelling with the person (%(absent_text)s): a household "
        "moves together unless a best-interests determination with consent is recorded.",
        {"absent_members": [known, other], "absent_text": f"{known}, {other}"},
    )
    assert labels.person_refs(finding.facts_used, {"member_ref": known}) == [known, other, known]
    persons = {known: "Ana Pérez"}
    shown = labels.shown_finding(finding, people={}, persons=persons)
    with translation.override("en"):
        message, pairs = shown.render_message(), labels.shown_pairs(shown.facts_used)
        fact = labels.shown_pairs({"member_ref": known, "relationship": "child"}, persons=persons)
    # A registered person by name; the sending state's own reference as it is.
    assert "(Ana Pérez, HH-REF-7)" in message
    assert known not in message
    assert pairs == [("Absent members", "Ana Pérez, HH-REF-7")]
    assert fact[0][1] == "Ana Pérez"
    # Without names the stored ids still show: nothing is hidden.
    assert known in labels.shown_finding(finding, people={}).render_message()
