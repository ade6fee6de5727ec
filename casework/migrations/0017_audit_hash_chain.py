"""The audit trail as hash chains (casework/models/audit_chain.py): one per organisation, one for
events with no organisation.

On PostgreSQL a trigger does it for every INSERT, whoever writes it: it takes an advisory lock for
the event's chain (held to the commit, so two transactions never append to one chain at once),
dates the row with `clock_timestamp()`, gives it the next position after the chain's head and its
hash over `casework_audit_canonical(row, position, previous hash)`. It replaces 0009's dating
trigger, which would fire after it and change the time the hash covers.

Existing events are chained here in place: each chain in the order of (time, id), the persons an
event names digested into it first. That needs the table's owner (the role that migrates): the
append-only trigger is suspended for this transaction only.

No way back: unapplying would drop the chain's trigger, and with it what makes the trail evident.
"""

import django.db.models.functions.comparison
import django.utils.timezone
from django.db import migrations, models

import casework.models.audit

# pg_advisory_xact_lock(CHAIN_LOCK_CLASS, chain): the first key names casework's audit chains.
CHAIN_LOCK_CLASS = 711011

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION casework_audit_canonical(
    e casework_auditevent, p_position bigint, p_previous text
) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(
        e.organisation_id,
        p_position,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        e.public_id::text,
        e.actor_id,
        e.actor_label,
        e.action,
        e.object_type,
        e.object_id::text,
        e.person_id::text,
        e.fields,
        e.changes,
        e.reason,
        host(e.ip),
        e.request_id,
        e.subjects_digest,
        p_previous
    )::text
$$;

CREATE OR REPLACE FUNCTION casework_audit_link_hash(
    e casework_auditevent, p_position bigint, p_previous text
) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(casework_audit_canonical(e, p_position, p_previous), 'UTF8')),
                  'hex')
$$;

CREATE OR REPLACE FUNCTION casework_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_position bigint;
    head_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_CLASS}, coalesce(NEW.organisation_id, 0)::int);
    NEW.at := clock_timestamp();
    SELECT chain_position, chain_hash INTO head_position, head_hash
      FROM casework_auditevent
     WHERE coalesce(organisation_id, 0) = coalesce(NEW.organisation_id, 0)
       AND chain_position IS NOT NULL
     ORDER BY chain_position DESC
     LIMIT 1;
    NEW.chain_position := coalesce(head_position, 0) + 1;
    NEW.chain_hash := casework_audit_link_hash(NEW, NEW.chain_position, coalesce(head_hash, ''));
    RETURN NEW;
END;
$$;

-- Links the events `p_ids`, in that order, after (p_position, p_previous): for the back-fill
-- below and the demo's invented past. It updates rows, which only the table's owner can do with
-- the append-only trigger suspended.
CREATE OR REPLACE FUNCTION casework_audit_rechain(
    p_ids bigint[], p_position bigint, p_previous text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_position bigint := p_position;
    v_previous text := p_previous;
BEGIN
    FOREACH v_id IN ARRAY p_ids LOOP
        v_position := v_position + 1;
        UPDATE casework_auditevent e
           SET chain_position = v_position,
               chain_hash = casework_audit_link_hash(e, v_position, v_previous)
         WHERE e.id = v_id
        RETURNING e.chain_hash INTO v_previous;
    END LOOP;
    RETURN v_previous;
END;
$$;
"""

TRIGGER = """
DROP TRIGGER IF EXISTS casework_audit_database_time ON casework_auditevent;
DROP TRIGGER IF EXISTS casework_audit_chain ON casework_auditevent;
CREATE TRIGGER casework_audit_chain
    BEFORE INSERT ON casework_auditevent
    FOR EACH ROW EXECUTE FUNCTION casework_audit_chain();
"""

BACKFILL = """
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE casework_auditevent DISABLE TRIGGER casework_audit_append_only;
UPDATE casework_auditevent e
   SET subjects_digest = s.digest
  FROM (SELECT event_id,
               encode(sha256(convert_to(
                   string_agg(person_id::text, E'\\n' ORDER BY person_id::text COLLATE "C"),
                   'UTF8')), 'hex') AS digest
          FROM casework_auditeventsubject GROUP BY event_id) s
 WHERE s.event_id = e.id;
SELECT casework_audit_rechain(array_agg(id ORDER BY at, id), 0, '')
  FROM casework_auditevent GROUP BY coalesce(organisation_id, 0);
ALTER TABLE casework_auditevent ENABLE TRIGGER casework_audit_append_only;
SET CONSTRAINTS ALL DEFERRED;
"""


def _chain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)
        schema_editor.execute(BACKFILL, params=None)
        schema_editor.execute(TRIGGER, params=None)
        return
    # SQLite: the same chain, linked by the app (as it links every new event there).
    from casework.models import audit_chain

    event_model = apps.get_model("casework", "AuditEvent")
    subject_model = apps.get_model("casework", "AuditEventSubject")
    named: dict[int, list] = {}
    for event_id, person_id in subject_model.objects.values_list("event_id", "person_id"):
        named.setdefault(event_id, []).append(person_id)
    events = list(event_model.objects.order_by("at", "id"))
    for event in events:
        event.subjects_digest = audit_chain.subjects_digest(named.get(event.pk, ()))
    heads = {event.organisation_id: (0, audit_chain.GENESIS) for event in events}
    audit_chain.link(events, heads)
    event_model.objects.bulk_update(
        events, ["subjects_digest", "chain_position", "chain_hash"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0016_report_set_aside_after_withdrawal")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="subjects_digest",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=64, verbose_name="subjects digest"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_position",
            field=casework.models.audit.DatabaseSetBigIntegerField(
                blank=True, editable=False, null=True, verbose_name="position in the chain"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=casework.models.audit.DatabaseSetCharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=64,
                verbose_name="chain hash",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=casework.models.audit.DatabaseSetDateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="time"
            ),
        ),
        migrations.RunPython(_chain),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                django.db.models.functions.comparison.Coalesce("organisation", 0),
                models.F("chain_position"),
                name="audit_chain_position",
            ),
        ),
    ]
