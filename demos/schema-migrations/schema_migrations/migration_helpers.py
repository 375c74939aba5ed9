"""What the files in ``migrations/`` share: the keyspace they run on and a backfill over every row.

A migration receives only coodie's ``MigrationContext``; the keyspace is the one ``coodie migrate
--keyspace`` connected to. ``init_coodie`` registers that driver as coodie's default, so a
migration asks it — the same files then run in any keyspace (``$SCYLLA_KEYSPACE``, a test's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from coodie.drivers import get_driver
from coodie.migrations import MigrationContext

from demokit.coodie_private import driver_keyspace


def keyspace() -> str:
    """The keyspace of the migration being run (coodie's default driver's)."""
    name = driver_keyspace(get_driver())
    if not name:
        raise RuntimeError(
            "coodie's default driver has no keyspace: run migrations with coodie migrate --keyspace"
        )
    return name


async def backfill(
    ctx: MigrationContext,
    table: str,
    column: str,
    value_of: Callable[[dict[str, Any]], Any],
    key: Sequence[str],
) -> int:
    """``UPDATE table SET column = value_of(row)`` for every row (``None``: left alone); return how
    many were written.

    ``ctx.scan_table`` walks the token ring range by range, so a big table is never read at once.
    In a dry run coodie yields one placeholder row instead: the UPDATE is then only planned.
    """
    where = " AND ".join(f"{name} = ?" for name in key)
    update = f"UPDATE {keyspace()}.{table} SET {column} = ? WHERE {where}"
    written = 0
    async for row in ctx.scan_table(keyspace(), table):
        if row.get("__dry_run__"):
            await ctx.execute(update)  # recorded in the dry run's planned CQL, not sent
            continue
        value = value_of(row)
        if value is not None:
            await ctx.execute(update, [value, *(row[name] for name in key)])
            written += 1
    return written
