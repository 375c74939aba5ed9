"""Materialized views through coodie: ``MaterializedView``, ``sync_view()``, ``drop_view()``.

A view is declared like a document: its key fields are the view's primary key, its
``Settings`` name the base table (``__base_table__``) and optionally the selected columns
(``__view_columns__``), the WHERE clause (``__where_clause__``, else every key column
``IS NOT NULL``) and the clustering order. ``sync_view()`` sends ``CREATE MATERIALIZED VIEW
IF NOT EXISTS`` (pinned by a snapshot; again is harmless), the database keeps the view in step
with every base write, and ``find()`` reads it. Writes to a view are refused twice: coodie
refuses a view row's ``save``/``insert``/``update``/``delete`` before sending anything, and the
server refuses what the query set does send. A real ScyllaDB builds and updates views in the
background, so each read after a base write waits for it (`expect`, at once on scylla_lite).
"""

from __future__ import annotations

from typing import Annotated, Any

import coodie.aio.document as aio
import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from coodie.exceptions import InvalidQueryError
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.sync.document import Document, MaterializedView
from coodie_flavours import Flavour, async_twin

from spec.assertions import expect, rows

READ_ONLY = "Materialized views are read-only. Use the base table to write data."
SERVER_REFUSAL = "Cannot directly modify a materialized view"


class Gem(Document):
    id: Annotated[int, PrimaryKey()]
    colour: str | None = None
    shape: str | None = None
    name: str = ""

    class Settings:
        name = "gems"


class GemByColour(MaterializedView):
    """Every column (``SELECT *``), coodie's own WHERE clause."""

    colour: Annotated[str, PrimaryKey()]
    id: Annotated[int, ClusteringKey()]
    shape: str | None = None
    name: str = ""

    class Settings:
        name = "gems_by_colour"
        __base_table__ = "gems"


class GemByShape(MaterializedView):
    """Three columns, an explicit WHERE clause, newest id first."""

    shape: Annotated[str, PrimaryKey()]
    id: Annotated[int, ClusteringKey()]
    name: str = ""

    class Settings:
        name = "gems_by_shape"
        __base_table__ = "gems"
        __view_columns__ = ["shape", "id", "name"]
        __where_clause__ = '"shape" IS NOT NULL AND "id" IS NOT NULL'
        __clustering_order__ = {"id": "DESC"}


AsyncGem = async_twin(Gem)


AsyncGemByColour = async_twin(GemByColour)
AsyncGemByShape = async_twin(GemByShape)


class Mirror:
    """The base model and its two views, of the test's flavour."""

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour
        self.gem = flavour.pick(Gem, AsyncGem)
        self.by_colour = flavour.pick(GemByColour, AsyncGemByColour)
        self.by_shape = flavour.pick(GemByShape, AsyncGemByShape)

    async def sync(self) -> None:
        await self.flavour.sync_tables(self.gem)
        for view in (self.by_colour, self.by_shape):
            await self.flavour(view.sync_view)

    async def save(self, **gem: Any) -> None:
        await self.flavour(self.gem(**gem).save)


@pytest.fixture
async def mirror(flavour: Flavour) -> Mirror:
    """``gems`` and both views synced (sync or async per flavour)."""
    made = Mirror(flavour)
    await made.sync()
    return made


def views_of(cql: Session, keyspace: str) -> dict[str, tuple[str, bool, str]]:
    """system_schema.views: name → (base table, include_all_columns, where clause)."""
    got = cql.execute(
        "SELECT view_name, base_table_name, include_all_columns, where_clause FROM system_schema.views "
        "WHERE keyspace_name = %s",
        [keyspace],
    )
    return {r.view_name: (r.base_table_name, r.include_all_columns, r.where_clause) for r in got}


# --------------------------------------------------------------------------- sync_view()


async def test_sync_view_sends_create_materialized_view_if_not_exists(
    flavour: Flavour, keyspace: str, cql_recorder: Any, snapshot: Any
) -> None:
    mirror = Mirror(flavour)
    await flavour.sync_tables(mirror.gem)
    cql_recorder.start()
    for view in (mirror.by_colour, mirror.by_shape):
        await flavour(view.sync_view)
    assert [s.replace(keyspace, "<ks>") for s in cql_recorder.normalised()] == snapshot


async def test_sync_view_twice_is_idempotent(flavour: Flavour, cql: Session, keyspace: str) -> None:
    mirror = Mirror(flavour)
    await flavour.sync_tables(mirror.gem)
    for n in range(3):
        await mirror.save(id=n, colour="red", shape="round", name=f"ruby {n}")
    await flavour(mirror.by_colour.sync_view)  # built from the rows already there
    expect(cql, "SELECT id FROM gems_by_colour WHERE colour = 'red'", [(0,), (1,), (2,)])

    await flavour(mirror.by_colour.sync_view)
    await flavour(mirror.by_shape.sync_view)
    await flavour(mirror.by_shape.sync_view)
    assert views_of(cql, keyspace) == {
        "gems_by_colour": ("gems", True, "colour IS NOT null AND id IS NOT null"),
        "gems_by_shape": ("gems", False, "shape IS NOT null AND id IS NOT null"),
    }
    assert rows(cql, "SELECT id FROM gems_by_colour WHERE colour = 'red'") == [(0,), (1,), (2,)]
    expect(cql, "SELECT id FROM gems_by_shape WHERE shape = 'round'", [(2,), (1,), (0,)])


async def test_sync_view_again_keeps_the_first_definition(
    flavour: Flavour, cql: Session, keyspace: str
) -> None:
    """IF NOT EXISTS: a changed declaration does not alter a view that exists (drop it first)."""
    mirror = Mirror(flavour)
    await flavour.sync_tables(mirror.gem)
    await flavour(mirror.by_shape.sync_view)

    class Wider(mirror.by_shape):  # type: ignore[misc, valid-type]
        class Settings(mirror.by_shape.Settings):  # type: ignore[name-defined, misc]
            __view_columns__ = ["*"]

    await flavour(Wider.sync_view)
    assert views_of(cql, keyspace)["gems_by_shape"][1] is False  # still three columns, not SELECT *


async def test_a_view_without_a_base_table_is_refused_before_anything_is_sent(
    flavour: Flavour, cql_recorder: Any
) -> None:
    base = flavour.pick(MaterializedView, aio.MaterializedView)

    class Orphan(base):  # type: ignore[misc, valid-type]
        colour: Annotated[str, PrimaryKey()]

        class Settings:
            name = "orphans"

    cql_recorder.start()
    with pytest.raises(InvalidQueryError, match=r"Orphan.Settings must define __base_table__"):
        await flavour(Orphan.sync_view)
    assert cql_recorder.normalised() == []


# --------------------------------------------------------------------------- reading


async def test_a_view_follows_inserts_updates_and_deletes(mirror: Mirror, cql: Session) -> None:
    flavour, by_colour = mirror.flavour, mirror.by_colour
    await mirror.save(id=1, colour="red", shape="round", name="ruby")
    await mirror.save(id=2, colour="red", shape="pear", name="garnet")
    await mirror.save(id=3, shape="round", name="colourless")  # a null view key: not in the view
    expect(cql, "SELECT id, name FROM gems_by_colour", [(1, "ruby"), (2, "garnet")])
    red = await flavour(by_colour.find(colour="red").all)
    assert [(g.colour, g.id, g.shape, g.name) for g in red] == [
        ("red", 1, "round", "ruby"),
        ("red", 2, "pear", "garnet"),
    ]

    await flavour(mirror.gem.find(id=1).update, colour="blue")  # the row moves to another partition
    expect(cql, "SELECT id FROM gems_by_colour WHERE colour = 'red'", [(2,)])
    expect(cql, "SELECT id, name FROM gems_by_colour WHERE colour = 'blue'", [(1, "ruby")])
    assert [g.id for g in await flavour(by_colour.find(colour="blue").all)] == [1]

    await flavour(mirror.gem.find(id=2).update, name="almandine")  # a non-key column: updated in place
    expect(cql, "SELECT id, name FROM gems_by_colour WHERE colour = 'red'", [(2, "almandine")])

    await flavour(mirror.gem.find(id=2).delete)
    expect(cql, "SELECT id FROM gems_by_colour WHERE colour = 'red'", [])
    assert await flavour(by_colour.find(colour="red").all) == []
    assert rows(cql, "SELECT id FROM gems_by_colour") == [(1,)]


async def test_a_view_has_its_own_columns_and_clustering_order(
    mirror: Mirror, cql: Session, keyspace: str
) -> None:
    for n in (3, 1, 2):
        await mirror.save(id=n, colour="green", shape="round", name=f"emerald {n}")
    expect(cql, "SELECT id FROM gems_by_shape WHERE shape = 'round'", [(3,), (2,), (1,)])
    round_ones = await mirror.flavour(mirror.by_shape.find(shape="round").all)
    assert [(g.id, g.name) for g in round_ones] == [(3, "emerald 3"), (2, "emerald 2"), (1, "emerald 1")]
    columns = cql.execute(
        "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
        [keyspace, "gems_by_shape"],
    )
    assert {r.column_name for r in columns} == {"shape", "id", "name"}


# --------------------------------------------------------------------------- refusing writes


async def test_coodie_refuses_to_write_a_view_row_and_sends_nothing(
    mirror: Mirror, cql: Session, cql_recorder: Any
) -> None:
    await mirror.save(id=1, colour="red", name="ruby")
    expect(cql, "SELECT id, name FROM gems_by_colour", [(1, "ruby")])
    (row,) = await mirror.flavour(mirror.by_colour.find(colour="red").all)
    row.name = "forged"
    cql_recorder.start()
    for write, kwargs in [
        (row.save, {}),
        (row.insert, {}),
        (row.update, {"name": "forged"}),
        (row.delete, {}),
    ]:
        with pytest.raises(InvalidQueryError) as refused:
            await mirror.flavour(write, **kwargs)
        assert str(refused.value) == READ_ONLY
    assert cql_recorder.normalised() == []
    assert rows(cql, "SELECT id, name FROM gems_by_colour") == [(1, "ruby")]


async def test_the_server_refuses_the_writes_a_view_query_set_sends(mirror: Mirror, cql: Session) -> None:
    """coodie's QuerySet has no such guard: its UPDATE and DELETE reach the server, which refuses."""
    flavour, by_colour = mirror.flavour, mirror.by_colour
    await mirror.save(id=1, colour="red", name="ruby")
    expect(cql, "SELECT id, name FROM gems_by_colour", [(1, "ruby")])
    for write, kwargs in [
        (by_colour.find(colour="red", id=1).update, {"name": "forged"}),
        (by_colour.find(colour="red", id=1).delete, {}),
    ]:
        with pytest.raises(InvalidRequest, match=SERVER_REFUSAL):
            await flavour(write, **kwargs)
    assert rows(cql, "SELECT id, name FROM gems_by_colour") == [(1, "ruby")]
    assert rows(cql, "SELECT id, colour, name FROM gems") == [(1, "red", "ruby")]


# --------------------------------------------------------------------------- drop_view()


async def test_drop_view_drops_the_view_and_keeps_the_base_table(
    mirror: Mirror, cql: Session, keyspace: str, cql_recorder: Any
) -> None:
    flavour = mirror.flavour
    await mirror.save(id=1, colour="red", shape="round", name="ruby")
    expect(cql, "SELECT id FROM gems_by_colour", [(1,)])
    cql_recorder.start()
    await flavour(mirror.by_colour.drop_view)
    await flavour(mirror.by_colour.drop_view)  # IF EXISTS: again is harmless
    assert [s.replace(keyspace, "<ks>") for s in cql_recorder.normalised()] == [
        "DROP MATERIALIZED VIEW IF EXISTS <ks>.gems_by_colour"
    ] * 2
    assert set(views_of(cql, keyspace)) == {"gems_by_shape"}
    with pytest.raises(InvalidRequest, match="unconfigured table gems_by_colour"):
        await flavour(mirror.by_colour.find(colour="red").all)
    assert rows(cql, "SELECT id, name FROM gems") == [(1, "ruby")]

    await flavour(mirror.by_colour.sync_view)  # materialized again, from the rows the base table has
    expect(cql, "SELECT id, name FROM gems_by_colour WHERE colour = 'red'", [(1, "ruby")])


async def test_the_base_table_cannot_be_dropped_while_a_view_depends_on_it(
    mirror: Mirror, cql: Session, keyspace: str
) -> None:
    flavour = mirror.flavour
    with pytest.raises(InvalidRequest, match="Cannot drop table when materialized views still depend on it"):
        await flavour(mirror.gem.drop_table)
    await flavour(mirror.by_colour.drop_view)
    await flavour(mirror.by_shape.drop_view)
    await flavour(mirror.gem.drop_table)
    assert views_of(cql, keyspace) == {}
    tables = cql.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [keyspace])
    assert [r.table_name for r in tables] == []
