"""Side effects that leave the transaction run on commit, through one helper (issue 10
item 5): `ikaze.core.on_commit.task_enqueue_on_commit`. A job enqueued by a change that rolls
back is never enqueued, so it never runs on rows that do not exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks.backends.dummy import DummyBackend

from ikaze.core.on_commit import task_enqueue_on_commit
from ikaze.people import services as people
from ikaze.people.tasks import person_rescore_task
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class RolledBack(Exception):
    pass


@pytest.fixture
def queue() -> Iterator[DummyBackend]:
    with override_settings(TASKS=DUMMY):
        backend = person_rescore_task.get_backend()
        assert isinstance(backend, DummyBackend)
        backend.clear()
        yield backend


def test_only_the_helper_enqueues_or_waits_for_a_commit() -> None:
    found = []
    for top in ("ikaze", "config", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "tests" in rel.parts or rel.as_posix() == "ikaze/core/on_commit.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ".enqueue(" in line or "transaction.on_commit(" in line:
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.django_db
def test_a_task_enqueued_in_a_transaction_that_rolls_back_is_not_enqueued(
    queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        task_enqueue_on_commit(person_rescore_task, person_ids=["x"])
        raise RolledBack
    assert callbacks == []
    assert queue.results == []


@pytest.mark.django_db
def test_a_task_waits_for_the_commit(queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            task_enqueue_on_commit(person_rescore_task, person_ids=["x"])
        assert queue.results == []  # the outer transaction has not committed yet
    assert len(callbacks) == 1
    assert [r.kwargs for r in queue.results] == [{"person_ids": ["x"]}]


@pytest.mark.django_db
def test_a_service_change_that_rolls_back_enqueues_no_job(
    queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    liaison = factories.liaison()
    person = factories.person(by=liaison)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        people.person_update(actor=liaison, person=person, changes={"first_surname": "Garcia"})
        raise RolledBack
    assert callbacks == []
    assert queue.results == []
    person.refresh_from_db()
    assert person.first_surname != "Garcia"
    with django_capture_on_commit_callbacks(execute=True):
        people.person_update(actor=liaison, person=person, changes={"first_surname": "Garcia"})
    assert [r.kwargs for r in queue.results] == [{"person_ids": [str(person.pk)]}]
