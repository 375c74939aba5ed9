"""Drop a column: word_count was derived from the message, so nothing is lost for good.

A DROP deletes the column's values; re-adding the column later does not bring them back. This
column can be recomputed, so the downgrade re-adds it and backfills every row from its message.
"""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import backfill, keyspace


def word_count(row: dict) -> int:
    return len(str(row.get("message") or "").split())


class ForwardMigration(Migration):
    description = "drop the derived column dispatches.word_count"
    allow_destructive = True

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches DROP word_count")

    async def downgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches ADD word_count int")
        await backfill(ctx, "dispatches", "word_count", word_count, key=("dimension", "entry_no"))
