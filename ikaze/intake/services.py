"""Manifest intake: accept a file, then (in the worker) parse, check, match, store and audit.

A rejected input changes nothing (DESIGN.md invariant 6): the import writes everything in one
transaction at the end, after every row has been checked; strict mode writes no person at all
if any row fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
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
from ikaze.intake import manifest
from ikaze.intake.models import IntakeBatch, IntakeRowError
from ikaze.intake.rows import CleanRow, Problem, validate_row, validate_rows
from ikaze.people.selectors import households_with_adults, person_ids_by_reference
from ikaze.people.services import (
    ScoredPair,
    households_join_bulk,
    match_candidates_propose,
    people_changed_notify,
    people_register_bulk,
)
from ikaze.vetting.selectors import people_referred
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


def _max_bytes() -> int:
    return int(settings.IKAZE_UPLOAD_MAX_BYTES)


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
    existing = IntakeBatch.objects.filter(agreement=agreement, sha256=digest).first()
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

        task_enqueue_on_commit(intake_batch_task, str(batch.pk))
    return batch, True


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


def _fail(
    batch: IntakeBatch, actor: Actor | None, problem: manifest.FileRefused, t0: float
) -> IntakeBatch:
    with transaction.atomic():
        IntakeRowError.objects.create(
            batch=batch,
            row=problem.row,
            column=problem.column,
            value="",
            reason=problem.reason[:400],
        )
        IntakeBatch.objects.filter(pk=batch.pk).update(
            status=IntakeBatch.Status.FAILED,
            phase="failed",
            failure=problem.reason,
            finished_at=clock.now(),
            seconds=round(time.perf_counter() - t0, 3),
        )
        audit_record(
            actor=actor,
            action="intake_batch.fail",
            target_type="intake_batch",
            target_id=batch.pk,
            reason=problem.reason,
        )
    batch.refresh_from_db()
    return batch


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
    """Import a queued batch (the job body): parse, check, match, store, audit."""
    t0 = time.perf_counter()
    batch = IntakeBatch.objects.select_related(
        "agreement", "organisation", "uploaded_by", "uploaded_by_token"
    ).get(pk=uuid.UUID(str(batch_id)))
    if batch.status in (IntakeBatch.Status.DONE, IntakeBatch.Status.FAILED):
        return batch
    _progress(batch.pk, status=IntakeBatch.Status.RUNNING, phase="reading", started_at=clock.now())
    actor: Actor | None = None
    try:
        actor = _actor_of(batch)
        require(actor, Perm.INTAKE_UPLOAD, target_type="intake_batch", target_id=batch.pk)
        sending_party_require(actor, batch.agreement)
        agreement_in_force_require(batch.agreement)
        fmt, parsed = manifest.parse(batch.file_name, bytes(batch.content), max_bytes=_max_bytes())
    except manifest.FileRefused as exc:
        return _fail(batch, actor, exc, t0)
    except IkazeError as exc:
        return _fail(batch, actor, manifest.FileRefused(exc.message), t0)
    assert actor is not None
    notes = list(parsed.notes)
    total = len(parsed.rows)
    _progress(batch.pk, phase="checking", rows_total=total, encoding=parsed.encoding, notes=notes)

    today = clock.today_local()
    problems: list[Problem] = []
    clean: list[CleanRow] = []
    for i, (row_no, raw) in enumerate(parsed.rows, start=1):
        ok, found = validate_row(row_no, raw, today=today)
        if ok is None:
            problems.extend(found)
        else:
            clean.append(ok)
        if i % PROGRESS_EVERY == 0:
            _progress(batch.pk, rows_done=i)

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
    rejected_rows = sorted({p.row for p in problems})
    _progress(batch.pk, rows_done=total, phase="matching")
    log.info(
        "intake %s: read and checked %d rows in %.2fs", batch.pk, total, time.perf_counter() - t0
    )

    strict_refused = batch.mode == IntakeBatch.Mode.STRICT and bool(problems)
    if strict_refused:
        clean = []
        notes.append("Strict mode: nothing was imported because some rows failed.")

    # Rows whose person is already registered: a new referral only if this agreement has none.
    already_referred: set[uuid.UUID] = set()
    known_ids = [existing[r.external_reference] for r in clean if r.external_reference in existing]
    for chunk in _in_chunks(known_ids):
        already_referred.update(people_referred(agreement_id=batch.agreement_id, person_ids=chunk))
    new_rows: list[tuple[uuid.UUID, CleanRow]] = []
    rerefer: list[tuple[uuid.UUID, CleanRow]] = []
    duplicates = 0
    fresh_ids = iter(new_uuids(len(clean)))  # ascending: people go into the index in order
    for r in clean:
        pid = existing.get(r.external_reference)
        if pid is None:
            new_rows.append((next(fresh_ids), r))
        elif pid in already_referred:
            duplicates += 1
        else:
            rerefer.append((pid, r))

    _progress(batch.pk, phase="storing")
    t_store = time.perf_counter()
    # Matching (DuckDB) runs beside the storing (Python and the database); the candidates
    # are stored last, in the same transaction, once both are done.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-match") as pool:
        matching = _start_matching(pool, new_rows, notes)
        try:
            with transaction.atomic():
                candidates = _store(
                    batch=batch,
                    actor=actor,
                    new_rows=new_rows,
                    rerefer=rerefer,
                    matching=matching,
                    problems=problems,
                )
                seconds = round(time.perf_counter() - t0, 3)
                imported = len(new_rows) + len(rerefer)
                summary = {
                    "rows": total,
                    "imported": imported,
                    "rejected": len(rejected_rows),
                    "duplicates": duplicates,
                    "possible_duplicates": candidates,
                }
                IntakeBatch.objects.filter(pk=batch.pk).update(
                    status=IntakeBatch.Status.DONE,
                    phase="done",
                    rows_done=total,
                    imported=imported,
                    rejected=len(rejected_rows),
                    duplicates=duplicates,
                    possible_duplicates=candidates,
                    notes=notes,
                    finished_at=clock.now(),
                    seconds=seconds,
                    updated_at=clock.now(),
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
            # Another import of the same people won the race; nothing of this one was stored.
            log.warning("intake batch %s collided: %s", batch.pk, exc)
            return _fail(
                batch,
                actor,
                manifest.FileRefused(
                    "Another import stored some of these people at the same time; upload the file again."
                ),
                t0,
            )
    batch.refresh_from_db()
    return batch


def _store(
    *,
    batch: IntakeBatch,
    actor: Actor,
    new_rows: Sequence[tuple[uuid.UUID, CleanRow]],
    rerefer: Sequence[tuple[uuid.UUID, CleanRow]],
    matching: Future[list[ScoredPair]] | None,
    problems: Sequence[Problem],
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
        ("batch_id", "row", "column", "value", "reason"),
        [(batch.pk, p.row, p.column, p.value[:200], p.reason[:400]) for p in problems],
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
    pairs = matching.result() if matching is not None else []
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
        "possible_duplicates": batch.possible_duplicates,
        "seconds": batch.seconds,
        "encoding": batch.encoding,
        "notes": batch.notes,
        "failure": batch.failure,
    }
