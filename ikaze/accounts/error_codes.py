"""The error codes of accounts: sign-in, tokens, enrolment, roles (issue 10 item 4)."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    ROLE_NOT_ALLOWED_FOR_ORGANISATION = (
        "role_not_allowed_for_organisation",
        "The role cannot be held in an organisation of this kind.",
    )
    MONITOR_REVOCATION_REFUSED = (
        "monitor_revocation_refused",
        "The receiving state alone cannot revoke a monitor (SAFEGUARDS C1).",
    )
    CREDENTIAL_OUTSIDE_ORGANISATION = (
        "credential_outside_organisation",
        "An organisation's accounts, roles and tokens are made by that organisation (F6).",
    )
    ENROLMENT_LINK_INVALID = (
        "enrolment_link_invalid",
        "The enrolment link is unknown, used, replaced or expired.",
    )
    TWO_FACTOR_REQUIRED = (
        "two_factor_required",
        "A privileged role must complete two-factor sign-in first (SAFEGUARDS F6).",
    )
    SELF_LOCKOUT = (
        "self_lockout",
        "An administrator cannot deactivate their own account or drop their own administrator role.",
    )
    SELF_GRANT = (
        "self_grant",
        "An administrator cannot give their own account a role: another administrator does it.",
    )
    LAST_ADMINISTRATOR = (
        "last_administrator",
        "The change would leave an organisation with no active administrator.",
    )
    WRONG_PASSWORD = "wrong_password", "The current password is not right."
    PERSON_REQUIRED = "person_required", "Only a signed-in person can do this (not a token)."
    INVALID_TOKEN = "invalid_token", "The bearer token is unknown, revoked or expired."
    INVALID_CODE = "invalid_code", "The one-time code is not valid."
