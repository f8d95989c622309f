"""What the apps' aggregate selectors share: the scope a report narrows to, months, durations.

The reports app (issue 16) asks each app's selectors for counts; those selectors narrow their
own tables with `narrowed` and bucket durations with `duration_bucket`, so a period, an
agreement or a nationality means the same thing on every chart.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, DurationField, ExpressionWrapper, F, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.lookups import LessThan

from ikaze.core import clock

# Upper edges (days, exclusive) of the processing-time histogram; the last bucket is open.
BUCKET_EDGES_DAYS: tuple[int, ...] = (1, 3, 7, 14, 30, 60, 90, 180, 365)


@dataclass(frozen=True)
class Scope:
    """What an aggregate counts: agreements (None = all), a time window, a nationality."""

    agreement_ids: tuple[uuid.UUID, ...] | None = None
    since: dt.datetime | None = None  # aware, included
    until: dt.datetime | None = None  # aware, excluded
    nationality: str = ""  # ISO 3166-1 alpha-2: the first nationality the person holds


def narrowed(
    qs: QuerySet[Any], scope: Scope, *, when: str, agreement: str | None, person: str | None
) -> QuerySet[Any]:
    """`qs` narrowed to `scope`: `when` is the datetime field the window applies to,
    `agreement` the path to the agreement's id, `person` the path to the person (or None
    where the figure has no agreement or person)."""
    if scope.since is not None:
        qs = qs.filter(**{f"{when}__gte": scope.since})
    if scope.until is not None:
        qs = qs.filter(**{f"{when}__lt": scope.until})
    if agreement is not None and scope.agreement_ids is not None:
        qs = qs.filter(**{f"{agreement}__in": scope.agreement_ids})
    if person is not None and scope.nationality:
        qs = qs.filter(**{f"{person}__nationalities__0": scope.nationality})
    return qs


def detail_fields(detail: bool, agreement: str, person: str | None) -> list[str]:
    """The extra group-by fields of the pre-aggregated counts: the agreement's id and the
    person's first nationality (none without `detail`)."""
    if not detail:
        return []
    return [agreement, *([f"{person}__nationalities__0"] if person else [])]


def month_of(field: str) -> TruncMonth:
    """The month (in the receiving state's time zone) a datetime field falls in."""
    return TruncMonth(field, tzinfo=clock.local_zone())


def bucket_label(index: int) -> str:
    """ "0-1", "1-3", ... "365+": the days of bucket `index` (see BUCKET_EDGES_DAYS)."""
    lows = (0, *BUCKET_EDGES_DAYS)
    if index >= len(BUCKET_EDGES_DAYS):
        return f"{BUCKET_EDGES_DAYS[-1]}+"
    return f"{lows[index]}-{BUCKET_EDGES_DAYS[index]}"


def duration_bucket(start: str, end: str) -> Case:
    """The histogram bucket (0..len(BUCKET_EDGES_DAYS)) of the time from `start` to `end`."""
    span = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    whens = [
        When(
            LessThan(span, Value(dt.timedelta(days=days), output_field=DurationField())),
            then=Value(i),
        )
        for i, days in enumerate(BUCKET_EDGES_DAYS)
    ]
    return Case(*whens, default=Value(len(BUCKET_EDGES_DAYS)))
