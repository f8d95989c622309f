"""The hot-path cursor: seen by Django's query logging, values adapted as Django adapts them,
and on PostgreSQL its statements (and only its) prepared once per connection."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ikaze.core.hot import hot_cursor

pytestmark = pytest.mark.django_db


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_statements_are_logged_and_values_adapted_as_djangos():
    now = timezone.now()
    Session.objects.create(session_key="k" * 32, session_data="d", expire_date=now)
    sql = "SELECT session_key, expire_date FROM django_session WHERE expire_date >= %s"
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            with hot_cursor("default") as cursor:
                cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now)])
                rows = cursor.fetchall()
    assert len(queries) == 3
    assert rows[0][0] == "k" * 32
    if connection.vendor == "postgresql":
        assert rows[0][1] == now  # an aware instant, as the ORM reads it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_on_postgresql_its_statements_are_prepared_and_djangos_are_not():
    orm = Session.objects.filter(session_key="x" * 32)
    for _ in range(10):
        list(orm)
    sql = "SELECT count(*) FROM django_session WHERE session_key <> %s"
    for _ in range(3):
        with hot_cursor("default") as cursor:
            cursor.execute(sql, ["y" * 32])
            assert cursor.fetchone()[0] >= 0
    prepared = _prepared()
    assert any("session_key <> $1" in s for s in prepared), prepared
    assert not any("django_session" in s and "session_key <> $1" not in s for s in prepared)
    assert sum("session_key <> $1" in s for s in prepared) == 1  # once per connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_with_the_fast_request_path_off_nothing_is_prepared(settings):
    """Issue 10 item 3: `IKAZE_FAST_REQUEST_PATH` off, the cursor is Django's own."""
    settings.IKAZE_FAST_REQUEST_PATH = False
    sql = "SELECT count(*) FROM django_session WHERE session_key <> %s AND 1 = 1"
    for _ in range(3):
        with hot_cursor("default") as cursor:
            cursor.execute(sql, ["z" * 32])
            assert cursor.fetchone()[0] >= 0
    assert not any("1 = 1" in s for s in _prepared())
