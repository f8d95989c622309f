"""Manifest intake: accept a file, then (in the worker) parse, check, match, store and audit.

A rejected input changes nothing (DESIGN.md invariant 6): the import writes everything in one
transaction at the end, after every row has been checked; strict mode writes no person at all
if any row fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import signal
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_for_token, actor_for_user
from ikaze.accounts.guards import require
from ikaze.agreements.parties import sending_party_require
from ikaze.agreements.services import agreement_in_force_require
from ikaze.audit.services import EventSpec, audit_record, audit_record_many
from ikaze.core import clock
from ikaze.core.bulk import in_chunks, insert_rows, new_uuids
from ikaze.core.errors import IkazeError, NotFound, ValidationError
from ikaze.core.on_commit import task_enqueue_on_commit
from ikaze.core.text import shown
from ikaze.intake import manifest
from ikaze.intake.models import IntakeBatch, IntakeRowError
from ikaze.intake.rows import CleanRow, Problem, validate_row, validate_rows
from ikaze.people.selectors import (
    households_with_adults,
    person_identities,
    person_ids_by_reference,
)
from ikaze.people.services import (
    ScoredPair,
    households_join_bulk,
    match_candidates_propose,
    people_changed_notify,
    people_register_bulk,
)
from ikaze.vetting.selectors import people_referred, referral_references_taken
from ikaze.vetting.services import (
    BulkReferralIn,
    referrals_submit_bulk,
)

if TYPE_CHECKING:
    import polars as pl

    from ikaze.agreements.models import Agreement

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
CHUNK = 2000
# Values per IN list: a few large lists cost far less than many small ones (35,000
# references: 0.3 s against 1.2 s in lists of 900), within the database's parameter limit.
IN_CHUNK = 10_000
# The time limit and the shutdown flag are looked at every this many rows.
WATCH_EVERY = 500
# Files up to this size go to the front of the queue (ADR 0015).
SMALL_FILE_BYTES = 1024 * 1024
# A running batch with no progress for the time limit plus this is taken as stopped.
STALE_MARGIN_SECONDS = 300
# The match weight of two rows of one file that say exactly the same of a person.
IDENTICAL_WEIGHT = 99.0


def _max_bytes() -> int:
    return int(settings.IKAZE_UPLOAD_MAX_BYTES)


def _max_seconds() -> float:
    return float(settings.IKAZE_INTAKE_MAX_SECONDS)


@transaction.atomic
def intake_batch_create(
    *,
    actor: Actor,
    agreement: Agreement,
    file_name: str,
    content: bytes,
    mode: str = IntakeBatch.Mode.LENIENT,
    enqueue: bool = True,
) -> tuple[IntakeBatch, bool]:
    """Accept a manifest file and queue its import; the same file again returns its batch.

    `enqueue=False` leaves the batch for the caller to run (the command line runs it at once).
    """
    require(actor, Perm.INTAKE_UPLOAD, target_type="intake_batch")
    org = actor.organisation
    sending_party_require(actor, agreement)  # issue 9 item 10: the sending party only
    assert org is not None
    agreement_in_force_require(agreement)
    errors: dict[str, list[str]] = {}
    if not content:
        errors["file"] = [gettext("The file is empty.")]
    elif len(content) > _max_bytes():
        errors["file"] = [
            gettext("The file is %(size)s bytes; the limit is %(limit)s.")
            % {
                "size": number_format(len(content), force_grouping=True),
                "limit": number_format(_max_bytes(), force_grouping=True),
            }
        ]
    if mode not in IntakeBatch.Mode.values:
        errors["mode"] = [gettext("Choose lenient or strict.")]
    if errors:
        raise ValidationError(gettext("The file cannot be accepted."), details=errors)
    digest = hashlib.sha256(content).hexdigest()
    # A failed attempt does not hold the file: uploading it again is a fresh attempt.
    existing = (
        IntakeBatch.objects.filter(agreement=agreement, sha256=digest)
        .exclude(status=IntakeBatch.Status.FAILED)
        .first()
    )
    if existing is not None:
        return existing, False
    name = (file_name or "manifest").replace("\\", "/").rsplit("/", 1)[-1][:255]
    batch = IntakeBatch.objects.create(
        agreement=agreement,
        organisation=org,
        uploaded_by=actor.user,
        uploaded_by_token=actor.token,
        file_name=name,
        file_format=manifest.detect_format(name, content),
        sha256=digest,
        content=content,
        size_bytes=len(content),
        mode=mode,
        status=IntakeBatch.Status.QUEUED,
        phase="queued",
    )
    audit_record(
        actor=actor,
        action="intake_batch.create",
        target_type="intake_batch",
        target_id=batch.pk,
        after={
            "agreement": agreement.code,
            "file_name": name,
            "sha256": digest,
            "bytes": len(content),
            "mode": mode,
        },
    )
    if enqueue:
        from ikaze.intake.tasks import intake_batch_task

        task_enqueue_on_commit(
            intake_batch_task.using(priority=queue_priority(len(content))), str(batch.pk)
        )
    return batch, True


def queue_priority(size_bytes: int) -> int:
    """The job's place in the queue: small files first, so one huge file cannot starve the
    ordinary uploads behind it (ADR 0015); the time limit per file bounds the one running."""
    if size_bytes <= SMALL_FILE_BYTES:
        return 10
    if size_bytes <= 10 * SMALL_FILE_BYTES:
        return 0
    return -10


def intake_rows_create(
    *,
    actor: Actor,
    agreement: Agreement,
    rows: Sequence[dict[str, Any]],
    mode: str = IntakeBatch.Mode.LENIENT,
) -> tuple[IntakeBatch, bool]:
    """Accept manifest rows sent as JSON (the API); the same rows again return their batch."""
    content = json.dumps(list(rows), sort_keys=True, ensure_ascii=False).encode("utf-8")
    return intake_batch_create(
        actor=actor, agreement=agreement, file_name="rows.json", content=content, mode=mode
    )


def _progress(batch_id: uuid.UUID, **fields: Any) -> None:
    # Outside the import's transaction, so the page polling the batch sees it move.
    IntakeBatch.objects.filter(pk=batch_id).update(**fields, updated_at=clock.now())


def _actor_of(batch: IntakeBatch) -> Actor:
    if batch.uploaded_by_token is not None:
        return actor_for_token(batch.uploaded_by_token)
    if batch.uploaded_by is not None:
        return actor_for_user(batch.uploaded_by)
    raise NotFound("The batch has no uploader.")


def _in_chunks(values: Sequence[Any]) -> Any:
    return in_chunks(values, IN_CHUNK)


def report_text(value: str, limit: int) -> str:
    """`value` as the error report stores it: every control, format or lone surrogate character
    written as its code (`\\u0000`, as the row checks show a refused cell; PostgreSQL refuses
    NUL), cut to `limit` after escaping so it fits its column."""
    return shown(value, limit=limit)[:limit]


class ImportStopped(Exception):
    """The import ran out of time or its worker is shutting down; the batch is failed."""


class _Watch:
    """The time limit of one file and the worker's shutdown, checked between rows and phases.

    SIGTERM (and SIGINT) while a batch runs sets a flag the import checks, then passes the
    signal on to the worker's own handler, which stops taking jobs; the batch is failed with
    a message, never left running.
    """

    stop_signal: int | None = None

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Watch:
        _Watch.stop_signal = None
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum: int, frame: Any) -> None:
        _Watch.stop_signal = signum
        previous = self._previous.get(signum)
        if callable(previous):
            previous(signum, frame)

    def check(self) -> None:
        if _Watch.stop_signal is not None:
            raise ImportStopped(
                "The import was stopped because the worker was shut down; nothing of this file "
                "was stored. Upload the file again to import it."
            )
        if time.monotonic() > self.deadline:
            raise ImportStopped(
                f"The import took longer than the limit of {int(self.seconds)} seconds per file; "
                "nothing of this file was stored. Split the file into smaller ones."
            )


def _unexpected(exc: BaseException) -> str:
    """The batch's message for a failure nobody foresaw (the details go to the log)."""
    if isinstance(exc, RecursionError):
        return "The file is nested too deeply to be read; nothing of it was stored."
    if isinstance(exc, DataError):
        return (
            "The database refused a value of this file (too long or not storable text); "
            "nothing of it was stored. Check the file and upload it again."
        )
    if isinstance(exc, MemoryError):
        return "The file needs more memory than the worker has; split it into smaller ones."
    return (
        f"The import stopped on an unexpected error ({exc.__class__.__name__}); nothing of "
        "this file was stored. Upload the file again to retry."
    )


def _fail(
    batch: IntakeBatch, actor: Actor | None, problem: manifest.FileRefused, t0: float
) -> IntakeBatch:
    reason = report_text(problem.reason, 2000)
    with transaction.atomic():
        IntakeRowError.objects.filter(batch=batch).delete()  # a half-written report
        IntakeRowError.objects.create(
            batch=batch,
            row=problem.row,
            column=report_text(problem.column, 60),
            value="",
            reason=reason[:400],
        )
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeBatch.Status.FAILED,
            phase="failed",
            failure=reason,
            finished_at=clock.now(),
            seconds=round(time.perf_counter() - t0, 3),
            updated_at=clock.now(),
        )
        audit_record(
            actor=actor,
            action="intake_batch.fail",
            target_type="intake_batch",
            target_id=batch.pk,
            reason=reason,
        )
    batch.refresh_from_db()
    return batch


def intake_batch_fail_stale(*, batch: IntakeBatch) -> IntakeBatch:
    """Fail a batch whose worker died: running (or queued) with no progress for longer than
    the time limit per file plus a margin. Called when its page is polled (ADR 0015)."""
    if batch.finished:
        return batch
    stale_after = dt.timedelta(seconds=_max_seconds() + STALE_MARGIN_SECONDS)
    if batch.status == IntakeBatch.Status.QUEUED or clock.now() - batch.updated_at < stale_after:
        return batch
    with transaction.atomic():
        # Only the first poll fails it; a worker that finished meanwhile wins.
        claimed = IntakeBatch.objects.filter(
            pk=batch.pk, status=IntakeBatch.Status.RUNNING, updated_at=batch.updated_at
        ).update(status=IntakeBatch.Status.FAILED, updated_at=clock.now())
    if not claimed:
        batch.refresh_from_db()
        return batch
    return _fail(
        batch,
        None,
        manifest.FileRefused(
            "The import stopped without finishing (its worker ended); nothing of this file "
            "was stored. Upload the file again to import it."
        ),
        time.perf_counter(),
    )


def _start_matching(
    pool: ThreadPoolExecutor, new_rows: Sequence[tuple[uuid.UUID, CleanRow]], notes: list[str]
) -> Future[list[ScoredPair]] | None:
    """Start scoring the new people against the registry and each other; None: nothing to do.

    The registry's features are brought up to date here, on the caller's thread (it reads the
    database); the linking itself is DuckDB's work on the kept features and runs on `pool`
    while the caller stores the batch (DuckDB releases the interpreter lock, so the two
    overlap on two cores). Nothing of the matcher touches the database from that thread.
    """
    if not new_rows:
        return None
    try:
        from ikaze.people import identity
    except ModuleNotFoundError:  # pragma: no cover - the engine is part of the product
        notes.append("Identity matching is not available; no duplicates were looked for.")
        return None
    t0 = time.perf_counter()
    # Only this batch's rows get their features computed; the registry's are kept by the
    # matcher and brought up to date with the people changed since.
    m = identity.batch_matcher()
    log.info("registry features ready in %.2fs", time.perf_counter() - t0)
    incoming = incoming_frame(new_rows)

    def link() -> list[ScoredPair]:
        t1 = time.perf_counter()
        pairs = m.link_batch(incoming, threshold=identity.CANDIDATE_THRESHOLD)
        log.info("link_batch: %d pairs in %.2fs", pairs.height, time.perf_counter() - t1)
        return [
            ScoredPair(
                uuid.UUID(str(left)), uuid.UUID(str(right)), float(prob), float(weight or 0.0)
            )
            for left, right, prob, weight in pairs.select(
                "left_id", "right_id", "probability", "match_weight"
            ).iter_rows()
        ]

    return pool.submit(link)


def incoming_frame(new_rows: Sequence[tuple[uuid.UUID, CleanRow]]) -> pl.DataFrame:
    """The rows to import as the matcher's frame (MATCH_COLUMNS)."""
    import polars as pl

    from ikaze.people.matching import MATCH_COLUMNS

    data: dict[str, list[str | None]] = {c: [] for c in MATCH_COLUMNS}
    for pid, r in new_rows:
        data["unique_id"].append(str(pid))
        data["given_names"].append(r.given_names or None)
        data["first_surname"].append(r.first_surname or None)
        data["second_surname"].append(r.second_surname or None)
        data["full_name"].append(
            " ".join(p for p in (r.given_names, r.first_surname, r.second_surname) if p) or None
        )
        data["sex"].append(r.sex or None)
        data["date_of_birth"].append(r.date_of_birth.isoformat())
        data["nationality"].append(r.nationalities[0] if r.nationalities else None)
        data["document_number"].append(r.document_number or None)
    return pl.DataFrame(data, schema=dict.fromkeys(MATCH_COLUMNS, pl.String))


def intake_batch_run(*, batch_id: uuid.UUID | str) -> IntakeBatch:
    """Import a queued batch (the job body): parse, check, match, store, audit.

    Every failure ends with the batch failed and a message (issue 17 item 5): a refused file,
    the time limit, the worker's shutdown, and any error nobody foresaw.
    """
    t0 = time.perf_counter()
    batch = IntakeBatch.objects.select_related(
        "agreement", "organisation", "uploaded_by", "uploaded_by_token"
    ).get(pk=uuid.UUID(str(batch_id)))
    if batch.status in (IntakeBatch.Status.DONE, IntakeBatch.Status.FAILED):
        return batch
    _progress(batch.pk, status=IntakeBatch.Status.RUNNING, phase="reading", started_at=clock.now())
    actor: Actor | None = None
    try:
        with _Watch(_max_seconds()) as watch:
            actor = _actor_of(batch)
            require(actor, Perm.INTAKE_UPLOAD, target_type="intake_batch", target_id=batch.pk)
            sending_party_require(actor, batch.agreement)
            agreement_in_force_require(batch.agreement)
            return _import(batch=batch, actor=actor, watch=watch, t0=t0)
    except manifest.FileRefused as exc:
        return _fail(batch, actor, exc, t0)
    except IkazeError as exc:
        return _fail(batch, actor, manifest.FileRefused(exc.message), t0)
    except ImportStopped as exc:
        return _fail(batch, actor, manifest.FileRefused(str(exc)), t0)
    except Exception as exc:  # every failure ends the batch, never "running" (issue 17 item 5)
        log.exception("intake batch %s failed", batch.pk)
        return _fail(batch, actor, manifest.FileRefused(_unexpected(exc)), t0)


def _import(*, batch: IntakeBatch, actor: Actor, watch: _Watch, t0: float) -> IntakeBatch:
    fmt, parsed = manifest.parse(batch.file_name, bytes(batch.content), max_bytes=_max_bytes())
    watch.check()
    total = len(parsed.rows)
    if total > manifest.MAX_ROWS:
        raise manifest.FileRefused(
            f"The file has {total:,} rows; the limit is {manifest.MAX_ROWS:,} per file. "
            "Split it into smaller files."
        )
    notes = [report_text(n, 2000) for n in parsed.notes]
    _progress(
        batch.pk,
        phase="checking",
        rows_total=total,
        encoding=report_text(parsed.encoding, 20),
        notes=notes,
    )

    today = clock.today_local()
    problems: list[Problem] = []
    clean: list[CleanRow] = []
    for i, (row_no, raw) in enumerate(parsed.rows, start=1):
        ok, found = validate_row(row_no, raw, today=today)
        if ok is None:
            problems.extend(found)
        else:
            clean.append(ok)
        if i % WATCH_EVERY == 0:
            watch.check()
        if i % PROGRESS_EVERY == 0:
            _progress(batch.pk, rows_done=i)
    del parsed  # the rows of text; only the checked rows are needed from here

    org = batch.organisation
    refs = list({r.external_reference for r in clean})
    existing: dict[str, uuid.UUID] = {}
    for chunk in _in_chunks(refs):
        existing.update(person_ids_by_reference(organisation_id=org.pk, references=chunk))
    households = list({r.household_reference for r in clean if r.household_reference})
    adult_households: set[str] = set()
    for chunk in _in_chunks(households):
        adult_households.update(households_with_adults(organisation_id=org.pk, references=chunk))
    clean, across = validate_rows(clean, known_adult_households=frozenset(adult_households))
    problems.extend(across)
    clean, repeated = _referral_references_once(clean)
    problems.extend(repeated)
    watch.check()

    # Rows whose person is already registered: a new referral only if this agreement has none,
    # and only if the row says the same of the person as the registry (else: a conflict).
    known_ids = [existing[r.external_reference] for r in clean if r.external_reference in existing]
    already_referred: set[uuid.UUID] = set()
    stored: dict[uuid.UUID, dict[str, Any]] = {}
    for chunk in _in_chunks(known_ids):
        already_referred.update(people_referred(agreement_id=batch.agreement_id, person_ids=chunk))
        stored.update(person_identities(person_ids=chunk))
    new_rows: list[tuple[uuid.UUID, CleanRow]] = []
    rerefer: list[tuple[uuid.UUID, CleanRow]] = []
    conflicts: list[Problem] = []
    duplicates = 0
    fresh_ids = iter(new_uuids(len(clean)))  # ascending: people go into the index in order
    for r in clean:
        pid = existing.get(r.external_reference)
        if pid is None:
            new_rows.append((next(fresh_ids), r))
            continue
        differs = _identity_conflicts(r, stored.get(pid, {}))
        if differs:
            conflicts.extend(differs)
        elif pid in already_referred:
            duplicates += 1
        else:
            rerefer.append((pid, r))
    new_rows, rerefer, taken = _referral_references_free(
        batch=batch, new_rows=new_rows, rerefer=rerefer
    )
    problems.extend(taken)
    rejected_rows = sorted({p.row for p in problems})
    conflict_rows = sorted({p.row for p in conflicts})
    _progress(batch.pk, rows_done=total, phase="matching")
    log.info(
        "intake %s: read and checked %d rows in %.2fs", batch.pk, total, time.perf_counter() - t0
    )

    strict_refused = batch.mode == IntakeBatch.Mode.STRICT and bool(problems)
    if strict_refused:
        new_rows, rerefer = [], []
        notes.append("Strict mode: nothing was imported because some rows failed.")
    watch.check()

    _progress(batch.pk, phase="storing")
    t_store = time.perf_counter()
    # Rows that say exactly the same of one person under other references are matched once:
    # the first of them against the registry, the others paired with it (issue 17 item 10).
    to_match, same_as_first = _identical_groups(new_rows)
    # Matching (DuckDB) runs beside the storing (Python and the database); the candidates
    # are stored last, in the same transaction, once both are done.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-match") as pool:
        matching = _start_matching(pool, to_match, notes)
        try:
            with transaction.atomic():
                candidates = _store(
                    batch=batch,
                    actor=actor,
                    new_rows=new_rows,
                    rerefer=rerefer,
                    matching=matching,
                    same_as_first=same_as_first,
                    problems=problems,
                    conflicts=conflicts,
                )
                seconds = round(time.perf_counter() - t0, 3)
                imported = len(new_rows) + len(rerefer)
                summary = {
                    "rows": total,
                    "imported": imported,
                    "rejected": len(rejected_rows),
                    "duplicates": duplicates,
                    "conflicts": len(conflict_rows),
                    "possible_duplicates": candidates,
                }
                done = IntakeBatch.objects.filter(
                    pk=batch.pk, status=IntakeBatch.Status.RUNNING
                ).update(
                    status=IntakeBatch.Status.DONE,
                    phase="done",
                    rows_done=total,
                    imported=imported,
                    rejected=len(rejected_rows),
                    duplicates=duplicates,
                    conflicts=len(conflict_rows),
                    possible_duplicates=candidates,
                    notes=notes,
                    finished_at=clock.now(),
                    seconds=seconds,
                    updated_at=clock.now(),
                )
                if not done:
                    # Failed meanwhile as stale (its page gave up on it): store nothing.
                    raise ImportStopped(
                        "The import was given up as stopped before it finished; nothing of "
                        "this file was stored. Upload the file again to import it."
                    )
                audit_record(
                    actor=actor,
                    action="intake_batch.import",
                    target_type="intake_batch",
                    target_id=batch.pk,
                    after={**summary, "mode": batch.mode, "format": fmt},
                    reason="strict mode: nothing imported" if strict_refused else "",
                )
            log.info("intake %s: stored in %.2fs", batch.pk, time.perf_counter() - t_store)
        except IntegrityError as exc:
            # Every uniqueness rule is checked before writing; this is a true race with
            # another import of the same people, and nothing of this one was stored.
            log.warning("intake batch %s collided: %s", batch.pk, exc)
            raise manifest.FileRefused(
                "Another import stored some of these people at the same time; upload the file again."
            ) from None
    batch.refresh_from_db()
    return batch


def _referral_references_once(rows: list[CleanRow]) -> tuple[list[CleanRow], list[Problem]]:
    """Refuse the later rows of a file that give a referral reference already given above."""
    first: dict[str, int] = {}
    kept: list[CleanRow] = []
    problems: list[Problem] = []
    for r in rows:
        seen = first.get(r.referral_reference)
        if seen is None:
            first[r.referral_reference] = r.row
            kept.append(r)
        else:
            problems.append(
                Problem(
                    r.row,
                    "referral_reference",
                    r.referral_reference,
                    f"Repeats row {seen} (same referral_reference; each referral needs its own).",
                )
            )
    return kept, problems


def _referral_references_free(
    *,
    batch: IntakeBatch,
    new_rows: list[tuple[uuid.UUID, CleanRow]],
    rerefer: list[tuple[uuid.UUID, CleanRow]],
) -> tuple[list[tuple[uuid.UUID, CleanRow]], list[tuple[uuid.UUID, CleanRow]], list[Problem]]:
    """Refuse the rows whose referral reference an existing referral of the agreement holds."""
    wanted = [r.referral_reference for _, r in [*new_rows, *rerefer]]
    taken: dict[str, str] = {}
    for chunk in _in_chunks(wanted):
        taken.update(
            referral_references_taken(
                agreement_id=batch.agreement_id,
                organisation_id=batch.organisation_id,
                references=chunk,
            )
        )
    if not taken:
        return new_rows, rerefer, []
    problems = [
        Problem(
            r.row,
            "referral_reference",
            r.referral_reference,
            "Already the reference of an existing referral under this agreement (person "
            f"{taken[r.referral_reference]}); each referral needs its own.",
        )
        for _, r in [*new_rows, *rerefer]
        if r.referral_reference in taken
    ]
    return (
        [(p, r) for p, r in new_rows if r.referral_reference not in taken],
        [(p, r) for p, r in rerefer if r.referral_reference not in taken],
        problems,
    )


# What a row says of who the person is; a known person's row that differs is a conflict.
_IDENTITY_FIELDS = (
    "given_names",
    "first_surname",
    "second_surname",
    "sex",
    "date_of_birth",
    "nationalities",
)


def _identity_value(name: str, value: Any) -> str:
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")


def _identity_conflicts(row: CleanRow, stored: dict[str, Any]) -> list[Problem]:
    """A problem per identity field where the row differs from the registered person."""
    out = []
    for name in _IDENTITY_FIELDS:
        sent = _identity_value(name, getattr(row, name))
        was = _identity_value(name, stored.get(name))
        if sent != was:
            out.append(
                Problem(
                    row.row,
                    name,
                    sent,
                    f"Differs from the registered person {row.external_reference} "
                    f"(registered: {was or 'empty'}). Nothing was changed or referred; "
                    "review the person's record, correct it if the file is right, and send "
                    "the row again.",
                )
            )
    return out


def _identity_key(r: CleanRow) -> tuple[Any, ...]:
    return (
        r.given_names.casefold(),
        r.first_surname.casefold(),
        r.second_surname.casefold(),
        r.sex,
        r.date_of_birth,
        r.dob_precision,
        tuple(r.nationalities),
        r.document_number.casefold(),
    )


def _identical_groups(
    new_rows: Sequence[tuple[uuid.UUID, CleanRow]],
) -> tuple[list[tuple[uuid.UUID, CleanRow]], list[ScoredPair]]:
    """The first row of each identity (to match), and each later row paired with its first.

    Linear in the rows: n rows of one identity give n - 1 pairs, not n(n - 1)/2.
    """
    first: dict[tuple[Any, ...], uuid.UUID] = {}
    to_match: list[tuple[uuid.UUID, CleanRow]] = []
    pairs: list[ScoredPair] = []
    for pid, r in new_rows:
        key = _identity_key(r)
        head = first.get(key)
        if head is None:
            first[key] = pid
            to_match.append((pid, r))
        else:
            pairs.append(ScoredPair(head, pid, 1.0, IDENTICAL_WEIGHT))
    return to_match, pairs


def _store(
    *,
    batch: IntakeBatch,
    actor: Actor,
    new_rows: Sequence[tuple[uuid.UUID, CleanRow]],
    rerefer: Sequence[tuple[uuid.UUID, CleanRow]],
    matching: Future[list[ScoredPair]] | None,
    same_as_first: Sequence[ScoredPair],
    problems: Sequence[Problem],
    conflicts: Sequence[Problem],
) -> int:
    org = batch.organisation
    people_register_bulk(actor=actor, organisation_id=org.pk, rows=new_rows)
    joined = households_join_bulk(
        actor=actor,
        organisation_id=org.pk,
        rows=[*new_rows, *rerefer],
        registered={pid for pid, _ in rerefer},
    )
    referrals, specs = referrals_submit_bulk(
        actor=actor,
        agreement=batch.agreement,
        items=[BulkReferralIn(pid, r.referral_reference) for pid, r in [*new_rows, *rerefer]],
        intake_batch_id=batch.pk,
    )
    insert_rows(
        IntakeRowError,
        ("batch_id", "row", "column", "value", "reason", "kind"),
        [
            (
                batch.pk,
                p.row,
                report_text(p.column, 60),
                report_text(p.value, 200),
                report_text(p.reason, 400),
                kind,
            )
            for kind, found in (
                (IntakeRowError.Kind.ERROR, problems),
                (IntakeRowError.Kind.CONFLICT, conflicts),
            )
            for p in found
        ],
    )
    # One chained batch for every row's event (DESIGN.md invariant 5, in bulk).
    audit_record_many(
        actor=actor,
        specs=[
            EventSpec(
                action="person.create",
                target_type="intake_batch",
                target_id=str(batch.pk),
                after={"people": len(new_rows), "referrals": len(referrals)},
                reason="manifest import",
            ),
            *specs,
        ],
    )
    # SAFEGUARDS F4: households that already had members and gained some here are evaluated
    # again (their accepted members' A7 and A1 now count the newcomers), once each, after the
    # newcomers' referrals exist, in this transaction: as `household_add_member` does.
    for household_id, person_ids in sorted(joined.items(), key=lambda kv: str(kv[0])):
        people_changed_notify(
            actor=actor,
            person_ids=person_ids,
            change={
                "household": household_id,
                "members_added": ",".join(str(p) for p in person_ids),
                "batch": batch.pk,
            },
        )
    t_wait = time.perf_counter()
    pairs = [*(matching.result() if matching is not None else []), *same_as_first]
    log.info("intake %s: waited %.2fs for matching", batch.pk, time.perf_counter() - t_wait)
    return len(
        match_candidates_propose(actor=actor, pairs=pairs, source=f"intake:{str(batch.pk)[:8]}")
    )


def intake_summary(batch: IntakeBatch) -> dict[str, Any]:
    """The JSON summary the command prints and the API returns."""
    return {
        "batch": str(batch.pk),
        "status": batch.status,
        "rows": batch.rows_total,
        "imported": batch.imported,
        "rejected": batch.rejected,
        "duplicates": batch.duplicates,
        "conflicts": batch.conflicts,
        "possible_duplicates": batch.possible_duplicates,
        "seconds": batch.seconds,
        "encoding": batch.encoding,
        "notes": batch.notes,
        "failure": batch.failure,
    }
