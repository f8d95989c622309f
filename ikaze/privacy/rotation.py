"""Key rotation without downtime: re-seal every sealed value under the active key (D1).

`rotate()` walks each encrypted table in primary-key order, a batch per transaction: it opens
each value sealed under another key and writes it back sealed under the active one with a
compare-and-swap (`WHERE pk = .. AND column = <the envelope read>`), so a value a page changed
meanwhile is left as the page wrote it (already under the active key). Every value stays
readable throughout: the old key stays in the keyring until `status()` counts nothing under
it. Interrupted, it resumes by running again (what is left is exactly what still names another
key). A person whose data key was destroyed (a purge) has nothing left to re-seal.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from ikaze.privacy import keyring as kr
from ikaze.privacy import vault
from ikaze.privacy.fields import EncryptedTextField

DEFAULT_BATCH = 2000


@dataclass
class RotationResult:
    active: str
    values_rotated: int = 0
    rows_seen: int = 0
    skipped_erased: int = 0
    skipped_changed: int = 0
    per_table: dict[str, int] = field(default_factory=dict)


def _stale(fields: list[EncryptedTextField], prefix: str) -> models.Q:
    q = models.Q()
    for f in fields:
        q |= ~models.Q(**{f.attname: ""}) & ~models.Q(**{f"{f.attname}__startswith": prefix})
    return q


def _attr(f: EncryptedTextField, name: str) -> str:
    return "pk" if name == "pk" else name


def rotate(
    *, batch: int = DEFAULT_BATCH, progress: Callable[[str], None] | None = None
) -> RotationResult:
    ring = kr.keyring()
    prefix = f"v1:{ring.active}:"
    result = RotationResult(active=ring.active)
    for model, fields in vault.encrypted_models():
        table = model._meta.db_table
        pk_field = model._meta.pk
        assert pk_field is not None
        extra = sorted({f.subject for f in fields} | {_attr(f, f.row) for f in fields} - {"pk"})
        names = ["pk", *extra, *(f.attname for f in fields)]
        if connection.vendor == "postgresql":
            # Fresh planner statistics before rewriting the table: right after a bulk load
            # (an intake, a restore) PostgreSQL may not know its size yet and plans each
            # compare-and-swap as a scan of the whole table.
            with connection.cursor() as cur:
                cur.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        last: Any = None
        rotated_here = 0
        while True:
            qs = model._default_manager.filter(_stale(fields, prefix))
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.order_by("pk").values_list(*names)[:batch])
            if not rows:
                break
            last = rows[-1][0]
            result.rows_seen += len(rows)
            with transaction.atomic():
                index = {n: i for i, n in enumerate(names)}
                secrets = vault.subject_secrets(
                    {r[index[f.subject]] for r in rows for f in fields}, create=False
                )
                updates: dict[str, list[tuple[str, Any, str]]] = {f.column: [] for f in fields}
                for r in rows:
                    for f in fields:
                        old = r[index[f.attname]]
                        if not old or old.startswith(prefix):
                            continue
                        subject = r[index[f.subject]]
                        secret = secrets.get(
                            subject if isinstance(subject, uuid.UUID) else uuid.UUID(str(subject))
                        )
                        if secret is None:
                            result.skipped_erased += 1
                            continue
                        row_id = r[index[_attr(f, f.row)]]
                        where: dict[str, Any] = {
                            "table": table,
                            "column": f.column,
                            "row_id": row_id,
                            "subject_id": subject,
                        }
                        plain = vault.open_(old, secret=secret, **where)
                        new = vault.seal(plain, secret=secret, key_id=ring.active, **where)
                        updates[f.column].append(
                            (new, pk_field.get_db_prep_value(r[0], connection), old)
                        )
                for column, params in updates.items():
                    done = _swap(table, pk_field.column, column, params)
                    result.values_rotated += done
                    rotated_here += done
                    result.skipped_changed += len(params) - done
            if progress:
                progress(f"{table}: {rotated_here} values re-sealed")
        result.per_table[table] = rotated_here
    return result


# Rows per UPDATE statement (3 parameters each; well under SQLite's and PostgreSQL's limits).
_SWAP_ROWS = 300


def _swap(table: str, pk: str, column: str, params: list[tuple[str, Any, str]]) -> int:
    """Compare-and-swap `column` of these rows (new, pk, old) in statements of `_SWAP_ROWS`
    rows each (`WITH v AS (VALUES ..) UPDATE .. FROM v`: one round trip per statement, not per row).
    Returns how many rows still held the value read, and so were changed."""
    qn = connection.ops.quote_name
    done = 0
    with connection.cursor() as cur:
        for i in range(0, len(params), _SWAP_ROWS):
            part = params[i : i + _SWAP_ROWS]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s::uuid, %s, %s)"] * len(part))
            else:
                values = ", ".join(["(%s, %s, %s)"] * len(part))
            sql = (
                f"WITH v(pk, new, old) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {qn(table)} SET {qn(column)} = v.new FROM v "
                f"WHERE {qn(table)}.{qn(pk)} = v.pk AND {qn(table)}.{qn(column)} = v.old"
            )
            flat: list[Any] = []
            for new, row_pk, old in part:
                flat.extend((row_pk, new, old))
            if connection.vendor == "sqlite":
                # Python's sqlite3 reports no rowcount for a statement opening with WITH.
                before = connection.connection.total_changes
                cur.execute(sql, flat)
                done += connection.connection.total_changes - before
            else:
                cur.execute(sql, flat)
                done += max(cur.rowcount, 0)
    return done


@dataclass
class KeyStatus:
    active: str
    keys: list[str]
    counts: dict[str, int]  # key id -> sealed values under it ("?": a key not in the keyring)
    per_column: dict[str, dict[str, int]]


def status() -> KeyStatus:
    """How many sealed values each key id holds, per column and in all."""
    ring = kr.keyring()
    totals: Counter[str] = Counter()
    per_column: dict[str, dict[str, int]] = {}
    for model, fields in vault.encrypted_models():
        for f in fields:
            column: Counter[str] = Counter()
            manager = model._default_manager
            nonempty = manager.exclude(**{f.attname: ""}).count()
            known = 0
            for key_id in ring.keys:
                n = manager.filter(**{f"{f.attname}__startswith": f"v1:{key_id}:"}).count()
                if n:
                    column[key_id] = n
                known += n
            if nonempty - known:
                column["?"] = nonempty - known
            per_column[f"{model._meta.db_table}.{f.column}"] = dict(column)
            totals.update(column)
    return KeyStatus(
        active=ring.active, keys=list(ring.keys), counts=dict(totals), per_column=per_column
    )
