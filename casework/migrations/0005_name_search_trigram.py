"""Trigram indexes for the person name search on PostgreSQL (`PersonFilterSet.filter_name`).

`icontains` becomes `UPPER(col) LIKE UPPER('%…%')`, which no b-tree index serves: without these,
every search reads every name of the database. pg_trgm is a trusted extension (PostgreSQL 13+), so
a database owner may create it; where the role may not, the search still works, only slower, and
the migration says so instead of failing the deployment. SQLite (the demo) needs none of this.
"""

from django.db import migrations

INDEXES = [
    ("casework_person", "display_name", "person_display_name_trgm"),
    ("casework_personname", "family_name", "personname_family_name_trgm"),
    ("casework_personname", "given_name", "personname_given_name_trgm"),
    ("casework_personname", "patronymic", "personname_patronymic_trgm"),
    ("casework_personname", "full_text", "personname_full_text_trgm"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            try:
                cursor.execute("SAVEPOINT casework_trgm")
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute("RELEASE SAVEPOINT casework_trgm")
            except Exception as exc:  # noqa: BLE001 - any refusal: carry on without the indexes
                cursor.execute("ROLLBACK TO SAVEPOINT casework_trgm")
                print(
                    "\n  pg_trgm could not be created "
                    f"({exc.__class__.__name__}): name search will work without its indexes, "
                    "slowly. Ask the database owner to run CREATE EXTENSION pg_trgm, then "
                    "run `manage.py migrate casework 0004` and then `manage.py migrate` again."
                )
                return
        for table, column, name in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "  # noqa: S608 - constants only
                f'USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for _table, _column, name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_data_honesty_constraints")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
