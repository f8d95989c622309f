"""Structured reasons for a refusal (issue 4, item 4). Phase 2 uses them as TextChoices values;
the notices render them in the person's language."""

from __future__ import annotations

from enum import StrEnum


class RefusalReason(StrEnum):
    INCOMPLETE_REFERRAL = "incomplete_referral"  # SAFEGUARDS A4
    SAFEGUARD_BLOCK = "safeguard_block"  # a finding blocks (the finding names the rule)
    CAP_REACHED = "cap_reached"  # SAFEGUARDS A6
    NOT_ELIGIBLE = "not_eligible"  # outside the agreement's eligibility
    IDENTITY_UNRESOLVED = "identity_unresolved"
    OTHER = "other"  # free text required
