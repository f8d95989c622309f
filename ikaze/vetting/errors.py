"""Error codes of referrals (rendered as {"error": {"code": ...}})."""

from __future__ import annotations

from ikaze.core.errors import Conflict, RuleBlocked, ValidationError


class IncompleteReferral(ValidationError):
    """SAFEGUARDS A4: the referral lacks data the agreement requires."""

    code = "incomplete_referral"


class AgreementNotInForce(RuleBlocked):
    code = "agreement_not_in_force"


class AlreadyReferred(Conflict):
    code = "already_referred"
