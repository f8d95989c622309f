"""Errors specific to agreements (stable codes the API and the pages show)."""

from __future__ import annotations

from typing import Any

from ikaze.core.errors import CapacityExceeded, Conflict, PermissionDenied, RuleBlocked


class AgreementNotInForce(RuleBlocked):
    """Places can be taken only under an agreement in force (and within its validity)."""

    code = "agreement_not_in_force"


class NoCapPeriod(CapacityExceeded):
    """The agreement has cap periods and none covers the date."""

    code = "no_cap_period"


class StaleVersion(Conflict):
    """Someone else changed the agreement since the form or request was prepared."""

    code = "stale_version"


class PaymentNotAllowed(RuleBlocked):
    """Inter-state payments are recorded only once an agreement has been signed."""

    code = "agreement_not_signed"


class NotAParty(PermissionDenied):
    """Issue 9 item 10: officers act only on agreements their state is a party to."""

    code = "not_a_party"

    def __init__(self, message: str, *, details: dict[str, Any], target_id: object = "") -> None:
        super().__init__(message, details=details)
        self.perm = "agreement.party"
        self.target_type = "agreement"
        self.target_id = str(target_id or "")
