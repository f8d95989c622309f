"""Two senior officers locking the same manifest at once: one lock (PostgreSQL, threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IkazeError
from ikaze.movements import services
from ikaze.movements.models import Movement
from ikaze.movements.tests.conftest import accepted, propose
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_locks_at_once_make_one(world) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    m = propose(world)
    services.manifest_add(actor=world.liaison, movement=m, referral_ids=[accepted(world).pk])
    seniors = [
        world.senior,
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=world.senior.organisation),
    ]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def lock(actor: object) -> None:
        try:
            barrier.wait()
            services.manifest_lock(actor=actor, movement=m)
            results.append("ok")
        except IkazeError as exc:
            results.append(str(exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock, args=(s,)) for s in seniors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["illegal_transition", "ok"]
    assert Movement.objects.get(pk=m.pk).status == "locked"
    assert AuditEvent.objects.filter(action="manifest.lock", target_id=str(m.pk)).count() == 1
