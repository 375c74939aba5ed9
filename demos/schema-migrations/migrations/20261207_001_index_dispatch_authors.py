"""Add an index: an author's dispatches, across every dimension, without naming a partition.

It comes last on purpose: ScyllaDB builds a secondary index as a materialized view over the
table, and a table's views constrain later ALTERs (a column a view needs cannot be dropped, an
indexed column cannot be renamed, a rename must be carried into the view). With the rename and
the drop first, each of them is a plain ALTER; a rollback drops the index before undoing them.
"""

from coodie.migrations import Migration, MigrationContext
from schema_migrations.migration_helpers import keyspace


class ForwardMigration(Migration):
    description = "index dispatches.author (dispatches_by_author)"

    async def upgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(
            f"CREATE INDEX IF NOT EXISTS dispatches_by_author ON {keyspace()}.dispatches (author)"
        )

    async def downgrade(self, ctx: MigrationContext) -> None:
        await ctx.execute(f"DROP INDEX IF EXISTS {keyspace()}.dispatches_by_author")
