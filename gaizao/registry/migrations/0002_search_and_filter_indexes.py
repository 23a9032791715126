"""Indexes for the registry's filters and search.

The model-state indexes (both databases): a partial covering index on live communities for scope counts, the year
built, and sample data. The trigram indexes exist only on PostgreSQL (``pg_trgm``, created here when missing) and
are not part of the model state, so SQLite migrates with the same files; SQLite's FTS5 search table is kept by
``gaizao.registry.search.ensure_sqlite_search`` after every migrate.
"""

from django.db import migrations, models

TRIGRAM_FIELDS = ("name", "code", "address")


def trigram_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.operations import TrigramExtension

    TrigramExtension().database_forwards("registry", schema_editor, None, None)
    # Raw SQL: GinIndex(OpClass(Upper(field), ...)) renders as ((UPPER("name") gin_trgm_ops)), which PostgreSQL
    # rejects. UPPER(col) is stored as upper((col)::text), the expression Django's icontains filters on.
    for field in TRIGRAM_FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS community_{field}_trgm ON registry_community "
            f"USING gin (UPPER({field}) gin_trgm_ops)"
        )


def trigram_backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in TRIGRAM_FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS community_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("divisions", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="community",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True)),
                fields=["division"],
                include=("scope_status", "district_code", "built_year", "is_sample"),
                name="community_live_division",
            ),
        ),
        migrations.AddIndex(
            model_name="community",
            index=models.Index(fields=["built_year"], name="community_built_year"),
        ),
        migrations.AddIndex(
            model_name="community",
            index=models.Index(
                condition=models.Q(("is_sample", True)), fields=["code"], name="community_sample_code"
            ),
        ),
        migrations.RunPython(trigram_forwards, trigram_backwards, elidable=False),
    ]
