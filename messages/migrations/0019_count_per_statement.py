"""PostgreSQL counts a send's status changes once per UPDATE statement instead of once per row.

0013's row trigger ran two upserts of the send's counter row for every delivery whose status changed:
a claim of 64 rows or a batch of 100 outcomes wrote 128 or 200 versions of the same counter row in
one transaction (an UPDATE of 5,000 rows' status took four times as long with it as without it,
docs/benchmarks.md). This trigger
reads the statement's transition tables instead: the rows after the UPDATE counted up by send and
status, the rows before it counted down, and only the (send, status) pairs whose count moved are
written, once each. An UPDATE that changes no status writes nothing. SQLite keeps its row triggers.
"""

from importlib import import_module

from django.db import migrations

counts = import_module("messages.migrations.0013_send_counts")

CHANGED = f"""CREATE OR REPLACE FUNCTION delivery_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    INSERT INTO {counts.COUNT} (send_id, status, shard, n)
        SELECT send_id, status, pg_backend_pid() % 16, sum(moved) FROM (
            SELECT send_id, status, 1 AS moved FROM new_rows
            UNION ALL SELECT send_id, status, -1 FROM old_rows
        ) AS changes
        GROUP BY send_id, status HAVING sum(moved) <> 0
        ON CONFLICT (send_id, status, shard) DO UPDATE SET n = {counts.COUNT}.n + excluded.n;
    RETURN NULL; END $$"""
PER_STATEMENT = [
    f"DROP TRIGGER IF EXISTS delivery_count_update ON {counts.DELIVERY}",
    CHANGED,
    # A trigger with transition tables cannot name its columns (UPDATE OF status): it runs for every
    # UPDATE, and one that changes no status adds nothing.
    f"""CREATE TRIGGER delivery_count_update AFTER UPDATE ON {counts.DELIVERY}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION delivery_count_changed()""",
]
PER_ROW = [
    f"DROP TRIGGER IF EXISTS delivery_count_update ON {counts.DELIVERY}",
    "DROP FUNCTION IF EXISTS delivery_count_changed()",
    *(statement for statement in counts.POSTGRESQL if "delivery_count_changed" in statement),
]


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        counts._run(schema_editor, PER_STATEMENT)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        counts._run(schema_editor, PER_ROW)


class Migration(migrations.Migration):
    dependencies = [("ott_messages", "0018_delivery_fewer_checks")]

    operations = [migrations.RunPython(per_statement, per_row)]
