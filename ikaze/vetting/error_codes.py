"""The error codes of referrals and vetting (issue 10 item 4)."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    INCOMPLETE_REFERRAL = (
        "incomplete_referral",
        "The referral lacks data the agreement requires (SAFEGUARDS A4).",
    )
    ALREADY_REFERRED = "already_referred", "The person already has an open referral."
    ABSOLUTE_RULE = "absolute_rule", "An absolute rule can never be overridden, by anyone."
    FOUR_EYES = "four_eyes", "The second approval must come from a different senior officer."
    SENIOR_OFFICER_REQUIRED = "senior_officer_required", "Only a senior officer can do this."
    PROTECTIVE_FACT_FOUR_EYES = (
        "protective_fact_four_eyes",
        "Taking a protective fact away needs a request and a second officer (SAFEGUARDS F1).",
    )
    NAMED_OFFICER_REQUIRED = (
        "named_officer_required",
        "A named officer signed in in person must act; an API token never does.",
    )
    BLOCK_STANDS = "block_stands", "A block still stands against the accepted person (F5)."
    ALERT_OPEN = "alert_open", "An alert on the accepted person is open (SAFEGUARDS F5)."
    NOTICE_UNTRANSLATED = (
        "notice_untranslated",
        "The notice's reasons are not in its language: give their translation, or an "
        "interpreter's record (name and language).",
    )
    NOTICE_SETTINGS_MISSING = (
        "notice_settings_missing",
        "The agreement's notice settings (authorities, appeal body, legal aid, monitor) are not "
        "set in the notice's language.",
    )
