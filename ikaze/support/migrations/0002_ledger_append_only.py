"""Refuse UPDATE, DELETE and TRUNCATE on ledger entries in the database itself."""

from django.db import migrations

# The SQL as it stood when this migration was written (ikaze.support.triggers may change).
SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS support_ledger_no_update BEFORE UPDATE ON support_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS support_ledger_no_delete BEFORE DELETE ON support_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS support_ledger_no_update;",
    "DROP TRIGGER IF EXISTS support_ledger_no_delete;",
]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION support_ledger_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER support_ledger_no_update BEFORE UPDATE OR DELETE ON support_ledgerentry
       FOR EACH ROW EXECUTE FUNCTION support_ledger_refuse_change();""",
    """CREATE TRIGGER support_ledger_no_truncate BEFORE TRUNCATE ON support_ledgerentry
       FOR EACH STATEMENT EXECUTE FUNCTION support_ledger_refuse_change();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS support_ledger_no_truncate ON support_ledgerentry;",
    "DROP TRIGGER IF EXISTS support_ledger_no_update ON support_ledgerentry;",
    "DROP FUNCTION IF EXISTS support_ledger_refuse_change();",
]


def _statements(vendor, *, create):
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise NotImplementedError(f"No append-only triggers for {vendor}")


def create(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
