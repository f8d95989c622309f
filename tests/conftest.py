"""Fixtures for the cross-app tests in tests/ (the role × route matrix, API fuzzing, browser).

- `demo_scenario` (module scope): the demo scenario (`config.demo.load_demo()`) loaded once per
  test module inside an outer transaction that is rolled back when the module ends. Each test
  still runs in its own savepoint (request `db`), so tests do not see each other's writes.
- `demo_client(role)`: a test client signed in as the demo account of `role` (two-factor done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import Client

from ikaze.accounts.access import Role
from tests import support


@pytest.fixture(scope="module")
def demo_scenario(django_db_setup, django_db_blocker) -> Iterator[support.DemoWorld]:
    """The demo scenario, loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield support.load_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_client(db, demo_scenario) -> Callable[[Role], Client]:
    """A client signed in (two-factor done) as the demo account of a role."""

    def make(role: Role) -> Client:
        return support.session_client(demo_scenario.users[role])

    return make
