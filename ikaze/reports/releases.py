"""Public releases: what the public statistics published, table by table (SAFEGUARDS C3).

A reader may keep every version of the public page. To stop differencing (ADR 0029),
each version the page serves is recorded as a release with the cells it published, and a new
version is protected against every earlier release of the same table
(`disclosure.protect(..., earlier=...)`). A release is written only when the published cells
change, never edited, and its writing is audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from ikaze.audit.services import audit_record
from ikaze.reports.disclosure import Entry
from ikaze.reports.models import PublicRelease


def cells_digest(cells: Mapping[Entry, int]) -> str:
    rows = sorted([str(r), str(c), int(v)] for (r, c), v in cells.items())
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def releases_published(*, agreement_code: str, table: str) -> list[dict[Entry, int]]:
    """The published cells of every earlier release of `table`, oldest first."""
    return [
        r.published()
        for r in PublicRelease.objects.filter(agreement_code=agreement_code, table=table)
    ]


def release_latest(*, agreement_code: str, table: str) -> PublicRelease | None:
    return (
        PublicRelease.objects.filter(agreement_code=agreement_code, table=table)
        .order_by("-number")
        .first()
    )


def public_release_record(
    *, agreement_code: str, table: str, cells: Mapping[Entry, int], threshold: int
) -> PublicRelease:
    """Record a release of `table` unless the latest one published exactly these cells."""
    digest = cells_digest(cells)
    for _attempt in range(3):
        latest = release_latest(agreement_code=agreement_code, table=table)
        if latest is not None and latest.digest == digest:
            return latest
        try:
            with transaction.atomic():
                release = PublicRelease.objects.create(
                    agreement_code=agreement_code,
                    table=table,
                    number=(latest.number + 1) if latest else 1,
                    cells=[[r, c, v] for (r, c), v in sorted(cells.items(), key=_sort_key)],
                    digest=digest,
                    threshold=threshold,
                )
                audit_record(
                    actor=None,
                    action="public_release.publish",
                    target_type="public_release",
                    target_id=release.pk,
                    after={
                        "agreement": agreement_code,
                        "table": table,
                        "number": release.number,
                        "digest": digest,
                    },
                )
                return release
        except IntegrityError:  # another request published the same number meanwhile
            continue
    raise RuntimeError("could not record the public release")  # pragma: no cover


def _sort_key(item: tuple[Entry, Any]) -> tuple[str, str]:
    (r, c), _ = item
    return (str(r), str(c))
