"""`ikaze keys status | new | rotate [--batch N] | retire KEY_ID`: the data keyring (D1).

- status: sealed values per key id (in all and per column), the active key;
- new: add a fresh key to the key file and make it the active one (with IKAZE_DATA_KEYS set,
  add it there and name it in IKAZE_DATA_KEY_ACTIVE instead);
- rotate: re-seal every value under the active key, a batch per transaction, resumable;
- retire: drop a key from the key file once no value is sealed with it.

Restart the application's processes after `new` (they cache the keyring), then rotate.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ikaze.accounts.access import Role
from ikaze.accounts.actor import command_line_actor
from ikaze.audit.services import audit_record
from ikaze.privacy import keyring, rotation


class Command(BaseCommand):
    help = "Show, add, rotate or retire the keys sensitive values are sealed with."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="sealed values per key id")
        sub.add_parser("new", help="add a key to the key file and make it active")
        rot = sub.add_parser("rotate", help="re-seal every value under the active key")
        rot.add_argument("--batch", type=int, default=rotation.DEFAULT_BATCH)
        ret = sub.add_parser("retire", help="remove a key no value uses any more")
        ret.add_argument("key_id")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = command_line_actor(roles=frozenset({Role.ADMIN}), label="ikaze keys")
        action = opts["action"]
        try:
            if action == "status":
                st = rotation.status()
                self.stdout.write(
                    json.dumps(
                        {
                            "active": st.active,
                            "keys": st.keys,
                            "counts": st.counts,
                            "per_column": st.per_column,
                        }
                    )
                )
            elif action == "new":
                with transaction.atomic():
                    key_id = keyring.add_key()
                    audit_record(
                        actor=actor,
                        action="privacy.key.add",
                        target_type="data_key",
                        target_id=key_id,
                        after={"active": key_id},
                    )
                self.stdout.write(json.dumps({"active": key_id}))
            elif action == "rotate":
                if opts["batch"] < 1:
                    raise CommandError("--batch must be at least 1")
                result = rotation.rotate(batch=opts["batch"], progress=self.stderr.write)
                with transaction.atomic():
                    audit_record(
                        actor=actor,
                        action="privacy.key.rotate",
                        target_type="data_key",
                        target_id=result.active,
                        after={
                            "values_rotated": result.values_rotated,
                            "per_table": result.per_table,
                            "skipped_erased": result.skipped_erased,
                            "skipped_changed": result.skipped_changed,
                        },
                    )
                self.stdout.write(
                    json.dumps(
                        {
                            "active": result.active,
                            "values_rotated": result.values_rotated,
                            "skipped_changed": result.skipped_changed,
                            "left": {
                                k: n
                                for k, n in rotation.status().counts.items()
                                if k != result.active
                            },
                        }
                    )
                )
            elif action == "retire":
                key_id = opts["key_id"]
                st = rotation.status()
                if st.counts.get(key_id):
                    raise CommandError(
                        f"{st.counts[key_id]} values are still sealed with {key_id}: "
                        "run `ikaze keys rotate` first."
                    )
                with transaction.atomic():
                    keyring.remove_key(key_id)
                    audit_record(
                        actor=actor,
                        action="privacy.key.retire",
                        target_type="data_key",
                        target_id=key_id,
                    )
                self.stdout.write(json.dumps({"retired": key_id}))
        except keyring.KeyringError as exc:
            raise CommandError(str(exc)) from None
