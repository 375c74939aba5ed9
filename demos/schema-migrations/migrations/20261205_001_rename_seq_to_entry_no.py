"""Rename a column: seq becomes entry_no.

ScyllaDB (like Cassandra) renames only primary-key columns, and not one a secondary index
depends on: seq is a clustering column and the author index comes later (20261207_001), so this
is a metadata change — no row is rewritten, every value stays where it is. A regular column
would need a copy instead: ADD the new one, backfill it (see 20261201_002), DROP the old one.
"""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import keyspace


class ForwardMigration(Migration):
    description = "rename the clustering column dispatches.seq to entry_no"

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches RENAME seq TO entry_no")

    async def downgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches RENAME entry_no TO seq")
