"""The demo scenario: deterministic, loaded by `ikaze demo` (and by tests that want it).

Each app contributes its part through its services, so the demo is built exactly as a user
would build it; this module only orders the parts.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import services as accounts
from ikaze.accounts.access import TWO_FACTOR_ROLES, OrgKind, Role
from ikaze.accounts.actor import actor_for_user, command_line_actor
from ikaze.accounts.models import Organisation, User

DEMO_PASSWORD = "ikaze-demo-2026"

# One account per role, and an administrator in each organisation that has accounts: an
# organisation's credentials are made by that organisation (SAFEGUARDS F6).
# (username, role, organisation short name, given name, family name, language)
DEMO_USERS: list[tuple[str, Role, str, str, str, str]] = [
    ("liaison", Role.SENDING_LIAISON, "US-DHS", "Jordan", "Reyes", "en"),
    ("vetting", Role.VETTING_OFFICER, "RW-DGIE", "Aline", "Uwase", "rw"),
    ("senior", Role.SENIOR_OFFICER, "RW-DGIE", "Jean-Paul", "Habimana", "fr"),
    ("senior2", Role.SENIOR_OFFICER, "RW-DGIE", "Claudine", "Mukamana", "fr"),
    ("reception", Role.RECEPTION_OFFICER, "RW-MINEMA", "Eric", "Niyonzima", "rw"),
    ("caseworker", Role.CASEWORKER, "Ubuntu Care", "Grace", "Ingabire", "en"),
    ("finance", Role.FINANCE_OFFICER, "RW-MINECOFIN", "Patrick", "Nshimiyimana", "en"),
    ("approver", Role.FINANCE_APPROVER, "RW-MINECOFIN", "Diane", "Umutoni", "en"),
    ("monitor", Role.MONITOR, "Monitoring Committee", "Sofía", "Herrera", "es"),
    ("auditor", Role.AUDITOR, "RW-OAG", "Samuel", "Mugisha", "en"),
    ("admin", Role.ADMIN, "RW-MINEMA", "Marie", "Uwimana", "en"),
    ("dhs-admin", Role.ORG_ADMIN, "US-DHS", "Morgan", "Lee", "en"),
    ("monitoring-admin", Role.ORG_ADMIN, "Monitoring Committee", "Lucía", "Ortega", "es"),
    ("dgie-admin", Role.ORG_ADMIN, "RW-DGIE", "Yvonne", "Mukeshimana", "rw"),
    ("minecofin-admin", Role.ORG_ADMIN, "RW-MINECOFIN", "Olivier", "Ndayisaba", "en"),
    ("oag-admin", Role.ORG_ADMIN, "RW-OAG", "Josiane", "Uwera", "en"),
    ("ubuntu-admin", Role.ORG_ADMIN, "Ubuntu Care", "Esther", "Mutesi", "en"),
]

# (name, short name, kind, country)
DEMO_ORGANISATIONS: list[tuple[str, str, OrgKind, str]] = [
    (
        "Republic of Rwanda — Directorate General of Immigration and Emigration",
        "RW-DGIE",
        OrgKind.RECEIVING_STATE,
        "RW",
    ),
    (
        "Republic of Rwanda — Ministry in charge of Emergency Management",
        "RW-MINEMA",
        OrgKind.RECEIVING_STATE,
        "RW",
    ),
    (
        "Republic of Rwanda — Ministry of Finance and Economic Planning",
        "RW-MINECOFIN",
        OrgKind.RECEIVING_STATE,
        "RW",
    ),
    ("Republic of Rwanda — Office of the Auditor General", "RW-OAG", OrgKind.RECEIVING_STATE, "RW"),
    ("United States — Department of Homeland Security", "US-DHS", OrgKind.SENDING_STATE, "US"),
    ("United Kingdom — Home Office", "UK-HO", OrgKind.SENDING_STATE, "GB"),
    ("Ubuntu Care Reception Partners", "Ubuntu Care", OrgKind.PARTNER, "RW"),
    ("Independent Monitoring Committee", "Monitoring Committee", OrgKind.MONITORING_BODY, "RW"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    organisation: str
    totp_secret: str | None


def totp_secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")


def demo_loaded() -> bool:
    return User.objects.filter(username="admin").exists()


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create the demo organisations, one user per role and an administrator per organisation
    (bootstrapped by the system, as `ikaze invite` does), and every app's demo data."""
    # The demo's accounts are bootstrapped by an operator's command, as `ikaze invite` does.
    operator = command_line_actor(roles=frozenset({Role.ADMIN}), label="demo loader")
    orgs: dict[str, Organisation] = {}
    for name, short, kind, country in DEMO_ORGANISATIONS:
        orgs[short] = accounts.organisation_create(
            actor=operator, name=name, short_name=short, kind=kind, country=country
        )
    out: list[DemoAccount] = []
    users: dict[str, User] = {}
    for username, role, org_short, first, last, lang in DEMO_USERS:
        user = accounts.user_create(
            actor=operator,
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.ikaze.invalid",
            preferred_language=lang,
        )
        accounts.membership_grant(
            actor=operator, user=user, organisation=orgs[org_short], role=role
        )
        secret = None
        if role in TWO_FACTOR_ROLES:
            # Deterministic key so the demo is reproducible (never do this outside the demo).
            key = hashlib.sha256(f"ikaze-demo-totp:{username}".encode()).hexdigest()[:40]
            device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True, key=key)
            secret = totp_secret_b32(device)
        users[username] = user
        out.append(DemoAccount(username, DEMO_PASSWORD, role, orgs[org_short].name, secret))
    # The loader stands for the administrator's completed second factor.
    admin = actor_for_user(users["admin"], second_factor=True)
    for part in _app_parts():
        part(admin=admin, orgs=orgs, users=users)
    return out


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts as they are in the database now."""
    out = []
    for username, role, org_short, *_ in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        device = TOTPDevice.objects.filter(user=user, name="demo").first()
        org = Organisation.objects.get(short_name=org_short)
        out.append(
            DemoAccount(
                username, DEMO_PASSWORD, role, org.name, totp_secret_b32(device) if device else None
            )
        )
    return out


def self_service_lines() -> list[str]:
    """The demo person's personal code and PIN for the self-service complaint page (issue 15),
    when the protection app is installed and its demo loaded."""
    try:
        from ikaze.protection import demo as protection
    except ModuleNotFoundError:
        return []
    if not protection.demo_loaded():
        return []
    return [
        f"\nSelf-service complaint page (no account; phone-first): /protection/self/?lang=es — "
        f"{protection.SELF_SERVICE_PERSON}: personal code {protection.SELF_SERVICE_CODE}, "
        f"PIN {protection.SELF_SERVICE_PIN}"
    ]


def _app_parts() -> list:
    """Each installed app's `demo.load(admin=, orgs=, users=)`, in flow order."""
    from importlib import import_module

    parts = []
    for app in (
        "agreements",
        "people",
        "intake",
        "vetting",
        "movements",
        "reception",
        "protection",
        "privacy",
    ):
        try:
            module = import_module(f"ikaze.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"ikaze.{app}.demo":
                raise
            continue
        parts.append(module.load)
    return parts
