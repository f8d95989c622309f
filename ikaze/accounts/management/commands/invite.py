"""`ikaze invite ORGANISATION USERNAME`: bootstrap an organisation's administrator.

SAFEGUARDS F6: an organisation's credentials are made by that organisation. Its first
administrator is made here, by the operator at the command line (the system actor), and
receives a one-time enrolment link to set a password and enrol an authenticator; from then on
that administrator makes the organisation's accounts and tokens. For an existing account the
command issues a new link (a lost authenticator). The organisation is told either way.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.urls import reverse

from ikaze.accounts import services
from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import command_line_actor
from ikaze.accounts.models import Organisation, User
from ikaze.core.errors import IkazeError


class Command(BaseCommand):
    help = "Create an organisation's administrator (or a new link for an account) and print its one-time enrolment link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="The organisation's short name or full name.")
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            default="",
            help="Default: admin in a receiving state, org_admin elsewhere.",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--base-url", default="", help="e.g. https://ikaze.example.org")

    def handle(self, *args: Any, **opts: Any) -> None:
        org = Organisation.objects.filter(
            Q(short_name=opts["organisation"]) | Q(name=opts["organisation"])
        ).first()
        if org is None:
            raise CommandError(f"No organisation named {opts['organisation']!r}.")
        role = opts["role"] or (
            Role.ADMIN if org.kind == OrgKind.RECEIVING_STATE else Role.ORG_ADMIN
        )
        user = User.objects.filter(username__iexact=opts["username"]).first()
        # An operator's command bootstraps the organisation's first administrator.
        operator = command_line_actor(roles=frozenset({Role.ADMIN}), label="ikaze invite")
        try:
            if user is None:
                user, clear = services.account_create(
                    actor=operator,
                    username=opts["username"],
                    organisation=org,
                    role=role,
                    email=opts["email"],
                )
            else:
                _link, clear = services.enrolment_link_issue(actor=operator, user=user)
        except IkazeError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        path = reverse("accounts:enrol", kwargs={"key": clear})
        self.stdout.write(f"{opts['base_url'].rstrip('/')}{path}")
        self.stderr.write(
            f"One-time enrolment link for {user.username} ({org.name}); valid "
            f"{int(services.ENROLMENT_LINK_VALID.total_seconds() // 3600)} hours. Give it to "
            "that person only."
        )
