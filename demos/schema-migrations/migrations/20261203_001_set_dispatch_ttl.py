"""Set a TTL: dispatches written from now on expire after 90 days.

default_time_to_live applies to new writes only: the rows already there keep the TTL (or the
lack of one) they were written with, so neither direction touches the data.
"""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import keyspace

NINETY_DAYS = 90 * 24 * 3600


class ForwardMigration(Migration):
    description = "dispatches expire after 90 days (default_time_to_live)"

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches WITH default_time_to_live = {NINETY_DAYS}")

    async def downgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"ALTER TABLE {keyspace()}.dispatches WITH default_time_to_live = 0")
