"""The one place that tells the time, so tests and benchmarks can pin it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Return the current aware datetime (UTC), or the frozen one in tests."""
    return _frozen if _frozen is not None else timezone.now()


def today_local() -> dt.date:
    """Return today's date in the receiving state's time zone."""
    return now().astimezone(local_zone()).date()


def local_date(at: dt.datetime) -> dt.date:
    """Return the date an aware datetime falls on in the receiving state's time zone."""
    return at.astimezone(local_zone()).date()


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.IKAZE_RECEIVING_TIME_ZONE)


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze `now()` at an aware datetime for the duration of the block."""
    global _frozen
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
