"""Background jobs of vetting (run by `ikaze worker`): the expiry of acceptances on a schedule.

There is no broker and no clock daemon: the job schedules its own next run. Each run, when it
ends (even after a failure), enqueues the next one `EXPIRY_EVERY` later unless one is already
waiting, and `ikaze worker` makes sure one is waiting when it starts. The database queue
(django-tasks-db) holds the waiting run with its `run_after`; the worker takes it when due. A
worker that was down catches up at once on start. Two runs at the same time are harmless:
each acceptance is expired under its row lock, once (ADR 0008, docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from ikaze.core.on_commit import task_schedule_once

# How often acceptances past their validity are expired (SAFEGUARDS A5: "expires after
# acceptance_valid_days"): within an hour of the moment, which is also the time a place
# stays held after it should have gone back (A6).
EXPIRY_EVERY = dt.timedelta(hours=1)


@task()
def acceptances_expire_task() -> dict[str, Any]:
    """Expire the acceptances past their validity, then schedule the next run."""
    from ikaze.vetting.services import SYSTEM_EXPIRY, acceptances_expire

    try:
        return acceptances_expire(actor=SYSTEM_EXPIRY)
    finally:
        acceptances_expire_schedule(delay=EXPIRY_EVERY)


def acceptances_expire_schedule(*, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Enqueue a run of the expiry job `delay` from now unless one is already waiting."""
    return task_schedule_once(acceptances_expire_task, delay=delay)
