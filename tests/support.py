"""Helpers shared by the cross-app tests: the demo world, signed-in clients, row snapshots."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.apps import apps
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.demo import DEMO_USERS, load_demo
from ikaze.accounts import services as accounts
from ikaze.accounts.access import ADMIN_ROLES, TWO_FACTOR_ROLES, Role
from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import ApiToken, Membership, Organisation, User
from ikaze.audit.models import AuditCheckpoint, AuditEvent

# The first demo account of each role (several organisations have an ORG_ADMIN).
DEMO_USERNAME: dict[Role, str] = {}
for _username, _role, *_rest in DEMO_USERS:
    DEMO_USERNAME.setdefault(_role, _username)


def org_admin_actor(organisation: Organisation) -> Actor:
    """The demo administrator of `organisation` (second factor done): the only one who makes
    its credentials (SAFEGUARDS F6)."""
    membership = (
        Membership.objects.filter(
            organisation=organisation,
            role__in=[r.value for r in ADMIN_ROLES],
            revoked_at__isnull=True,
        )
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    assert membership is not None, f"no administrator in {organisation}"
    return actor_for_user(membership.user, second_factor=True)


@dataclass
class DemoWorld:
    users: dict[Role, User]
    tokens: dict[Role, str]  # clear bearer token per role, issued to the role's demo organisation
    token_objects: dict[Role, ApiToken]


def load_world() -> DemoWorld:
    """Load the demo scenario and issue one API token per role."""
    load_demo()
    users = {role: User.objects.get(username=name) for role, name in DEMO_USERNAME.items()}
    tokens: dict[Role, str] = {}
    token_objects: dict[Role, ApiToken] = {}
    for role, user in users.items():
        membership = Membership.objects.select_related("organisation").get(user=user, role=role)
        token, clear = accounts.api_token_issue(
            actor=org_admin_actor(membership.organisation),
            name=f"matrix {role}",
            organisation=membership.organisation,
            role=role,
        )
        tokens[role] = clear
        token_objects[role] = token
    return DemoWorld(users=users, tokens=tokens, token_objects=token_objects)


def session_client(user: User) -> Client:
    """A test client signed in as `user`, with two-factor completed when a role requires it."""
    client = Client()
    client.force_login(user)
    roles = set(
        Membership.objects.filter(user=user, revoked_at__isnull=True).values_list("role", flat=True)
    )
    if roles & {r.value for r in TWO_FACTOR_ROLES}:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def bearer_client(clear: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")


def demo_totp_key(username: str) -> str:
    """The demo's deterministic TOTP key (config/demo.py), hex."""
    return hashlib.sha256(f"ikaze-demo-totp:{username}".encode()).hexdigest()[:40]


def totp_code(key_hex: str, *, step: int | None = None) -> str:
    """The six-digit code of a TOTP key now (what an authenticator app shows), or at a 30 s step."""
    if step is None:
        return f"{totp(bytes.fromhex(key_hex)):06d}"
    return f"{totp(bytes.fromhex(key_hex), t0=int(time.time()) - step * 30):06d}"


def row_counts() -> dict[str, int]:
    """Rows of every model, leaving out the audit events that record the attempt itself: the
    security event of a refusal and the `api_token.use` event of a bearer-token request."""
    counts: dict[str, int] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        qs = model._default_manager.all()
        if model is AuditEvent:
            qs = qs.exclude(kind=AuditEvent.Kind.SECURITY).exclude(action="api_token.use")
        if model is AuditCheckpoint:
            continue  # the signed checkpoint any append crossing N events makes (ADR 0007)
        counts[model._meta.label] = qs.count()
    return counts


def security_events() -> int:
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.SECURITY).count()
