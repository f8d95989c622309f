"""Error codes of referrals and vetting (rendered as {"error": {"code": ...}})."""

from __future__ import annotations

from ikaze.core.errors import Conflict, PermissionDenied, RuleBlocked, ValidationError
from ikaze.vetting.error_codes import ErrorCode


class IncompleteReferral(ValidationError):
    """SAFEGUARDS A4: the referral lacks data the agreement requires."""

    code = ErrorCode.INCOMPLETE_REFERRAL


class AlreadyReferred(Conflict):
    code = ErrorCode.ALREADY_REFERRED


class OverrideRefused(RuleBlocked):
    """SAFEGUARDS preamble: absolute rules can never be overridden, by anyone."""

    code = ErrorCode.ABSOLUTE_RULE


class FourEyes(Conflict):
    """The second approval must come from a different senior officer."""

    code = ErrorCode.FOUR_EYES


class SeniorOfficerRequired(PermissionDenied):
    code = ErrorCode.SENIOR_OFFICER_REQUIRED


class ProtectiveFactFourEyes(FourEyes):
    """SAFEGUARDS F1: taking a protective fact away needs a request and a second officer."""

    code = ErrorCode.PROTECTIVE_FACT_FOUR_EYES


class NamedOfficerRequired(SeniorOfficerRequired):
    """A named person must act (an API token never does); recorded like a senior refusal."""

    code = ErrorCode.NAMED_OFFICER_REQUIRED


class BlockStands(RuleBlocked):
    """SAFEGUARDS F5: a block still stands against the accepted person (the rules are named in
    the details), so the alert about it stays open and no transfer notice is issued."""

    code = ErrorCode.BLOCK_STANDS


class AlertOpen(RuleBlocked):
    """SAFEGUARDS F5: an alert on the accepted person is open; nothing moves them until the
    block it reports is gone or the acceptance is withdrawn."""

    code = ErrorCode.ALERT_OPEN


class NoticeUntranslated(RuleBlocked):
    """SAFEGUARDS A9/B4: a notice is served in a language the person understands; what is not
    translated is issued only with an interpreter's record (issue 11 item 14)."""

    code = ErrorCode.NOTICE_UNTRANSLATED


class NoticeSettingsMissing(RuleBlocked):
    """A notice never names an English placeholder: the agreement's settings must be set in
    the notice's language (issue 11 item 14)."""

    code = ErrorCode.NOTICE_SETTINGS_MISSING
