"""The 24-hour accommodation clock (SAFEGUARDS B1) as a scheduled job: each arrived person not
checked in within 24 hours becomes one incident, however often the job runs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ikaze.core import clock
from ikaze.movements.models import Incident, ManifestEntry
from ikaze.reception import services
from ikaze.reception.tasks import LATE_EVERY, late_check_ins_schedule, late_check_ins_task
from ikaze.reception.tests.test_services import _unit, arrived

pytestmark = pytest.mark.django_db


def _after(hours: int):
    """A moment `hours` after the arrivals (the helper arrives them on departure day)."""
    at = ManifestEntry.objects.exclude(arrived_at=None).latest("arrived_at").arrived_at
    return clock.frozen(at + dt.timedelta(hours=hours))


def _run() -> dict:
    out = io.StringIO()
    call_command("reception", "check-late", stdout=out)
    return json.loads(out.getvalue())


def test_check_late_raises_one_incident_per_person_and_is_idempotent(world) -> None:
    late, on_time = arrived(world), arrived(world)
    services.stays_check_in(actor=world.reception, unit=_unit(world, beds=2), person_ids=on_time)
    with _after(23):
        assert _run() == {"movements": 0, "incidents": 0}  # the 24 hours have not run out
    with _after(25):
        assert _run() == {"movements": 1, "incidents": 1}
        assert _run() == {"movements": 0, "incidents": 0}
    (incident,) = Incident.objects.all()
    assert (incident.kind, incident.entry.person_id) == ("late_check_in", late[0])


def test_the_job_runs_in_the_worker_and_schedules_its_next_run(world) -> None:
    arrived(world)
    path = late_check_ins_task.module_path
    assert late_check_ins_schedule() is True
    assert late_check_ins_schedule() is False
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    with _after(30):
        due = DBTaskResult.objects.ready().get(task_path=path)
        due.claim("test")
        worker.run_task(due)
    done = DBTaskResult.objects.get(task_path=path, status="SUCCESSFUL")
    assert done.return_value == {"movements": 1, "incidents": 1}
    assert Incident.objects.filter(kind="late_check_in").count() == 1
    waiting = DBTaskResult.objects.get(task_path=path, status="READY")
    assert waiting.run_after >= done.finished_at + LATE_EVERY - dt.timedelta(seconds=5)
