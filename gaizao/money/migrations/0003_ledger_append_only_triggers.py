"""The database itself refuses to change a ledger entry (and, on PostgreSQL, to delete one).

The model and its queryset already refuse; the trigger also stops raw SQL and other programs. SQLite guards UPDATE
only: Django's test flush empties tables with DELETE there (PostgreSQL flushes with TRUNCATE, which row triggers do not
see)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION money_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'money_ledgerentry is append-only: % refused; reverse the entry instead', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER money_ledger_append_only BEFORE UPDATE OR DELETE ON money_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION money_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS money_ledger_append_only ON money_ledgerentry;
DROP FUNCTION IF EXISTS money_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER money_ledger_append_only BEFORE UPDATE ON money_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'money_ledgerentry is append-only: UPDATE refused; reverse the entry instead');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS money_ledger_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("money", "0002_ledger_contract")]

    operations = [migrations.RunPython(forward, backward)]
