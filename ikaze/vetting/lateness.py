"""When a fact or a notice's service counts as recorded late (SAFEGUARDS F2, F3).

The thresholds are settings (`IKAZE_LATE_FACT_DAYS`, default 7; `IKAZE_LATE_SERVICE_HOURS`,
default 48), read when asked, never at import. A fact recorded more than the threshold after
it took effect is flagged on the vetting file and the monitor is told; a notice's service
recorded more than its threshold after the service time counts only once a second officer
confirms it. See docs/adr/0005-protective-facts.md.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from ikaze.core import clock

DEFAULT_LATE_FACT_DAYS = 7
DEFAULT_LATE_SERVICE_HOURS = 48


def late_fact_days() -> int:
    return int(getattr(settings, "IKAZE_LATE_FACT_DAYS", DEFAULT_LATE_FACT_DAYS))


def late_service_hours() -> int:
    return int(getattr(settings, "IKAZE_LATE_SERVICE_HOURS", DEFAULT_LATE_SERVICE_HOURS))


def recorded_days_late(*, effective_at: dt.date, recorded_at: dt.datetime) -> int | None:
    """How many days after it took effect a fact was recorded, when more than the threshold
    (in the receiving state's calendar); None when it was recorded in time."""
    days = (recorded_at.astimezone(clock.local_zone()).date() - effective_at).days
    return days if days > late_fact_days() else None


def service_recorded_late(*, served_at: dt.datetime, recorded_at: dt.datetime) -> bool:
    """Whether a service time lies more than the threshold before its recording."""
    return recorded_at - served_at > dt.timedelta(hours=late_service_hours())
