from ikaze.accounts.error_codes import ErrorCode
from ikaze.core.errors import Conflict, NotFound, PermissionDenied, ValidationError


class RoleNotAllowedForOrganisation(ValidationError):
    code = ErrorCode.ROLE_NOT_ALLOWED_FOR_ORGANISATION


class MonitorRevocationRefused(PermissionDenied):
    """SAFEGUARDS C1: the receiving state alone cannot revoke a monitor."""

    code = ErrorCode.MONITOR_REVOCATION_REFUSED


class CredentialOutsideOrganisation(PermissionDenied):
    """SAFEGUARDS F6: an organisation's credentials are made by that organisation."""

    code = ErrorCode.CREDENTIAL_OUTSIDE_ORGANISATION


class EnrolmentLinkInvalid(NotFound):
    """The enrolment link is unknown, used, replaced or expired."""

    code = ErrorCode.ENROLMENT_LINK_INVALID


class SelfLockout(Conflict):
    """An administrator cannot lock themselves out (deactivate themselves, drop their own
    administrator role): another administrator does it."""

    code = ErrorCode.SELF_LOCKOUT


class SelfGrant(Conflict):
    """An administrator does not give their own account a role (a senior officer's role, say):
    the four-eyes rules would then rest on one person's say."""

    code = ErrorCode.SELF_GRANT


class LastAdministrator(Conflict):
    """An organisation keeps at least one active administrator (SAFEGUARDS F6: its
    credentials are made by that organisation, so someone there must be able to)."""

    code = ErrorCode.LAST_ADMINISTRATOR


class WrongPassword(ValidationError):
    """The current password given to change it is not right."""

    code = ErrorCode.WRONG_PASSWORD
