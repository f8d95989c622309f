"""The chain's format version, the sealed personal values and the signed checkpoints.

Issue 9 items 11 and 12 (ADR 0007). Events written before keep version 1 and hash as they
did. SQLite adds a column with a check by rebuilding the table, which drops its append-only
triggers: they are put back at the end (test_database_refuses_update_and_delete proves it).
"""

import uuid

import django.db.models.deletion
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

    dependencies = [
        ('audit', '0004_lean_indexes'),
    ]

    operations = [
        # Reversed last: removing the column rebuilds the table on SQLite too.
        migrations.RunPython(migrations.RunPython.noop, recreate_sqlite_triggers),
        migrations.AddField(
            model_name='auditevent',
            name='version',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField()),
                ('head_hash', models.CharField(max_length=64)),
                ('count', models.BigIntegerField()),
                ('at', models.DateTimeField()),
                ('key_id', models.CharField(max_length=16)),
                ('signature', models.CharField(max_length=128)),
            ],
            options={
                'ordering': ['-seq', '-at'],
                'indexes': [models.Index(fields=['seq'], name='audit_checkpoint_seq_idx')],
            },
        ),
        migrations.CreateModel(
            name='AuditSealedValue',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('openings', models.JSONField()),
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='sealed', to='audit.auditevent')),
            ],
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
