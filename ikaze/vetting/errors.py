"""Error codes of referrals and vetting (rendered as {"error": {"code": ...}})."""

from __future__ import annotations

from ikaze.core.errors import Conflict, PermissionDenied, RuleBlocked, ValidationError


class IncompleteReferral(ValidationError):
    """SAFEGUARDS A4: the referral lacks data the agreement requires."""

    code = "incomplete_referral"


class AgreementNotInForce(RuleBlocked):
    code = "agreement_not_in_force"


class AlreadyReferred(Conflict):
    code = "already_referred"


class OverrideRefused(RuleBlocked):
    """SAFEGUARDS preamble: absolute rules can never be overridden, by anyone."""

    code = "absolute_rule"


class FourEyes(Conflict):
    """The second approval must come from a different senior officer."""

    code = "four_eyes"


class SeniorOfficerRequired(PermissionDenied):
    code = "senior_officer_required"


class ProtectiveFactFourEyes(FourEyes):
    """SAFEGUARDS F1: taking a protective fact away needs a request and a second officer."""

    code = "protective_fact_four_eyes"


class NamedOfficerRequired(SeniorOfficerRequired):
    """A named person must act (an API token never does); recorded like a senior refusal."""

    code = "named_officer_required"


class BlockStands(RuleBlocked):
    """SAFEGUARDS F5: a block still stands against the accepted person (the rules are named in
    the details), so the alert about it stays open and no transfer notice is issued."""

    code = "block_stands"


class AlertOpen(RuleBlocked):
    """SAFEGUARDS F5: an alert on the accepted person is open; nothing moves them until the
    block it reports is gone or the acceptance is withdrawn."""

    code = "alert_open"
