"""`ikaze rescreen [--agreement CODE] [--every] [--as USERNAME]`: evaluate referrals again with
the rule set in force; print a JSON summary.

After an upgrade that changes the rule set's version, open and accepted referrals still show
their last evaluation, made with the older rules, until something evaluates them again. This
command does it for all of them at once (only those evaluated with an older rule set, or with
`--every` all of them, e.g. after an agreement's safeguard settings changed). Accepted people a
block now stands against get an alert. It decides nothing and moves nobody.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.models import Membership, User
from ikaze.core.errors import IkazeError


class Command(BaseCommand):
    help = (
        "Evaluate open and accepted referrals again with the rule set in force (by default only "
        "those last evaluated with an older one); print a JSON summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agreement", default="", help="Only this agreement's referrals.")
        parser.add_argument(
            "--every",
            action="store_true",
            help="Every open and accepted referral, not only those of an older rule set.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="The receiving-state vetting officer recorded as running it (default: the first).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.vetting.rules.engine import cyclic_gc_paused
        from ikaze.vetting.services import referrals_rescreen

        # The operator at the command line stands for the second factor.
        actor = actor_for_user(self._officer(opts["username"]), second_factor=True)
        try:
            # This process screens and does nothing else meanwhile: the collector may rest.
            with cyclic_gc_paused():
                summary = referrals_rescreen(
                    actor=actor, agreement_code=opts["agreement"], every=opts["every"]
                )
        except IkazeError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _officer(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        m = (
            Membership.objects.filter(
                role=Role.VETTING_OFFICER,
                revoked_at__isnull=True,
                organisation__kind=OrgKind.RECEIVING_STATE,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("created_at")
            .first()
        )
        if m is None:
            raise CommandError("No receiving-state vetting officer; name one with --as.")
        return m.user
