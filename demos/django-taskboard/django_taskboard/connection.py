"""The dual-database set-up: Django's SQLite tables and coodie's ScyllaDB keyspace.

Nothing connects at import or at Django start-up. `prepare` (the app factory, the
management commands) or `ensure_ready` (`TheMiddleware`, on the first request of a
``manage.py runserver``) bring coodie up on the keyspace and sync its tables once.
"""

from __future__ import annotations

import threading
from typing import Any

from demokit.database import ensure_coodie

_lock = threading.Lock()
_keyspace: str | None = None
_synced: set[tuple[int, str]] = set()


def keyspace() -> str:
    """The keyspace the app uses: the factory's, else ``settings.COODIE_KEYSPACE``."""
    if _keyspace is not None:
        return _keyspace
    from django.conf import settings

    return str(settings.COODIE_KEYSPACE)


def sync_tables(log: Any = None) -> None:
    """``sync_table()`` for every coodie model (what ``manage.py sync_cassandra`` runs)."""
    from django_taskboard.cassandra_models import MODELS

    for model in MODELS:
        model.sync_table()
        if log is not None:
            log(model)


def ensure_ready() -> Any:
    """coodie's driver on the app's keyspace, its tables synced (once per driver and keyspace)."""
    name = keyspace()
    driver = ensure_coodie(name)
    key = (id(driver), name)
    if key not in _synced:
        with _lock:
            if key not in _synced:
                sync_tables()
                _synced.add(key)
    return driver


def migrate_sqlite() -> None:
    """Create Django's own tables in SQLite when they are missing (``manage.py migrate``)."""
    from django.core.management import call_command
    from django.db import connection

    if "django_session" not in connection.introspection.table_names():
        call_command("migrate", interactive=False, verbosity=0)


def prepare(name: str | None = None) -> None:
    """Both databases ready: SQLite migrated, coodie on ``name`` with its tables synced."""
    global _keyspace
    if name is not None:
        _keyspace = name
    migrate_sqlite()
    ensure_ready()
