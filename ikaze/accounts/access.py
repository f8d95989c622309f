"""The access matrix: which role may do what. The only place it is declared.

Every page and API operation names the permission it needs (`@requires(...)` on views,
`perm=` on API routes); `tests/test_access_matrix.py` walks every route as every role and checks
the answer against this table. Scope (which objects) is the selectors' job; this table says which
actions.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext, gettext_noop


class Role(StrEnum):
    SENDING_LIAISON = "sending_liaison"
    VETTING_OFFICER = "vetting_officer"
    SENIOR_OFFICER = "senior_officer"
    RECEPTION_OFFICER = "reception_officer"
    CASEWORKER = "caseworker"
    FINANCE_OFFICER = "finance_officer"
    FINANCE_APPROVER = "finance_approver"
    MONITOR = "monitor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Keeps an organisation's own accounts and tokens (SAFEGUARDS F6: an organisation's
    # credentials are made by that organisation), in any kind of organisation.
    ORG_ADMIN = "org_admin"

    @property
    def label(self) -> str:
        """The role's name in the active language (the page header shows it)."""
        return gettext(ROLE_LABELS[self])


class OrgKind(StrEnum):
    SENDING_STATE = "sending_state"
    RECEIVING_STATE = "receiving_state"
    PARTNER = "partner"
    MONITORING_BODY = "monitoring_body"


class Perm(StrEnum):
    # agreements
    AGREEMENT_VIEW = "agreement.view"
    AGREEMENT_MANAGE = "agreement.manage"
    AGREEMENT_SUSPEND = "agreement.suspend"
    # Change an agreement's status at all: held by whoever holds MANAGE or SUSPEND (derived
    # below). Routes declare it; the service then requires the one the step needs
    # (agreements.services.transition_perm: suspend and resume SUSPEND, the rest MANAGE).
    AGREEMENT_TRANSITION = "agreement.transition"
    INTERSTATE_PAYMENT_RECORD = "agreement.payment.record"
    # audit
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    # accounts
    USER_MANAGE = "accounts.user.manage"
    TOKEN_MANAGE = "accounts.token.manage"  # noqa: S105  (a permission name)
    # Read what was made in one's own organisation's name (SAFEGUARDS F6).
    CREDENTIAL_NOTICE_VIEW = "accounts.credential_notice.view"
    # people, referrals, intake (referrals issue)
    PERSON_VIEW = "people.person.view"
    SENSITIVE_VIEW = "people.sensitive.view"
    MATCH_ADJUDICATE = "people.match.adjudicate"
    REFERRAL_VIEW = "vetting.referral.view"
    REFERRAL_CREATE = "vetting.referral.create"
    INTAKE_UPLOAD = "intake.upload"
    # Read the intake batches (the uploading organisation's; the monitor's, all: C1).
    INTAKE_VIEW = "intake.view"
    # Read the possible duplicates (deciding them is MATCH_ADJUDICATE).
    MATCH_VIEW = "people.match.view"
    # vetting (vetting issue)
    FACT_RECORD = "vetting.fact.record"
    REFERRAL_DECIDE = "vetting.referral.decide"
    OVERRIDE_REQUEST = "vetting.override.request"
    OVERRIDE_APPROVE = "vetting.override.approve"
    NOTICE_ISSUE = "vetting.notice.issue"
    # Read the vetting queue and the override requests (issue 11 item 9: the monitor reads them,
    # SAFEGUARDS C1); answering them stays with REFERRAL_DECIDE and OVERRIDE_APPROVE.
    QUEUE_VIEW = "vetting.queue.view"
    OVERRIDE_VIEW = "vetting.override.view"
    # What the monitor was told (overrides approved, alerts raised).
    MONITOR_NOTICE_VIEW = "vetting.monitor_notice.view"
    # documents (issue 11 item 3): which records is asked of the record's owner
    DOCUMENT_VIEW = "documents.document.view"
    DOCUMENT_UPLOAD = "documents.document.upload"
    # movements (movements issue)
    MOVEMENT_VIEW = "movements.movement.view"
    MOVEMENT_PROPOSE = "movements.movement.propose"
    MANIFEST_LOCK = "movements.manifest.lock"
    MOVEMENT_BOARD = "movements.movement.board"
    MOVEMENT_ARRIVE = "movements.movement.arrive"
    INCIDENT_EXPLAIN = "movements.incident.explain"
    # reception (movements issue)
    FACILITY_VIEW = "reception.facility.view"
    FACILITY_MANAGE = "reception.facility.manage"
    STAY_MANAGE = "reception.stay.manage"
    # protection (issue 15): the case after arrival, complaints, the monitor's workspace
    CASE_VIEW = "protection.case.view"
    CASE_MANAGE = "protection.case.manage"
    # Record a departure through the non-refoulement lock (SAFEGUARDS B6).
    DEPARTURE_RECORD = "protection.departure.record"
    # File a complaint for a person (a caseworker or a monitor; people file their own on the
    # self-service page). Reading complaints is COMPLAINT_VIEW: the monitor's alone (C2).
    COMPLAINT_FILE = "protection.complaint.file"
    COMPLAINT_VIEW = "protection.complaint.view"
    MONITOR_INBOX_VIEW = "protection.inbox.view"
    OBSERVATION_WRITE = "protection.observation.write"
    # Ask for (receiving state's admin) or answer (monitoring body's administrator) the
    # removal of a monitor's access (C1: the receiving state alone cannot revoke a monitor).
    MONITOR_ACCESS_REQUEST = "protection.monitor_access.request"
    MONITOR_ACCESS_DECIDE = "protection.monitor_access.decide"
    # personal data (issue 15, SAFEGUARDS D2-D5): the administrator acts as the data-protection
    # officer; the monitor reads the registers.
    PRIVACY_VIEW = "privacy.view"
    PRIVACY_MANAGE = "privacy.manage"


ROLE_LABELS: dict[Role, str] = {
    Role.SENDING_LIAISON: gettext_noop("Sending-state liaison"),
    Role.VETTING_OFFICER: gettext_noop("Vetting officer"),
    Role.SENIOR_OFFICER: gettext_noop("Senior officer"),
    Role.RECEPTION_OFFICER: gettext_noop("Reception officer"),
    Role.CASEWORKER: gettext_noop("Caseworker"),
    Role.FINANCE_OFFICER: gettext_noop("Finance officer"),
    Role.FINANCE_APPROVER: gettext_noop("Finance approver"),
    Role.MONITOR: gettext_noop("Independent monitor"),
    Role.AUDITOR: gettext_noop("Auditor"),
    Role.ADMIN: gettext_noop("Administrator"),
    Role.ORG_ADMIN: gettext_noop("Organisation administrator"),
}

_EVERYONE = frozenset({Perm.AGREEMENT_VIEW})

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.SENDING_LIAISON: _EVERYONE
    | {
        Perm.REFERRAL_VIEW,
        Perm.REFERRAL_CREATE,
        Perm.INTAKE_UPLOAD,
        Perm.INTAKE_VIEW,
        Perm.PERSON_VIEW,
        Perm.DOCUMENT_VIEW,
        Perm.DOCUMENT_UPLOAD,
        Perm.MOVEMENT_VIEW,
        Perm.MOVEMENT_PROPOSE,
    },
    Role.VETTING_OFFICER: _EVERYONE
    | {
        Perm.PERSON_VIEW,
        Perm.SENSITIVE_VIEW,
        Perm.MATCH_ADJUDICATE,
        Perm.MATCH_VIEW,
        Perm.REFERRAL_VIEW,
        Perm.QUEUE_VIEW,
        Perm.FACT_RECORD,
        Perm.REFERRAL_DECIDE,
        Perm.OVERRIDE_REQUEST,
        Perm.NOTICE_ISSUE,
        Perm.DOCUMENT_VIEW,
        Perm.DOCUMENT_UPLOAD,
        Perm.MOVEMENT_VIEW,
        Perm.MOVEMENT_PROPOSE,
    },
    Role.SENIOR_OFFICER: _EVERYONE
    | {
        Perm.AGREEMENT_SUSPEND,
        Perm.PERSON_VIEW,
        Perm.SENSITIVE_VIEW,
        Perm.MATCH_ADJUDICATE,
        Perm.MATCH_VIEW,
        Perm.REFERRAL_VIEW,
        Perm.FACT_RECORD,
        Perm.OVERRIDE_REQUEST,
        Perm.OVERRIDE_APPROVE,
        Perm.OVERRIDE_VIEW,
        Perm.NOTICE_ISSUE,
        Perm.MOVEMENT_VIEW,
        Perm.MOVEMENT_PROPOSE,
        Perm.MANIFEST_LOCK,
        Perm.MOVEMENT_BOARD,
        Perm.INCIDENT_EXPLAIN,
        Perm.FACILITY_VIEW,
        Perm.DOCUMENT_VIEW,
        Perm.DOCUMENT_UPLOAD,
    },
    Role.RECEPTION_OFFICER: _EVERYONE
    | {
        Perm.PERSON_VIEW,
        Perm.MOVEMENT_VIEW,
        Perm.MOVEMENT_BOARD,
        Perm.MOVEMENT_ARRIVE,
        Perm.INCIDENT_EXPLAIN,
        Perm.FACILITY_VIEW,
        Perm.FACILITY_MANAGE,
        Perm.STAY_MANAGE,
    },
    Role.CASEWORKER: _EVERYONE
    | {
        Perm.PERSON_VIEW,
        Perm.SENSITIVE_VIEW,
        Perm.FACT_RECORD,
        Perm.FACILITY_VIEW,
        Perm.DOCUMENT_VIEW,
        Perm.DOCUMENT_UPLOAD,
        Perm.CASE_VIEW,
        Perm.CASE_MANAGE,
        Perm.DEPARTURE_RECORD,
        Perm.COMPLAINT_FILE,
    },
    Role.FINANCE_OFFICER: _EVERYONE | {Perm.INTERSTATE_PAYMENT_RECORD},
    Role.FINANCE_APPROVER: _EVERYONE,
    Role.MONITOR: _EVERYONE
    | {
        Perm.AUDIT_VIEW,
        Perm.AUDIT_EXPORT,
        Perm.PERSON_VIEW,
        Perm.SENSITIVE_VIEW,
        Perm.REFERRAL_VIEW,
        Perm.CREDENTIAL_NOTICE_VIEW,
        # SAFEGUARDS C1: the monitor reads every list the officers work from (issue 11 item 9).
        Perm.QUEUE_VIEW,
        Perm.OVERRIDE_VIEW,
        Perm.MATCH_VIEW,
        Perm.INTAKE_VIEW,
        Perm.MONITOR_NOTICE_VIEW,
        Perm.DOCUMENT_VIEW,
        Perm.MOVEMENT_VIEW,
        Perm.FACILITY_VIEW,
        # issue 15: the case after arrival (read), complaints, the inbox, observations.
        Perm.CASE_VIEW,
        Perm.COMPLAINT_FILE,
        Perm.COMPLAINT_VIEW,
        Perm.MONITOR_INBOX_VIEW,
        Perm.OBSERVATION_WRITE,
        Perm.PRIVACY_VIEW,
    },
    Role.AUDITOR: _EVERYONE | {Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT},
    # USER_MANAGE and TOKEN_MANAGE reach only the administrator's own organisation
    # (accounts.services: `_require_administers`).
    Role.ADMIN: _EVERYONE
    | {
        Perm.AGREEMENT_MANAGE,
        Perm.USER_MANAGE,
        Perm.TOKEN_MANAGE,
        Perm.CREDENTIAL_NOTICE_VIEW,
        Perm.MONITOR_ACCESS_REQUEST,
        Perm.PRIVACY_VIEW,
        Perm.PRIVACY_MANAGE,
    },
    # MONITOR_ACCESS_DECIDE reaches only a monitoring body's own administrator
    # (protection.services: `monitor_access_decide`).
    Role.ORG_ADMIN: _EVERYONE
    | {
        Perm.USER_MANAGE,
        Perm.TOKEN_MANAGE,
        Perm.CREDENTIAL_NOTICE_VIEW,
        Perm.MONITOR_ACCESS_DECIDE,
    },
}

# Whoever may take some status step may call the transition routes (the step is checked next).
MATRIX = {
    role: perms | {Perm.AGREEMENT_TRANSITION}
    if perms & {Perm.AGREEMENT_MANAGE, Perm.AGREEMENT_SUSPEND}
    else perms
    for role, perms in MATRIX.items()
}

# Which kinds of organisation may hold which roles (a sending state cannot vet, a monitor
# belongs to a monitoring body, ...). Enforced when a membership is granted.
ROLE_ORG_KINDS: dict[Role, frozenset[OrgKind]] = {
    Role.SENDING_LIAISON: frozenset({OrgKind.SENDING_STATE}),
    Role.VETTING_OFFICER: frozenset({OrgKind.RECEIVING_STATE}),
    Role.SENIOR_OFFICER: frozenset({OrgKind.RECEIVING_STATE}),
    Role.RECEPTION_OFFICER: frozenset({OrgKind.RECEIVING_STATE, OrgKind.PARTNER}),
    Role.CASEWORKER: frozenset({OrgKind.RECEIVING_STATE, OrgKind.PARTNER}),
    Role.FINANCE_OFFICER: frozenset({OrgKind.RECEIVING_STATE}),
    Role.FINANCE_APPROVER: frozenset({OrgKind.RECEIVING_STATE}),
    Role.MONITOR: frozenset({OrgKind.MONITORING_BODY}),
    Role.AUDITOR: frozenset(OrgKind),
    Role.ADMIN: frozenset({OrgKind.RECEIVING_STATE}),
    Role.ORG_ADMIN: frozenset(OrgKind),
}

# The roles that keep an organisation's credentials (its users, memberships and API tokens).
ADMIN_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.ORG_ADMIN})

# SAFEGUARDS / issue: TOTP is required for privileged roles.
TWO_FACTOR_ROLES: frozenset[Role] = frozenset(
    {Role.SENIOR_OFFICER, Role.FINANCE_APPROVER, Role.ADMIN, Role.ORG_ADMIN, Role.MONITOR}
)

# Roles whose every read is audited (SAFEGUARDS C1: every monitor read is logged).
READS_AUDITED_ROLES: frozenset[Role] = frozenset({Role.MONITOR})


def role_allows(role: Role | str, perm: Perm | str) -> bool:
    return Perm(perm) in MATRIX[Role(role)]


def roles_allowing(perm: Perm | str) -> frozenset[Role]:
    return frozenset(r for r, perms in MATRIX.items() if Perm(perm) in perms)
