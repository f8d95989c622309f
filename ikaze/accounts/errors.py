from ikaze.core.errors import PermissionDenied, ValidationError


class RoleNotAllowedForOrganisation(ValidationError):
    code = "role_not_allowed_for_organisation"


class MonitorRevocationRefused(PermissionDenied):
    """SAFEGUARDS C1: the receiving state alone cannot revoke a monitor."""

    code = "monitor_revocation_refused"
