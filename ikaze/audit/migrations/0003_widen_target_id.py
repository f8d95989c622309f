"""Widen target_id; on SQLite, put the append-only triggers back afterwards.

SQLite alters a column by rebuilding the table, which drops its triggers: every migration that
alters audit_auditevent must recreate them (test_database_refuses_update_and_delete proves it).
"""

from django.db import migrations, models

# The SQL as it stood when this migration was written, copied here so that a later change to
# ikaze.audit.triggers cannot change what this migration did.
SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]


def statements(vendor: str, *, create: bool) -> list[str]:
    assert vendor == "sqlite" and create
    return SQLITE_CREATE


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in statements("sqlite", create=True):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="target_id",
            field=models.CharField(blank=True, db_index=True, default="", max_length=255),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
