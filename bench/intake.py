"""`ikaze bench intake`: a generated manifest imported end to end against a large registry.

End to end = parse, validate, match (Splink, against the registry and within the batch),
store (bulk inserts) and audit (one chained batch), exactly as `ikaze intake` runs it, with the
matching model already trained on the registry (its training time is `train_seconds`).
Baseline, in the same run: the same kind of rows saved one by one through the ORM services
(person_create, referral_create, referral_submit: one audited transaction each), on a sample,
scaled to rows per second.

Flags: --rows N (default 35,000), --registry N (default 1,000,000), --baseline N (default
2,000), --smoke (tiny sizes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import _harness as h
from bench import _names_es as names

SEED = 35_000
BENCH_PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway bench database)


def _setup() -> tuple[Any, Any, Any]:
    """A receiving-state admin, a US liaison, an agreement in force, a registry organisation."""
    from ikaze.accounts import services as accounts
    from ikaze.accounts.access import Role
    from ikaze.accounts.actor import actor_for_user, command_line_actor
    from ikaze.agreements import services as agreements

    operator = command_line_actor(roles=frozenset({Role.ADMIN}), label="bench")

    rw = accounts.organisation_create(
        actor=operator, name="Bench RW", kind="receiving_state", country="RW"
    )
    us = accounts.organisation_create(
        actor=operator, name="Bench US", kind="sending_state", country="US"
    )
    past = accounts.organisation_create(
        actor=operator, name="Bench US archive", kind="sending_state", country="US"
    )
    admin_u = accounts.user_create(actor=operator, username="bench-admin", password=BENCH_PASSWORD)
    accounts.membership_grant(actor=operator, user=admin_u, organisation=rw, role=Role.ADMIN)
    liaison_u = accounts.user_create(
        actor=operator, username="bench-liaison", password=BENCH_PASSWORD
    )
    accounts.membership_grant(
        actor=operator, user=liaison_u, organisation=us, role=Role.SENDING_LIAISON
    )
    admin = actor_for_user(admin_u, second_factor=True)
    a = agreements.agreement_create(
        actor=admin,
        code="US-RW-BENCH",
        fields={"title": "Bench", "sending_state": "US", "receiving_state": "RW"},
    )
    for to in ("signed", "in_force"):
        a = agreements.agreement_transition(actor=admin, agreement=a, to=to, reason="bench")
    return actor_for_user(liaison_u), a, past


# --- the registry ------------------------------------------------------------------------------


def _registry_rows(
    frame: Any, org_id: uuid.UUID, vendor: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(SEED)
    now = dt.datetime.now(dt.UTC).isoformat()
    people: list[tuple[Any, ...]] = []
    docs: list[tuple[Any, ...]] = []
    as_text = (lambda u: u.hex) if vendor == "sqlite" else str
    org = as_text(org_id)
    false = 0 if vendor == "sqlite" else False
    for i, (g, f, s, sex, dob, nat, doc) in enumerate(
        frame.select(
            "given_names",
            "first_surname",
            "second_surname",
            "sex",
            "date_of_birth",
            "nationality",
            "document_number",
        ).iter_rows()
    ):
        pid = as_text(uuid.UUID(int=rng.getrandbits(128), version=4))
        cluster = as_text(uuid.UUID(int=rng.getrandbits(128), version=4))
        people.append(
            (
                pid,
                now,
                now,
                g or "",
                f or "",
                s or "",
                "",
                "[]",
                sex or "",
                dob,
                "exact",
                "",
                json.dumps([nat] if nat else []),
                "[]",
                false,
                "",
                f"R{i}",
                org,
                cluster,
            )
        )
        if doc:
            did = as_text(uuid.UUID(int=rng.getrandbits(128), version=4))
            docs.append((did, now, now, pid, "passport", doc, nat or "XX", None))
    return people, docs


PERSON_COLS = (
    "id, created_at, updated_at, given_names, first_surname, second_surname, name_as_in_documents, aliases, sex, "
    "date_of_birth, dob_precision, place_of_birth, nationalities, languages, needs_interpreter, phone, "
    "external_reference, sending_organisation_id, identity_cluster"
)
DOC_COLS = "id, created_at, updated_at, person_id, kind, number, issuing_state, expiry"


def load_registry(frame: Any, org_id: uuid.UUID) -> None:
    """Bulk-load the registry: executemany on SQLite, COPY on PostgreSQL (no ORM objects)."""
    from django.db import connection, transaction

    vendor = connection.vendor
    people, docs = _registry_rows(frame, org_id, vendor)
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "postgresql":
            raw = cur.cursor
            with raw.copy(f"COPY people_person ({PERSON_COLS}) FROM STDIN") as copy:
                for r in people:
                    copy.write_row(r)
            with raw.copy(f"COPY people_identitydocument ({DOC_COLS}) FROM STDIN") as copy:
                for r in docs:
                    copy.write_row(r)
        else:
            # The driver's own executemany with ? placeholders: Django's cursor wrapper would
            # rewrite the SQL and convert every parameter in Python.
            raw = connection.connection
            marks = ", ".join(["?"] * 19)
            raw.executemany(f"INSERT INTO people_person ({PERSON_COLS}) VALUES ({marks})", people)  # noqa: S608
            raw.executemany(
                f"INSERT INTO people_identitydocument ({DOC_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                docs,
            )
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE people_person; ANALYZE people_identitydocument")


# --- the manifest ------------------------------------------------------------------------------


def manifest_rows(n: int, registry: Any, *, prefix: str, seed: int) -> Iterator[dict[str, str]]:
    """n manifest rows: new people, ~3% re-spelt registry people, ~1% invalid rows."""
    rng = random.Random(seed)
    fresh = names.people(n, seed, id_prefix=prefix)
    registry_rows = (
        registry.sample(max(1, n // 30), seed=seed).to_dicts() if registry.height else []
    )
    for i, rec in enumerate(fresh.to_dicts()):
        if registry_rows and i % 30 == 7:
            rec = names.corrupt(registry_rows[(i // 30) % len(registry_rows)], rng)
        dob = rec.get("date_of_birth") or ""
        if i % 100 == 13:
            dob = (
                f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}" if len(dob) == 10 else "13/13/1990"
            )  # ambiguous: refused
        nat = rec.get("nationality") or ""
        yield {
            "external_reference": f"{prefix}-{i:07d}",
            "given_names": rec.get("given_names") or "",
            "first_surname": rec.get("first_surname") or "",
            "second_surname": rec.get("second_surname") or "",
            "sex": rec.get("sex") or "",
            "date_of_birth": dob,
            "nationalities": nat,
            "languages": "es",
            "document_type": "passport",
            "document_number": rec.get("document_number") or f"{prefix.upper()}{i:08d}",
            "document_issuing_state": nat,
            "document_expiry": "2031-12-31",
        }


def manifest_csv(rows: Iterator[dict[str, str]]) -> bytes:
    from ikaze.intake.manifest import COLUMN_NAMES

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMN_NAMES, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode("utf-8")


# --- the baseline ------------------------------------------------------------------------------


def baseline(n: int, liaison: Any, agreement: Any, registry: Any) -> float:
    """Rows per second saving one row at a time through the services (no bulk, no batch audit)."""
    from ikaze.core import clock
    from ikaze.intake.rows import validate_row
    from ikaze.people.services import DocumentIn, PersonIn, person_create
    from ikaze.vetting.services import referral_create, referral_submit

    today = clock.today_local()
    rows = list(manifest_rows(n, registry, prefix="b", seed=SEED + 1))
    with h.timed(f"baseline: {n} rows one by one") as t:
        for i, raw in enumerate(rows, start=2):
            clean, _ = validate_row(i, raw, today=today)
            if clean is None:
                continue
            person = person_create(
                actor=liaison,
                data=PersonIn(
                    given_names=clean.given_names,
                    first_surname=clean.first_surname,
                    second_surname=clean.second_surname,
                    sex=clean.sex,
                    date_of_birth=clean.date_of_birth,
                    dob_precision=clean.dob_precision,
                    nationalities=clean.nationalities,
                    languages=clean.languages,
                    external_reference=clean.external_reference,
                    documents=[
                        DocumentIn(
                            clean.document_type,
                            clean.document_number,
                            clean.document_issuing_state,
                            clean.document_expiry,
                        )
                    ],
                ),
                rescore=False,
            )
            r = referral_create(
                actor=liaison,
                agreement=agreement,
                person=person,
                external_reference=clean.referral_reference,
            )
            referral_submit(actor=liaison, referral=r)
    return n / t.seconds


def _generated_registry(n: int) -> Any:
    """The seeded registry, generated once and kept under var/bench/intake/ (not timed)."""
    import polars as pl
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "bench" / "intake" / f"registry-{n}-seed1.parquet"
    if path.is_file():
        return pl.read_parquet(path)
    frame = names.people(n, 1, id_prefix="r")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two benches may generate at once
    frame.write_parquet(tmp)
    tmp.replace(path)
    return frame


def main(argv: list[str] | None = None) -> None:
    args = h.parse(
        list(argv or []),
        __doc__,
        sizes={"rows": 35_000, "registry": 1_000_000, "baseline": 2_000},
        smoke={"rows": 300, "registry": 3_000, "baseline": 50},
    )
    import logging
    import sys
    import tempfile

    from ikaze.intake.services import intake_batch_create, intake_batch_run, intake_summary
    from ikaze.people import identity
    from ikaze.people.matching import Matcher
    from ikaze.people.selectors import registry_frame

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("    %(message)s"))
    for name in ("ikaze.intake.services",):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).propagate = False
    with h.bench_database(keep=args.keep_db):
        liaison, agreement, archive = _setup()
        with h.timed(f"generate {args.registry:,} registry people (cached)"):
            frame = _generated_registry(args.registry)
        with h.timed("load the registry (bulk)"):
            load_registry(frame, archive.pk)
        with h.timed("read the registry back for training"):
            version = identity.registry_version()
            registry = registry_frame()
        matcher = Matcher.untrained()
        matcher.path = Path(tempfile.mkdtemp(prefix="ikaze-bench-intake-")) / "model.json"
        # Training keeps the registry's features (as the worker's matcher does): the import
        # computes features for its own rows only.
        with h.timed("train the matching model") as train:
            matcher.train(registry, registry_version=version)
        identity.use(matcher)
        del registry
        content = manifest_csv(manifest_rows(args.rows, frame, prefix="m", seed=SEED))
        h.progress(f"manifest: {args.rows:,} rows, {len(content):,} bytes")
        with h.timed("intake end to end") as run:
            batch, _ = intake_batch_create(
                actor=liaison,
                agreement=agreement,
                file_name="bench.csv",
                content=content,
                enqueue=False,
            )
            batch = intake_batch_run(batch_id=batch.pk)
        summary = intake_summary(batch)
        h.progress(f"summary: {json.dumps(summary)}")
        base = baseline(args.baseline, liaison, agreement, frame)
        rate = args.rows / run.seconds
        h.emit(
            "intake",
            {
                "rows": args.rows,
                "registry": args.registry,
                "seconds": round(run.seconds, 2),
                "rows_per_s": round(rate, 1),
                "baseline_rows_per_s": round(base, 1),
                "ratio": round(rate / base, 1),
                "peak_rss_mb": h.peak_rss_mb(),
                "train_seconds": round(train.seconds, 2),
                "imported": summary["imported"],
                "rejected": summary["rejected"],
                "possible_duplicates": summary["possible_duplicates"],
            },
        )


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    main(sys.argv[1:])
