"""Two reception officers checking people into the last bed at once: exactly one succeeds
(PostgreSQL, threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ikaze.core.errors import IkazeError
from ikaze.reception import services
from ikaze.reception.models import Stay, Unit
from ikaze.reception.tests.test_services import _unit, arrived

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_one_last_bed(world) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    a, b = arrived(world), arrived(world)
    unit = _unit(world, beds=1, shared_by="F", family=False)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def check_in(person: object) -> None:
        try:
            barrier.wait()
            services.stays_check_in(actor=world.reception, unit=unit, person_ids=[person])
            results.append("ok")
        except IkazeError as exc:
            results.append(str(exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=check_in, args=(p,)) for p in (a[0], b[0])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["no_bed", "ok"]
    assert Unit.objects.get(pk=unit.pk).occupied == 1
    assert Stay.objects.filter(unit=unit).count() == 1
