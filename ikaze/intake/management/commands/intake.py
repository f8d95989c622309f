"""`ikaze intake FILE --agreement CODE [--strict] [--as USERNAME]`: import a manifest now."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.models import Membership, User
from ikaze.agreements.models import Agreement
from ikaze.core.errors import IkazeError


class Command(BaseCommand):
    help = (
        "Import a manifest file (CSV, XLSX or JSON rows) under an agreement; print a JSON summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--agreement", required=True, help="Agreement code, e.g. US-RW-2025.")
        parser.add_argument(
            "--strict", action="store_true", help="Import nothing if any row fails."
        )
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="The sending-state liaison who uploads (default: the first of the sending state).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from ikaze.intake.services import intake_batch_create, intake_batch_run, intake_summary

        t0 = time.perf_counter()
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        agreement = Agreement.objects.filter(code=opts["agreement"].upper()).first()
        if agreement is None:
            raise CommandError(f"No agreement with code {opts['agreement']!r}.")
        user = self._uploader(opts["username"], agreement)
        actor = actor_for_user(user)
        try:
            batch, created = intake_batch_create(
                actor=actor,
                agreement=agreement,
                file_name=path.name,
                content=path.read_bytes(),
                mode="strict" if opts["strict"] else "lenient",
                enqueue=False,
            )
            if batch.status not in ("done", "failed"):
                batch = intake_batch_run(batch_id=batch.pk)
        except IkazeError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        summary = intake_summary(batch)
        summary["seconds"] = round(time.perf_counter() - t0, 3) if created else batch.seconds
        summary["new_batch"] = created
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if batch.status == "failed" or (batch.mode == "strict" and batch.rejected):
            sys.exit(1)

    def _uploader(self, username: str, agreement: Agreement) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        m = (
            Membership.objects.filter(
                role=Role.SENDING_LIAISON,
                revoked_at__isnull=True,
                organisation__kind=OrgKind.SENDING_STATE,
                organisation__country=agreement.sending_state,
            )
            .select_related("user")
            .order_by("created_at")
            .first()
        )
        if m is None:
            raise CommandError(
                f"No sending-state liaison of {agreement.sending_state}; name one with --as."
            )
        return m.user
