"""Side effects that leave the transaction run once it has committed (STYLE 4).

A service writes its rows and its audit event in one transaction; anything that leaves that
transaction (today: a job put on the queue) waits for the commit, so a refused or rolled-back
change never starts work on rows that do not exist (as Zulip's `send_event_on_commit`).
Outside a transaction it runs at once. Records written in the transaction (a `MonitorNotice`,
a `CredentialNotice`) are not side effects: they roll back with it.
"""

from __future__ import annotations

import datetime as dt
from typing import ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

P = ParamSpec("P")
T = TypeVar("T")


def task_enqueue_on_commit(task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
    """Enqueue `task` when the current transaction commits; nothing if it rolls back."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def task_enqueue_in_transaction(task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
    """Enqueue `task` now, as a row of the database queue written in the caller's transaction
    (it rolls back with it). Only for a job that schedules its own next run: the check that
    no run is waiting and the enqueue must be one step (`vetting.tasks`, ADR 0008)."""
    task.enqueue(*args, **kwargs)


def task_schedule_once(task: Task[[], T], *, delay: dt.timedelta = dt.timedelta(0)) -> bool:
    """Enqueue a run of `task` (a job that takes no arguments and repeats itself) `delay` from
    now unless one is already waiting (ADR 0008: each run schedules the next; `ikaze worker`
    seeds one at start).

    Only on a backend that can hold a run for later (the database queue); elsewhere (the
    immediate backend of tests) it does nothing. Returns whether a run was enqueued.
    """
    if not task.get_backend().supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists():
        return False
    task_enqueue_in_transaction(task.using(run_after=timezone.now() + delay))
    return True
