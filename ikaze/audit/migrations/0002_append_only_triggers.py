"""Refuse UPDATE and DELETE (and TRUNCATE) on audit events in the database itself."""

from django.db import migrations

from ikaze.audit.triggers import statements


def create(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
