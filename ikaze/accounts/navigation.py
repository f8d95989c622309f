"""The navigation, by permission: one list, read by the shell and the landing pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import Actor


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: Perm
    description: str | Promise = ""


NAV: list[NavItem] = [
    NavItem(
        _("Agreements"),
        "agreements:list",
        Perm.AGREEMENT_VIEW,
        _("The agreements in force, their caps, safeguards and money."),
    ),
    NavItem(
        _("Referrals"),
        "vetting:referral_list",
        Perm.REFERRAL_VIEW,
        _("People referred under an agreement and where each one stands."),
    ),
    NavItem(
        _("People"),
        "people:person_list",
        Perm.PERSON_VIEW,
        _("The people registered, their households and referrals."),
    ),
    NavItem(
        _("Manifest intake"),
        "intake:batch_list",
        Perm.INTAKE_VIEW,
        _("Upload a manifest file and follow its import."),
    ),
    NavItem(
        _("Vetting queue"),
        "vetting:queue",
        Perm.QUEUE_VIEW,
        _("Referrals waiting for a decision, with their safeguard findings."),
    ),
    NavItem(
        _("Alerts"),
        "vetting:alert_list",
        Perm.REFERRAL_DECIDE,
        _("Accepted people a new fact now blocks: read and close each alert."),
    ),
    NavItem(
        _("Possible duplicates"),
        "people:match_queue",
        Perm.MATCH_VIEW,
        _("Decide whether two records are the same person."),
    ),
    NavItem(
        _("Overrides"),
        "vetting:override_list",
        Perm.OVERRIDE_VIEW,
        _("Override requests waiting for a second senior officer."),
    ),
    NavItem(
        _("Monitor notices"),
        "vetting:monitor_notice_list",
        Perm.MONITOR_NOTICE_VIEW,
        _("What the monitor was told: overrides approved, alerts raised."),
    ),
    NavItem(
        _("Movements"),
        "movements:board",
        Perm.MOVEMENT_VIEW,
        _("Flights and convoys, their manifests, reconciliation and incidents."),
    ),
    NavItem(
        _("Arrivals desk"),
        "reception:desk",
        Perm.STAY_MANAGE,
        _("Find an arriving person and check their household in, even offline."),
    ),
    NavItem(
        _("Allocation review"),
        "reception:allocation",
        Perm.STAY_MANAGE,
        _("The proposed housing of the households waiting, to change and confirm."),
    ),
    NavItem(
        _("Personal data"),
        "privacy:overview",
        Perm.PRIVACY_VIEW,
        _("Data-subject requests, legal holds, breaches and exports abroad."),
    ),
    NavItem(
        _("Facilities"),
        "reception:facility_list",
        Perm.FACILITY_VIEW,
        _("Reception facilities, their units and nightly occupancy."),
    ),
    NavItem(
        _("Protection cases"),
        "protection:case_list",
        Perm.CASE_VIEW,
        _("Each person's case after arrival: rights, status claim, services, outcome."),
    ),
    NavItem(
        _("Monitor's inbox"),
        "protection:inbox",
        Perm.MONITOR_INBOX_VIEW,
        _("Alerts from the whole system, complaints and their deadlines."),
    ),
    NavItem(
        _("Complaints"),
        "protection:complaint_list",
        Perm.COMPLAINT_VIEW,
        _("Complaints to the monitor, confidential, with their acknowledgement deadlines."),
    ),
    NavItem(
        _("Monitor access"),
        "protection:access_requests",
        Perm.MONITOR_ACCESS_REQUEST,
        _("Ask the monitoring body to remove a monitor's access (it must confirm)."),
    ),
    NavItem(
        _("Monitor access requests"),
        "protection:access_review",
        Perm.MONITOR_ACCESS_DECIDE,
        _("Confirm or decline a request to remove a monitor's access."),
    ),
    NavItem(
        _("Audit log"),
        "audit:event_list",
        Perm.AUDIT_VIEW,
        _("Every change and sensitive read, hash-chained; verify and export."),
    ),
    NavItem(
        _("Users"),
        "accounts:user_list",
        Perm.USER_MANAGE,
        _("Your organisation's accounts and roles."),
    ),
    NavItem(
        _("API tokens"),
        "accounts:token_list",
        Perm.TOKEN_MANAGE,
        _("Credentials for machine clients of your organisation."),
    ),
    NavItem(
        _("Credential notices"),
        "accounts:credential_notice_list",
        Perm.CREDENTIAL_NOTICE_VIEW,
        _("Accounts, roles and tokens made in your organisation's name."),
    ),
]

ROLE_INTROS: dict[Role, str | Promise] = {
    Role.SENDING_LIAISON: _(
        "Refer people under an agreement, upload manifests and follow each decision."
    ),
    Role.VETTING_OFFICER: _(
        "Review referrals, record facts and safeguard findings, and accept or refuse each person."
    ),
    Role.SENIOR_OFFICER: _(
        "Second-approve overrides, lock manifests and suspend an agreement if needed."
    ),
    Role.RECEPTION_OFFICER: _("Receive arrivals, allocate housing and manage stays."),
    Role.CASEWORKER: _("Follow each person's case after arrival: services, notices, status."),
    Role.FINANCE_OFFICER: _("Record inter-state payments and prepare support payment batches."),
    Role.FINANCE_APPROVER: _(
        "Approve payment batches prepared by a finance officer (never your own)."
    ),
    Role.MONITOR: _(
        "Read everything, receive complaints and file observations. Every read you make is logged."
    ),
    Role.AUDITOR: _("Read and verify the audit chain; export it for a third party."),
    Role.ADMIN: _(
        "Set up agreements, your organisation's users and API tokens. Administrators cannot "
        "decide cases."
    ),
    Role.ORG_ADMIN: _(
        "Keep your organisation's accounts and API tokens; read what was made in its name."
    ),
}


# What waits for the reader behind an entry ("12 referrals waiting for a decision"), for the
# landing page. The app that serves the entry registers its counter when it is ready (accounts
# does not import the apps); a counter reads through the app's own scoped selectors and returns
# the sentence to show, or "" when nothing waits.
WaitingCounter = Callable[[Actor], str]
_WAITING: dict[str, WaitingCounter] = {}


def register_waiting(url_name: str, counter: WaitingCounter) -> None:
    _WAITING[url_name] = counter


def nav_for(actor: Actor | None, *, waiting: bool = False) -> list[dict[str, str | Promise]]:
    """Return the navigation entries the actor may use, resolved to URLs; with `waiting`, each
    also says what waits there for the actor (the landing page; the shell skips the queries)."""
    if actor is None:
        return []
    items: list[dict[str, str | Promise]] = []
    for item in NAV:
        if not actor.can(item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # the app that serves it is not installed yet
        entry: dict[str, str | Promise] = {
            "label": item.label,
            "url": url,
            "description": item.description,
        }
        if waiting and item.url_name in _WAITING:
            entry["waiting"] = _WAITING[item.url_name](actor)
        items.append(entry)
    return items
