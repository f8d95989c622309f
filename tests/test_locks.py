"""Row locks live in one module per app (`<app>/locks.py`, issue 10 item 1).

Every `select_for_update` goes through a named helper there, so the order in which a service
locks rows is written down once per app, and several rows of one table are locked in
primary-key order, so two transactions locking the same rows never wait on each other in a
cycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ikaze.people import locks as people_locks
from ikaze.vetting import locks as vetting_locks

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("ikaze", "config", "bench")


def _outside_locks_modules() -> list[str]:
    found = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if path.name == "locks.py" or "tests" in rel.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "select_for_update" in line:
                    found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_select_for_update_appears_only_in_locks_modules() -> None:
    assert _outside_locks_modules() == []


def test_every_app_that_locks_rows_has_a_locks_module() -> None:
    assert sorted(p.parent.name for p in (ROOT / "ikaze").glob("*/locks.py")) == [
        "accounts",
        "agreements",
        "movements",
        "people",
        "privacy",
        "protection",
        "reception",
        "support",
        "vetting",
    ]


SEVERAL_ROWS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("households_lock", lambda pk: people_locks.households_lock([pk]), "people_household"),
    ("persons_lock", lambda pk: people_locks.persons_lock([pk]), "people_person"),
    ("alerts_lock_open", vetting_locks.alerts_lock_open, "vetting_alert"),
    ("overrides_lock_requested", vetting_locks.overrides_lock_requested, "vetting_override"),
    (
        "decisions_lock_holding_place",
        vetting_locks.decisions_lock_holding_place,
        "vetting_decision",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "lock", "table"), SEVERAL_ROWS, ids=[s[0] for s in SEVERAL_ROWS])
def test_several_rows_are_locked_in_primary_key_order(
    name: str, lock: Callable[[Any], Any], table: str
) -> None:
    with CaptureQueriesContext(connection) as ctx:
        lock(uuid.uuid4())
    (query,) = ctx.captured_queries
    sql = query["sql"]
    # PostgreSQL names a selected column by its position (the key is the first one).
    assert f'ORDER BY "{table}"."id" ASC' in sql or (
        sql.startswith(f'SELECT "{table}"."id"') and "ORDER BY 1 ASC" in sql
    ), sql
    if connection.vendor == "postgresql":
        assert sql.rstrip().endswith(("FOR UPDATE", 'FOR UPDATE OF "' + table + '"')), sql


@pytest.mark.django_db
def test_lock_flavours_are_kept() -> None:
    """The referral is locked FOR NO KEY UPDATE of its own row only (household members'
    evaluations may be inserted meanwhile); the decisions of their own row only."""
    if connection.vendor != "postgresql":
        pytest.skip("lock clauses are written on PostgreSQL only")
    from ikaze.vetting.models import Referral

    with CaptureQueriesContext(connection) as ctx, pytest.raises(Referral.DoesNotExist):
        vetting_locks.referral_lock(uuid.uuid4())
    assert (
        ctx.captured_queries[0]["sql"].rstrip().endswith('FOR NO KEY UPDATE OF "vetting_referral"')
    )
    with CaptureQueriesContext(connection) as ctx:
        vetting_locks.decisions_lock_holding_place(uuid.uuid4())
    assert ctx.captured_queries[0]["sql"].rstrip().endswith('FOR UPDATE OF "vetting_decision"')
