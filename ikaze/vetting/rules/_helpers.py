"""Small shared pieces of the rules: dates as facts, the child test, below-standard flags."""

from __future__ import annotations

import datetime as dt

from ikaze.agreements.standards import PROTECTIVE_DEFAULTS, is_weaker
from ikaze.vetting.legal_events import CAREGIVERS
from ikaze.vetting.rules.context import RuleContext, age_on
from ikaze.vetting.rules.findings import N_, Finding, Rule

ADULT_AGE = 18


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def child_status(ctx: RuleContext) -> tuple[bool, int | None, str]:
    """Whether the person counts as a child for SAFEGUARDS A1/A7, their age, and why.

    Protective reading: an open or non-final age dispute, an unknown date of birth, or a
    date known only to the month or year (taken at its latest possible day) counts as a child.
    """
    dispute = ctx.legal.age_dispute
    if dispute is not None:
        if dispute.resolved_on is None or not dispute.final:
            return True, None, "age_disputed"
        if dispute.outcome == "adult":
            return False, None, "age_dispute_resolved_adult"
        return True, None, "age_dispute_resolved_child"
    dob = ctx.person.date_of_birth
    if dob is None:
        return True, None, "date_of_birth_unknown"
    age = age_on(dob.latest_possible(), ctx.today)
    return age < ADULT_AGE, age, "date_of_birth"


def present_caregivers(ctx: RuleContext) -> list[str]:
    return [
        m.person_id
        for m in ctx.person.household
        if m.present and not m.is_child and m.relationship in CAREGIVERS
    ]


def below_standard(rule: Rule, ctx: RuleContext, setting: str) -> Finding | None:
    """SAFEGUARDS A9 (and preamble): a setting weaker than the protective standard is flagged
    "below standard" wherever it is used."""
    value = getattr(ctx.agreement, setting)
    if not is_weaker(setting, value):
        return None
    return rule.warned(
        N_(
            "Below standard: the agreement sets %(setting)s = %(value)s; the standard is %(standard)s."
        ),
        {"setting": setting, "value": value, "standard": PROTECTIVE_DEFAULTS[setting].value},
    )
