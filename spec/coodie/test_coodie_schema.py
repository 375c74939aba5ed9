"""Schema management with ``sync_table()``: idempotency, added columns, secondary indexes
(custom names, ``drop_removed_indexes``) and table options (``Settings.__options__``).

Several models here share one table name: they are the same table at successive
versions of an application, each version deployed by a new process (`next_deployment`):
within one process coodie's driver remembers what it synced and skips a table whose
columns it has already seen (see test_upstream_bugs.py).
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from cassandra.cluster import Session
from coodie.drivers import register_driver
from coodie.drivers.cassandra import CassandraDriver
from coodie.fields import Indexed, PrimaryKey
from coodie.sync.document import Document
from coodie_flavours import Flavour, async_twin

from spec.assertions import column_schema


class Product(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    brand: Annotated[str, Indexed()] = ""
    sku: Annotated[str, Indexed(index_name="product_by_sku")] = ""

    class Settings:
        name = "products"


class ProductV2(Document):
    """``products`` with a new column, and no index on ``brand`` any more."""

    id: Annotated[int, PrimaryKey()]
    name: str = ""
    brand: str = ""
    sku: Annotated[str, Indexed(index_name="product_by_sku")] = ""
    rating: float = 0.0

    class Settings:
        name = "products"


class AuditLog(Document):
    id: Annotated[int, PrimaryKey()]
    line: str = ""

    class Settings:
        name = "audit_log"
        __default_ttl__ = 86400
        __options__ = {
            "gc_grace_seconds": 3600,
            "comment": "kept one day",
            "compaction": {"class": "LeveledCompactionStrategy"},
        }


class AuditLogV2(Document):
    id: Annotated[int, PrimaryKey()]
    line: str = ""

    class Settings:
        name = "audit_log"
        __default_ttl__ = 86400
        __options__ = {"gc_grace_seconds": 7200, "comment": "kept one day"}


AsyncProduct = async_twin(Product)
AsyncProductV2 = async_twin(ProductV2)
AsyncAuditLog = async_twin(AuditLog)
AsyncAuditLogV2 = async_twin(AuditLogV2)


@pytest.fixture
def next_deployment(coodie_session: Session, keyspace: str) -> Any:
    """Start "a new process": coodie gets a fresh driver, which has synced nothing yet."""

    def restart() -> None:
        register_driver(
            "default", CassandraDriver(session=coodie_session, default_keyspace=keyspace), default=True
        )

    return restart


def indexes(cql: Session, table: str) -> dict[str, str]:
    """index name -> indexed column."""
    rows = cql.execute(
        "SELECT index_name, options FROM system_schema.indexes WHERE keyspace_name = %s AND table_name = %s",
        [cql.keyspace, table],
    )
    return {r.index_name: r.options["target"] for r in rows}


def table_options(cql: Session, table: str) -> Any:
    return cql.execute(
        "SELECT * FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        [cql.keyspace, table],
    ).one()


# --------------------------------------------------------------------------- creating and re-syncing


async def test_sync_table_creates_the_table_and_its_indexes(flavour: Flavour, cql: Session) -> None:
    statements = await flavour(flavour.pick(Product, AsyncProduct).sync_table)
    assert [s.split(" IF NOT EXISTS")[0] for s in statements] == [
        "CREATE TABLE",
        "CREATE INDEX",
        "CREATE INDEX",
    ]
    assert column_schema(cql, "products") == {"id": "int", "name": "text", "brand": "text", "sku": "text"}
    assert indexes(cql, "products") == {"products_brand_idx": "brand", "product_by_sku": "sku"}


async def test_sync_table_is_idempotent(flavour: Flavour, cql: Session, next_deployment: Any) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour(model.sync_table)
    await flavour(model(id=1, name="kept").save)
    before = (column_schema(cql, "products"), indexes(cql, "products"))

    assert await flavour(model.sync_table) == []  # already synced by this driver: nothing to do
    next_deployment()
    statements = await flavour(model.sync_table)
    assert statements  # a new process does look at the schema ...
    assert all(" IF NOT EXISTS " in s for s in statements)  # ... and finds nothing to change

    assert (column_schema(cql, "products"), indexes(cql, "products")) == before
    assert (await flavour(model.get, id=1)).name == "kept"


async def test_dry_run_changes_nothing(flavour: Flavour, cql: Session) -> None:
    plan = await flavour(flavour.pick(Product, AsyncProduct).sync_table, dry_run=True)
    assert plan[0].startswith("CREATE TABLE IF NOT EXISTS")
    assert column_schema(cql, "products") == {}


async def test_a_new_model_field_adds_a_column_and_keeps_the_data(
    flavour: Flavour, cql: Session, next_deployment: Any
) -> None:
    v1, v2 = flavour.pick(Product, AsyncProduct), flavour.pick(ProductV2, AsyncProductV2)
    await flavour(v1.sync_table)
    await flavour(v1(id=1, name="widget", brand="acme").save)
    next_deployment()

    statements = await flavour(v2.sync_table)
    assert f'ALTER TABLE {cql.keyspace}.products ADD "rating" float' in statements
    assert column_schema(cql, "products")["rating"] == "float"
    got = await flavour(v2.get, id=1)
    assert (got.name, got.brand, got.rating) == ("widget", "acme", None)


# --------------------------------------------------------------------------- indexes


async def test_an_index_can_be_queried_by_its_column(flavour: Flavour) -> None:
    model = flavour.pick(Product, AsyncProduct)
    await flavour(model.sync_table)
    for i, (brand, sku) in enumerate([("acme", "A-1"), ("acme", "A-2"), ("other", "O-1")]):
        await flavour(model(id=i, brand=brand, sku=sku).save)
    assert sorted(p.sku for p in await flavour(model.find(brand="acme").all)) == ["A-1", "A-2"]
    assert [p.brand for p in await flavour(model.find(sku="O-1").all)] == ["other"]


async def test_a_custom_index_name_is_used(flavour: Flavour, cql: Session, cql_recorder: Any) -> None:
    await flavour(flavour.pick(Product, AsyncProduct).sync_table)
    assert "product_by_sku" in indexes(cql, "products")
    assert (
        f'CREATE INDEX IF NOT EXISTS product_by_sku ON {cql.keyspace}.products ("sku")'
        in cql_recorder.normalised()
    )


async def test_removed_indexes_stay_unless_asked(
    flavour: Flavour, cql: Session, next_deployment: Any
) -> None:
    v1, v2 = flavour.pick(Product, AsyncProduct), flavour.pick(ProductV2, AsyncProductV2)
    await flavour(v1.sync_table)
    next_deployment()
    await flavour(v2.sync_table)
    assert set(indexes(cql, "products")) == {"products_brand_idx", "product_by_sku"}


async def test_drop_removed_indexes(flavour: Flavour, cql: Session, next_deployment: Any) -> None:
    v1, v2 = flavour.pick(Product, AsyncProduct), flavour.pick(ProductV2, AsyncProductV2)
    await flavour(v1.sync_table)
    next_deployment()
    cql.execute("CREATE INDEX by_hand ON products (name)")

    statements = await flavour(v2.sync_table, drop_removed_indexes=True)
    assert sorted(s for s in statements if s.startswith("DROP")) == [
        f"DROP INDEX IF EXISTS {cql.keyspace}.by_hand",
        f"DROP INDEX IF EXISTS {cql.keyspace}.products_brand_idx",
    ]
    assert indexes(cql, "products") == {"product_by_sku": "sku"}


async def test_drop_removed_indexes_dry_run_only_plans(flavour: Flavour, cql: Session) -> None:
    v1, v2 = flavour.pick(Product, AsyncProduct), flavour.pick(ProductV2, AsyncProductV2)
    await flavour(v1.sync_table)
    plan = await flavour(v2.sync_table, dry_run=True, drop_removed_indexes=True)
    assert f"DROP INDEX IF EXISTS {cql.keyspace}.products_brand_idx" in plan
    assert "products_brand_idx" in indexes(cql, "products")


# --------------------------------------------------------------------------- table options


async def test_table_options_are_applied(flavour: Flavour, cql: Session) -> None:
    await flavour(flavour.pick(AuditLog, AsyncAuditLog).sync_table)
    options = table_options(cql, "audit_log")
    assert options.default_time_to_live == 86400
    assert options.gc_grace_seconds == 3600
    assert options.comment == "kept one day"
    assert options.compaction["class"].endswith("LeveledCompactionStrategy")


async def test_a_changed_option_is_altered(flavour: Flavour, cql: Session, next_deployment: Any) -> None:
    await flavour(flavour.pick(AuditLog, AsyncAuditLog).sync_table)
    next_deployment()
    statements = await flavour(flavour.pick(AuditLogV2, AsyncAuditLogV2).sync_table)
    assert f"ALTER TABLE {cql.keyspace}.audit_log WITH gc_grace_seconds = 7200" in statements
    assert table_options(cql, "audit_log").gc_grace_seconds == 7200


@pytest.mark.parametrize("option", ["gc_grace_seconds", "comment", "default_time_to_live"])
async def test_unchanged_options_are_not_altered(
    flavour: Flavour, cql: Session, next_deployment: Any, option: str
) -> None:
    model = flavour.pick(AuditLogV2, AsyncAuditLogV2)
    await flavour(model.sync_table)
    next_deployment()
    statements = await flavour(model.sync_table)
    assert not any(s.startswith("ALTER") and option in s for s in statements)
