"""SQL of the ledger's append-only triggers, per database (as `ikaze.audit.triggers`).

The migration that created them carries its own copy; this module is for code and tests."""

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


def statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise NotImplementedError(f"No append-only triggers for {vendor}")
