from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.accounts.access import OrgKind, Role
from ikaze.core.models import BaseModel


class Organisation(BaseModel):
    class Kind(models.TextChoices):
        SENDING_STATE = OrgKind.SENDING_STATE, _("Sending state")
        RECEIVING_STATE = OrgKind.RECEIVING_STATE, _("Receiving state")
        PARTNER = OrgKind.PARTNER, _("Implementing partner")
        MONITORING_BODY = OrgKind.MONITORING_BODY, _("Monitoring body")

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in OrgKind]),
                name="organisation_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    preferred_language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(BaseModel):
    class RoleChoice(models.TextChoices):
        SENDING_LIAISON = Role.SENDING_LIAISON, _("Sending-state liaison")
        VETTING_OFFICER = Role.VETTING_OFFICER, _("Vetting officer")
        SENIOR_OFFICER = Role.SENIOR_OFFICER, _("Senior officer")
        RECEPTION_OFFICER = Role.RECEPTION_OFFICER, _("Reception officer")
        CASEWORKER = Role.CASEWORKER, _("Caseworker")
        FINANCE_OFFICER = Role.FINANCE_OFFICER, _("Finance officer")
        FINANCE_APPROVER = Role.FINANCE_APPROVER, _("Finance approver")
        MONITOR = Role.MONITOR, _("Independent monitor")
        AUDITOR = Role.AUDITOR, _("Auditor")
        ADMIN = Role.ADMIN, _("Administrator")
        ORG_ADMIN = Role.ORG_ADMIN, _("Organisation administrator")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=24, choices=RoleChoice.choices)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="membership_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.organisation}"


class ApiToken(BaseModel):
    """A machine client's credential: one organisation, one role, stored as a SHA-256 hash.

    The clear token (`ikz_<prefix>_<secret>`) is shown once, when issued.
    """

    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tokens")
    role = models.CharField(max_length=24, choices=Membership.RoleChoice.choices)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class EnrolmentLink(BaseModel):
    """A one-time link through which a person sets their password and enrols their second
    factor (SAFEGUARDS F6: no trust on first sign-in). Stored as a SHA-256 hash; the clear
    link is shown once, to the administrator who made it."""

    class Purpose(models.TextChoices):
        # A new account, or a person who lost both: a password and, for a privileged role,
        # an authenticator.
        ENROL = "enrol", _("Set up the account")
        # A forgotten password: a new one; the authenticator stays.
        PASSWORD_RESET = "password_reset", _("Reset the password")
        # A lost authenticator: a new one, with the person's current password.
        SECOND_FACTOR_RESET = "second_factor_reset", _("Reset the second factor")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="enrolment_links")
    purpose = models.CharField(max_length=24, choices=Purpose.choices, default=Purpose.ENROL)
    key_hash = models.CharField(max_length=64, unique=True)
    # None: made from the command line (the bootstrap of an organisation's first administrator).
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"enrolment link for {self.user_id}"


class CredentialNotice(BaseModel):
    """What an organisation is told: a credential was made, changed or ended in its name
    (SAFEGUARDS F6; the monitoring body reads its own, C1)."""

    class Kind(models.TextChoices):
        ACCOUNT_CREATED = "account_created", _("Account created")
        MEMBERSHIP_GRANTED = "membership_granted", _("Role granted")
        MEMBERSHIP_REVOKED = "membership_revoked", _("Role revoked")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        ENROLMENT_LINK_ISSUED = "enrolment_link_issued", _("Enrolment link issued")
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Authenticator enrolled")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
        ACCOUNT_REACTIVATED = "account_reactivated", _("Account reactivated")
        ACCOUNT_UNLOCKED = "account_unlocked", _("Sign-in lock-out cleared")
        PASSWORD_RESET_ISSUED = "password_reset_issued", _("Password reset link issued")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="credential_notices"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    role = models.CharField(max_length=24, blank=True)
    made_by = models.CharField(max_length=200)
    made_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"
