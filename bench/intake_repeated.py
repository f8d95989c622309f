"""`ikaze bench intake_repeated`: a manifest of a few people repeated many times, in bounded memory.

Issue 17 item 10: 2,000 rows of the same 30 people once gave 65,670 match candidates, and
10,000 such rows (20 MB) passed 6 GB. Rows that say exactly the same of one person (under other
external references) are now matched once and paired with the first row: candidates and their
audit events grow with the rows, not their square.

Measured: a manifest of `--rows` rows (default 10,000) of `--people` people (default 30), each
row about 2 KB (a long `vulnerabilities` text, as a real referral carries), imported end to end
against a small trained registry. Baseline, in the same run and process, first: the same kind
of manifest at a tenth of the rows. Figures: seconds and rows per second of both and their
ratio (linear work keeps it near 1), the peak resident memory of the process after the
baseline and after the run, the growth of each, and the match candidates (rows - people).

Flags: --rows N, --people N, --registry N (default 5,000), --smoke (tiny sizes).
"""

from __future__ import annotations

import json
import logging
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import _harness as h
from bench import intake as base

SEED = 17_010


def repeated_rows(n: int, people: int, *, prefix: str) -> list[dict[str, str]]:
    """n rows cycling through `people` identities, each under its own external reference."""
    rng = random.Random(SEED)
    who = base.names.people(people, SEED, id_prefix=prefix).to_dicts()
    words = ["hearing", "impairment", "single", "parent", "medical", "follow-up", "needed"]
    rows = []
    for i in range(n):
        rec = who[i % people]
        nat = rec.get("nationality") or "HN"
        rows.append(
            {
                "external_reference": f"{prefix}-{i:07d}",
                "given_names": rec.get("given_names") or "Ana",
                "first_surname": rec.get("first_surname") or "Pérez",
                "second_surname": rec.get("second_surname") or "",
                "sex": rec.get("sex") or "F",
                "date_of_birth": rec.get("date_of_birth") or "1990-01-01",
                "nationalities": nat,
                "languages": "es",
                "document_type": "passport",
                "document_number": rec.get("document_number")
                or f"{prefix.upper()}{i % people:07d}",
                "document_issuing_state": nat,
                "document_expiry": "2031-12-31",
                "vulnerabilities": " ".join(rng.choice(words) for _ in range(230))[:1900],
            }
        )
    return rows


def _import(
    liaison: Any, agreement: Any, content: bytes, name: str
) -> tuple[float, dict[str, Any]]:
    from ikaze.intake.services import intake_batch_create, intake_batch_run, intake_summary

    with h.timed(f"import {name}: {len(content):,} bytes") as run:
        batch, _ = intake_batch_create(
            actor=liaison, agreement=agreement, file_name=name, content=content, enqueue=False
        )
        batch = intake_batch_run(batch_id=batch.pk)
    summary = intake_summary(batch)
    h.progress(f"summary: {json.dumps(summary)}")
    if summary["status"] != "done":
        raise SystemExit(f"the import of {name} did not finish: {summary['failure']}")
    return run.seconds, summary


def main(argv: list[str] | None = None) -> None:
    args = h.parse(
        list(argv or []),
        __doc__,
        sizes={"rows": 10_000, "people": 30, "registry": 5_000},
        smoke={"rows": 300, "people": 10, "registry": 1_000},
    )
    from ikaze.audit.models import AuditEvent
    from ikaze.people import identity
    from ikaze.people.matching import Matcher
    from ikaze.people.models import MatchCandidate
    from ikaze.people.selectors import registry_frame

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("    %(message)s"))
    log = logging.getLogger("ikaze.intake.services")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    with h.bench_database(keep=args.keep_db):
        liaison, agreement, archive = base._setup()
        frame = base._generated_registry(args.registry)
        base.load_registry(frame, archive.pk)
        version = identity.registry_version()
        matcher = Matcher.untrained()
        matcher.path = Path(tempfile.mkdtemp(prefix="ikaze-bench-repeated-")) / "model.json"
        with h.timed("train the matching model"):
            matcher.train(registry_frame(), registry_version=version)
        identity.use(matcher)
        del frame
        rss_start = h.peak_rss_mb()

        small = max(args.people, args.rows // 10)
        content = base.manifest_csv(iter(repeated_rows(small, args.people, prefix="b")))
        base_seconds, base_summary = _import(liaison, agreement, content, "baseline.csv")
        rss_baseline = h.peak_rss_mb()
        candidates_before = MatchCandidate.objects.count()
        del content

        content = base.manifest_csv(iter(repeated_rows(args.rows, args.people, prefix="m")))
        size = len(content)
        seconds, summary = _import(liaison, agreement, content, "repeated.csv")
        del content
        rss_peak = h.peak_rss_mb()
        candidates = MatchCandidate.objects.count() - candidates_before
        proposed = AuditEvent.objects.filter(action="match_candidate.propose").count()
        rate, base_rate = args.rows / seconds, small / base_seconds
        h.emit(
            "intake_repeated",
            {
                "rows": args.rows,
                "people": args.people,
                "bytes": size,
                "seconds": round(seconds, 2),
                "rows_per_s": round(rate, 1),
                "baseline_rows": small,
                "baseline_rows_per_s": round(base_rate, 1),
                "ratio": round(rate / base_rate, 2),
                "peak_rss_mb": rss_peak,
                "rss_before_mb": rss_start,
                "rss_growth_baseline_mb": round(rss_baseline - rss_start, 1),
                "rss_growth_mb": round(rss_peak - rss_start, 1),
                "imported": summary["imported"],
                "possible_duplicates": summary["possible_duplicates"],
                "match_candidates": candidates,
                "candidate_audit_events": proposed,
                "baseline_possible_duplicates": base_summary["possible_duplicates"],
            },
        )
        if summary["imported"] != args.rows:
            raise SystemExit("not every row was imported")
