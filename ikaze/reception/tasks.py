"""Background jobs of reception (run by `ikaze worker`): the 24-hour accommodation clock.

SAFEGUARDS B1: an arrived person not checked in within 24 hours is an incident the monitor
sees. The job runs every `LATE_EVERY` the way acceptances expire (ADR 0008): each run
schedules the next one unless one is waiting, and `ikaze worker` seeds one at start. Runs
are harmless twice: an entry has at most one incident of a kind, opened under the movement's
row lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from ikaze.core.on_commit import task_schedule_once

# A late check-in is raised within this long of the 24 hours running out.
LATE_EVERY = dt.timedelta(minutes=15)


@task()
def late_check_ins_task() -> dict[str, Any]:
    """Raise the late check-ins as incidents, then schedule the next run."""
    from ikaze.movements.services import SYSTEM_LATE_CHECK_IN, late_check_ins_raise

    try:
        return late_check_ins_raise(actor=SYSTEM_LATE_CHECK_IN)
    finally:
        late_check_ins_schedule(delay=LATE_EVERY)


def late_check_ins_schedule(*, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Enqueue a run `delay` from now unless one is already waiting."""
    return task_schedule_once(late_check_ins_task, delay=delay)
