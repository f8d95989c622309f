"""Dashboards on a large data set: every dashboard's figures timed over repeated loads.

1,000,000 persons with their referrals (24 months), decisions (70%), safeguard blocks (5%),
acceptances moved on flights and arrived (60% of those accepted), incidents, late notices and
override requests, on PostgreSQL (issue 16). Goal: every dashboard under 500 ms p95.

The data set is written with COPY (rows made in Python, bulk path only) and kept between
runs in the database IKAZE_BENCH_DB: a marker row says when it is complete for that size,
and a later run reuses it. `--drop-db` drops it at the end. On SQLite (the smoke run) the
same rows go in with executemany.

The dashboards read the pre-aggregated month counts (ADR 0028), rewritten once before the
timing (`refresh_s`); one load of each dashboard from the live tables is timed too (`live_ms`).

Last line: {"bench", "db", "persons", "dashboards": {name: {"p50_ms", "p95_ms"}},
"max_p95_ms", "generate_s", "refresh_s", "live_ms", "reused", "loads"}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from bench import _harness as h

SEED = 16
MONTHS = 24
FIRST_DAY = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
NATIONALITIES = ["SY"] * 6 + ["ER"] * 5 + ["SD"] * 4 + ["SO"] * 3 + ["AF"] * 3 + ["CD", "SS", "YE"]
REASONS = ["safeguard_block", "cap_reached", "not_eligible", "incomplete_referral", "other"]
INCIDENT_KINDS = ["no_show", "removed_at_gate", "not_arrived", "late_check_in"]
MARKER = "bench_reports_marker"


def main(argv: list[str]) -> None:
    args = h.parse(
        argv,
        __doc__,
        sizes={"persons": 1_000_000, "loads": 20},
        smoke={"persons": 2_000, "loads": 3},
        extra={"drop_db": (bool, False, "drop the kept data set at the end")},
    )
    import django.db
    from django.utils import translation

    vendor = django.db.connection.vendor
    reusable = vendor == "postgresql" and not args.smoke
    with h.bench_database(reuse=reusable, keep=args.keep_db) as db:
        reused = reusable and _marker_complete(args.persons)
        if reusable and not reused and _has_rows():
            h.progress("incomplete data set: starting afresh")
            db_drop_and_recreate()
        generate_s = 0.0
        if not reused:
            with h.timed(f"generate {args.persons} persons") as gen:
                generate(args.persons)
            generate_s = gen.seconds
        else:
            h.progress(f"reusing the complete data set of {args.persons} persons")
        from ikaze.reports.selectors import counts_refreshed
        from ikaze.reports.services import counts_refresh

        refresh_s = 0.0
        if not reused or counts_refreshed() is None:
            with h.timed("refresh the pre-aggregated counts") as ref:
                counts_refresh()
            refresh_s = ref.seconds
        translation.activate("en")
        results = time_dashboards(args.loads)
        h.progress("live (a period of days, no pre-aggregated counts), one load each:")
        live = time_dashboards(1, live=True)
        if args.drop_db and db.vendor == "postgresql":
            _pg_drop_after(db.name)
    h.emit(
        "reports",
        {
            "persons": args.persons,
            "dashboards": results,
            "max_p95_ms": max(r["p95_ms"] for r in results.values()),
            "generate_s": round(generate_s, 1),
            "refresh_s": round(refresh_s, 1),
            "live_ms": {name: r["p50_ms"] for name, r in live.items()},
            "reused": reused,
            "loads": args.loads,
        },
    )


# --- timing ------------------------------------------------------------------------------------


def time_dashboards(loads: int, *, live: bool = False) -> dict[str, dict[str, float]]:
    """Each dashboard's figures (all its charts' queries and tables), `loads` times after one
    warm-up; p50 and p95 in milliseconds. Dashboards are interleaved, load by load."""
    from ikaze.reports.dashboards import CHARTS, DASHBOARDS
    from ikaze.reports.figures import Filters

    samples: dict[str, list[float]] = {name: [] for name in DASHBOARDS}
    for i in range(loads + 1):
        for name, dash in DASHBOARDS.items():
            start = time.perf_counter()
            for key in dash.charts:
                CHARTS[key].build(Filters(live=live))
            if i:  # the first load warms the caches
                samples[name].append((time.perf_counter() - start) * 1000)
        if i:
            h.progress(f"load {i}/{loads}")
    return {
        name: {
            "p50_ms": round(h.percentile(s, 50), 1),
            "p95_ms": round(h.percentile(s, 95), 1),
        }
        for name, s in samples.items()
    }


# --- the marker --------------------------------------------------------------------------------


def _marker_complete(persons: int) -> bool:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (persons integer, complete boolean)")
        c.execute(f"SELECT persons, complete FROM {MARKER}")  # noqa: S608 - a constant
        row = c.fetchone()
    return bool(row and row[0] == persons and row[1])


def _has_rows() -> bool:
    from ikaze.people.models import Person

    return Person.objects.exists()


def _mark_complete(persons: int) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (persons integer, complete boolean)")
        c.execute(f"DELETE FROM {MARKER}")  # noqa: S608 - a constant
        c.execute(f"INSERT INTO {MARKER} VALUES (%s, %s)", [persons, True])  # noqa: S608


def db_drop_and_recreate() -> None:
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    original = dict(connection.settings_dict)
    connection.close()
    h._pg_recreate(original, name)
    call_command("migrate", verbosity=0, interactive=False)


def _pg_drop_after(name: str) -> None:
    from django.db import connection

    original = dict(connection.settings_dict)
    connection.close()
    h._pg_drop(original, name)
    h.progress(f"dropped {name}")


# --- generation --------------------------------------------------------------------------------


def write(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write rows (values for `columns`, the other fields at their defaults) to the model's
    table: COPY on PostgreSQL, executemany on SQLite. Bulk path of the benchmark only."""
    from django.db import connection
    from django.utils import timezone

    fields = {f.attname: f for f in model._meta.concrete_fields}
    now = timezone.now()
    rest = [f for name, f in fields.items() if name not in columns]
    fixed: list[Any] = []
    for f in rest:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed.append(now)
        else:  # the field's default, "" for text without one, None where null is allowed
            fixed.append(f.get_default())
    json_at = {i for i, c in enumerate(columns) if fields[c].get_internal_type() == "JSONField"}
    fixed = [
        json.dumps(v) if f.get_internal_type() == "JSONField" else v
        for f, v in zip(rest, fixed, strict=True)
    ]
    names = [fields[c].column for c in columns] + [f.column for f in rest]
    table = model._meta.db_table
    n = 0

    def full(row: tuple[Any, ...]) -> list[Any]:
        values = [json.dumps(v) if i in json_at else v for i, v in enumerate(row)]
        return values + fixed

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            cols = ", ".join(f'"{x}"' for x in names)
            with c.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(full(row))
                    n += 1
        return n
    all_fields = [fields[c] for c in columns] + rest
    marks = ", ".join(["%s"] * len(names))
    sql = f'INSERT INTO "{table}" ({", ".join(chr(34) + x + chr(34) for x in names)}) VALUES ({marks})'  # noqa: S608
    batch: list[list[Any]] = []
    with connection.cursor() as c:
        for row in rows:
            values = full(row)
            batch.append(
                [
                    f.get_db_prep_save(v, connection) if not isinstance(v, str) else v
                    for f, v in zip(all_fields, values, strict=True)
                ]
            )
            n += 1
            if len(batch) >= 5000:
                c.executemany(sql, batch)
                batch = []
        if batch:
            c.executemany(sql, batch)
    return n


def generate(persons: int) -> None:
    """The data set: agreements and actors through the factories, the bulk through `write`."""
    from django.db import connection, transaction

    from ikaze.accounts.access import OrgKind, Role
    from ikaze.agreements.models import Agreement
    from ikaze.movements.models import Incident, ManifestEntry, Movement
    from ikaze.people.models import Person
    from ikaze.reception.models import Facility, Unit
    from ikaze.vetting.models import Decision, Evaluation, Finding, Notice, Override, Referral
    from ikaze.vetting.rules import RULES
    from tests import factories as f

    rng = random.Random(SEED)
    agreements = [f.agreement_in_force(code=f"BENCH-{c}") for c in "ABC"]
    sending = f.organisation(OrgKind.SENDING_STATE, country="US")
    officer = f.user(Role.VETTING_OFFICER)
    rules = sorted(RULES)[:6]
    for i in range(10):
        fac = Facility.objects.create(name=f"Bench facility {i}", district="Kigali", address="-")
        Unit.objects.bulk_create(
            Unit(facility=fac, label=f"U{j}", beds=8, occupied=rng.randint(0, 8)) for j in range(10)
        )

    person_ids = [uuid.uuid4() for _ in range(persons)]
    nat = [rng.choice(NATIONALITIES) for _ in range(persons)]

    def people() -> Iterator[tuple[Any, ...]]:
        for i, pk in enumerate(person_ids):
            yield (pk, "Bench", f"Person {i}", [nat[i]], ["en"], "F" if i % 2 else "M")

    with transaction.atomic():
        n = write(
            Person,
            ["id", "given_names", "first_surname", "nationalities", "languages", "sex"],
            people(),
        )
        h.progress(f"persons: {n}")

    referrals: list[tuple[Any, ...]] = []
    evaluations: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    decisions: list[tuple[Any, ...]] = []
    notices: list[tuple[Any, ...]] = []
    overrides: list[tuple[Any, ...]] = []
    accepted: list[tuple[uuid.UUID, uuid.UUID, int, dt.datetime]] = []
    span = MONTHS * 30 * 86400
    for i, person in enumerate(person_ids):
        rid = uuid.uuid4()
        a = i % 3
        submitted = FIRST_DAY + dt.timedelta(seconds=rng.randrange(span))
        status = "submitted"
        if rng.random() < 0.05:  # a safeguard blocks
            eid, fid = uuid.uuid4(), uuid.uuid4()
            at = submitted + dt.timedelta(days=2)
            evaluations.append((eid, rid, "referral", "bench", "x", at, True))
            findings.append((fid, eid, rng.choice(rules), "block", "block", "blocked", True))
            if rng.random() < 0.1:
                overrides.append(
                    (
                        uuid.uuid4(),
                        rid,
                        findings[-1][2],
                        "block",
                        fid,
                        officer.pk,
                        "Officer",
                        "j",
                        at,
                    )
                )
        if rng.random() < 0.7:
            decided = submitted + dt.timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 23))
            eid = uuid.uuid4()
            evaluations.append((eid, rid, "decision", "bench", "x", decided, False))
            if rng.random() < 0.7:
                status = "accepted"
                decisions.append(
                    (
                        uuid.uuid4(),
                        rid,
                        "accepted",
                        [],
                        "ok",
                        officer.pk,
                        "Officer",
                        decided,
                        eid,
                        decided + dt.timedelta(days=180),
                        True,
                    )
                )
                accepted.append((rid, person, a, decided))
            else:
                status = "refused"
                reasons = rng.sample(REASONS, rng.randint(1, 2))
                decisions.append(
                    (
                        uuid.uuid4(),
                        rid,
                        "refused",
                        reasons,
                        "no",
                        officer.pk,
                        "Officer",
                        decided,
                        eid,
                        None,
                        False,
                    )
                )
            if rng.random() < 0.02:
                notices.append(
                    (
                        uuid.uuid4(),
                        rid,
                        "decision",
                        f"B-{i}",
                        "en",
                        "en",
                        False,
                        "US",
                        b"",
                        "0" * 64,
                        officer.pk,
                        decided + dt.timedelta(days=1),
                        True,
                    )
                )
        referrals.append((rid, agreements[a].pk, person, sending.pk, status, submitted))

    with transaction.atomic():
        n = write(
            Referral,
            [
                "id",
                "agreement_id",
                "person_id",
                "referring_organisation_id",
                "status",
                "submitted_at",
            ],
            referrals,
        )
        h.progress(f"referrals: {n}")
        write(
            Evaluation,
            [
                "id",
                "referral_id",
                "stage",
                "ruleset_version",
                "inputs_hash",
                "evaluated_at",
                "blocked",
            ],
            evaluations,
        )
        write(
            Finding,
            ["id", "evaluation_id", "rule_id", "outcome", "kind", "message", "overridable"],
            findings,
        )
        n = write(
            Decision,
            [
                "id",
                "referral_id",
                "outcome",
                "reason_codes",
                "reason",
                "officer_id",
                "officer_name",
                "decided_at",
                "evaluation_id",
                "expires_at",
                "place_taken",
            ],
            decisions,
        )
        h.progress(f"decisions: {n}")
        write(
            Notice,
            [
                "id",
                "referral_id",
                "kind",
                "notice_ref",
                "language",
                "template_language",
                "needs_translation",
                "destination",
                "pdf",
                "pdf_sha256",
                "issued_by_id",
                "issued_at",
                "service_late",
            ],
            notices,
        )
        write(
            Override,
            [
                "id",
                "referral_id",
                "rule_id",
                "rule_kind",
                "finding_id",
                "requested_by_id",
                "requested_by_name",
                "request_justification",
                "requested_at",
            ],
            overrides,
        )
    del referrals, evaluations, findings, decisions, notices, overrides

    # Flights: one a day per agreement; 60% of the accepted leave 10-60 days after acceptance.
    movements: dict[tuple[int, dt.date], uuid.UUID] = {}
    entries: list[tuple[Any, ...]] = []
    incidents: list[tuple[Any, ...]] = []
    arrived = [0, 0, 0]
    for rid, person, a, decided in accepted:
        if rng.random() >= 0.6:
            continue
        day = (decided + dt.timedelta(days=rng.randint(10, 60))).date()
        key = (a, day)
        if key not in movements:
            movements[key] = uuid.uuid4()
        departed = dt.datetime.combine(day, dt.time(6), dt.UTC)
        eid = uuid.uuid4()
        entries.append(
            (
                eid,
                movements[key],
                rid,
                person,
                "boarded",
                departed + dt.timedelta(hours=rng.randint(8, 40)),
            )
        )
        arrived[a] += 1
        if rng.random() < 0.01:
            incidents.append(
                (uuid.uuid4(), movements[key], eid, rng.choice(INCIDENT_KINDS), departed)
            )

    def flights() -> Iterator[tuple[Any, ...]]:
        for (a, day), pk in movements.items():
            departed = dt.datetime.combine(day, dt.time(6), dt.UTC)
            yield (
                pk,
                agreements[a].pk,
                day,
                "Bench Air",
                "BA1",
                "IAH",
                "KGL",
                400,
                "arrived",
                departed,
                departed + dt.timedelta(hours=14),
            )

    with transaction.atomic():
        write(
            Movement,
            [
                "id",
                "agreement_id",
                "departure_date",
                "carrier",
                "flight_number",
                "origin",
                "destination",
                "seats",
                "status",
                "departed_at",
                "arrived_at",
            ],
            flights(),
        )
        n = write(
            ManifestEntry,
            ["id", "movement_id", "referral_id", "person_id", "boarding", "arrived_at"],
            entries,
        )
        h.progress(f"arrivals: {n}")
        write(Incident, ["id", "movement_id", "entry_id", "kind", "opened_at"], incidents)
        used = [0, 0, 0]
        for _rid, _p, a, _d in accepted:
            used[a] += 1
        for a, agreement in enumerate(agreements):
            Agreement.objects.filter(pk=agreement.pk).update(
                cap_total=used[a] + used[a] // 5, places_used=used[a], places_arrived=arrived[a]
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
        _mark_complete(persons)
    if os.environ.get("IKAZE_BENCH_VERBOSE"):
        h.progress(f"movements {len(movements)}, incidents {len(incidents)}")
