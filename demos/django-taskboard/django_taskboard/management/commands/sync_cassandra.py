"""``manage.py sync_cassandra``: create or update coodie's tables in ScyllaDB.

Django's ``migrate`` handles the SQLite tables; coodie's tables are synced here, apart
(``CREATE TABLE IF NOT EXISTS`` for a new table, ``ALTER TABLE … ADD`` for a new column).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demokit.coodie_private import table_name
from demokit.database import connect


class Command(BaseCommand):
    help = "Sync the coodie models (tasks, task_events, task_counters) to ScyllaDB."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keyspace", default=None, help="default: settings.COODIE_KEYSPACE")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from django_taskboard.connection import sync_tables

        keyspace = options["keyspace"] or settings.COODIE_KEYSPACE
        connect(keyspace)
        sync_tables(lambda model: self.stdout.write(f"  ✔ {keyspace}.{table_name(model)}"))
        self.stdout.write(self.style.SUCCESS(f"coodie tables synced in keyspace {keyspace}"))
