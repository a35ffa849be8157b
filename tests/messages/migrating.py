"""Helpers for the tests that migrate the delivery table back and forth."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to `targets`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def count_triggers() -> list[str]:
    """The delivery table's counting triggers (SQLite loses a table's triggers when it alters it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        else:
            cursor.execute(
                "SELECT DISTINCT trigger_name::text FROM information_schema.triggers "
                "WHERE event_object_table = 'ott_messages_delivery' ORDER BY 1"
            )
        return [name for (name,) in cursor.fetchall()]
