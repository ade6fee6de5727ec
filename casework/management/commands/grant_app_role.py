"""`manage.py grant_app_role ROLE`: what the application's own database role may do, run by the
role that owns the tables (the one that ran `migrate`).

The application then runs as a role that owns nothing: it reads and writes case data, appends to
the audit trail and can do nothing else to it. Without ownership it cannot TRUNCATE the table,
ALTER it, disable or drop its triggers, or set session_replication_role (a superuser's setting).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

# The events and the persons each names when it names several: append-only alike.
AUDIT_TABLES = ("casework_auditevent", "casework_auditeventsubject")


class Command(BaseCommand):
    help = "Grant an application role what casework needs, and no more (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the database role the application connects as")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's: the SQLite demo has none.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    f"There is no role {role!r}: CREATE ROLE {role} LOGIN PASSWORD '…' first."
                )
            if row[0]:
                raise CommandError(f"{role!r} is a superuser: the application must not be one.")
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tableowner = %s",
                [role],
            )
            owned = [name for (name,) in cursor.fetchall()]
            if owned:
                raise CommandError(
                    f"{role!r} owns tables ({', '.join(owned[:5])}…): run migrate as another role."
                )
            who = sql.Identifier(role)
            with transaction.atomic():
                for statement in (
                    "GRANT USAGE ON SCHEMA public TO {who}",
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
                    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
                    "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public "
                    "FROM {who}",
                    "REVOKE UPDATE, DELETE ON {audit} FROM {who}",
                ):
                    cursor.execute(
                        sql.SQL(statement).format(
                            who=who, audit=sql.SQL(", ").join(map(sql.Identifier, AUDIT_TABLES))
                        )
                    )
        self.stdout.write(
            f"{role} may now read and write case data and append to the audit trail, and "
            "nothing more. Run the application as this role."
        )
