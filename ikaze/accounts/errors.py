from ikaze.core.errors import NotFound, PermissionDenied, ValidationError


class RoleNotAllowedForOrganisation(ValidationError):
    code = "role_not_allowed_for_organisation"


class MonitorRevocationRefused(PermissionDenied):
    """SAFEGUARDS C1: the receiving state alone cannot revoke a monitor."""

    code = "monitor_revocation_refused"


class CredentialOutsideOrganisation(PermissionDenied):
    """SAFEGUARDS F6: an organisation's credentials are made by that organisation."""

    code = "credential_outside_organisation"


class EnrolmentLinkInvalid(NotFound):
    """The enrolment link is unknown, used, replaced or expired."""

    code = "enrolment_link_invalid"
