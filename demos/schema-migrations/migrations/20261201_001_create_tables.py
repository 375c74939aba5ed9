"""The chronicle begins: two tables, the archivists and their dispatches."""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import keyspace


class ForwardMigration(Migration):
    description = "create the archivists and dispatches tables"

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(
            f"CREATE TABLE IF NOT EXISTS {keyspace()}.archivists ("
            "name text PRIMARY KEY, dimension text, rank text)"
        )
        await ctx.execute(
            f"CREATE TABLE IF NOT EXISTS {keyspace()}.dispatches ("
            "dimension text, seq int, author text, message text, word_count int, "
            "PRIMARY KEY ((dimension), seq))"
        )

    async def downgrade(self, ctx: MigrationContext) -> None:
        # the tables go, and their rows with them: history before the first entry is empty
        await ctx.execute(f"DROP TABLE IF EXISTS {keyspace()}.dispatches")
        await ctx.execute(f"DROP TABLE IF EXISTS {keyspace()}.archivists")
