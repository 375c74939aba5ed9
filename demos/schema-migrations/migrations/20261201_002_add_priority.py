"""Add a column, and backfill it: every dispatch already written becomes routine (3)."""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import backfill, keyspace

ROUTINE = 3


class ForwardMigration(Migration):
    description = "add dispatches.priority, backfilled with 3 (routine)"

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches ADD priority int")
        await backfill(ctx, "dispatches", "priority", lambda row: ROUTINE, key=("dimension", "seq"))

    async def downgrade(self, ctx: MigrationContext) -> None:
        # rolling back an ADD drops the column: its values go with it
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches DROP priority")
