from ikaze.accounts.error_codes import ErrorCode
from ikaze.core.errors import NotFound, PermissionDenied, ValidationError


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
